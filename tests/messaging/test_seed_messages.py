"""``manage.py seed_messages``, run as an operator runs it: outside any request."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db.models import Count, Max

from messaging.models import Conversation, Message
from tests.helpers import outside_a_request

pytestmark = outside_a_request


def test_fills_conversations_with_gapless_numbers(s3_server):
    call_command(
        "seed_messages", "--messages", "120", "--conversations", "3", "--users", "6",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert Message.objects.exclude(kind=Message.Kind.SYSTEM).count() == 120
    for conversation in Conversation.objects.annotate(
        n=Count("messages"), top=Max("messages__seq")
    ):
        assert conversation.n == conversation.top == conversation.last_seq
