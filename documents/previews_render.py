"""Turning a stored file into preview images (docs/documents.md, "Previews and watermarks"):
images with Pillow (portal.images), PDF pages with PDFium (pypdfium2), office files through
LibreOffice headless into a PDF first. No database here: the previews service calls these
with a file on disk and stores what comes back. Every failure the file itself can cause is
a ``PreviewFailed`` with a reason code, never another exception.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import signal
import subprocess
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from django.conf import settings
from PIL import Image

from portal.images import DECODERS, TooManyPixels, open_image, webp

logger = logging.getLogger(__name__)

THUMBNAIL_SIDE = 320
PAGE_SIDE = 1600
# LibreOffice's own limits, beside its timeout: address space and the size of any file it
# writes (the PDF), so a hostile document cannot exhaust the worker's memory or disk.
OFFICE_ADDRESS_SPACE_BYTES = 4 * 1024**3
OFFICE_OUTPUT_BYTES = 1024**3
_MAX_ZIP_ENTRIES = 20_000

# Detected types LibreOffice converts, with the extension its filters expect.
OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.graphics": "odg",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/rtf": "rtf",
}
PDF_TYPE = "application/pdf"

# PDFium is not thread-safe: one document at a time per process (embedded mode renders in
# request threads; Celery's prefork workers are processes and do not contend).
_pdfium_lock = threading.Lock()


class PreviewFailed(Exception):
    """No preview can be made of this file; ``reason`` is a code the service explains."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Rendering:
    """What a file looks like: a thumbnail, the first pages (WebP bytes each, one for an
    image), the whole document's page count (None for an image), and the PDF LibreOffice
    made of an office file."""

    thumbnail: bytes
    pages: list[bytes] = field(default_factory=list)
    page_count: int | None = None
    pdf_path: Path | None = None


def kind_of(content_type: str) -> str | None:
    """``image``, ``pdf`` or ``office`` for the detected types previews are made of."""
    if content_type in DECODERS:
        return "image"
    if content_type == PDF_TYPE:
        return "pdf"
    if content_type in OFFICE_TYPES:
        return "office"
    return None


def render_image(path: Path, content_type: str) -> Rendering:
    """A thumbnail and a PAGE_SIDE preview of the image (its first frame), decoded only by
    the decoder of its detected type, within portal.images' pixel limits."""
    try:
        with path.open("rb") as stream:
            image = open_image(stream, [DECODERS[content_type]], draft_side=PAGE_SIDE)
        return Rendering(thumbnail=webp(image, THUMBNAIL_SIDE), pages=[webp(image, PAGE_SIDE)])
    except TooManyPixels:
        raise PreviewFailed("too_many_pixels") from None
    except Exception:
        # Pillow's decoders raise many kinds of errors on damaged or hostile files.
        logger.info("image not decoded: %s", path, exc_info=True)
        raise PreviewFailed("image_damaged") from None


def render_pdf(path: Path, *, pages: int) -> Rendering:
    """The first ``pages`` pages at most PAGE_SIDE pixels on their longer side (whatever
    the page size, so memory is bounded: one 1600×1600 bitmap at a time) and a thumbnail
    of page 1. Password-protected files are ``pdf_encrypted``; anything PDFium cannot
    open or draw is ``pdf_damaged``."""
    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
                raise PreviewFailed("pdf_encrypted") from None
            raise PreviewFailed("pdf_damaged") from None
        try:
            count = len(document)
            if count < 1:
                raise PreviewFailed("pdf_damaged")
            images = [_render_page(document, n) for n in range(min(count, pages))]
        except PreviewFailed:
            raise
        except Exception:
            logger.info("PDF page not rendered: %s", path, exc_info=True)
            raise PreviewFailed("pdf_damaged") from None
        finally:
            document.close()
    return Rendering(
        thumbnail=webp(images[0], THUMBNAIL_SIDE),
        pages=[webp(image, PAGE_SIDE) for image in images],
        page_count=count,
    )


def _render_page(document: pdfium.PdfDocument, index: int) -> Image.Image:
    page = document[index]
    try:
        width, height = page.get_size()
        if not (width > 0 and height > 0):
            raise PreviewFailed("pdf_damaged")
        scale = PAGE_SIDE / max(width, height)
        bitmap = page.render(scale=scale, may_draw_forms=True)
        try:
            return bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        page.close()


# --- LibreOffice ---------------------------------------------------------------------------------


def office_converter() -> str | None:
    """The LibreOffice program: OFFICE_CONVERTER, else ``soffice`` or ``libreoffice`` on
    PATH; None when it is not installed."""
    if settings.OFFICE_CONVERTER:
        return shutil.which(settings.OFFICE_CONVERTER)
    return shutil.which("soffice") or shutil.which("libreoffice")


@functools.cache
def _isolation() -> tuple[str, ...]:
    """The command prefix that runs LibreOffice without network (a new network namespace
    of its own: a document's linked images must not be fetched from anywhere) and within
    memory and file-size limits, as far as this host allows it."""
    prefix: list[str] = []
    unshare = shutil.which("unshare")
    if unshare is not None:
        probe = [unshare, "--net", "--map-root-user", "true"]
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            probed = subprocess.run(probe, capture_output=True, timeout=10, check=False)  # noqa: S603
            if probed.returncode == 0:
                prefix += [unshare, "--net", "--map-root-user"]
    if not prefix:
        logger.warning("LibreOffice runs with the network: this host refuses network namespaces")
    prlimit = shutil.which("prlimit")
    if prlimit is not None:
        prefix += [
            prlimit, f"--as={OFFICE_ADDRESS_SPACE_BYTES}", f"--fsize={OFFICE_OUTPUT_BYTES}",
            "--core=0", "--",
        ]  # fmt: skip
    return tuple(prefix)


def _check_unpacked_size(path: Path, limit: int) -> None:
    """An OOXML or OpenDocument file is a zip: refuse one that unpacks to more than
    ``limit`` bytes (a zip bomb), by its declared sizes and, since those may lie, by
    unpacking it (streamed, nothing kept). A broken zip is ``office_damaged``."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > _MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > limit:
                raise PreviewFailed("office_unpacks_too_large")
            total = 0
            for entry in entries:
                with archive.open(entry) as member:
                    while chunk := member.read(1024 * 1024):
                        total += len(chunk)
                        if total > limit:
                            raise PreviewFailed("office_unpacks_too_large")
    except PreviewFailed:
        raise
    except Exception:
        # zipfile raises BadZipFile, CRC errors, NotImplementedError (unknown methods)...
        raise PreviewFailed("office_damaged") from None


def convert_office(source: Path, workdir: Path, *, content_type: str) -> Path:
    """The PDF LibreOffice makes of ``source`` (an office file of ``content_type``), under
    ``workdir``. LibreOffice runs headless with a profile of its own in ``workdir`` (so
    conversions never share or lock one), without network where the host allows, and is
    killed with everything it started after OFFICE_CONVERT_TIMEOUT seconds
    (``office_timeout``). ``libreoffice_missing`` when it is not installed,
    ``office_unpacks_too_large`` / ``office_damaged`` for hostile or broken zips,
    ``office_failed`` when it produced no PDF."""
    program = office_converter()
    if program is None:
        raise PreviewFailed("libreoffice_missing")
    if zipfile.is_zipfile(source):
        _check_unpacked_size(source, settings.OFFICE_MAX_UNPACKED_BYTES)
    document = workdir / f"document.{OFFICE_TYPES[content_type]}"
    source.rename(document)
    outdir, profile = workdir / "out", workdir / "profile"
    command = [
        *_isolation(), program, f"-env:UserInstallation={profile.as_uri()}",
        "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
        "--convert-to", "pdf", "--outdir", str(outdir), str(document),
    ]  # fmt: skip
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "TMPDIR": str(workdir),
    }
    process = subprocess.Popen(  # noqa: S603 (a fixed program and arguments, no shell)
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=environment, cwd=workdir, start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = process.communicate(timeout=settings.OFFICE_CONVERT_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise PreviewFailed("office_timeout") from None
    finally:
        _kill_group(process)  # whatever it left running (soffice.bin outlives the wrapper)
    pdf = outdir / "document.pdf"
    if process.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        logger.info(
            "LibreOffice made no PDF (exit %s): %s",
            process.returncode, output[-2000:].decode(errors="replace"),
        )  # fmt: skip
        raise PreviewFailed("office_failed")
    return pdf


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group LibreOffice runs in, then reap the wrapper."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired, ValueError):
        process.communicate(timeout=10)
