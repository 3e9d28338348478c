from django.urls import path

from messaging.api import attachments, discovery, notifications, views

urlpatterns = [
    path("sync", views.SyncView.as_view(), name="sync"),
    path("presence", views.PresenceView.as_view(), name="presence"),
    path("notifications", notifications.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/read",
        notifications.NotificationReadView.as_view(),
        name="notifications-read",
    ),
    path(
        "notifications/settings",
        notifications.NotificationSettingsView.as_view(),
        name="notification-settings",
    ),
    path("search/messages", views.SearchView.as_view(), name="search-messages"),
    path("conversations", views.ConversationListView.as_view(), name="conversations"),
    path("conversations/direct", views.DirectConversationView.as_view(), name="direct"),
    path("conversations/discover", discovery.DiscoverView.as_view(), name="discover"),
    path(
        "conversations/<uuid:conversation_id>/join",
        discovery.JoinView.as_view(),
        name="conversation-join",
    ),
    path(
        "conversations/<uuid:conversation_id>",
        views.ConversationDetailView.as_view(),
        name="conversation",
    ),
    path(
        "conversations/<uuid:conversation_id>/messages",
        views.MessageListView.as_view(),
        name="conversation-messages",
    ),
    path(
        "conversations/<uuid:conversation_id>/members",
        views.MembersView.as_view(),
        name="conversation-members",
    ),
    path(
        "conversations/<uuid:conversation_id>/members/<uuid:user_id>",
        views.MemberDetailView.as_view(),
        name="conversation-member",
    ),
    path(
        "conversations/<uuid:conversation_id>/settings",
        views.MemberSettingsView.as_view(),
        name="conversation-settings",
    ),
    path(
        "conversations/<uuid:conversation_id>/members/<uuid:user_id>/role",
        views.MemberRoleView.as_view(),
        name="conversation-member-role",
    ),
    path(
        "conversations/<uuid:conversation_id>/read",
        views.ReadView.as_view(),
        name="conversation-read",
    ),
    path(
        "conversations/<uuid:conversation_id>/scheduled",
        views.ScheduledListView.as_view(),
        name="conversation-scheduled",
    ),
    path(
        "scheduled-messages/<uuid:scheduled_id>",
        views.ScheduledDetailView.as_view(),
        name="scheduled-message",
    ),
    path(
        "conversations/<uuid:conversation_id>/polls",
        views.PollCreateView.as_view(),
        name="conversation-polls",
    ),
    path(
        "conversations/<uuid:conversation_id>/pins",
        views.PinnedView.as_view(),
        name="conversation-pins",
    ),
    path("messages/<uuid:message_id>/vote", views.PollVoteView.as_view(), name="poll-vote"),
    path("messages/<uuid:message_id>/close-poll", views.PollCloseView.as_view(), name="poll-close"),
    path("messages/<uuid:message_id>", views.MessageDetailView.as_view(), name="message"),
    path(
        "messages/<uuid:message_id>/reactions",
        views.ReactionsView.as_view(),
        name="message-reactions",
    ),
    path(
        "messages/<uuid:message_id>/reactions/<str:emoji>",
        views.ReactionDetailView.as_view(),
        name="message-reaction",
    ),
    path("messages/<uuid:message_id>/pin", views.PinView.as_view(), name="message-pin"),
    path("messages/<uuid:message_id>/hide", views.HideView.as_view(), name="message-hide"),
    path(
        "messages/<uuid:message_id>/edits", views.MessageEditsView.as_view(), name="message-edits"
    ),
    path("messages/<uuid:message_id>/thread", views.ThreadView.as_view(), name="message-thread"),
    path("messages/<uuid:message_id>/follow", views.FollowView.as_view(), name="message-follow"),
    path("messages/<uuid:message_id>/forward", views.ForwardView.as_view(), name="message-forward"),
    path(
        "conversations/<uuid:conversation_id>/attachments",
        attachments.AttachmentUploadView.as_view(),
        name="conversation-attachments",
    ),
    path(
        "attachments/<uuid:attachment_id>/link",
        attachments.AttachmentLinkView.as_view(),
        name="attachment-link",
    ),
]
