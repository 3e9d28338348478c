from django.urls import path

from conferencing.api import views_conferences as v

_one = "conferences/<uuid:conference_id>"
_participant = f"{_one}/participants/<uuid:participant_id>"

urlpatterns = [
    path("conferences", v.ConferenceListView.as_view(), name="conferences"),
    path("conferences/guest-join", v.GuestJoinView.as_view(), name="conference-guest-join"),
    path(_one, v.ConferenceDetailView.as_view(), name="conference"),
    path(f"{_one}/invitation.ics", v.InvitationView.as_view(), name="conference-invitation"),
    path(f"{_one}/join", v.JoinView.as_view(), name="conference-join"),
    path(f"{_one}/leave", v.LeaveView.as_view(), name="conference-leave"),
    path(f"{_one}/me", v.SelfView.as_view(), name="conference-self"),
    path(f"{_one}/participants", v.ParticipantListView.as_view(), name="conference-participants"),
    path(f"{_one}/ice-servers", v.ConferenceIceServersView.as_view(), name="conference-ice"),
    path(f"{_participant}/remove", v.ParticipantRemoveView.as_view(), name="conference-remove"),
    path(f"{_participant}/admit", v.ParticipantAdmitView.as_view(), name="conference-admit"),
    path(f"{_one}/mute", v.MuteView.as_view(), name="conference-mute"),
    path(f"{_one}/lock", v.LockView.as_view(), name="conference-lock"),
    path(f"{_one}/moderators", v.ModeratorAddView.as_view(), name="conference-moderators"),
    path(f"{_one}/end", v.EndView.as_view(), name="conference-end"),
    path(f"{_one}/guest-links", v.GuestLinkView.as_view(), name="conference-guest-links"),
    path(
        f"{_one}/guest-links/<uuid:link_id>/revoke",
        v.GuestLinkRevokeView.as_view(),
        name="conference-guest-link-revoke",
    ),
]
