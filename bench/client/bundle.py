"""How much JavaScript the first screen costs: each file's size as built and gzipped
(``gzip -9``, what a server compressing static files sends), for the scripts that
frontend/dist/index.html names (``<script src>``, ``<link rel=modulepreload>``) and those
the browser actually requested on each first screen.
"""

from __future__ import annotations

import gzip
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bench.client.server import DIST


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.found.append(str(values["src"]))
        if tag == "link" and values.get("rel") == "modulepreload" and values.get("href"):
            self.found.append(str(values["href"]))


def index_scripts() -> list[str]:
    parser = _Scripts()
    parser.feed((DIST / "index.html").read_text(encoding="utf-8"))
    return parser.found


def sizes(path: str) -> dict[str, Any]:
    data = (DIST / path.lstrip("/")).read_bytes()
    return {"file": path, "bytes": len(data), "gzip": len(gzip.compress(data, 9, mtime=0))}


def report(screens: dict[str, list[str]]) -> dict[str, Any]:
    """Per screen (and for index.html): each script with its sizes, and the totals."""
    result: dict[str, Any] = {}
    for name, paths in {"index.html": index_scripts(), **screens}.items():
        files = [sizes(p) for p in paths if (DIST / p.lstrip("/")).is_file()]
        missing = [p for p in paths if not (DIST / p.lstrip("/")).is_file()]
        result[name] = {
            "files": files,
            "missing": missing,
            "bytes": sum(f["bytes"] for f in files),
            "gzip": sum(f["gzip"] for f in files),
        }
    return result


def total_dist_js() -> int:
    """Gzipped size of every script in the build (first screen or not)."""
    return sum(sizes("/" + str(p.relative_to(DIST)))["gzip"] for p in Path(DIST).rglob("*.js"))
