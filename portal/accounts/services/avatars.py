"""Users' pictures: validated with Pillow, cut to squares, kept in object storage.

An avatar is stored as ``avatars/<user id>/<random>/<size>.webp`` for each of
settings.AVATAR_SIZES; ``User.avatar_key`` holds the ``avatars/<user id>/<random>`` prefix.
Each upload gets a new prefix, so a link to an old picture never shows a new one.
"""

from __future__ import annotations

import io
import logging
import secrets
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from PIL import Image

from portal.accounts.exceptions import InvalidImage
from portal.accounts.models import User
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.images import TooManyPixels, open_image
from portal.storage import get_storage
from portal.storage.exceptions import FileTooLarge
from portal.storage.links import download_url, register_download_check

logger = logging.getLogger(__name__)

AVATAR_PURPOSE = "avatar"
_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def _avatar_visible(viewer: Any, object_id: str) -> bool:
    # Avatars are as public as the staff directory: any active signed-in user sees them.
    return bool(getattr(viewer, "is_active", False))


register_download_check(AVATAR_PURPOSE, _avatar_visible)


def _object_key(prefix: str, size: int) -> str:
    return f"{prefix}/{size}.webp"


def _open_image(upload: IO[bytes]) -> Image.Image:
    """The upload decoded, upright; ``InvalidImage`` for anything else."""
    upload.seek(0)
    try:
        return open_image(upload, _FORMATS, draft_side=max(settings.AVATAR_SIZES))
    except TooManyPixels as exc:
        raise InvalidImage(reason="too many pixels") from exc
    except Exception as exc:
        # Pillow's decoders raise many kinds of errors on damaged or hostile files.
        raise InvalidImage() from exc


def _render(image: Image.Image) -> dict[int, bytes]:
    """A centred square of the image at each avatar size, as WebP without metadata."""
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    rendered = {}
    for size in settings.AVATAR_SIZES:
        picture = square.resize((size, size), Image.Resampling.LANCZOS)
        picture.info = {}  # no EXIF (location, camera) or other metadata goes out
        buffer = io.BytesIO()
        picture.save(buffer, format="WEBP", quality=85)
        rendered[size] = buffer.getvalue()
    return rendered


def _delete_objects(prefix: str) -> None:
    storage = get_storage()
    for size in settings.AVATAR_SIZES:
        try:
            storage.delete(_object_key(prefix, size))
        except Exception:
            # The change itself is done; a leftover picture is only wasted space.
            logger.exception("could not delete avatar object %s", _object_key(prefix, size))


def _size_of(upload: IO[bytes]) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        size = upload.seek(0, io.SEEK_END)
    return int(size)


def user_avatar_set(*, user: User, upload: IO[bytes], context: RequestContext) -> User:
    """Make ``upload`` the user's avatar.

    The upload must be at most AVATAR_MAX_BYTES (``FileTooLarge``) and a JPEG, PNG, WebP or
    GIF image of bounded pixel count (``InvalidImage``); nothing changes otherwise. The
    picture is turned upright by its EXIF orientation, cut to a centred square and stored
    at every size of AVATAR_SIZES as WebP without metadata. The user row and the audit
    record commit together; the previous avatar's objects are deleted after commit.
    """
    limit = settings.AVATAR_MAX_BYTES
    if _size_of(upload) > limit:
        raise FileTooLarge(limit_bytes=limit)
    rendered = _render(_open_image(upload))

    storage = get_storage()
    prefix = f"avatars/{user.pk}/{secrets.token_hex(8)}"
    try:
        for size, data in rendered.items():
            storage.put(
                _object_key(prefix, size), io.BytesIO(data), length=len(data),
                content_type="image/webp",
            )  # fmt: skip
        with transaction.atomic():
            locked = User.objects.select_for_update().only("avatar_key").get(pk=user.pk)
            previous = locked.avatar_key
            User.objects.filter(pk=user.pk).update(avatar_key=prefix)
            user.avatar_key = prefix
            audit.record(
                "user.avatar_changed", actor=user, context=context, target=user,
                details={"change": "set"},
            )  # fmt: skip
            if previous:
                transaction.on_commit(lambda: _delete_objects(previous))
    except BaseException:
        _delete_objects(prefix)
        raise
    return user


def user_avatar_remove(*, user: User, context: RequestContext) -> User:
    """Remove the user's avatar (nothing happens if there is none); its objects are deleted
    after commit."""
    with transaction.atomic():
        locked = User.objects.select_for_update().only("avatar_key").get(pk=user.pk)
        previous = locked.avatar_key
        user.avatar_key = ""
        if not previous:
            return user
        User.objects.filter(pk=user.pk).update(avatar_key="")
        audit.record(
            "user.avatar_changed", actor=user, context=context, target=user,
            details={"change": "removed"},
        )  # fmt: skip
        transaction.on_commit(lambda: _delete_objects(previous))
    return user


def avatar_urls(*, viewer: Any, user: User, request: Any = None) -> dict[str, str] | None:
    """Signed links to ``user``'s avatar at each size (``{"64": url, ...}``), usable by
    ``viewer`` only and for DOWNLOAD_LINK_TTL seconds; absolute when ``request`` is given.
    None if the user has no avatar or the viewer is not signed in."""
    if not user.avatar_key or viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    urls = {}
    for size in settings.AVATAR_SIZES:
        path = download_url(
            user=viewer,
            key=_object_key(user.avatar_key, size),
            filename=f"avatar-{size}.webp",
            content_type="image/webp",
            purpose=AVATAR_PURPOSE,
            object_id=user.pk,
        )
        urls[str(size)] = request.build_absolute_uri(path) if request is not None else path
    return urls
