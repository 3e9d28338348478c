from django.urls import path

from portal.accounts.api import avatar, views

urlpatterns = [
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/csrf", views.CsrfView.as_view(), name="auth-csrf"),
    path("auth/session", views.BrowserSessionView.as_view(), name="auth-session"),
    path("auth/sessions", views.SessionListView.as_view(), name="auth-sessions"),
    path(
        "auth/sessions/revoke-others",
        views.RevokeOtherSessionsView.as_view(),
        name="auth-sessions-revoke-others",
    ),
    path(
        "auth/sessions/<uuid:session_id>",
        views.SessionDetailView.as_view(),
        name="auth-session-detail",
    ),
    path("auth/2fa", views.TwoFactorStatusView.as_view(), name="2fa-status"),
    path("auth/2fa/enrol", views.TwoFactorEnrolView.as_view(), name="2fa-enrol"),
    path("auth/2fa/confirm", views.TwoFactorConfirmView.as_view(), name="2fa-confirm"),
    path("auth/2fa/disable", views.TwoFactorDisableView.as_view(), name="2fa-disable"),
    path("auth/2fa/recovery-codes", views.RecoveryCodesView.as_view(), name="2fa-recovery-codes"),
    path("me", views.MeView.as_view(), name="me"),
    path("me/password", views.PasswordView.as_view(), name="me-password"),
    path("me/avatar", avatar.AvatarView.as_view(), name="me-avatar"),
    path("users", views.DirectoryView.as_view(), name="users"),
    path("users/<uuid:user_id>", views.UserDetailView.as_view(), name="user-detail"),
    path("agencies", views.AgencyListView.as_view(), name="agencies"),
    path(
        "agencies/<uuid:agency_id>/departments",
        views.DepartmentListView.as_view(),
        name="agency-departments",
    ),
]
