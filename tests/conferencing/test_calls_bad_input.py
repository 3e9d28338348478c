"""The bad inputs of one-to-one calls over REST, each its own test: a clear error in the
documented format, nothing changed, nothing learnt. (The socket's bad inputs — signals
from outside the call, for an ended call, malformed, flooding, over 64 KB — are in
test_signalling_live.py; two accepts at once in test_calls_services.py.)"""

from __future__ import annotations

import uuid

from conferencing.models import Call
from messaging.models import Conversation
from portal.realtime.models import Event
from tests.conferencing.test_calls_api import start
from tests.factories.accounts import UserFactory
from tests.helpers.api import assert_api_error


def test_calling_yourself_is_refused(scene):
    assert_api_error(start(scene.c["alice"], scene.alice), 400, "call_self")
    assert not Call.objects.exists() and not Event.objects.exists()


def test_calling_a_user_you_may_not_see_is_404(scene):
    gone = UserFactory.create(login="gone")
    gone.is_active = False
    gone.save()
    robot = UserFactory.create(login="robot", is_bot=True)
    for invisible in (gone, robot):
        assert_api_error(start(scene.c["alice"], invisible), 404, "user_not_found")
    never = scene.c["alice"].post(
        "/api/v1/calls", {"kind": "audio", "callee_id": str(uuid.uuid4())}, format="json"
    )
    assert assert_api_error(never, 404, "user_not_found") == assert_api_error(
        start(scene.c["alice"], gone), 404, "user_not_found"
    )  # a deactivated user and one that never was answer alike
    assert not Call.objects.exists()
    assert not Conversation.objects.filter(kind="direct").exists()


def test_calling_in_a_conversation_you_are_not_in_is_404(scene):
    from messaging.services import direct_conversation

    theirs = direct_conversation(actor=scene.bob, other=scene.carol)
    response = scene.c["alice"].post(
        "/api/v1/calls", {"kind": "audio", "conversation_id": str(theirs.pk)}, format="json"
    )
    assert_api_error(response, 404, "conversation_not_found")
    assert not Call.objects.exists()


def test_accepting_a_call_that_is_not_yours_is_404(scene):
    call = start(scene.c["alice"], scene.bob).json()
    before = Event.objects.count()
    response = scene.c["carol"].post(f"/api/v1/calls/{call['id']}/accept")
    assert_api_error(response, 404, "call_not_found")
    assert Call.objects.get(pk=call["id"]).state == "ringing"
    assert Event.objects.count() == before  # nobody heard of anything


def test_an_unknown_call_id_is_404_everywhere(scene):
    unknown = uuid.uuid4()
    for action in ("accept", "decline", "cancel", "hangup"):
        response = scene.c["bob_phone"].post(f"/api/v1/calls/{unknown}/{action}")
        assert_api_error(response, 404, "call_not_found")
    assert_api_error(scene.c["bob_phone"].get(f"/api/v1/calls/{unknown}"), 404, "call_not_found")
    # Not a UUID at all: the URL does not match; the API's 404.
    assert scene.c["bob_phone"].get("/api/v1/calls/not-a-call").status_code == 404
