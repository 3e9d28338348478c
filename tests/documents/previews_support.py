"""What the previews tests share: documents and versions written the way the files part
writes them (the object put to storage, the Version row inserted and ``version_created``
sent in one transaction: the files part's services are not on this branch), shares, and
files good and bad, made here from scratch."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from documents.models import Document, DocumentShare, Folder, Role, Version
from documents.signals import version_created
from messaging.services.attachments import detect_content_type
from portal import clock
from portal.storage import get_storage
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@contextmanager
def celery_eager() -> Iterator[None]:
    """Tasks queued with apply_async run at once (the suite has a broker, so they would
    not): what embedded mode does. Test modules wrap it in an ``eager_celery`` fixture."""
    from portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def make_scene() -> SimpleNamespace:
    """An owner with a personal folder and a document in it; a viewer it is shared with;
    an outsider of the same agency. Each with a signed-in client."""
    owner = UserFactory.create(login="owner", last_name="Смирнова", first_name="Ольга",
                               middle_name="Петровна")  # fmt: skip
    viewer = UserFactory.create(login="viewer", agency=owner.agency, last_name="Кузнецов",
                                first_name="Игорь", middle_name="Андреевич")  # fmt: skip
    outsider = UserFactory.create(login="outsider", agency=owner.agency)
    document = make_document(owner, name="Отчёт за квартал")
    share(document, viewer, Role.VIEWER)
    return SimpleNamespace(
        owner=owner, viewer=viewer, outsider=outsider, document=document,
        c={u.login: api_client(u) for u in (owner, viewer, outsider)},
    )  # fmt: skip


def make_document(owner: Any, *, name: str) -> Document:
    now = clock.now()
    folder = Folder.objects.create(
        agency=owner.agency, name="Мои документы", owner_user=owner, created_by=owner,
        created_at=now,
    )  # fmt: skip
    return Document.objects.create(
        agency=owner.agency, folder=folder, name=name, created_by=owner, created_at=now,
        updated_at=now,
    )  # fmt: skip


def share(document: Document, user: Any, role: str) -> DocumentShare:
    return DocumentShare.objects.create(
        document=document, user=user, role=role, created_by=document.created_by,
        created_at=clock.now(),
    )  # fmt: skip


def add_version(
    document: Document, data: bytes, *, filename: str, author: Any = None, signal: bool = True
) -> Version:
    """A new version of ``document`` with these bytes, stored and recorded as the files
    part does it; ``version_created`` is sent inside the transaction (so previews are
    queued on commit) unless ``signal`` is false."""
    key = f"documents/{document.pk}/{uuid.uuid4()}"
    content_type = detect_content_type(io.BytesIO(data))
    info = get_storage().put(key, io.BytesIO(data), length=len(data), content_type=content_type)
    author = author or document.created_by
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        number = (locked.versions.order_by("-number").values_list("number", flat=True).first()
                  or 0) + 1  # fmt: skip
        version = Version.objects.create(
            document=locked, number=number, key=key, storage_version_id=info.version_id or "",
            size=len(data), sha256=hashlib.sha256(data).hexdigest(), content_type=content_type,
            filename=filename, author=author, created_at=clock.now(),
        )  # fmt: skip
        Document.objects.filter(pk=document.pk).update(current_version=version)
        if signal:
            version_created.send(sender=Version, version=version, actor=author)
    return version


def fetch(client: Any, url: str) -> tuple[Any, bytes]:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# --- Files ---------------------------------------------------------------------------------------


def png(width: int = 2000, height: int = 1500) -> bytes:
    image = Image.new("RGB", (width, height), (240, 240, 240))
    image.paste((20, 60, 160), (0, 0, width // 2, height // 2))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def corrupt_png() -> bytes:
    """A PNG whose signature and header are right and whose pixel data is garbage."""
    data = bytearray(png(64, 64))
    start = data.index(b"IDAT") + 4
    data[start : start + 200] = os.urandom(200)
    return bytes(data)


def huge_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes claiming ``width`` × ``height`` pixels (a decompression bomb):
    a real PNG with its header's size changed and the header's CRC made right again."""
    data = bytearray(png(8, 8))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def pdf(pages: int = 3, *, text: str = "Страница") -> bytes:
    document = FPDF(unit="pt", format="A4")
    document.add_font("dejavu", fname=FONT)
    for number in range(1, pages + 1):
        document.add_page()
        document.set_font("dejavu", size=28)
        document.text(72, 120, f"{text} {number}")
    return bytes(document.output())


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(1))))
    writer.encrypt(user_password="секрет-42", owner_password="owner-42", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx(paragraphs: list[str]) -> bytes:
    """A minimal Word document (what Word itself needs: content types, the package
    relationship and the body)."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
        f'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}'
        "</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def zip_bomb_docx(unpacked_bytes: int) -> bytes:
    """A .docx by its structure (detected as Word) whose body unpacks to
    ``unpacked_bytes`` of spaces from about a thousandth of that."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>')
            block = b" " * (1024 * 1024)
            for _ in range(unpacked_bytes // len(block)):
                member.write(block)
            member.write(b"</w:body></w:document>")
    return buffer.getvalue()
