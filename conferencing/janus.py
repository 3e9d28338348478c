"""Portal's client of Janus, the self-hosted SFU: the VideoRoom plugin over the HTTP API.

Every operation opens a Janus session, attaches the VideoRoom plugin, sends one synchronous
request and destroys the session: Portal keeps no state in Janus but its rooms. Rooms are
created private, with a secret only Portal knows (to edit, kick or destroy) and with an
``allowed`` list of join tokens: only a participant Portal gave a token can join. Room
creation needs the plugin's ``admin_key`` (JANUS_ADMIN_KEY), so nobody else creates rooms.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from typing import Any

import urllib3
from django.conf import settings

from conferencing.exceptions_conferences import MediaServerUnavailable

PLUGIN = "janus.plugin.videoroom"
# The VideoRoom error codes Portal treats as "already so" (docs: janus_videoroom.c).
NO_SUCH_ROOM = 426
NO_SUCH_FEED = 428

_pool = urllib3.PoolManager(retries=False)


class JanusError(Exception):
    """Janus answered a request with an error (``code`` is Janus's or the plugin's)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class Janus:
    """The Janus at ``url`` (its HTTP API, e.g. ``http://127.0.0.1:8088/janus``)."""

    def __init__(self, url: str, *, admin_key: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.admin_key = admin_key
        self.timeout = timeout

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": secrets.token_hex(8)}
        try:
            response = _pool.request(
                "POST", self.url + path, body=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
                timeout=urllib3.Timeout(total=self.timeout),
            )  # fmt: skip
            answer = json.loads(response.data)
        except (urllib3.exceptions.HTTPError, ValueError) as error:
            raise MediaServerUnavailable() from error
        if not isinstance(answer, dict):
            raise MediaServerUnavailable()
        if answer.get("janus") == "error":
            refusal = answer.get("error") or {}
            raise JanusError(int(refusal.get("code", 0)), str(refusal.get("reason", "")))
        return answer

    def request(self, body: dict[str, Any]) -> dict[str, Any]:
        """One synchronous VideoRoom request; the plugin's answer (``plugindata.data``), or
        JanusError with the plugin's ``error_code``."""
        session = self._post("", {"janus": "create"})["data"]["id"]
        try:
            handle = self._post(f"/{session}", {"janus": "attach", "plugin": PLUGIN})["data"]["id"]
            answer = self._post(f"/{session}/{handle}", {"janus": "message", "body": body})
        finally:
            # Janus reaps idle sessions itself (session_timeout) if this fails.
            with contextlib.suppress(JanusError, MediaServerUnavailable):
                self._post(f"/{session}", {"janus": "destroy"})
        data = (answer.get("plugindata") or {}).get("data") or {}
        if "error_code" in data:
            raise JanusError(int(data["error_code"]), str(data.get("error", "")))
        return data

    def room_create(
        self, *, room: int, secret: str, description: str, publishers: int, allowed: list[str]
    ) -> None:
        self.request({
            "request": "create", "admin_key": self.admin_key, "room": room, "secret": secret,
            "description": description[:100], "is_private": True, "publishers": publishers,
            "allowed": allowed, "permanent": False,
        })  # fmt: skip

    def room_destroy(self, *, room: int, secret: str) -> None:
        """Destroys the room (everyone in it is told and dropped); a room already gone is
        not an error."""
        try:
            self.request({"request": "destroy", "room": room, "secret": secret})
        except JanusError as error:
            if error.code != NO_SUCH_ROOM:
                raise

    def room_allow(self, *, room: int, secret: str, tokens: list[str], add: bool) -> None:
        self.request({
            "request": "allowed", "room": room, "secret": secret,
            "action": "add" if add else "remove", "allowed": tokens,
        })  # fmt: skip

    def room_kick(self, *, room: int, secret: str, feed_id: int) -> None:
        """Drops the participant joined as ``feed_id``; one not in the room is not an error."""
        try:
            self.request({"request": "kick", "room": room, "secret": secret, "id": feed_id})
        except JanusError as error:
            if error.code != NO_SUCH_FEED:
                raise

    def room_exists(self, *, room: int) -> bool:
        return bool(self.request({"request": "exists", "room": room}).get("exists"))

    def participants(self, *, room: int) -> list[dict[str, Any]]:
        return list(
            self.request({"request": "listparticipants", "room": room}).get("participants") or []
        )


def janus() -> Janus | None:
    """The configured Janus, or None when JANUS_URL is not set (mesh rooms only)."""
    if not settings.JANUS_ENABLED:
        return None
    return Janus(
        settings.JANUS_URL, admin_key=settings.JANUS_ADMIN_KEY,
        timeout=settings.JANUS_TIMEOUT_SECONDS,
    )  # fmt: skip
