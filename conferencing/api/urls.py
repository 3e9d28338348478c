from django.urls import path

from conferencing.api import views

urlpatterns = [
    path("calls", views.CallListView.as_view(), name="calls"),
    path("calls/active", views.ActiveCallsView.as_view(), name="calls-active"),
    path("calls/ice-servers", views.IceServersView.as_view(), name="calls-ice-servers"),
    path("calls/<uuid:call_id>", views.CallDetailView.as_view(), name="call"),
    path("calls/<uuid:call_id>/accept", views.CallAcceptView.as_view(), name="call-accept"),
    path("calls/<uuid:call_id>/decline", views.CallDeclineView.as_view(), name="call-decline"),
    path("calls/<uuid:call_id>/cancel", views.CallCancelView.as_view(), name="call-cancel"),
    path("calls/<uuid:call_id>/hangup", views.CallHangupView.as_view(), name="call-hangup"),
]
