"""Polls: single and multiple choice, anonymous results, closing."""

from __future__ import annotations

import pytest

from tests.helpers.api import assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def _poll(client, conversation_id, **extra):
    body = {"client_id": "poll-1", "question": "Когда совещание?",
            "options": ["Понедельник", "Среда", "Пятница"], **extra}  # fmt: skip
    return client.post(f"/api/v1/conversations/{conversation_id}/polls", body, format="json")


def test_single_choice_poll(chat):
    message = _poll(chat.c["owner"], chat.id).json()
    vote_url = f"/api/v1/messages/{message['id']}/vote"
    with capture_events() as captured:
        result = chat.c["alice"].post(vote_url, {"options": [1]}, format="json").json()
    assert [o["votes"] for o in result["poll"]["options"]] == [0, 1, 0]
    assert result["poll"]["options"][1]["voter_ids"] == [str(chat.alice.pk)]
    [(payload, recipients)] = captured.of_type("poll")
    assert len(recipients) == 3 and payload["poll"]["options"][1]["votes"] == 1
    # changing the vote replaces it
    result = chat.c["alice"].post(vote_url, {"options": [2]}, format="json").json()
    assert [o["votes"] for o in result["poll"]["options"]] == [0, 0, 1]
    assert_api_error(chat.c["bob"].post(vote_url, {"options": [0, 1]}, format="json"), 400,
                     "invalid_vote")  # fmt: skip
    assert_api_error(chat.c["bob"].post(vote_url, {"options": [7]}, format="json"), 400,
                     "invalid_vote")  # fmt: skip
    assert_api_error(chat.c["outsider"].post(vote_url, {"options": [0]}, format="json"), 404,
                     "message_not_found")  # fmt: skip


def test_multiple_anonymous_poll_and_closing(chat):
    message = _poll(chat.c["alice"], chat.id, multiple=True, anonymous=True).json()
    vote_url = f"/api/v1/messages/{message['id']}/vote"
    result = chat.c["bob"].post(vote_url, {"options": [0, 2]}, format="json").json()
    assert [o["votes"] for o in result["poll"]["options"]] == [1, 0, 1]
    assert all(o["voter_ids"] == [] for o in result["poll"]["options"])
    close_url = f"/api/v1/messages/{message['id']}/close-poll"
    assert_api_error(chat.c["bob"].post(close_url), 403, "not_conversation_admin")
    assert chat.c["alice"].post(close_url).json()["poll"]["closed"] is True
    assert_api_error(chat.c["owner"].post(vote_url, {"options": [1]}, format="json"), 409,
                     "poll_closed")  # fmt: skip
    history = chat.c["owner"].get(f"/api/v1/conversations/{chat.id}/messages").json()
    [poll] = [m["poll"] for m in history["results"] if m["id"] == message["id"]]
    assert poll["closed"] and poll["options"][0]["votes"] == 1


@pytest.mark.parametrize(
    "options", [["Один"], ["Да", "Да"], [str(i) for i in range(11)], ["Да", " "]]
)
def test_bad_polls_are_refused(chat, options):
    response = _poll(chat.c["owner"], chat.id, options=options)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_poll", "validation_failed"}


def test_voting_on_a_plain_message_is_400(chat):
    from tests.messaging.conftest import send

    message = send(chat.c["alice"], chat.id).json()
    response = chat.c["bob"].post(
        f"/api/v1/messages/{message['id']}/vote", {"options": [0]}, format="json"
    )
    assert_api_error(response, 400, "invalid_vote")


def test_the_caller_reads_their_own_choice_also_in_an_anonymous_poll(chat):
    message = _poll(chat.c["alice"], chat.id, multiple=True, anonymous=True).json()
    vote_url = f"/api/v1/messages/{message['id']}/vote"
    assert chat.c["bob"].get(vote_url).json() == {"options": []}
    chat.c["bob"].post(vote_url, {"options": [2, 0]}, format="json")
    assert chat.c["bob"].get(vote_url).json() == {"options": [0, 2]}
    assert chat.c["alice"].get(vote_url).json() == {"options": []}  # nobody else's
    chat.c["bob"].post(vote_url, {"options": []}, format="json")
    assert chat.c["bob"].get(vote_url).json() == {"options": []}
    assert_api_error(chat.c["outsider"].get(vote_url), 404, "message_not_found")
    assert_api_error(chat.c["bob"].get("/api/v1/messages/not-a-uuid/vote"), 404, "not_found")

    from tests.messaging.conftest import send

    plain = send(chat.c["alice"], chat.id).json()
    assert_api_error(chat.c["bob"].get(f"/api/v1/messages/{plain['id']}/vote"), 400,
                     "invalid_vote")  # fmt: skip
