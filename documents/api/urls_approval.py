"""URLs of the documents API's approval part (documents/api/urls.py includes them)."""

from django.urls import path

from documents.api import views_approval as views

urlpatterns = [
    path("approval-templates", views.TemplateListView.as_view(), name="approval-templates"),
    path(
        "approval-templates/<uuid:template_id>",
        views.TemplateDetailView.as_view(),
        name="approval-template",
    ),
    path("approvals/inbox", views.InboxView.as_view(), name="approval-inbox"),
    path("approval-delegations", views.DelegationListView.as_view(), name="approval-delegations"),
    path(
        "approval-delegations/<uuid:delegation_id>",
        views.DelegationDetailView.as_view(),
        name="approval-delegation",
    ),
    path("documents/<uuid:document_id>/route", views.RouteView.as_view(), name="document-route"),
    path(
        "documents/<uuid:document_id>/routes",
        views.RouteHistoryView.as_view(),
        name="document-routes",
    ),
    path(
        "documents/<uuid:document_id>/route/decide",
        views.DecideView.as_view(),
        name="document-route-decide",
    ),
    path(
        "documents/<uuid:document_id>/route/cancel",
        views.CancelView.as_view(),
        name="document-route-cancel",
    ),
]
