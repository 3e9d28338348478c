from django.urls import path

from portal.devices.api import admin_views, views

urlpatterns = [
    path("devices/checkin", views.CheckinView.as_view(), name="device-checkin"),
    path(
        "devices/commands/<uuid:command_id>/ack",
        views.CommandAckView.as_view(),
        name="device-command-ack",
    ),
    path("admin/devices", admin_views.DeviceListView.as_view(), name="admin-devices"),
    path(
        "admin/devices/<uuid:device_id>",
        admin_views.DeviceDetailView.as_view(),
        name="admin-device",
    ),
    path(
        "admin/devices/<uuid:device_id>/commands",
        admin_views.DeviceCommandsView.as_view(),
        name="admin-device-commands",
    ),
    path(
        "admin/devices/<uuid:device_id>/reenrol",
        admin_views.DeviceReenrolView.as_view(),
        name="admin-device-reenrol",
    ),
    path("admin/policies", admin_views.PolicyListView.as_view(), name="admin-policies"),
    path(
        "admin/policies/<uuid:policy_id>",
        admin_views.PolicyDetailView.as_view(),
        name="admin-policy",
    ),
    path(
        "admin/policies/<uuid:policy_id>/assignments",
        admin_views.PolicyAssignView.as_view(),
        name="admin-policy-assign",
    ),
    path(
        "admin/policy-assignments/<uuid:assignment_id>",
        admin_views.AssignmentDetailView.as_view(),
        name="admin-policy-assignment",
    ),
    path(
        "admin/users/<uuid:user_id>/effective-policy",
        admin_views.UserEffectivePolicyView.as_view(),
        name="admin-user-effective-policy",
    ),
]
