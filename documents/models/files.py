"""Folders, documents, versions and shares."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from messaging.models import Conversation
from portal.accounts.models import Agency, Department

# A name is shown as given (up to this many characters); object keys never contain it.
MAX_NAME_CHARS = 1000


class Role(models.TextChoices):
    """What a person may do with a document, each role including the ones before it."""

    VIEWER = "viewer", _("viewer")
    COMMENTER = "commenter", _("commenter")
    EDITOR = "editor", _("editor")
    OWNER = "owner", _("owner")


ROLE_RANK: dict[str, int] = {Role.VIEWER: 0, Role.COMMENTER: 1, Role.EDITOR: 2, Role.OWNER: 3}


class Folder(models.Model):
    """A folder of documents, owned by exactly one user, department or conversation.

    A subfolder has its parent's owner (the services copy it down), so whether someone may
    see a folder is answered from the folder row alone: its user, the members of its
    department, or the current members of its conversation.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("name"), max_length=MAX_NAME_CHARS)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    owner_conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="folder_one_owner",
                condition=(
                    Q(owner_user__isnull=False, owner_department=None, owner_conversation=None)
                    | Q(owner_user=None, owner_department__isnull=False, owner_conversation=None)
                    | Q(owner_user=None, owner_department=None, owner_conversation__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """A document: a file with versions, or a rich-text document edited together
    (``kind``). ``current_version`` is the latest version (null only while the first
    upload of a new file is running). ``status`` moves through the approval workflow;
    ``registration_number`` is set once, on registration, and never reused."""

    class Kind(models.TextChoices):
        FILE = "file", _("file")
        RICH_TEXT = "rich_text", _("rich-text document")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_APPROVAL = "in_approval", _("in approval")
        RETURNED = "returned", _("returned for revision")
        REJECTED = "rejected", _("rejected")
        APPROVED = "approved", _("approved")
        REGISTERED = "registered", _("registered")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    folder = models.ForeignKey(Folder, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FILE)
    name = models.CharField(_("name"), max_length=MAX_NAME_CHARS)
    current_version = models.ForeignKey(
        "Version", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    registration_number = models.CharField(_("registration number"), max_length=100, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    # Set when moved to the bin; the object keys go when it is purged.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["name"]
        indexes = [models.Index(fields=["folder", "name"], name="document_folder_name_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "registration_number"],
                condition=~Q(registration_number=""),
                name="document_unique_registration",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Version(models.Model):
    """One version of a document's content, numbered from 1 per document, never changed
    once written. The bytes are the object ``key`` (at ``storage_version_id`` where the
    store keeps versions); ``sha256`` and ``content_type`` were computed from the bytes,
    never taken from the client. A restore writes a new version (``restored_from``)."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("upload")
        RESTORE = "restore", _("restore")
        EXPORT = "export", _("export")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    key = models.CharField(max_length=512)
    storage_version_id = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(_("type"), max_length=100)
    filename = models.CharField(_("file name"), max_length=MAX_NAME_CHARS)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UPLOAD)
    restored_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


class DocumentShare(models.Model):
    """A role on one document granted to one user, one department (its members, not its
    subdepartments) or one conversation (its current members). One share per grantee;
    deleting the row revokes it at once, because every access check reads these rows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="shares")
    role = models.CharField(max_length=16, choices=Role.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.CheckConstraint(
                name="share_one_grantee",
                condition=(
                    Q(user__isnull=False, department=None, conversation=None)
                    | Q(user=None, department__isnull=False, conversation=None)
                    | Q(user=None, department=None, conversation__isnull=False)
                ),
            ),
            models.UniqueConstraint(
                fields=["document", "user"],
                condition=Q(user__isnull=False),
                name="share_unique_user",
            ),
            models.UniqueConstraint(
                fields=["document", "department"],
                condition=Q(department__isnull=False),
                name="share_unique_department",
            ),
            models.UniqueConstraint(
                fields=["document", "conversation"],
                condition=Q(conversation__isnull=False),
                name="share_unique_conversation",
            ),
        ]
        indexes = [
            models.Index(fields=["user"], name="share_user_idx", condition=Q(user__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.role} on {self.document_id}"
