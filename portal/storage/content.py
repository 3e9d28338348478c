"""What is in a file, told from its bytes, and names that are safe to store and show.

Shared by every upload path (message attachments, documents): the type comes from the
bytes, never from the name or a client's claim; programs are refused whatever they are
called; file names lose path segments and characters a screen or a terminal would misread.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import uuid
from typing import IO

import filetype
from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput

# The name length messages keep; documents keep longer ones (documents.models.files).
MAX_FILENAME_CHARS = 200


class FileTypeNotAllowed(InvalidInput):
    code = "file_type_not_allowed"
    default_message = _("Programs, scripts, shortcuts and installers cannot be sent.")


_HEAD_BYTES = 8192
_EXECUTABLE_MAGIC = (
    b"\x7fELF",  # Linux and other Unix programs and libraries
    b"MZ",  # DOS and Windows programs, libraries, screen savers, drivers (PE)
    b"\xfe\xed\xfa\xce",  # Mach-O, 32 and 64 bit, both byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal binaries (and Java classes, same magic)
    b"\xca\xfe\xba\xbf",
    b"#!",  # scripts for an interpreter
    b"\x00asm",  # WebAssembly
    # Windows shortcut (.lnk): header size 0x4C, then the shell link CLSID.
    b"L\x00\x00\x00" + uuid.UUID("00021401-0000-0000-c000-000000000046").bytes_le,
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Root storage classes of Windows Installer files: .msi, .msp (patch), .mst (transform).
# Word, Excel and PowerPoint 97–2003 files are OLE files too, and are allowed.
_INSTALLER_CLSIDS = {
    uuid.UUID(f"000c108{n}-0000-0000-c000-000000000046").bytes_le for n in (2, 4, 6)
}
# Names Windows or a desktop runs on a double click, whatever the bytes inside (a .bat or
# .js is plain text): refused too.
_EXECUTABLE_EXTENSIONS = frozenset({
    "app", "appimage", "bat", "cmd", "com", "command", "cpl", "desktop", "dll", "exe", "hta",
    "inf", "jar", "js", "jse", "lnk", "msc", "msi", "msp", "mst", "ocx", "pif", "ps1", "psm1",
    "reg", "run", "scf", "scr", "sh", "sys", "url", "vb", "vbe", "vbs", "wsc", "wsf", "wsh",
})  # fmt: skip
_ALIASES = {"image/apng": "image/png"}
# Bytes that do not occur in text (NUL and most other C0 controls): the test `file` uses.
_BINARY_BYTES = bytes(set(range(32)) - {7, 8, 9, 10, 12, 13, 27}) + b"\x7f"


def _ole_root_clsid(stream: IO[bytes], head: bytes) -> bytes | None:
    """The class id of an OLE compound file's root entry (the first directory entry)."""
    if len(head) < 0x34:
        return None
    (sector_shift,) = struct.unpack_from("<H", head, 0x1E)
    (first_directory_sector,) = struct.unpack_from("<I", head, 0x30)
    if sector_shift not in (9, 12) or first_directory_sector >= 0xFFFFFFFA:
        return None
    stream.seek(((first_directory_sector + 1) << sector_shift) + 0x50)
    return stream.read(16)


def _is_text(head: bytes) -> bool:
    # Any encoding without these bytes counts: UTF-8 and the legacy Windows-1251 and KOI8-R.
    return bool(head) and head.translate(None, _BINARY_BYTES) == head


def detect_content_type(stream: IO[bytes]) -> str:
    """The type of the bytes in ``stream`` (read from its start, left at its start):
    ``FileTypeNotAllowed`` for programs (ELF, PE/MZ, Mach-O, WebAssembly), scripts with
    ``#!``, Windows shortcuts and installers (MSI, MSP, MST); a known format's type
    (images, PDF, office documents, archives, audio, video); ``text/plain`` for text;
    otherwise ``application/octet-stream``. Names and client-declared types play no part.
    """
    stream.seek(0)
    head = stream.read(_HEAD_BYTES)
    try:
        if head.startswith(_EXECUTABLE_MAGIC) or (
            head.startswith(_OLE_MAGIC) and _ole_root_clsid(stream, head) in _INSTALLER_CLSIDS
        ):
            raise FileTypeNotAllowed()
    finally:
        stream.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        return _ALIASES.get(kind.mime, kind.mime)
    if _is_text(head):
        return "text/plain"
    return "application/octet-stream"


def clean_filename(name: str, *, max_chars: int = MAX_FILENAME_CHARS) -> str:
    """``name`` safe to store and show: its last path segment, without control, format
    (bidirectional overrides, zero-width) or unassigned characters, runs of spaces, or
    leading and trailing dots and spaces, at most ``max_chars`` characters (the extension
    kept); ``file`` if nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in " ".join(name.split()) if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(". ")
    if len(name) > max_chars:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            keep = max_chars - len(extension) - 1
            name = f"{stem[:keep].rstrip('. ')}.{extension}"
        else:
            name = name[:max_chars].rstrip(". ")
    return name or "file"


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def is_executable_name(name: str) -> bool:
    """Whether a desktop would run a file of this name on a double click (``.exe``,
    ``.bat``, ``.js``, ``.lnk``…), whatever its bytes."""
    return _extension(name) in _EXECUTABLE_EXTENSIONS


def display_name(name: str, *, max_chars: int) -> str:
    """``name`` as given, for showing: NFC, without control, format (bidirectional
    overrides, zero-width) or unassigned characters, whitespace runs made one space and
    trimmed, at most ``max_chars`` characters; path separators and dots are kept (such a
    name never becomes a path: object keys are made of ids). Empty if nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in " ".join(name.split()) if unicodedata.category(ch)[0] != "C")
    return " ".join(name.split())[:max_chars].strip()
