"""The viewer-identifying watermark (docs/documents.md, "Previews and watermarks"): a line
such as "Иванов Пётр Сергеевич (ivanov) · 03.12.2026 14:05" repeated diagonally, semi-
transparent, over every preview image and every page of a PDF. Drawn when a file is
served, on the stored clean copy, since it differs per viewer."""

from __future__ import annotations

import io
import logging
import math
import os
from functools import cache
from typing import IO, Any

from django.conf import settings
from django.core import checks
from django.utils import timezone
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError

from documents.exceptions import PdfCannotBeWatermarked
from portal import clock
from portal.images import open_image, webp

# fpdf2 subsets the font with fontTools, which logs every step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

ANGLE_DEGREES = 30
# Ink: dark grey at about a third of full strength, outlined in white, readable on light
# and dark backgrounds alike without hiding what is underneath.
_INK = (60, 60, 60, 90)
_OUTLINE = (255, 255, 255, 70)
_PDF_INK = (90, 90, 90)
_PDF_OPACITY = 0.22


def watermark_text(user: Any) -> str:
    """Who is looking and when, as it is drawn: full name (login) · local date and time."""
    moment = timezone.localtime(clock.now()).strftime("%d.%m.%Y %H:%M")
    name = user.full_name or user.login
    return f"{name} ({user.login}) · {moment}"


@checks.register()
def _font_check(**kwargs: Any) -> list[checks.CheckMessage]:
    if os.path.isfile(settings.WATERMARK_FONT):
        return []
    return [
        checks.Warning(
            f"WATERMARK_FONT {settings.WATERMARK_FONT} does not exist: agencies with the "
            "watermark on cannot be served previews or PDFs",
            hint="apt-get install fonts-dejavu-core (make office-deps), or set WATERMARK_FONT",
            id="documents.W001",
        )
    ]


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(settings.WATERMARK_FONT, size)


def stamp_image(data: bytes, text: str) -> bytes:
    """The WebP image ``data`` (a stored preview) with ``text`` across it: staggered rows
    of it at ANGLE_DEGREES covering the whole picture, sized to the picture."""
    image = open_image(io.BytesIO(data), ["WEBP"]).convert("RGBA")
    width, height = image.size
    size = max(10, round(max(width, height) / 45))
    font = _font(size)
    left, top, right, bottom = (round(v) for v in font.getbbox(text, stroke_width=1))
    line = Image.new("RGBA", (right - left + 2, bottom - top + 2), (0, 0, 0, 0))
    ImageDraw.Draw(line).text(
        (1 - left, 1 - top), text, font=font, fill=_INK, stroke_width=1, stroke_fill=_OUTLINE
    )
    # One turned copy of the line, laid along the rows' direction: each row is the line
    # repeated end to end with a gap, the rows a few text heights apart, every other one
    # shifted by half a step.
    tile = line.rotate(ANGLE_DEGREES, resample=Image.Resampling.BICUBIC, expand=True)
    angle = math.radians(ANGLE_DEGREES)
    along = line.width + size * 3
    across = line.height + size * 3
    ax, ay = along * math.cos(angle), -along * math.sin(angle)  # along a row (y grows down)
    bx, by = across * math.sin(angle), across * math.cos(angle)  # from one row to the next
    reach = math.ceil(math.hypot(width, height) / min(along, across)) + 1
    for row in range(-reach, reach + 1):
        shift = 0.5 * (row % 2)
        for column in range(-reach, reach + 1):
            x = round((column + shift) * ax + row * bx + width / 2 - tile.width / 2)
            y = round((column + shift) * ay + row * by + height / 2 - tile.height / 2)
            if x < width and y < height and x + tile.width > 0 and y + tile.height > 0:
                _composite(image, tile, x, y)
    return webp(image.convert("RGB"), max(width, height), quality=85)


def _composite(image: Image.Image, tile: Image.Image, x: int, y: int) -> None:
    """``tile`` over ``image`` with its top left corner at (x, y), clipped to the image."""
    source = (max(0, -x), max(0, -y))
    image.alpha_composite(tile, dest=(max(0, x), max(0, y)), source=source)


def _stamp_page(width: float, height: float, text: str) -> bytes:
    """A one-page PDF of ``width`` × ``height`` points with nothing but the watermark,
    its text real text (in the text layer) in an embedded subset of WATERMARK_FONT."""
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_page()
    pdf.add_font("watermark", fname=settings.WATERMARK_FONT)
    size = max(8.0, min(width, height) / 40)
    pdf.set_font("watermark", size=size)
    pdf.set_text_color(*_PDF_INK)
    step_x, step_y = pdf.get_string_width(text) + size * 3, size * 5
    side = math.hypot(width, height)
    cx, cy = width / 2, height / 2
    with pdf.local_context(fill_opacity=_PDF_OPACITY), pdf.rotation(ANGLE_DEGREES, x=cx, y=cy):
        rows = int(side // step_y) + 1
        for row in range(rows):
            y = cy - side / 2 + row * step_y
            x = cx - side / 2 - (step_x / 2) * (row % 2)
            while x < cx + side / 2:
                pdf.text(x, y, text)
                x += step_x
    return bytes(pdf.output())


def stamp_pdf(source: IO[bytes], target: IO[bytes], text: str) -> None:
    """Write to ``target`` the PDF in ``source`` with the watermark over every page (as
    the page's top layer, positioned on its media box). Pages of one size share one stamp.
    ``PdfCannotBeWatermarked`` for a file that needs a password to open or that pypdf
    cannot read. Memory: pypdf holds the document's objects while writing, so callers
    bound the input (WATERMARK_PDF_MAX_BYTES)."""
    try:
        reader = PdfReader(source)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfCannotBeWatermarked()
        writer = PdfWriter(clone_from=reader)
        stamps: dict[tuple[float, float], Any] = {}
        for page in writer.pages:
            box = page.mediabox
            width, height = float(box.width), float(box.height)
            if not (width > 0 and height > 0):
                raise PdfCannotBeWatermarked()
            key = (round(width, 1), round(height, 1))
            if key not in stamps:
                stamps[key] = PdfReader(io.BytesIO(_stamp_page(width, height, text))).pages[0]
            move = Transformation().translate(float(box.left), float(box.bottom))
            page.merge_transformed_page(stamps[key], move)
        writer.write(target)
    except PdfCannotBeWatermarked:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # What pypdf raises on damaged files, beyond its own errors.
        raise PdfCannotBeWatermarked() from exc
