"""A rich-text document's content as TipTap keeps it in Yjs, read into a plain tree, and
the update that makes a document's content equal to another's (restore).

TipTap's Collaboration extension (y-prosemirror) stores the ProseMirror document in the
``Y.XmlFragment`` named ``default``: each node an ``XmlElement`` named after its type
(``paragraph``, ``heading`` with ``level``, ``bulletList``, ``orderedList``, ``listItem``,
``blockquote``, ``codeBlock``, ``horizontalRule``, ``hardBreak``, …) with its attributes,
each run of text an ``XmlText`` whose formatting attributes are the marks (``bold``,
``italic``, ``strike``, ``code``, ``link`` with ``href``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pycrdt

FRAGMENT = "default"


@dataclass
class Run:
    """Text with its marks (mark name → mark attributes, ``{}`` for none)."""

    text: str
    marks: dict[str, Any] = field(default_factory=dict)


@dataclass
class Node:
    tag: str
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Node | Run] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c.text if isinstance(c, Run) else c.text() for c in self.children)


def _read_children(container: Any) -> list[Node | Run]:
    out: list[Node | Run] = []
    for child in container.children:
        if isinstance(child, pycrdt.XmlText):
            for insert, marks in child.diff():
                if isinstance(insert, str) and insert:
                    out.append(Run(insert, dict(marks or {})))
        elif isinstance(child, pycrdt.XmlElement):
            # pycrdt types its attribute view's __iter__ as returning a mere Iterable.
            attrs: dict[str, Any] = dict(cast(Any, child.attributes))
            out.append(Node(str(child.tag), attrs, _read_children(child)))
    return out


def doc_of(update: bytes) -> pycrdt.Doc:
    doc: pycrdt.Doc = pycrdt.Doc()
    doc.apply_update(update)
    return doc


def read(update: bytes) -> list[Node]:
    """The top-level nodes of a document's state (one Yjs update)."""
    fragment = doc_of(update).get(FRAGMENT, type=pycrdt.XmlFragment)
    return [n for n in _read_children(fragment) if isinstance(n, Node)]


def plain_text(nodes: list[Node]) -> str:
    return "\n".join(node.text() for node in nodes)


def _write_children(parent: Any, children: list[Node | Run]) -> None:
    text: pycrdt.XmlText | None = None
    offset = 0
    for child in children:
        if isinstance(child, Run):
            if text is None:
                text = pycrdt.XmlText()
                parent.children.append(text)
                offset = 0
            text.insert(offset, child.text, child.marks or None)
            offset += len(child.text.encode())  # pycrdt counts UTF-8 bytes
        else:
            text = None
            element = pycrdt.XmlElement(child.tag, child.attrs)
            parent.children.append(element)
            _write_children(element, child.children)


def replacement_update(current: bytes, target: bytes) -> bytes:
    """One Yjs update that, applied to a document whose state is ``current``, makes its
    content that of ``target``: every node is deleted and the target's nodes inserted
    anew. Editors who apply it see the change live, and it is one more entry of history."""
    doc = doc_of(current)
    nodes = read(target)
    updates: list[bytes] = []
    subscription = doc.observe(lambda event: updates.append(event.update))
    fragment = doc.get(FRAGMENT, type=pycrdt.XmlFragment)
    with doc.transaction():
        while len(fragment.children):
            del fragment.children[0]
        _write_children(fragment, list(nodes))
    doc.unobserve(subscription)
    return pycrdt.merge_updates(*updates) if updates else pycrdt.Doc().get_update()
