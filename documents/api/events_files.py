"""The events of the files part (documents/events/files.py) as the schema documents them;
registered with the gateway by ``DocumentsConfig.ready``."""

from __future__ import annotations

from rest_framework import serializers

from documents.api.serializers_files import DocumentFieldsOutput, ShareOutput, VersionOutput
from portal.api.events_schema import const


class DocumentEvent(serializers.Serializer):
    """``document.add`` / ``document.update``: the document as everyone who sees it sees
    it (no ``role``: read it with ``GET documents/{id}``)."""

    type = const("document")
    op = const("add", "update")
    document = DocumentFieldsOutput()


class DocumentRemoveEvent(serializers.Serializer):
    """``document.remove``: put in the bin, or moved where the recipient no longer sees it."""

    type = const("document")
    op = const("remove")
    document_id = serializers.UUIDField()
    folder_id = serializers.UUIDField()


class DocumentVersionEvent(serializers.Serializer):
    """``document_version.add``: a new version (upload, restore, export) is current."""

    type = const("document_version")
    op = const("add")
    document_id = serializers.UUIDField()
    version = VersionOutput()


class DocumentShareEvent(serializers.Serializer):
    """``document_share.add`` / ``update`` / ``remove``: to everyone who sees the document,
    the grantees included (before a revoke takes their access away)."""

    type = const("document_share")
    op = const("add", "update", "remove")
    document_id = serializers.UUIDField()
    share = ShareOutput()


EVENTS = {
    "document.add": DocumentEvent,
    "document.update": DocumentEvent,
    "document.remove": DocumentRemoveEvent,
    "document_version.add": DocumentVersionEvent,
    "document_share.add": DocumentShareEvent,
    "document_share.update": DocumentShareEvent,
    "document_share.remove": DocumentShareEvent,
}
