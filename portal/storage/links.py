"""Signed download links: short-lived Portal URLs bound to one user, checked again on use.

Access never rests on S3 presigned URLs (DESIGN.md): a link is ``/api/v1/files/<token>``,
where the token is signed with SECRET_KEY and carries who it was made for, which object
version to serve under what name, and until when. When it is used, the caller must be
signed in as that user, the link must not have expired by ``portal.clock``, and the
access check registered for its purpose must still pass. Tokens are signed, not
encrypted: what they carry (key, file name) is visible to whoever holds the link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from portal import clock
from portal.storage.base import validate_key
from portal.storage.exceptions import DownloadNotFound

SALT = "portal.storage.download"
# A token longer than this was not made by download_url (keys and names are bounded).
MAX_TOKEN_LENGTH = 4096


@dataclass(frozen=True)
class Download:
    """What a valid link grants: one object version, under a name and a type."""

    key: str
    filename: str
    content_type: str
    purpose: str
    object_id: str
    version_id: str | None


@dataclass(frozen=True)
class Rendered:
    """Bytes made for one viewer, served in place of the stored object: ``file`` open at
    its start (the response closes it), ``size`` bytes long."""

    file: IO[bytes]
    size: int
    content_type: str


# fn(user, object_id) -> may this user still download objects of this purpose and id?
DownloadCheck = Callable[[Any, str], bool]
# fn(user, download) -> bytes made for this user, or None to serve the stored object.
DownloadRender = Callable[[Any, Download], Rendered | None]
_checks: dict[str, DownloadCheck] = {}
_renders: dict[str, DownloadRender] = {}


def register_download_check(
    purpose: str, check: DownloadCheck, *, render: DownloadRender | None = None
) -> None:
    """Declare a purpose of download links and the check run each time one is used.

    ``check(user, object_id)`` answers whether ``user`` may still read what the link points
    at (say, "is the user still a member of the conversation"). Register at import time of
    the module that makes the links; links of an unregistered purpose cannot be made and
    are refused when used.

    ``render(user, download)``, if given, runs after the check on every use and may return
    ``Rendered`` bytes to serve instead of the stored object (a copy watermarked with the
    viewer's name), or None to serve the object as stored. It may raise a ``PortalError``.
    """
    _checks[purpose] = check
    if render is None:
        _renders.pop(purpose, None)
    else:
        _renders[purpose] = render


def render_download(*, user: Any, download: Download) -> Rendered | None:
    """What the purpose's ``render`` makes of ``download`` for ``user`` (None: serve the
    stored object as it is, also when the purpose registered no ``render``)."""
    render = _renders.get(download.purpose)
    return render(user, download) if render is not None else None


def download_url(
    *,
    user: Any,
    key: str,
    filename: str,
    content_type: str,
    purpose: str,
    object_id: Any,
    version_id: str | None = None,
) -> str:
    """A path (``/api/v1/files/<token>``) that lets ``user``, and only them, download ``key``
    (the given version, else whatever is latest when used) as ``filename`` for the next
    DOWNLOAD_LINK_TTL seconds, as long as the ``purpose`` check passes for ``object_id``."""
    validate_key(key)
    if purpose not in _checks:
        raise ValueError(f"no download check registered for purpose {purpose!r}")
    payload = {
        "u": str(user.pk),
        "k": key,
        "f": filename,
        "t": content_type,
        "p": purpose,
        "o": str(object_id),
        "v": version_id,
        "e": int(clock.now().timestamp()) + settings.DOWNLOAD_LINK_TTL,
    }
    token = signing.dumps(payload, salt=SALT, compress=True)
    return reverse("file-download", kwargs={"token": token})


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise DownloadNotFound()
    return value


def resolve_download(*, user: Any, token: str) -> Download:
    """The download a token grants ``user`` now; ``DownloadNotFound`` alike for a token
    that is malformed, tampered with, expired, made for another user, of an unknown
    purpose, or whose access check fails."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise DownloadNotFound()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise DownloadNotFound() from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), int):
        raise DownloadNotFound()
    if payload["e"] <= clock.now().timestamp():
        raise DownloadNotFound()
    if _str(payload.get("u")) != str(user.pk):
        raise DownloadNotFound()
    version_id = payload.get("v")
    download = Download(
        key=_str(payload.get("k")),
        filename=_str(payload.get("f")),
        content_type=_str(payload.get("t")),
        purpose=_str(payload.get("p")),
        object_id=_str(payload.get("o")),
        version_id=None if version_id is None else _str(version_id),
    )
    check = _checks.get(download.purpose)
    if check is None or not check(user, download.object_id):
        raise DownloadNotFound()
    return download
