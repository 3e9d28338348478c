"""``manage.py send_test_event <login>``: publish a ``test.ping`` event to a user's stream,
to check that their connected clients receive events (docs/realtime.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.accounts.models import User
from portal.audit.services import RequestContext
from portal.realtime.services import test_event_send


class Command(BaseCommand):
    help = "Publish a test event to a user's event stream."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login")
        parser.add_argument("--text", default="", help="Free text carried by the event.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:  # by the login's canonical key, as sign-in finds it (portal/accounts/identity.py)
            user = User.objects.get_by_natural_key(options["login"])
        except User.DoesNotExist:
            raise CommandError(f"No user with login {options['login']!r}") from None
        event = test_event_send(
            actor=None, user=user, text=options["text"], context=RequestContext.system()
        )
        self.stdout.write(f"Published event {event.id} to {user.login}")
