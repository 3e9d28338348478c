"""Co-editing over REST: edit tickets, named versions, history, export (docs/collab.md)."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.api import serializers_collab as s
from documents.api.serializers_files import VersionOutput
from documents.collab import selectors
from documents.events.files import user_ref, version_payload
from documents.services import collab as services
from portal.api.context import SignedInRequest, request_context
from portal.api.pagination import SinglePage, page
from portal.api.serializers import validated

TAGS = ["documents"]


def _snapshot(snapshot: Any) -> dict[str, Any]:
    return {
        "id": snapshot.pk, "name": snapshot.name, "size": snapshot.size,
        "author": user_ref(snapshot.author), "created_at": snapshot.created_at,
    }  # fmt: skip


class EditTicketView(APIView):
    """A ticket for the editing socket, for clients that cannot set headers on it."""

    @extend_schema(request=None, responses={200: s.EditTicketOutput}, tags=TAGS)
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        issued = services.edit_ticket_issue(
            actor=request.user, session=request.auth, document_id=document_id
        )
        return Response(
            {
                "ticket": issued.ticket,
                "expires_at": issued.expires_at,
                "url": issued.url,
                "role": issued.role,
            }
        )


class SnapshotListView(APIView):
    """Named versions of a rich-text document, newest first (at most 1000)."""

    pagination_class = SinglePage

    @extend_schema(responses={200: s.SnapshotListOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        snapshots = selectors.snapshots_of(request.user, document_id)[:1000]
        return Response(page([_snapshot(x) for x in snapshots], next=None, previous=None))

    @extend_schema(request=s.SnapshotInput, responses={201: s.SnapshotOutput}, tags=TAGS)
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        data = validated(s.SnapshotInput, request.data)
        snapshot = services.snapshot_create(
            actor=request.user, document_id=document_id, name=data["name"],
            context=request_context(request),
        )  # fmt: skip
        return Response(_snapshot(snapshot), status=status.HTTP_201_CREATED)


class SnapshotRestoreView(APIView):
    """Make the document's content that of a named version; editors see it live."""

    @extend_schema(request=None, responses={200: s.SnapshotOutput}, tags=TAGS)
    def post(
        self, request: SignedInRequest, document_id: uuid.UUID, snapshot_id: uuid.UUID
    ) -> Response:
        snapshot = services.snapshot_restore(
            actor=request.user, document_id=document_id, snapshot_id=snapshot_id,
            context=request_context(request),
        )  # fmt: skip
        return Response(_snapshot(snapshot))


class HistoryView(APIView):
    """Who edited when, newest first (at most 1000 entries)."""

    pagination_class = SinglePage

    @extend_schema(responses={200: s.HistoryOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        entries = selectors.history_of(request.user, document_id)
        results = [
            {
                "author": user_ref(e.author),
                "started_at": e.started_at,
                "ended_at": e.ended_at,
                "updates": e.updates,
            }
            for e in entries
        ]
        return Response(page(results, next=None, previous=None))


class ExportView(APIView):
    """The current text as a new file version of the document: .md, .docx or .pdf."""

    @extend_schema(request=s.ExportInput, responses={201: VersionOutput}, tags=TAGS)
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        data = validated(s.ExportInput, request.data)
        version = services.document_export(
            actor=request.user, document_id=document_id, format=data["format"],
            context=request_context(request),
        )  # fmt: skip
        return Response(version_payload(version), status=status.HTTP_201_CREATED)
