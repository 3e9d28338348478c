"""Messages and what belongs to one message: its earlier versions, members' hiding of it,
reactions, its pin, thread followers and mentions; and the PostgreSQL-only pieces that
message search is stored with."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from messaging.models.conversations import Conversation


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
        TEXT = "text", pgettext_lazy("message kind", "text")
        SYSTEM = "system", pgettext_lazy("message kind", "system")

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
