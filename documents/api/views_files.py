"""Folders, documents, versions, uploads, shares and comments over REST (docs/api.md,
"Documents: files"). Thin: each method validates its input, calls one service or
selector, and renders the payload of documents/events/files.py."""

from __future__ import annotations

import uuid
from typing import IO, Any, cast

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from documents.api import serializers_files as s
from documents.events.files import (
    document_payload,
    folder_path,
    folder_payload,
    share_payload,
    version_payload,
)
from documents.models import Document, Folder, Role
from documents.selectors import access_document, access_folder, folder_role
from documents.selectors_files import (
    documents_shared_with,
    folder_documents,
    roles_on,
    subfolders,
    versions_of,
)
from documents.services import comments, files, folders, shares, uploads, versions
from portal.api.context import SignedInRequest
from portal.api.pagination import Cursor, page
from portal.api.parsers import JSONParser, MultiPartParser
from portal.api.serializers import validated

TAGS = ["documents"]


class ByName(Cursor):
    ordering = ("name", "id")  # type: ignore[assignment]


class NewestShared(Cursor):
    ordering = ("-shared_at", "id")  # type: ignore[assignment]


class Newest(Cursor):
    ordering = ("-created_at", "id")  # type: ignore[assignment]


class Oldest(Cursor):
    ordering = ("created_at", "id")  # type: ignore[assignment]


class NewestVersion(Cursor):
    ordering = "-number"


def _folder(folder: Folder, role: str) -> dict[str, Any]:
    return folder_payload(folder, role=role)


def _documents_page(request: Request, view: APIView, documents: Any) -> dict[str, Any]:
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    rows = paginator.paginate_queryset(documents, request, view=view) or []
    roles = roles_on(request.user, rows)  # type: ignore[arg-type]
    return page(
        [document_payload(d, role=roles[d.pk]) for d in rows],
        next=paginator.get_next_link(),
        previous=paginator.get_previous_link(),
    )


def _upload(data: dict[str, Any]) -> UploadedFile:
    upload: UploadedFile = data["file"]
    return upload


# --- Folders -----------------------------------------------------------------------------------


class RootsView(APIView):
    """The caller's own root folder and their department's (made on first use)."""

    @extend_schema(responses={200: s.RootsOutput}, tags=TAGS)
    def get(self, request: SignedInRequest) -> Response:
        roots = folders.roots_of(request.user)
        return Response(
            {"results": [_folder(f, folder_role(request.user, f) or Role.VIEWER) for f in roots]}
        )


class ConversationFolderView(APIView):
    """The conversation's root folder (members only), made on first use."""

    @extend_schema(responses={200: s.FolderOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, conversation_id: uuid.UUID) -> Response:
        root = folders.conversation_root(actor=request.user, conversation_id=conversation_id)
        return Response(_folder(root, folder_role(request.user, root) or Role.VIEWER))


class FolderCreateView(APIView):
    @extend_schema(request=s.FolderInput, responses={201: s.FolderOutput}, tags=TAGS)
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.FolderInput, request.data)
        folder, role = folders.folder_create(
            actor=request.user, parent_id=data["parent_id"], name=data["name"]
        )
        return Response(_folder(folder, role), status=status.HTTP_201_CREATED)


class FolderDetailView(APIView):
    @extend_schema(responses={200: s.FolderOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, folder_id: uuid.UUID) -> Response:
        folder, role = access_folder(request.user, folder_id)
        return Response(_folder(folder, role))

    @extend_schema(request=s.FolderPatchInput, responses={200: s.FolderOutput}, tags=TAGS)
    def patch(self, request: SignedInRequest, folder_id: uuid.UUID) -> Response:
        data = validated(s.FolderPatchInput, request.data)
        folder, role = folders.folder_update(
            actor=request.user, folder_id=folder_id, name=data.get("name"),
            parent_id=data.get("parent_id"),
        )  # fmt: skip
        return Response(_folder(folder, role))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: SignedInRequest, folder_id: uuid.UUID) -> Response:
        folders.folder_delete(actor=request.user, folder_id=folder_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FolderContentsView(APIView):
    """Every subfolder, and a page of the folder's documents by name (``?cursor=``,
    ``?limit=`` page the documents)."""

    pagination_class = ByName

    @extend_schema(responses={200: s.FolderContentsOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, folder_id: uuid.UUID) -> Response:
        folder, role = access_folder(request.user, folder_id)
        path = folder_path(folder)
        return Response(
            {
                "folders": [
                    folder_payload(f, role=role, parent_path=path) for f in subfolders(folder)
                ],
                "documents": _documents_page(request, self, folder_documents(folder)),
            }
        )


# --- Documents ---------------------------------------------------------------------------------


class FolderDocumentsView(APIView):
    """A new document in the folder: multipart (``file``, optional ``name``; at most
    MAX_UPLOAD_BYTES, else use ``uploads``) for a file, JSON ``{"kind": "rich_text",
    "name"}`` for an empty rich-text document. Editors of the folder."""

    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        request={
            "multipart/form-data": s.FileUploadInput,
            "application/json": s.RichTextInput,
        },
        responses={201: s.DocumentOutput},
        tags=TAGS,
    )
    def post(self, request: SignedInRequest, folder_id: uuid.UUID) -> Response:
        if request.content_type.startswith("multipart/"):
            data = validated(s.FileUploadInput, request.data)
            upload = _upload(data)
            document = files.document_upload(
                actor=request.user, folder_id=folder_id, stream=upload,
                filename=upload.name or "", name=data.get("name", ""), length=upload.size,
            )  # fmt: skip
        else:
            data = validated(s.RichTextInput, request.data)
            document = files.document_create_rich_text(
                actor=request.user, folder_id=folder_id, name=data["name"]
            )
        return Response(document_payload(document, role=Role.OWNER), status=201)


class SharedDocumentsView(APIView):
    """Documents shared with the caller (directly, with their department or with a
    conversation they are in), the newest share first."""

    pagination_class = NewestShared

    @extend_schema(responses={200: s.DocumentOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest) -> Response:
        return Response(_documents_page(request, self, documents_shared_with(request.user)))


class DocumentDetailView(APIView):
    @extend_schema(responses={200: s.DocumentOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        document, role = access_document(request.user, document_id)
        return Response(document_payload(document, role=role))

    @extend_schema(request=s.DocumentPatchInput, responses={200: s.DocumentOutput}, tags=TAGS)
    def patch(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        data = validated(s.DocumentPatchInput, request.data)
        document, role = files.document_update(
            actor=request.user, document_id=document_id, name=data.get("name"),
            folder_id=data.get("folder_id"),
        )  # fmt: skip
        return Response(document_payload(document, role=role))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        files.document_delete(actor=request.user, document_id=document_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Versions ----------------------------------------------------------------------------------


class VersionListView(APIView):
    """The document's versions, newest first; a new version: multipart ``file`` (at most
    MAX_UPLOAD_BYTES) and ``base_version_id``, the version it was made from (412
    ``version_conflict`` if another was uploaded since: nothing is stored)."""

    pagination_class = NewestVersion
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: s.VersionOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        document, _ = access_document(request.user, document_id)
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(versions_of(document), request, view=self) or []
        return paginator.get_paginated_response([version_payload(v) for v in rows])

    @extend_schema(
        request={"multipart/form-data": s.VersionUploadInput},
        responses={201: s.VersionOutput},
        tags=TAGS,
    )
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        data = validated(s.VersionUploadInput, request.data)
        upload = _upload(data)
        version = files.version_upload(
            actor=request.user, document_id=document_id, stream=upload,
            filename=upload.name or "", base_version_id=data.get("base_version_id"),
            length=upload.size,
        )  # fmt: skip
        return Response(version_payload(version), status=status.HTTP_201_CREATED)


class VersionRestoreView(APIView):
    """Make a copy of this version the document's new version (editors)."""

    @extend_schema(request=None, responses={201: s.VersionOutput}, tags=TAGS)
    def post(
        self, request: SignedInRequest, document_id: uuid.UUID, version_id: uuid.UUID
    ) -> Response:
        version = versions.version_restore(
            actor=request.user, document_id=document_id, version_id=version_id
        )
        return Response(version_payload(version), status=status.HTTP_201_CREATED)


class VersionLinkView(APIView):
    """A download link to the version's bytes, for the caller only, valid
    DOWNLOAD_LINK_TTL seconds (at most 60) and only while they may still see the
    document; it supports one byte range."""

    @extend_schema(responses={200: s.LinkOutput}, tags=TAGS)
    def get(
        self, request: SignedInRequest, document_id: uuid.UUID, version_id: uuid.UUID
    ) -> Response:
        path, expires_at = versions.version_link(
            actor=request.user, document_id=document_id, version_id=version_id
        )
        return Response({"url": request.build_absolute_uri(path), "expires_at": expires_at})


# --- Resumable uploads -------------------------------------------------------------------------


class RawPartParser(BaseParser):
    """Parts are raw bytes (``application/octet-stream``); the view streams the body
    itself, so this parser only names the media type."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return stream


class UploadStartView(APIView):
    """Start a resumable upload of a file of ``size`` bytes (at most DOCUMENT_MAX_BYTES:
    413 before any byte): a new document in ``folder_id`` or a new version of
    ``document_id``. Then PUT its parts, then complete it."""

    @extend_schema(request=s.UploadInput, responses={201: s.UploadOutput}, tags=TAGS)
    def post(self, request: SignedInRequest) -> Response:
        data = validated(s.UploadInput, request.data)
        session = uploads.upload_start(
            actor=request.user, name=data["name"], size=data["size"],
            folder_id=data.get("folder_id"), document_id=data.get("document_id"),
            base_version_id=data.get("base_version_id"),
        )  # fmt: skip
        return Response(uploads.upload_payload(session), status=status.HTTP_201_CREATED)


class UploadDetailView(APIView):
    """The caller's upload: which parts arrived (resume by sending the others); DELETE
    cancels it."""

    @extend_schema(responses={200: s.UploadOutput}, tags=TAGS)
    def get(self, request: SignedInRequest, upload_id: uuid.UUID) -> Response:
        return Response(uploads.upload_payload(uploads.access_upload(request.user, upload_id)))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: SignedInRequest, upload_id: uuid.UUID) -> Response:
        uploads.upload_cancel(actor=request.user, upload_id=upload_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UploadPartView(APIView):
    """Part ``number`` of the upload as the raw body: exactly ``part_size`` bytes, the
    last part the rest. Sending a part again replaces it."""

    parser_classes = [RawPartParser]

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: s.PartOutput},
        tags=TAGS,
    )
    def put(self, request: SignedInRequest, upload_id: uuid.UUID, number: int) -> Response:
        # The body is read from Django's request stream in chunks (never request.body,
        # which is bounded by the JSON limit); the URL's body limit is the largest part.
        result = uploads.upload_part_put(
            actor=request.user,
            upload_id=upload_id,
            number=number,
            stream=cast(IO[bytes], request._request),
        )
        return Response(result)


class UploadCompleteView(APIView):
    """Join the parts: answers the new document (an upload to a folder) or the new
    version (an upload to a document; 412 if another version was made since its base)."""

    @extend_schema(
        request=None,
        responses={
            201: PolymorphicProxySerializer(
                component_name="UploadResult",
                serializers=[s.DocumentOutput, s.VersionOutput],
                resource_type_field_name=None,
            )
        },
        tags=TAGS,
    )
    def post(self, request: SignedInRequest, upload_id: uuid.UUID) -> Response:
        result = uploads.upload_complete(actor=request.user, upload_id=upload_id)
        if isinstance(result, Document):
            return Response(document_payload(result, role=Role.OWNER), status=201)
        return Response(version_payload(result), status=201)


# --- Shares ------------------------------------------------------------------------------------


class ShareListView(APIView):
    """Who the document is shared with (owners see the list; everyone else who sees the
    document gets 403), oldest first; POST shares it (owners)."""

    pagination_class = Oldest

    @extend_schema(responses={200: s.ShareOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        document, _ = access_document(request.user, document_id, role=Role.OWNER)
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(shares.shares_of(document), request, view=self)
        return paginator.get_paginated_response([share_payload(x) for x in rows or []])

    @extend_schema(
        request=s.ShareInput,
        responses={
            201: OpenApiResponse(s.ShareOutput, description="Shared now"),
            200: OpenApiResponse(s.ShareOutput, description="Shared before: the role set"),
        },
        tags=TAGS,
    )
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        data = validated(s.ShareInput, request.data)
        share, created = shares.share_add(
            actor=request.user, document_id=document_id,
            grantee_kind=data["grantee"]["kind"], grantee_id=data["grantee"]["id"],
            role=data["role"],
        )  # fmt: skip
        return Response(share_payload(share), status=201 if created else 200)


class ShareDetailView(APIView):
    @extend_schema(request=s.SharePatchInput, responses={200: s.ShareOutput}, tags=TAGS)
    def patch(
        self, request: SignedInRequest, document_id: uuid.UUID, share_id: uuid.UUID
    ) -> Response:
        data = validated(s.SharePatchInput, request.data)
        share = shares.share_update(
            actor=request.user, document_id=document_id, share_id=share_id, role=data["role"]
        )
        return Response(share_payload(share))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(
        self, request: SignedInRequest, document_id: uuid.UUID, share_id: uuid.UUID
    ) -> Response:
        shares.share_revoke(actor=request.user, document_id=document_id, share_id=share_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Comments ----------------------------------------------------------------------------------


class CommentListView(APIView):
    """The document's comments, newest first (everyone who sees it); POST comments
    (commenters and up), optionally on a version."""

    pagination_class = Newest

    @extend_schema(responses={200: s.CommentOutput(many=True)}, tags=TAGS)
    def get(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        document, _ = access_document(request.user, document_id)
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(comments.comments_of(document), request, view=self)
        return paginator.get_paginated_response([comments.comment_payload(c) for c in rows or []])

    @extend_schema(request=s.CommentInput, responses={201: s.CommentOutput}, tags=TAGS)
    def post(self, request: SignedInRequest, document_id: uuid.UUID) -> Response:
        data = validated(s.CommentInput, request.data)
        comment = comments.comment_add(
            actor=request.user, document_id=document_id, body=data["body"],
            version_id=data.get("version_id"),
        )  # fmt: skip
        return Response(comments.comment_payload(comment), status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(
        self, request: SignedInRequest, document_id: uuid.UUID, comment_id: uuid.UUID
    ) -> Response:
        comments.comment_delete(actor=request.user, document_id=document_id, comment_id=comment_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
