"""The message Markdown subset, rendered on the server to sanitised HTML.

Supported: **bold**, *italic*, `code`, fenced code blocks, > quotes, lists, links and
~~strike~~ (docs/messaging.md). Raw HTML is shown as text, and the output passes an
allow-list sanitiser (nh3) as a second line of defence: no scripts, no event attributes,
no links other than http(s) and mailto.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .enable("strikethrough")
    .disable(["image", "heading", "lheading", "hr", "html_block", "html_inline", "reference"])
)

_TAGS = {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}}
_SCHEMES = {"http", "https", "mailto"}


def render(source: str) -> str:
    """Sanitised HTML for ``source``; links open safely (rel="noopener noreferrer")."""
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()
