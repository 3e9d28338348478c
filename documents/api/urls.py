"""The documents API: files and sharing, co-editing, the approval workflow."""

from django.urls import include, path

urlpatterns = [
    path("", include("documents.api.urls_files")),
    path("", include("documents.api.urls_collab")),
    path("", include("documents.api.urls_approval")),
    path("", include("documents.api.urls_previews")),
]
