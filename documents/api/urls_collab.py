"""URLs of the documents API's collab part (documents/api/urls.py includes them)."""

from django.urls import path

from documents.api import views_collab as views

urlpatterns = [
    path("documents/<uuid:document_id>/edit-ticket", views.EditTicketView.as_view()),
    path("documents/<uuid:document_id>/snapshots", views.SnapshotListView.as_view()),
    path(
        "documents/<uuid:document_id>/snapshots/<uuid:snapshot_id>/restore",
        views.SnapshotRestoreView.as_view(),
    ),
    path("documents/<uuid:document_id>/history", views.HistoryView.as_view()),
    path("documents/<uuid:document_id>/export", views.ExportView.as_view()),
]
