"""Notifications for users who were not connected: the in-app list and the e-mail digest."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from messaging import presence
from messaging.models import Conversation, Message, Notification, NotificationSettings
from portal import clock
from portal.accounts.models import User
from portal.db import require_transaction

logger = logging.getLogger(__name__)

# A digest waits this long, so a notification read in the app meanwhile is not e-mailed.
DIGEST_DELAY = dt.timedelta(minutes=10)


def notifications_for_message(
    message: Message, *, mentioned: set[Any], member_ids: Iterable[Any] | None = None
) -> None:
    """Precondition: inside the sending transaction. Mentioned members and the other member
    of a direct chat get a notification if none of their devices is connected; connected
    ones are told by the message event itself. ``member_ids``: the current members, when
    the caller has just read them under the conversation's lock."""
    require_transaction("notifications_for_message")
    targets: dict[Any, str] = {uid: Notification.Kind.MENTION for uid in mentioned}
    conversation = message.conversation
    if conversation.kind == Conversation.Kind.DIRECT:
        if member_ids is None:
            member_ids = conversation.memberships.filter(left_at__isnull=True).values_list(
                "user_id", flat=True
            )
        for uid in member_ids:
            if uid != message.author_id:
                targets.setdefault(uid, Notification.Kind.DIRECT)
    offline = [uid for uid in targets if not presence.is_connected(uid)]
    Notification.objects.bulk_create(
        [
            Notification(user_id=uid, kind=targets[uid], conversation=conversation,
                         message=message, created_at=message.created_at)
            for uid in offline
        ],
        ignore_conflicts=True,
    )  # fmt: skip


def notifications_mark_read(*, actor: User, ids: list[int] | None) -> int:
    """Mark the actor's notifications read: these ids, or all of them (``None``)."""
    rows = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=clock.now())


def notification_settings_update(*, actor: User, email_digest: bool) -> NotificationSettings:
    row, _ = NotificationSettings.objects.update_or_create(
        user=actor, defaults={"email_digest": email_digest}
    )
    return row


def email_digests_send() -> int:
    """E-mail each user who asked for it one digest of their unread, not yet e-mailed
    notifications older than DIGEST_DELAY, through the agency's SMTP server. Does nothing
    unless e-mail is configured (EMAIL_HOST). Returns how many e-mails were sent."""
    if not settings.EMAIL_ENABLED:
        return 0
    due = (
        Notification.objects.filter(
            read_at__isnull=True,
            emailed_at__isnull=True,
            created_at__lte=clock.now() - DIGEST_DELAY,
            user__is_active=True,
            user__email__gt="",
            user_id__in=NotificationSettings.objects.filter(email_digest=True).values("user"),
        )
        .select_related("user", "conversation", "message", "message__author")
        .order_by("user_id", "id")[:5000]
    )
    by_user: dict[Any, list[Notification]] = defaultdict(list)
    for notification in due:
        by_user[notification.user_id].append(notification)
    sent = 0
    for items in by_user.values():
        user = items[0].user
        with translation.override(user.language):
            subject = ngettext(
                "Portal: %(count)d missed notification",
                "Portal: %(count)d missed notifications",
                len(items),
            ) % {"count": len(items)}
            lines = [_digest_line(n) for n in items]
            body = "\n".join([_("While you were away:"), "", *lines])
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:
            logger.exception("could not send a digest")  # retried on the next run
            continue
        with transaction.atomic():
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=clock.now())
        sent += 1
    return sent


def _digest_line(notification: Notification) -> str:
    # Only who and where: message text stays inside Portal.
    author = notification.message.author
    where = notification.conversation.title or _("direct chat")
    if notification.kind == Notification.Kind.MENTION:
        return _("%(author)s mentioned you in “%(where)s”") % {"author": author, "where": where}
    return _("%(author)s wrote to you") % {"author": author}
