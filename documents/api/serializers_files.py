"""Serializers of the files part: strict inputs, and outputs that document what
documents/events/files.py renders (the views answer those payloads)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from documents.models import Document, Role, Version
from documents.models.files import MAX_NAME_CHARS
from portal.api.serializers import StrictInput

OWNER_KINDS = ("user", "department", "conversation")


# --- Outputs -----------------------------------------------------------------------------------


class UserRefOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class PathItemOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class OwnerOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OWNER_KINDS)
    id = serializers.UUIDField()
    name = serializers.CharField()


class FolderOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    parent_id = serializers.UUIDField(allow_null=True)
    owner = OwnerOutput()
    role = serializers.ChoiceField(
        choices=Role.choices, help_text=_("What the folder's ownership lets the caller do")
    )
    path = PathItemOutput(many=True, help_text=_("From the root down to this folder"))
    created_at = serializers.DateTimeField()


class RootsOutput(serializers.Serializer):
    results = FolderOutput(many=True)


class VersionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.IntegerField(help_text=_("1, 2, … per document"))
    size = serializers.IntegerField(help_text=_("Bytes"))
    sha256 = serializers.CharField(help_text=_("Of the bytes, hex"))
    content_type = serializers.CharField(help_text=_("Detected from the bytes"))
    filename = serializers.CharField(help_text=_("As uploaded (control characters removed)"))
    # The metaclass moves declared fields off the class; mypy sees Field.source.
    source = serializers.ChoiceField(choices=Version.Source.choices)  # type: ignore[assignment]
    restored_from_id = serializers.UUIDField(allow_null=True)
    author = UserRefOutput(allow_null=True)
    created_at = serializers.DateTimeField()


class DocumentFieldsOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    folder_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=Document.Status.choices)
    registration_number = serializers.CharField(allow_blank=True)
    current_version = VersionOutput(allow_null=True)
    created_by = UserRefOutput(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DocumentOutput(DocumentFieldsOutput):
    role = serializers.ChoiceField(choices=Role.choices, help_text=_("The caller's role"))


class DocumentPageOutput(serializers.Serializer):
    results = DocumentOutput(many=True)
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class FolderContentsOutput(serializers.Serializer):
    folders = FolderOutput(many=True, help_text=_("Every subfolder, by name"))
    documents = DocumentPageOutput(help_text=_("Documents by name, a page at a time"))


class LinkOutput(serializers.Serializer):
    url = serializers.CharField(help_text=_("GET it (signed in as the caller) for the bytes"))
    expires_at = serializers.DateTimeField()


class UploadOutput(serializers.Serializer):
    id = serializers.UUIDField()
    part_size = serializers.IntegerField(
        help_text=_("Bytes in every part but the last (which holds the rest)")
    )
    parts = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("Numbers of the parts received")
    )
    size = serializers.IntegerField()
    expires_at = serializers.DateTimeField()


class PartOutput(serializers.Serializer):
    number = serializers.IntegerField()
    size = serializers.IntegerField()


class GranteeOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OWNER_KINDS)
    id = serializers.UUIDField()
    name = serializers.CharField()


class ShareOutput(serializers.Serializer):
    id = serializers.UUIDField()
    grantee = GranteeOutput()
    role = serializers.ChoiceField(choices=Role.choices)
    created_at = serializers.DateTimeField()


class CommentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    document_id = serializers.UUIDField()
    version_id = serializers.UUIDField(allow_null=True)
    author = UserRefOutput(allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


# --- Inputs ------------------------------------------------------------------------------------


class FolderInput(StrictInput):
    parent_id = serializers.UUIDField()
    name = serializers.CharField(max_length=MAX_NAME_CHARS, trim_whitespace=False)


class FolderPatchInput(StrictInput):
    name = serializers.CharField(max_length=MAX_NAME_CHARS, trim_whitespace=False, required=False)
    parent_id = serializers.UUIDField(
        required=False,
        help_text=_(
            "Move the folder into this one (editor on both; owner when it is another owner's tree)."
        ),
    )


class FileUploadInput(StrictInput):
    file = serializers.FileField(
        allow_empty_file=True, help_text=_("At most MAX_UPLOAD_BYTES; larger files: uploads")
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_NAME_CHARS, trim_whitespace=False,
        help_text=_("The document's name; the file name by default"),
    )  # fmt: skip


class VersionUploadInput(StrictInput):
    file = serializers.FileField(allow_empty_file=True)
    base_version_id = serializers.UUIDField(
        required=False,
        help_text=_("The version this one was made from: 412 if it is no longer current"),
    )


class RichTextInput(StrictInput):
    kind = serializers.ChoiceField(choices=[Document.Kind.RICH_TEXT])
    name = serializers.CharField(max_length=MAX_NAME_CHARS, trim_whitespace=False)


class DocumentPatchInput(StrictInput):
    name = serializers.CharField(required=False, max_length=MAX_NAME_CHARS, trim_whitespace=False)
    folder_id = serializers.UUIDField(required=False, help_text=_("Move (owners only)"))


class UploadInput(StrictInput):
    folder_id = serializers.UUIDField(required=False, help_text=_("For a new document"))
    document_id = serializers.UUIDField(required=False, help_text=_("For a new version"))
    name = serializers.CharField(max_length=MAX_NAME_CHARS, trim_whitespace=False)
    size = serializers.IntegerField(
        min_value=0, help_text=_("Bytes, declared up front; at most DOCUMENT_MAX_BYTES")
    )
    base_version_id = serializers.UUIDField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("folder_id" in attrs) == ("document_id" in attrs):
            raise serializers.ValidationError(_("Give either folder_id or document_id."))
        return attrs


class GranteeInput(StrictInput):
    kind = serializers.ChoiceField(choices=OWNER_KINDS)
    id = serializers.UUIDField()


class ShareInput(StrictInput):
    grantee = GranteeInput()
    role = serializers.ChoiceField(choices=Role.choices)


class SharePatchInput(StrictInput):
    role = serializers.ChoiceField(choices=Role.choices)


class CommentInput(StrictInput):
    body = serializers.CharField(max_length=10_000)
    version_id = serializers.UUIDField(required=False, allow_null=True)
