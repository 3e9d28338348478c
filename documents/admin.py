"""Folders, documents, versions, shares, uploads and co-editing's storage in Django admin:
read-only.

Every change to them goes through the documents services (permissions, audit, events,
storage); admin is where IT staff look things up — who owns a folder, which versions a
document has and who it is shared with, how far a document's edit log is from its last
compaction, its named versions — not where they change them. Editing or deleting a
co-editing row by hand would break the document: an update log row is part of its
content until compacted, a state row points at its snapshot object, a named version at
its stored state.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Length
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The other parts register their models in their own modules.
from documents import admin_approval, admin_previews  # noqa: F401
from documents.models import (
    CollabState,
    Comment,
    Document,
    DocumentShare,
    DocumentUpdate,
    EditSpan,
    Folder,
    NamedSnapshot,
    PendingObject,
    UploadSession,
    Version,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(ReadOnlyInline):
    model = Version
    fields = ("number", "filename", "size", "content_type", "sha256", "source", "author",
              "created_at")  # fmt: skip
    readonly_fields = fields


class ShareInline(ReadOnlyInline):
    model = DocumentShare
    fields = ("role", "user", "department", "conversation", "created_by", "created_at")
    readonly_fields = fields


@admin.register(Folder)
class FolderAdmin(ReadOnlyAdmin):
    list_display = ["name", "parent", "owner_user", "owner_department", "owner_conversation",
                    "created_at"]  # fmt: skip
    list_select_related = ["parent", "owner_user", "owner_department", "owner_conversation"]
    search_fields = ["name", "owner_user__login", "owner_department__name"]
    raw_id_fields = ["parent", "owner_user", "owner_department", "owner_conversation",
                     "created_by"]  # fmt: skip


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "status", "registration_number", "folder", "created_by",
                    "updated_at", "in_bin"]  # fmt: skip
    list_filter = ["kind", "status", "agency"]
    list_select_related = ["folder", "created_by"]
    search_fields = ["name", "registration_number", "id"]
    raw_id_fields = ["folder", "current_version", "created_by"]
    inlines = [VersionInline, ShareInline]

    @admin.display(description=_("in the bin"), boolean=True)
    def in_bin(self, document: Document) -> bool:
        return document.deleted_at is not None


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    list_display = ["document", "number", "filename", "size", "content_type", "source",
                    "author", "created_at"]  # fmt: skip
    list_filter = ["source", "content_type"]
    list_select_related = ["document", "author"]
    search_fields = ["document__name", "filename", "sha256", "key"]
    raw_id_fields = ["document", "restored_from", "author"]


@admin.register(DocumentShare)
class ShareAdmin(ReadOnlyAdmin):
    list_display = ["document", "role", "user", "department", "conversation", "created_at"]
    list_filter = ["role"]
    list_select_related = ["document", "user", "department", "conversation"]
    raw_id_fields = ["document", "user", "department", "conversation", "created_by"]


@admin.register(UploadSession)
class UploadSessionAdmin(ReadOnlyAdmin):
    list_display = ["name", "size", "part_size", "created_by", "created_at", "expires_at"]
    list_select_related = ["created_by"]
    raw_id_fields = ["folder", "document", "created_by"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["document", "author", "created_at", "__str__"]
    list_select_related = ["document", "author"]
    raw_id_fields = ["document", "version", "author"]


# --- co-editing (docs/collab.md) ---------------------------------------------------------


@admin.register(CollabState)
class CollabStateAdmin(ReadOnlyAdmin):
    list_display = ["document", "snapshot_number", "snapshot_size", "log_rows", "compacted_at"]
    list_select_related = ["document"]
    search_fields = ["document__name", "document__id"]
    raw_id_fields = ["document"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CollabState]:
        rows = (
            DocumentUpdate.objects.filter(document=OuterRef("document"))
            .order_by()
            .values("document")
            .annotate(n=Count("seq"))
            .values("n")
        )
        return super().get_queryset(request).annotate(n_rows=Coalesce(Subquery(rows), 0))

    @admin.display(description=_("updates not compacted"), ordering="n_rows")
    def log_rows(self, state: CollabState) -> int:
        return getattr(state, "n_rows", 0)


@admin.register(DocumentUpdate)
class DocumentUpdateAdmin(ReadOnlyAdmin):
    list_display = ["seq", "document", "author", "size", "created_at"]
    list_select_related = ["document", "author"]
    search_fields = ["document__name", "document__id"]
    # The Yjs bytes are not shown: binary, and a part of the document's content.
    fields = ("seq", "document", "author", "size", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[DocumentUpdate]:
        return super().get_queryset(request).annotate(n_bytes=Length("data"))

    @admin.display(description=_("size, bytes"), ordering="n_bytes")
    def size(self, update: DocumentUpdate) -> int:
        return getattr(update, "n_bytes", 0)


@admin.register(EditSpan)
class EditSpanAdmin(ReadOnlyAdmin):
    list_display = ["document", "author", "started_at", "ended_at", "updates"]
    list_select_related = ["document", "author"]
    search_fields = ["document__name", "author__login"]
    raw_id_fields = ["document", "author"]


@admin.register(NamedSnapshot)
class NamedSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["name", "document", "size", "author", "created_at"]
    list_select_related = ["document", "author"]
    search_fields = ["name", "document__name"]
    raw_id_fields = ["document", "author"]


@admin.register(PendingObject)
class PendingObjectAdmin(ReadOnlyAdmin):
    """Objects being written, and those the orphan sweep will look at (documents.md)."""

    list_display = ["key", "created_at"]
    search_fields = ["key"]
