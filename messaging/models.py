"""Conversations, their members and their messages."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Conversation(models.Model):
    """A direct chat (exactly one per pair of users), a group or a broadcast channel.

    ``last_seq`` is the sequence number of the newest message; each message takes the next
    one under a row lock, so numbers have no gaps.
    """

    class Kind(models.TextChoices):
        DIRECT = "direct", _("direct")
        GROUP = "group", _("group")
        CHANNEL = "channel", _("channel")

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("private")
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
        OWNER = "owner", _("owner")
        ADMIN = "admin", _("admin")
        MEMBER = "member", _("member")
        READ_ONLY = "read_only", _("read-only")

    id = models.BigAutoField(primary_key=True)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    last_read_seq = models.BigIntegerField(default=0)
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="membership_unique")
        ]
        indexes = [models.Index(fields=["user", "left_at"])]

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


class PostgresGinIndex(GinIndex):
    """A GIN index on PostgreSQL; other databases (SQLite in embedded mode, which has no
    full-text search of this kind) get no index at all."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return ""
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model: Any, schema_editor: Any, **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return ""
        return super().remove_sql(model, schema_editor, **kwargs)


# What messaging.search matches: the body stemmed in Russian and in English.
SEARCH_VECTOR = SearchVector("body", config="russian") + SearchVector("body", config="english")


class PostgresOnly(models.Func):
    """The wrapped expression on PostgreSQL, NULL on any other database.

    For ``Message.search_vector``: SQLite (embedded mode) has no ``to_tsvector``, so there
    the generated column exists but holds NULL. The model, its migrations and every query
    stay the same on both databases; only search itself differs (substring matching on
    SQLite, which never reads the column). Leaving the column out on SQLite instead (a
    field without a database type) would not work: Django would still select it.
    """

    template = "(%(expressions)s)"

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **kwargs: Any) -> Any:
        if connection.vendor != "postgresql":
            return "NULL", []
        return super().as_sql(compiler, connection, *args, **kwargs)


class Message(models.Model):
    """One message. ``seq`` numbers a conversation's messages from 1 without gaps;
    ``(author, client_id)`` is unique, so a retried send creates nothing new.

    ``body`` is the Markdown source and ``body_html`` its sanitised rendering; a message
    deleted for everyone keeps its row as a tombstone with both emptied and no edit
    history. ``edit_count`` is the number of earlier versions kept in ``edits``.
    """

    class Kind(models.TextChoices):
        TEXT = "text", _("text")
        SYSTEM = "system", _("system")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.BigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    client_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # System messages: what happened, as data (e.g. {"event": "member_added", "user": ...}).
    system = models.JSONField(default=dict, blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Thread replies point at their root; the root counts them.
    thread_root = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="thread_replies"
    )
    reply_count = models.PositiveIntegerField(default=0)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    # A forwarded copy names where it came from: {"message_id", "author_id", "conversation_id"}.
    forwarded_from = models.JSONField(null=True, blank=True)
    # What the author mentioned: {"users": [...], "departments": [...], "all": bool}.
    mentions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Computed and stored by PostgreSQL on every write, so search neither parses bodies
    # to match nor to rank; NULL on SQLite (see PostgresOnly).
    search_vector = models.GeneratedField(
        expression=PostgresOnly(SEARCH_VECTOR), output_field=SearchVectorField(),
        db_persist=True,
    )  # fmt: skip

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            # Search for a member of a few conversations: conversation and words meet in
            # one index (btree_gin), so neither is read in full (docs/performance.md).
            PostgresGinIndex(fields=["conversation", "search_vector"], name="message_search_gin"),
            # Search for a member of many: the newest matches, read newest first.
            models.Index(fields=["created_at"], name="message_created_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["author", "client_id"], name="message_client_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} in {self.conversation_id}"


class MessageEdit(models.Model):
    """One earlier version of an edited message, written in the same transaction as the
    edit that replaced it: the text as it was, when it was written (sent or last edited)
    and by whom. Deleting the message for everyone deletes these rows too."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField()
    body_html = models.TextField()
    written_at = models.DateTimeField()
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("earlier version of a message")
        verbose_name_plural = _("earlier versions of messages")

    def __str__(self) -> str:
        return f"version of {self.message_id} from {self.written_at:%Y-%m-%d %H:%M}"


class HiddenMessage(models.Model):
    """A message one member deleted "for me": it stays for everyone else and leaves that
    member's history, threads, search and last-message preview (at most one row per pair)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("message hidden by a member")
        verbose_name_plural = _("messages hidden by members")
        constraints = [
            models.UniqueConstraint(fields=["user", "message"], name="hidden_message_unique")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} hidden by {self.user_id}"


class Reaction(models.Model):
    """One user's reaction with one emoji to one message (at most one per emoji)."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"


class Pin(models.Model):
    """A message pinned in its conversation by an administrator."""

    id = models.BigAutoField(primary_key=True)
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="pin")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="pins")
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pinned message")
        verbose_name_plural = _("pinned messages")

    def __str__(self) -> str:
        return f"pin of {self.message_id}"


class ThreadFollow(models.Model):
    """A user follows a thread (authors of the root and of replies follow automatically)."""

    id = models.BigAutoField(primary_key=True)
    root = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["root", "user"], name="thread_follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.root_id}"


class Mention(models.Model):
    """A member a message mentions (directly, through a department, or with @all)."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentioned")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    seq = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_unique")]
        indexes = [models.Index(fields=["user", "conversation", "seq"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.message_id}"


class ScheduledMessage(models.Model):
    """A message to be sent later by its author. Celery beat sends due ones every
    half-minute (``messaging.tasks.send_scheduled_messages``)."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=100)
    body = models.TextField()
    mentions = models.JSONField(default=dict, blank=True)
    send_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, related_name="+")
    error = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("scheduled message")
        verbose_name_plural = _("scheduled messages")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="scheduled_client_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state} at {self.send_at:%Y-%m-%d %H:%M}"


class Poll(models.Model):
    """A poll posted as a message: 2–10 options, single or multiple choice, anonymous or
    not; closed by its author or an administrator, after which votes are refused."""

    id = models.BigAutoField(primary_key=True)
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(max_length=300)
    options = models.JSONField()
    multiple = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.question


class PollVote(models.Model):
    id = models.BigAutoField(primary_key=True)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    option = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "user", "option"], name="poll_vote_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.option}"


class Notification(models.Model):
    """Something a user should see although no device of theirs was connected: a mention
    (even in a muted conversation) or a direct message. Read in the app's notification
    list; optionally e-mailed in a digest."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("mention")
        DIRECT = "direct", _("direct message")

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "message"], name="notification_unique")
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class NotificationSettings(models.Model):
    """A user's notification preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    email_digest = models.BooleanField(_("e-mail digest of missed notifications"), default=False)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class Attachment(models.Model):
    """A file uploaded to a conversation, kept in object storage under
    ``attachments/<conversation id>/<attachment id>/`` as ``original`` (and ``thumbnail``,
    a WebP, for images once ``has_thumbnail`` is set).

    ``content_type`` was detected from the bytes, never taken from the client. An upload is
    unbound (``message`` null, visible to its uploader only) until they send a message with
    it; it is then bound to that one message for good. Unbound uploads older than a day and
    attachments of deleted messages are purged with their objects
    (``messaging.tasks.purge_attachments``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    content_type = models.CharField(_("type"), max_length=100)
    has_thumbnail = models.BooleanField(default=False)
    # Place among the message's attachments, in the order the author listed them.
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return self.filename
