"""Decoding pictures that people upload (avatars, attachment thumbnails, document previews)
without trusting them: one Pillow decoder per detected type, a bound on decoded pixels,
and no metadata in what is made from them."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from typing import IO

from PIL import Image, ImageOps

# Decoded pixels are what cost memory, whatever the file size: JPEG is decoded at a reduced
# scale (Pillow's draft mode), the others in full, hence the lower limit for them.
MAX_JPEG_PIXELS = 80_000_000
MAX_OTHER_PIXELS = 25_000_000
# Detected content type → the only Pillow decoder allowed to open it.
DECODERS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}


class TooManyPixels(ValueError):
    """The image would decode to more pixels than the limit of its format."""


def open_image(
    stream: IO[bytes], formats: Iterable[str], *, draft_side: int | None = None
) -> Image.Image:
    """The first frame of the image in ``stream``, decoded by one of the Pillow
    ``formats`` only, turned upright by its EXIF orientation, as RGB (RGBA if it has
    transparency). A JPEG is decoded at the smallest scale still at least ``draft_side``
    on each side. ``TooManyPixels`` beyond MAX_JPEG_PIXELS / MAX_OTHER_PIXELS (or Pillow's
    own bomb limit); whatever Pillow raises for damaged or unknown files."""
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that: refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(stream, formats=list(formats))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise TooManyPixels(str(exc)) from exc
        width, height = image.size
        limit = MAX_JPEG_PIXELS if image.format == "JPEG" else MAX_OTHER_PIXELS
        if width < 1 or height < 1 or width * height > limit:
            raise TooManyPixels(f"{width}×{height} is too many pixels")
        if image.format == "JPEG" and draft_side is not None:
            image.draft("RGB", (draft_side, draft_side))
        image.load()
        upright = ImageOps.exif_transpose(image)
        has_alpha = upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info
        return upright.convert("RGBA" if has_alpha else "RGB")


def webp(image: Image.Image, side: int, *, quality: int = 80) -> bytes:
    """A WebP of ``image`` at most ``side`` pixels on its longer side (never enlarged),
    without EXIF (location, camera) or any other metadata."""
    picture = image.copy()
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    picture.info = {}
    buffer = io.BytesIO()
    picture.save(buffer, format="WEBP", quality=quality)
    return buffer.getvalue()
