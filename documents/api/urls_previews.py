"""URLs of the documents API's previews part (documents/api/urls.py includes them)."""

from django.urls import path

from documents.api import views_previews

urlpatterns = [
    path(
        "documents/<uuid:document_id>/versions/<uuid:version_id>/preview",
        views_previews.VersionPreviewView.as_view(),
        name="document-version-preview",
    ),
    path(
        "documents/<uuid:document_id>/versions/<uuid:version_id>/preview/retry",
        views_previews.VersionPreviewRetryView.as_view(),
        name="document-version-preview-retry",
    ),
    path(
        "documents/<uuid:document_id>/versions/<uuid:version_id>/pdf",
        views_previews.VersionPdfView.as_view(),
        name="document-version-pdf",
    ),
]
