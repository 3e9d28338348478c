"""Conversations, their members, and the object permissions members hold on them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Conversation(models.Model):
    """A direct chat (exactly one per pair of users), a group or a broadcast channel.

    ``last_seq`` is the sequence number of the newest message; each message takes the next
    one under a row lock, so numbers have no gaps.
    """

    class Kind(models.TextChoices):
        DIRECT = "direct", pgettext_lazy("conversation kind", "direct")
        GROUP = "group", pgettext_lazy("conversation kind", "group")
        CHANNEL = "channel", pgettext_lazy("conversation kind", "channel")

    class Visibility(models.TextChoices):
        PRIVATE = "private", pgettext_lazy("conversation visibility", "private")
        AGENCY = "agency", _("everyone in the agency")
        SERVER = "server", _("everyone on the server")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("agency"),
    )  # fmt: skip
    # Channels: may members comment in threads under posts.
    comments_enabled = models.BooleanField(_("comments allowed"), default=False)
    # Seconds after sending during which an author may edit; 0 means never.
    edit_window_seconds = models.PositiveIntegerField(_("edit window, seconds"), default=48 * 3600)
    # "<smaller user id>:<larger user id>" for direct chats, so each pair has one.
    direct_key = models.CharField(max_length=80, unique=True, null=True, editable=False)  # noqa: DJ001
    last_seq = models.BigIntegerField(default=0, editable=False)
    last_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at"]
        # What a role may do beyond reading (messaging/permissions.py maps roles to these).
        permissions = [
            ("post_message", "Post in the main timeline"),
            ("comment_in_threads", "Reply in threads where comments are allowed"),
            ("react", "React to messages and vote in polls"),
            ("mention_all", "Mention everyone in a large conversation"),
            ("pin_messages", "Pin and unpin messages"),
            ("moderate_messages", "Delete others' messages and close their polls"),
            ("manage_members", "Add and remove members and change roles below one's own"),
            ("change_settings", "Change the title, description, visibility and settings"),
            ("transfer_ownership", "Name a new owner"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.pk}"


class Membership(models.Model):
    """A user's place in a conversation: role, read position and personal settings.

    A member who left keeps the row with ``left_at`` set (history and receipts stay
    consistent); only rows with ``left_at`` null count as members.
    """

    class Role(models.TextChoices):
        OWNER = "owner", pgettext_lazy("member role", "owner")
        ADMIN = "admin", pgettext_lazy("member role", "admin")
        MEMBER = "member", pgettext_lazy("member role", "member")
        READ_ONLY = "read_only", pgettext_lazy("member role", "read-only")

    id = models.BigAutoField(primary_key=True)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(pgettext_lazy("membership", "left"), null=True, blank=True)
    last_read_seq = models.BigIntegerField(default=0)
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    pinned = models.BooleanField(pgettext_lazy("membership", "pinned"), default=False)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="membership_unique")
        ]
        indexes = [
            models.Index(fields=["user", "left_at"]),
            # The current members of one conversation, read by every send: without it the
            # planner may intersect the (user, left_at) index, which for a server with a
            # channel of 100,000 members means reading 100,000 entries per send.
            models.Index(
                fields=["conversation", "user"],
                condition=models.Q(left_at__isnull=True),
                name="membership_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id} ({self.role})"


class ConversationUserObjectPermission(UserObjectPermissionBase):
    """A permission one user holds on one conversation: django-guardian's direct foreign key,
    so the rows are indexed per conversation and go with it. Written only by
    ``services.conversations.member_permissions_set``, from the member's role."""

    # The (conversation, user) index below serves every lookup by conversation.
    content_object = models.ForeignKey(Conversation, on_delete=models.CASCADE, db_index=False)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("conversation permission of a user")
        verbose_name_plural = _("conversation permissions of users")
        indexes = [models.Index(fields=["content_object", "user"], name="conv_user_perm_idx")]


class ConversationGroupObjectPermission(GroupObjectPermissionBase):
    """A permission a group of users holds on one conversation (guardian's direct foreign
    key). Portal grants none itself; checks honour any that exist."""

    content_object = models.ForeignKey(Conversation, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("conversation permission of a group")
        verbose_name_plural = _("conversation permissions of groups")
