"""The wire format, TipTap's content read from Yjs, the restore update, and the exports
(no database: pure functions on bytes)."""

from __future__ import annotations

import io
from typing import Any

import pycrdt
import pytest
from docx import Document as DocxDocument
from pypdf import PdfReader

from documents import export
from documents.collab import content, protocol


def test_messages_round_trip_through_the_encoders() -> None:
    assert protocol.parse(protocol.sync_step1(b"\x01\x02")) == protocol.Sync(0, b"\x01\x02")
    assert protocol.parse(protocol.sync_step2(b"\x00\x00")) == protocol.Sync(1, b"\x00\x00")
    big = b"u" * 70_000  # a three-byte length
    assert protocol.parse(protocol.sync_update(big)) == protocol.Sync(2, big)
    entries = [protocol.AwarenessEntry(2**53 - 1, 7, '{"user":{"name":"Анна"}}'),
               protocol.AwarenessEntry(5, 8, "null")]  # fmt: skip
    parsed = protocol.parse(protocol.awareness(protocol.awareness_update(entries)))
    assert isinstance(parsed, protocol.Awareness)
    assert list(parsed.entries) == entries and parsed.entries[1].removed
    assert protocol.parse(b"\x03") == protocol.QueryAwareness()
    assert protocol.parse_server(protocol.permission_denied("read_only")) == protocol.Denied(
        "read_only"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"", b"\x04", b"\x02\x00\x00", b"\x00", b"\x00\x03\x00", b"\x00\x00\x05abc",
        b"\x00\x00" + b"\x80" * 8 + b"\x01", b"\x03\x00", b"\x01\x01\x02",
        protocol.awareness(protocol.var_uint(1) + b"\x01\x01" + protocol.var_bytes(b"\xff")),
        protocol.awareness(protocol.var_uint(5000)),
    ],
)  # fmt: skip
def test_malformed_messages_are_protocol_errors(data: bytes) -> None:
    with pytest.raises(protocol.ProtocolError):
        protocol.parse(data)


def _element(parent: Any, tag: str, attrs: dict[str, Any] | None = None) -> pycrdt.XmlElement:
    element = pycrdt.XmlElement(tag, attrs or {})
    parent.children.append(element)
    return parent.children[len(parent.children) - 1]


def _text(parent: Any, *runs: tuple[str, dict[str, Any] | None]) -> None:
    text = pycrdt.XmlText()
    parent.children.append(text)
    text = parent.children[len(parent.children) - 1]
    offset = 0
    for value, marks in runs:
        text.insert(offset, value, marks)
        offset += len(value.encode())


LINK = "https://portal.example/d/1"


def _sample() -> bytes:
    """Every node and mark of TipTap's starter kit, as y-prosemirror writes them."""
    doc: pycrdt.Doc = pycrdt.Doc()
    root = doc.get("default", type=pycrdt.XmlFragment)
    _text(_element(root, "heading", {"level": 2.0}), ("Раздел 1", None))
    paragraph = _element(root, "paragraph")
    _text(paragraph, ("Текст ", None), ("жирный", {"bold": {}}), (" ", None),
          ("курсив", {"italic": {}}), (" ", None), ("зачёркнут", {"strike": {}}), (" ", None),
          ("код", {"code": {}}), (" и ", None),
          ("ссылка", {"link": {"href": LINK, "target": "_blank"}}))  # fmt: skip
    _element(paragraph, "hardBreak")
    _text(paragraph, ("2 * 2 = 4 [не ссылка]", None))
    bullets = _element(root, "bulletList")
    item = _element(bullets, "listItem")
    _text(_element(item, "paragraph"), ("пункт", None))
    nested = _element(_element(item, "orderedList", {"start": 3.0}), "listItem")
    _text(_element(nested, "paragraph"), ("вложенный", None))
    quote = _element(root, "blockquote")
    _text(_element(quote, "paragraph"), ("цитата", None))
    _text(_element(root, "codeBlock", {"language": "python"}), ('print("привет")\nx = 1', None))
    _element(root, "horizontalRule")
    _text(_element(root, "paragraph"), ("# не заголовок", None))
    return doc.get_update()


EXPECTED_MD = """## Раздел 1

Текст **жирный** *курсив* ~~зачёркнут~~ `код` и [ссылка](<https://portal.example/d/1>)\\
2 \\* 2 = 4 \\[не ссылка\\]

- пункт
  3. вложенный

> цитата

```python
print("привет")
x = 1
```

---

\\# не заголовок
"""


def test_markdown() -> None:
    assert export.to_markdown(content.read(_sample())).decode() == EXPECTED_MD


def test_docx_keeps_structure_marks_and_links() -> None:
    parsed = DocxDocument(io.BytesIO(export.to_docx(content.read(_sample()), title="Т")))
    paragraphs = [(p.style.name if p.style else "", p.text) for p in parsed.paragraphs]
    assert paragraphs[0] == ("Heading 2", "Раздел 1")
    assert paragraphs[1][1].startswith("Текст жирный курсив зачёркнут код и ссылка\n2 * 2")
    assert ("List Bullet", "пункт") in paragraphs and ("List Number 2", "вложенный") in paragraphs
    assert ("Quote", "цитата") in paragraphs
    assert any(text == 'print("привет")\nx = 1' for _s, text in paragraphs)
    runs = {r.text: r for r in parsed.paragraphs[1].runs}
    assert runs["жирный"].bold and runs["курсив"].italic and runs["зачёркнут"].font.strike
    links = [r.target_ref for r in parsed.part.rels.values() if "hyperlink" in r.reltype]
    assert links == ["https://portal.example/d/1"]
    assert parsed.core_properties.title == "Т"


def test_pdf_keeps_cyrillic_text() -> None:
    data = export.to_pdf(content.read(_sample()), title="Т")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    for piece in ("Раздел 1", "жирный", "цитата", 'print("привет")', "вложенный"):
        assert piece in text


def test_replacement_update_makes_any_content_equal_to_the_target() -> None:
    target = _sample()
    current: pycrdt.Doc = pycrdt.Doc()
    root = current.get("default", type=pycrdt.XmlFragment)
    _text(_element(root, "paragraph"), ("совсем ", None), ("другое", {"bold": {}}))
    _element(root, "horizontalRule")
    update = content.replacement_update(current.get_update(), target)
    # An editor with the current state applies the one update and sees the target.
    editor: pycrdt.Doc = pycrdt.Doc()
    editor.apply_update(current.get_update())
    editor.apply_update(update)
    assert content.read(editor.get_update()) == content.read(target)
    assert export.to_markdown(content.read(editor.get_update())).decode() == EXPECTED_MD
