"""The accounts app's Celery tasks, run as celery beat runs them: outside any request."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal import clock
from portal.accounts.models import AuthSession
from portal.accounts.services import auth_session_revoke
from portal.accounts.tasks import prune_expired_auth_sessions
from portal.audit.services import RequestContext
from tests.helpers import outside_a_request
from tests.helpers.api import sign_in

pytestmark = outside_a_request


def test_sessions_ended_over_30_days_ago_are_pruned(user, other_user):
    start = timezone.now()
    with clock.frozen(start):
        _, revoked = sign_in(user)
        auth_session_revoke(
            actor=user, session=revoked.session, reason="logout", context=RequestContext()
        )
        _, live = sign_in(other_user)
    with clock.frozen(start + dt.timedelta(days=29)):
        assert prune_expired_auth_sessions.apply().get() == 0
    with clock.frozen(start + dt.timedelta(days=31)):
        assert prune_expired_auth_sessions.apply().get() == 1
    assert list(AuthSession.objects.values_list("pk", flat=True)) == [live.session.pk]
