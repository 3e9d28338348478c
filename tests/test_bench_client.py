"""The browser benchmark's own logic that needs no browser: source-map decoding and
attribution (bench/client/profile.py), the bundle report (bench/client/bundle.py), the
summary statistics (bench/client/__main__.py)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench.client import bundle
from bench.client.__main__ import stats
from bench.client.profile import Modules, _vlq, bundle_modules, owner

# Two generated lines: "abcdef" (abc from src/app/x.ts, def from react) and "xy" (x.ts).
SOURCE_MAP = {
    "version": 3,
    "sources": ["../../src/app/x.ts", "../../node_modules/react/index.js"],
    "mappings": "AAAA,GCAA;ADAA",
}


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "a.js").write_text("abcdef\nxy")
    (assets / "a.js.map").write_text(json.dumps(SOURCE_MAP))
    (assets / "lazy.js").write_text("export const x = 1;\n" * 50)
    (tmp_path / "index.html").write_text(
        '<script type="module" src="/assets/a.js"></script>'
        '<link rel="modulepreload" href="/assets/lazy.js"><link rel="stylesheet" href="/x.css">'
    )
    monkeypatch.setattr(bundle, "DIST", tmp_path)
    return tmp_path


def test_vlq_decodes_base64_variable_length_quantities() -> None:
    assert _vlq("A") == [0]
    assert _vlq("C") == [1]
    assert _vlq("D") == [-1]
    assert _vlq("gB") == [16]
    assert _vlq("2H") == [123]
    assert _vlq("GCAA") == [3, 1, 0, 0]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("../../node_modules/react-dom/cjs/react-dom-client.production.js", "react-dom"),
        ("frontend/node_modules/@tanstack/virtual-core/dist/index.js", "@tanstack/virtual-core"),
        ("frontend/src/features/conversation/rows.ts", "src/features/conversation"),
        ("../../src/app/store.ts", "src/app"),
        ("src/main.tsx", "src"),
        ("\0rolldown/runtime.js", "\0rolldown/runtime.js"),
    ],
)
def test_owner_is_the_package_or_the_source_folder(source: str, expected: str) -> None:
    assert owner(source) == expected


def test_bundle_bytes_are_attributed_through_the_source_map(dist: Path) -> None:
    modules = bundle_modules(dist)
    assert dict(modules["a.js"]) == {"src/app": 5, "react": 3}
    assert modules["a.js:total"] == 8


def test_profile_positions_map_to_their_source_file(dist: Path) -> None:
    lookup = Modules(dist)
    url = "http://127.0.0.1:1/assets/a.js"
    assert lookup(url, 0, 0) == "src/app/x.ts"
    assert lookup(url, 0, 4) == "node_modules/react/index.js"
    assert lookup(url, 1, 1) == "src/app/x.ts"
    assert (
        lookup("http://127.0.0.1:1/assets/other.js", 0, 0) == "http://127.0.0.1:1/assets/other.js"
    )


def test_bundle_report_lists_each_screens_scripts_with_gzip_sizes(dist: Path) -> None:
    report = bundle.report({"signed_in": ["/assets/a.js", "/assets/gone.js"]})
    listed = report["index.html"]
    assert [f["file"] for f in listed["files"]] == ["/assets/a.js", "/assets/lazy.js"]
    lazy = (dist / "assets" / "lazy.js").read_bytes()
    assert listed["files"][1] == {
        "file": "/assets/lazy.js",
        "bytes": len(lazy),
        "gzip": len(gzip.compress(lazy, 9, mtime=0)),
    }
    assert listed["gzip"] < listed["bytes"]  # the repetitive file compresses
    assert report["signed_in"]["missing"] == ["/assets/gone.js"]
    assert report["signed_in"]["bytes"] == 9


def test_stats_are_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert stats(values) == {"n": 100, "p50": 50.0, "p95": 95.0, "max": 100.0}
    assert stats([]) == {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
