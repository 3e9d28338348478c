"""A rich-text document's content (documents.collab.content) as Markdown, .docx or .pdf.

Every node TipTap's starter kit makes is rendered: paragraphs, headings 1–6, bullet and
ordered lists (nested), list items, block quotes, code blocks, horizontal rules, hard
breaks; marks bold, italic, strike, code and link. Other nodes are rendered by their
children (their text is never lost); other marks are ignored. The PDF embeds DejaVu
fonts (Debian's fonts-dejavu-core), so Cyrillic text is kept.
"""

from __future__ import annotations

import io
import logging
import re
from html import escape
from pathlib import Path
from typing import Any

from documents.collab.content import Node, Run

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# fontTools logs every glyph table it subsets at INFO: pages of it per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FORMATS = {
    "md": ("text/markdown", ".md"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    "pdf": ("application/pdf", ".pdf"),
}


def _level(node: Node) -> int:
    try:
        return min(6, max(1, int(float(node.attrs.get("level", 1)))))
    except (TypeError, ValueError):
        return 1


def _start(node: Node) -> int:
    try:
        return max(0, int(float(node.attrs.get("start", 1))))
    except (TypeError, ValueError):
        return 1


def _href(marks: dict[str, Any]) -> str | None:
    link = marks.get("link")
    if isinstance(link, dict) and isinstance(link.get("href"), str):
        return str(link["href"])
    return None


# --- Markdown -----------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~|])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])", re.MULTILINE)


def _md_escape(text: str) -> str:
    return _MD_LINE_START.sub(r"\1\\\2", _MD_SPECIAL.sub(r"\\\1", text))


def _md_inline(children: list[Node | Run]) -> str:
    out = []
    for child in children:
        if isinstance(child, Node):
            out.append("\\\n" if child.tag == "hardBreak" else _md_inline(child.children))
            continue
        marks = child.marks
        if "code" in marks:
            ticks = "``" if "`" in child.text else "`"
            text = f"{ticks}{child.text}{ticks}"
        else:
            text = _md_escape(child.text)
            if "bold" in marks:
                text = f"**{text}**"
            if "italic" in marks:
                text = f"*{text}*"
            if "strike" in marks:
                text = f"~~{text}~~"
        href = _href(marks)
        if href is not None:
            text = f"[{text}](<{href.replace('>', '%3E')}>)"
        out.append(text)
    return "".join(out)


def _md_blocks(nodes: list[Node | Run], indent: str = "") -> list[str]:
    blocks: list[str] = []
    for node in nodes:
        if isinstance(node, Run):
            blocks.append(indent + _md_inline([node]))
            continue
        if node.tag == "heading":
            blocks.append(indent + "#" * _level(node) + " " + _md_inline(node.children))
        elif node.tag in ("bulletList", "orderedList"):
            number = _start(node)
            items = []
            for item in node.children:
                marker = "- " if node.tag == "bulletList" else f"{number}. "
                number += 1
                children = item.children if isinstance(item, Node) else [item]
                pad = indent + " " * len(marker)
                # Tight, as TipTap's lists are: a nested list follows its line directly.
                joined = ""
                for n, child in enumerate(children):
                    nested = isinstance(child, Node) and child.tag in ("bulletList", "orderedList")
                    if n:
                        joined += "\n" if nested else "\n\n"
                    joined += "\n\n".join(_md_blocks([child]))
                lines = joined.split("\n")
                items.append(
                    indent
                    + marker
                    + lines[0]
                    + "".join(f"\n{pad}{ln}" if ln else "\n" for ln in lines[1:])
                )
            blocks.append("\n".join(items))
        elif node.tag == "blockquote":
            inner = "\n\n".join(_md_blocks(node.children)).split("\n")
            blocks.append("\n".join(f"{indent}> {ln}".rstrip() for ln in inner))
        elif node.tag == "codeBlock":
            language = node.attrs.get("language") or ""
            fence = "````" if "```" in node.text() else "```"
            body = "\n".join(indent + ln for ln in node.text().split("\n"))
            blocks.append(f"{indent}{fence}{language}\n{body}\n{indent}{fence}")
        elif node.tag == "horizontalRule":
            blocks.append(indent + "---")
        elif node.tag == "paragraph":
            blocks.append(indent + _md_inline(node.children))
        else:
            blocks.extend(_md_blocks(node.children, indent))
    return blocks


def to_markdown(nodes: list[Node]) -> bytes:
    return ("\n\n".join(_md_blocks(list(nodes))) + "\n").encode()


# --- .docx --------------------------------------------------------------------------------


def _docx_runs(paragraph: Any, children: list[Node | Run]) -> None:
    from docx.oxml.ns import qn
    from docx.oxml.shared import OxmlElement
    from docx.shared import RGBColor

    for child in children:
        if isinstance(child, Node):
            if child.tag == "hardBreak":
                paragraph.add_run().add_break()
            else:
                _docx_runs(paragraph, child.children)
            continue
        marks = child.marks
        href = _href(marks)
        if href is not None:
            # A real hyperlink: python-docx has no API for one, so its XML is written here.
            rel = paragraph.part.relate_to(
                href,
                "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
                is_external=True,
            )
            link = OxmlElement("w:hyperlink")
            link.set(qn("r:id"), rel)
            paragraph._p.append(link)
            run = paragraph.add_run(child.text)
            link.append(run._r)
            run.font.underline = True
            run.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        else:
            run = paragraph.add_run(child.text)
        run.bold = "bold" in marks or None
        run.italic = "italic" in marks or None
        run.font.strike = "strike" in marks or None
        if "code" in marks:
            run.font.name = "DejaVu Sans Mono"


def _docx_blocks(document: Any, nodes: list[Node | Run], list_depth: int = 0) -> None:
    from docx.shared import Pt

    for node in nodes:
        if isinstance(node, Run):
            _docx_runs(document.add_paragraph(), [node])
        elif node.tag == "heading":
            _docx_runs(document.add_heading(level=_level(node)), node.children)
        elif node.tag in ("bulletList", "orderedList"):
            base = "List Bullet" if node.tag == "bulletList" else "List Number"
            style = base if list_depth == 0 else f"{base} {min(3, list_depth + 1)}"
            for item in node.children:
                children = item.children if isinstance(item, Node) else [item]
                first = True
                for part in children:
                    if isinstance(part, Node) and part.tag in ("bulletList", "orderedList"):
                        _docx_blocks(document, [part], list_depth + 1)
                    elif first:
                        paragraph = document.add_paragraph(style=style)
                        _docx_runs(paragraph, part.children if isinstance(part, Node) else [part])
                        first = False
                    else:
                        _docx_blocks(document, [part], list_depth)
        elif node.tag == "blockquote":
            for part in node.children:
                paragraph = document.add_paragraph(style="Quote")
                _docx_runs(paragraph, part.children if isinstance(part, Node) else [part])
        elif node.tag == "codeBlock":
            paragraph = document.add_paragraph()
            run = paragraph.add_run(node.text())
            run.font.name = "DejaVu Sans Mono"
            run.font.size = Pt(9)
        elif node.tag == "horizontalRule":
            document.add_paragraph("―" * 20)
        elif node.tag == "paragraph":
            _docx_runs(document.add_paragraph(), node.children)
        else:
            _docx_blocks(document, node.children, list_depth)


def to_docx(nodes: list[Node], *, title: str) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    _docx_blocks(document, list(nodes))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------


def _html_inline(children: list[Node | Run]) -> str:
    out = []
    for child in children:
        if isinstance(child, Node):
            out.append("<br>" if child.tag == "hardBreak" else _html_inline(child.children))
            continue
        text = escape(child.text)
        marks = child.marks
        if "code" in marks:
            text = f"<code>{text}</code>"
        if "bold" in marks:
            text = f"<b>{text}</b>"
        if "italic" in marks:
            text = f"<i>{text}</i>"
        if "strike" in marks:
            text = f"<s>{text}</s>"
        href = _href(marks)
        if href is not None:
            text = f'<a href="{escape(href)}">{text}</a>'
        out.append(text)
    return "".join(out)


def _html_blocks(nodes: list[Node | Run]) -> str:
    out = []
    for node in nodes:
        if isinstance(node, Run):
            out.append(f"<p>{_html_inline([node])}</p>")
        elif node.tag == "heading":
            level = _level(node)
            out.append(f"<h{level}>{_html_inline(node.children)}</h{level}>")
        elif node.tag in ("bulletList", "orderedList"):
            tag = "ul" if node.tag == "bulletList" else "ol"
            items = "".join(
                f"<li>{_html_item(item)}</li>" for item in node.children if isinstance(item, Node)
            )
            start = f' start="{_start(node)}"' if tag == "ol" else ""
            out.append(f"<{tag}{start}>{items}</{tag}>")
        elif node.tag == "blockquote":
            out.append(f"<blockquote>{_html_blocks(node.children)}</blockquote>")
        elif node.tag == "codeBlock":
            out.append(f"<pre>{escape(node.text())}</pre>")
        elif node.tag == "horizontalRule":
            out.append("<hr>")
        elif node.tag == "paragraph":
            out.append(f"<p>{_html_inline(node.children)}</p>")
        else:
            out.append(_html_blocks(node.children))
    return "".join(out)


def _html_item(item: Node) -> str:
    # fpdf2 renders an item's inline text; nested lists follow it.
    parts = []
    for child in item.children:
        if isinstance(child, Node) and child.tag == "paragraph":
            parts.append(_html_inline(child.children))
        else:
            parts.append(_html_blocks([child]))
    return "<br>".join(parts)


def to_pdf(nodes: list[Node], *, title: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF()
    pdf.set_title(title)
    for style, name in [("", "DejaVuSans"), ("B", "DejaVuSans-Bold"), ("I", "DejaVuSans-Oblique"),
                        ("BI", "DejaVuSans-BoldOblique")]:  # fmt: skip
        pdf.add_font("DejaVu", style, str(FONT_DIR / f"{name}.ttf"))
    pdf.add_font("DejaVuMono", "", str(FONT_DIR / "DejaVuSansMono.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", size=11)
    mono = FontFace(family="DejaVuMono")
    pdf.write_html(
        _html_blocks(list(nodes)),
        font_family="DejaVu",
        tag_styles={"code": mono, "pre": mono},
    )
    return bytes(pdf.output())


def render(nodes: list[Node], *, format: str, title: str) -> bytes:
    """The content in ``format`` (a key of FORMATS)."""
    if format == "md":
        return to_markdown(nodes)
    if format == "docx":
        return to_docx(nodes, title=title)
    return to_pdf(nodes, title=title)
