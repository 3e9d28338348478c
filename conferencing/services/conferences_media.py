"""The media topology of a conference: a peer-to-peer mesh while it is small, a Janus
VideoRoom room beyond CONFERENCE_MESH_MAX participants.

Called by the participant services inside their transaction, with the conference row
locked, so two joins never both create a room. A Janus failure raises
MediaServerUnavailable and rolls the change back (nobody joins a room that is not there).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings

from conferencing.exceptions_conferences import ConferenceFull, MediaServerUnavailable
from conferencing.janus import NO_SUCH_ROOM, Janus, JanusError, janus
from conferencing.models import Conference, Participant

logger = logging.getLogger(__name__)

# Janus room and feed ids are integers; below 2**53 so that JavaScript clients hold them.
_ID_LIMIT = 2**53


def new_media_id() -> int:
    return secrets.randbelow(_ID_LIMIT - 1) + 1


def _server() -> Janus:
    server = janus()
    if server is None:
        raise ConferenceFull()
    return server


def _unavailable(error: JanusError) -> MediaServerUnavailable:
    # Janus's own words stay in the log: clients learn only that it failed.
    logger.warning("Janus refused or failed: %r", error)
    return MediaServerUnavailable()


def _janus_call(what: Any) -> None:
    try:
        what()
    except JanusError as error:
        raise _unavailable(error) from error


def _tokens(conference: Conference, participant: Participant) -> list[str]:
    """The join tokens of everyone joined, and of ``participant`` (about to join)."""
    return [
        *Participant.objects.filter(conference=conference, state=Participant.State.JOINED)
        .exclude(pk=participant.pk)
        .values_list("janus_token", flat=True),
        participant.janus_token,
    ]


def _room_create(server: Janus, conference: Conference, *, room: int, secret: str,
                 tokens: list[str]) -> None:  # fmt: skip
    _janus_call(lambda: server.room_create(
        room=room, secret=secret, description=conference.title,
        publishers=settings.CONFERENCE_MAX_PARTICIPANTS, allowed=tokens,
    ))  # fmt: skip


def media_admit(conference: Conference, participant: Participant, *, joined: int) -> bool:
    """Make room for ``participant``, who is about to join as the ``joined``-th: in a mesh
    up to CONFERENCE_MESH_MAX, through Janus beyond it (creating the room, with the tokens
    of everyone in it, the first time). True when the topology changed to ``sfu``.
    Raises ConferenceFull beyond CONFERENCE_MAX_PARTICIPANTS, or beyond the mesh size when
    no Janus is configured."""
    if joined > settings.CONFERENCE_MAX_PARTICIPANTS:
        raise ConferenceFull()
    if conference.topology == Conference.Topology.SFU:
        server = _server()
        assert conference.janus_room is not None
        room, secret = conference.janus_room, conference.janus_secret
        try:
            server.room_allow(room=room, secret=secret, tokens=[participant.janus_token], add=True)
        except JanusError as error:
            if error.code != NO_SUCH_ROOM:
                raise _unavailable(error) from error
            # Janus lost the room (a restart: Portal's rooms are not permanent): it is made
            # again, same id and secret, so that the ids already handed out stay true.
            logger.warning("Janus room %s of conference %s is gone: recreated", room,
                           conference.pk)  # fmt: skip
            tokens = _tokens(conference, participant)
            _room_create(server, conference, room=room, secret=secret, tokens=tokens)
        return False
    if joined <= settings.CONFERENCE_MESH_MAX:
        return False
    server = _server()
    room, secret = new_media_id(), secrets.token_hex(24)
    _room_create(server, conference, room=room, secret=secret,
                 tokens=_tokens(conference, participant))  # fmt: skip
    conference.janus_room, conference.janus_secret = room, secret
    conference.topology = Conference.Topology.SFU
    conference.save(update_fields=["janus_room", "janus_secret", "topology"])
    return True


def media_revoke(conference: Conference, participant: Participant) -> None:
    """A removed participant: their token no longer admits them and they are dropped from
    the Janus room (a mesh needs nothing: peers stop answering their signals)."""
    if conference.topology != Conference.Topology.SFU or conference.janus_room is None:
        return
    server = _server()
    room, secret = conference.janus_room, conference.janus_secret
    try:
        server.room_allow(room=room, secret=secret, tokens=[participant.janus_token], add=False)
    except JanusError as error:
        if error.code == NO_SUCH_ROOM:
            return  # Janus lost the room: nobody's token admits anyone any more
        raise _unavailable(error) from error
    _janus_call(lambda: server.room_kick(room=room, secret=secret, feed_id=participant.feed_id))


def media_close(conference: Conference) -> None:
    """The room is no longer wanted — the meeting ended (after commit), or the join that
    made it rolled back: it is destroyed (everyone in it is dropped). This never waits for
    Janus: if it cannot be reached the room is left to Janus (rooms Portal
    creates are not permanent: a restart drops them) and a warning is logged."""
    if conference.janus_room is None:
        return
    server = janus()
    room, secret = conference.janus_room, conference.janus_secret
    try:
        if server is None:
            raise MediaServerUnavailable()
        server.room_destroy(room=room, secret=secret)
    except (JanusError, MediaServerUnavailable) as error:
        logger.warning(
            "Janus room %s of conference %s not destroyed: %r", room, conference.pk, error
        )


def media_of(conference: Conference, participant: Participant) -> dict[str, Any]:
    """What a joined participant needs to connect: the mesh's other participants, or the
    Janus URL, room, their own token and the feed id to join with."""
    if conference.topology == Conference.Topology.SFU:
        return {
            "topology": conference.topology,
            "peers": [],
            "janus": {
                "url": settings.JANUS_PUBLIC_URL,
                "room": conference.janus_room,
                "token": participant.janus_token,
                "feed_id": participant.feed_id,
            },
        }
    peers = (
        Participant.objects.filter(conference=conference, state=Participant.State.JOINED)
        .exclude(pk=participant.pk)
        .values_list("pk", flat=True)
    )
    return {
        "topology": conference.topology,
        "peers": [str(pk) for pk in peers],
        "janus": None,
    }
