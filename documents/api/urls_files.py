"""URLs of the documents API's files part (documents/api/urls.py includes them)."""

from django.urls import path

from documents.api import views_files as v

urlpatterns = [
    path("documents/roots", v.RootsView.as_view(), name="document-roots"),
    path("documents/shared", v.SharedDocumentsView.as_view(), name="documents-shared"),
    path(
        "conversations/<uuid:conversation_id>/folder",
        v.ConversationFolderView.as_view(),
        name="conversation-folder",
    ),
    path("folders", v.FolderCreateView.as_view(), name="folders"),
    path("folders/<uuid:folder_id>", v.FolderDetailView.as_view(), name="folder"),
    path(
        "folders/<uuid:folder_id>/contents",
        v.FolderContentsView.as_view(),
        name="folder-contents",
    ),
    path(
        "folders/<uuid:folder_id>/documents",
        v.FolderDocumentsView.as_view(),
        name="folder-documents",
    ),
    path("documents/<uuid:document_id>", v.DocumentDetailView.as_view(), name="document"),
    path(
        "documents/<uuid:document_id>/versions",
        v.VersionListView.as_view(),
        name="document-versions",
    ),
    path(
        "documents/<uuid:document_id>/versions/<uuid:version_id>/restore",
        v.VersionRestoreView.as_view(),
        name="document-version-restore",
    ),
    path(
        "documents/<uuid:document_id>/versions/<uuid:version_id>/link",
        v.VersionLinkView.as_view(),
        name="document-version-link",
    ),
    path("uploads", v.UploadStartView.as_view(), name="uploads"),
    path("uploads/<uuid:upload_id>", v.UploadDetailView.as_view(), name="upload"),
    path(
        "uploads/<uuid:upload_id>/parts/<int:number>",
        v.UploadPartView.as_view(),
        name="upload-part",
    ),
    path(
        "uploads/<uuid:upload_id>/complete",
        v.UploadCompleteView.as_view(),
        name="upload-complete",
    ),
    path("documents/<uuid:document_id>/shares", v.ShareListView.as_view(), name="document-shares"),
    path(
        "documents/<uuid:document_id>/shares/<uuid:share_id>",
        v.ShareDetailView.as_view(),
        name="document-share",
    ),
    path(
        "documents/<uuid:document_id>/comments",
        v.CommentListView.as_view(),
        name="document-comments",
    ),
    path(
        "documents/<uuid:document_id>/comments/<uuid:comment_id>",
        v.CommentDetailView.as_view(),
        name="document-comment",
    ),
]
