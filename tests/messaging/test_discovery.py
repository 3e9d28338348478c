"""Groups and channels open to the agency or the server: found and joined by members
themselves; private ones stay invisible."""

from __future__ import annotations

import pytest

from tests.factories.accounts import AgencyFactory, UserFactory
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


def _create(client, title, visibility):
    return client.post(
        "/api/v1/conversations",
        {"kind": "group", "title": title, "visibility": visibility},
        format="json",
    ).json()


def test_discover_and_join():
    ministry, other_agency = AgencyFactory.create(), AgencyFactory.create()
    owner = UserFactory.create(login="owner", agency=ministry)
    colleague = UserFactory.create(login="colleague", agency=ministry)
    stranger = UserFactory.create(login="stranger", agency=other_agency)
    owner_client = api_client(owner)
    agency_wide = _create(owner_client, "Профсоюз министерства", "agency")
    server_wide = _create(owner_client, "Объявления портала", "server")
    private = _create(owner_client, "Кадровый резерв", "private")

    colleague_client, stranger_client = api_client(colleague), api_client(stranger)
    found = {
        c["title"] for c in colleague_client.get("/api/v1/conversations/discover").json()["results"]
    }
    assert found == {"Профсоюз министерства", "Объявления портала"}
    found = {
        c["title"] for c in stranger_client.get("/api/v1/conversations/discover").json()["results"]
    }
    assert found == {"Объявления портала"}
    searched = colleague_client.get("/api/v1/conversations/discover", {"q": "проф"}).json()
    assert [c["title"] for c in searched["results"]] == ["Профсоюз министерства"]

    with capture_events() as captured:
        response = colleague_client.post(f"/api/v1/conversations/{agency_wide['id']}/join")
    assert response.status_code == 200
    [(payload, recipients)] = captured.of_type("membership")
    assert payload["op"] == "add" and recipients == {str(owner.pk), str(colleague.pk)}
    assert colleague_client.get(f"/api/v1/conversations/{agency_wide['id']}").status_code == 200
    # joined ones are no longer offered
    found = {
        c["title"] for c in colleague_client.get("/api/v1/conversations/discover").json()["results"]
    }
    assert found == {"Объявления портала"}

    for conversation in (agency_wide, private):
        response = stranger_client.post(f"/api/v1/conversations/{conversation['id']}/join")
        assert_api_error(response, 404, "conversation_not_found")
    assert (
        stranger_client.post(f"/api/v1/conversations/{server_wide['id']}/join").status_code == 200
    )


def test_own_conversations_are_found_by_title_or_by_the_partner_name(chat):
    direct = (
        chat.c["alice"]
        .post("/api/v1/conversations/direct", {"user_id": str(chat.bob.pk)}, format="json")
        .json()
    )

    def found(client, query):
        response = client.get("/api/v1/conversations", {"q": query})
        assert response.status_code == 200
        return {m["id"] for m in response.json()["results"]}

    assert found(chat.c["alice"], "бюджет") == {chat.id}
    assert found(chat.c["alice"], "совещание БЮДЖЕТ") == {chat.id}
    assert found(chat.c["alice"], "bob") == {direct["id"]}
    assert found(chat.c["alice"], "нет такого") == set()
    assert found(chat.c["outsider"], "бюджет") == set()
    # Alice's own name does not make every direct chat of hers match.
    assert found(chat.c["alice"], "alice") == set()
