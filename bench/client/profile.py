"""Where the browser client's time and bytes go, for the targets bench.client misses:

    .venv/bin/python -m bench.client.profile            # after python -m bench.client

1. the bundle by module: a production build with source maps (var/bench-client/dist-map)
   and each module's share of the minified entry script, grouped by npm package or by
   src/ folder (gzip shares are the raw shares of the gzipped total: gzip does not
   compress modules separately);
2. JavaScript CPU profiles (the DevTools protocol's sampling profiler, 200 µs) of a signed-in
   tab served an unminified build (var/bench-client/dist-profile, same code, readable
   names): while scrolling up the big conversation, while switching between two small
   conversations, and between a small one and the big one; each function's self time is
   attributed to its source file by the build's source map. "(program)" is the browser's
   own work outside JavaScript (style, layout, paint); "(garbage collector)" is V8's.

It uses the database and data bench.client made (run that first) and its own daphne.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, sync_playwright

from bench.client import browser as b
from bench.client import server
from bench.client.__main__ import sign_in
from bench.common import save
from bench.servers import ROOT

FRONTEND = ROOT / "frontend"
B64 = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}


def build(out: Path, *extra: str) -> None:
    subprocess.run(
        ["npx", "--no-install", "vite", "build", "--outDir", str(out), "--emptyOutDir",
         "--logLevel", "warn", *extra],
        cwd=FRONTEND, check=True,
    )  # fmt: skip


def _vlq(segment: str) -> list[int]:
    values, value, shift = [], 0, 0
    for char in segment:
        digit = B64[char]
        value += (digit & 31) << shift
        shift += 5
        if not digit & 32:
            values.append(-(value >> 1) if value & 1 else value >> 1)
            value, shift = 0, 0
    return values


def owner(source: str) -> str:
    """An npm package (``node_modules/<name>``) or a src/ folder (a feature's own)."""
    if "node_modules/" in source:
        parts = source.rsplit("node_modules/", 1)[1].split("/")
        return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]
    if "src/" in source:
        parts = source.rsplit("src/", 1)[1].split("/")
        if len(parts) == 1:
            return "src"
        if parts[0] == "features" and len(parts) > 2:
            return f"src/features/{parts[1]}"
        return f"src/{parts[0]}"
    return source


def bundle_modules(dist: Path) -> dict[str, Any]:
    """Bytes of each entry script by package / folder, from its source map."""
    result: dict[str, Any] = {}
    for script in sorted((dist / "assets").glob("*.js")):
        if not script.with_suffix(".js.map").exists():
            continue
        source_map = json.loads(script.with_suffix(".js.map").read_text())
        lines = script.read_text(encoding="utf-8").split("\n")
        sources = source_map["sources"]
        by_owner: dict[str, int] = defaultdict(int)
        src = 0
        for number, line in enumerate(source_map["mappings"].split(";")):
            text = lines[number] if number < len(lines) else ""
            column, marks = 0, []
            for segment in filter(None, line.split(",")):
                values = _vlq(segment)
                column += values[0]
                if len(values) > 1:
                    src += values[1]
                    marks.append((column, src))
                else:
                    marks.append((column, -1))
            for i, (start, index) in enumerate(marks):
                end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
                name = owner(sources[index]) if index >= 0 else "(unmapped)"
                by_owner[name] += len(text[start:end].encode())
        total = sum(by_owner.values())
        result[script.name] = sorted(by_owner.items(), key=lambda kv: -kv[1])
        result[script.name + ":total"] = total
    return result


def _mappings(source_map: dict[str, Any]) -> list[list[tuple[int, int]]]:
    """Per generated line, its (column, source index) segments in column order."""
    lines, src = [], 0
    for line in source_map["mappings"].split(";"):
        column, marks = 0, []
        for segment in filter(None, line.split(",")):
            values = _vlq(segment)
            column += values[0]
            if len(values) > 1:
                src += values[1]
                marks.append((column, src))
            else:
                marks.append((column, -1))
        lines.append(marks)
    return lines


class Modules:
    """(line, column) in a build with source maps → the source file it comes from."""

    def __init__(self, dist: Path) -> None:
        self.maps: dict[str, tuple[list[str], list[list[tuple[int, int]]]]] = {}
        for script in (dist / "assets").glob("*.js"):
            if not script.with_suffix(".js.map").exists():
                continue
            source_map = json.loads(script.with_suffix(".js.map").read_text())
            sources = [re.sub(r"^(\.\./)+", "", s) for s in source_map["sources"]]
            self.maps[script.name] = (sources, _mappings(source_map))

    def __call__(self, url: str, line: int, column: int) -> str:
        name = url.rsplit("/", 1)[-1]
        if name not in self.maps:
            return url or "(native)"
        sources, lines = self.maps[name]
        marks = lines[line] if line < len(lines) else []
        index = bisect.bisect_right(marks, (column, 1 << 30)) - 1
        if index < 0 or marks[index][1] < 0:
            return "(unmapped)"
        return sources[marks[index][1]]


def cpu_profile(context: BrowserContext, page: Page, action: Any, modules: Modules) -> dict:
    cdp = context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    started = time.monotonic()
    measured = action()
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    span_us = profile["endTime"] - profile["startTime"]
    interval_ms = span_us / max(1, len(profile["samples"])) / 1000
    by_module: dict[str, float] = defaultdict(float)
    by_function: dict[str, float] = defaultdict(float)
    for node in profile["nodes"]:
        ms = node.get("hitCount", 0) * interval_ms
        if not ms:
            continue
        frame = node["callFrame"]
        name = frame["functionName"] or "(anonymous)"
        if name.startswith("(") and not frame["url"]:
            path = name
        else:
            path = modules(frame["url"], frame["lineNumber"], frame["columnNumber"])
        by_module[owner(path)] += ms
        by_function[f"{name} [{path.removeprefix('node_modules/')}]"] += ms
    wall = (time.monotonic() - started) * 1000
    return {
        "wall_ms": round(wall),
        "measured": measured,
        "modules_ms": _top(by_module, 15),
        "functions_ms": _top(by_function, 20),
    }


def _top(values: dict[str, float], count: int) -> list[tuple[str, float]]:
    ordered = sorted(values.items(), key=lambda kv: -kv[1])[:count]
    return [(key, round(ms, 1)) for key, ms in ordered]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warm-seconds", type=float, default=90, help="scroll up first")
    parser.add_argument("--profile-steps", type=int, default=150, help="scroll steps profiled")
    parser.add_argument("--switches", type=int, default=6)
    args = parser.parse_args()
    fixture = json.loads((server.VAR / "fixture.json").read_text())
    dist_map, dist_profile = server.VAR / "dist-map", server.VAR / "dist-profile"
    build(dist_map, "--sourcemap")
    build(dist_profile, "--minify", "false", "--sourcemap")
    result: dict[str, Any] = {"bundle_modules": bundle_modules(dist_map)}
    modules = Modules(dist_profile)
    daphne = server.start(dist_profile)
    try:
        tokens = sign_in(daphne.url, fixture["reader"]["login"], fixture["reader"]["password"])
        with sync_playwright() as playwright:
            chromium = b.launch(playwright)
            harness = b.Harness(chromium, daphne.url, tokens)
            context, page, watch = harness.new_page(signed_in=True)
            page.goto("/", wait_until="commit")
            page.wait_for_function(b.IDLE_JS, arg="list")
            small, second, big = fixture["small"][0], fixture["small"][1], fixture["big"]
            harness.open_conversation(page, second)
            harness.open_conversation(page, small)
            harness.open_conversation(page, big)
            warm = harness.scroll_to_top(
                page, watch, max_steps=100_000, max_seconds=args.warm_seconds, max_wait_ms=5000
            )
            result["warm_scroll"] = {k: warm[k] for k in ("steps", "oldest_seq_reached", "stopped")}

            def scroll() -> dict[str, Any]:
                done = harness.scroll_to_top(
                    page, watch, max_steps=args.profile_steps, max_seconds=300, max_wait_ms=5000
                )
                return {k: done[k] for k in ("steps", "oldest_seq_reached", "top_waits_ms")}

            def switches(other: dict[str, Any]) -> Any:
                def run() -> list[float]:
                    times = []
                    for n in range(args.switches):
                        page.wait_for_timeout(200)
                        target = other if n % 2 == 0 else small
                        times.append(round(harness.open_conversation(page, target)["painted"], 1))
                    return times

                return run

            result["scroll"] = cpu_profile(context, page, scroll, modules)
            harness.open_conversation(page, small)
            result["switch_small"] = cpu_profile(context, page, switches(second), modules)
            result["switch_big"] = cpu_profile(context, page, switches(big), modules)
            context.close()
            chromium.close()
    finally:
        daphne.stop()
    path = save("client-profile", result)
    for name, entries in result["bundle_modules"].items():
        if name.endswith(":total"):
            continue
        total = result["bundle_modules"][name + ":total"]
        print(f"{name}: {total / 1000:.1f} KB minified, by package / folder:")
        for owner_, size in entries[:15]:
            print(f"  {owner_:40} {size / 1000:8.1f} KB  {100 * size / total:5.1f} %")
    for name in ("scroll", "switch_small", "switch_big"):
        part = result[name]
        print(f"\n{name}: {part['wall_ms']} ms wall, measured {part['measured']}")
        print("  self time by module (ms):")
        for module, ms in part["modules_ms"]:
            print(f"    {module:40} {ms:8.1f}")
        print("  top functions (ms):")
        for function, ms in part["functions_ms"][:12]:
            print(f"    {ms:8.1f}  {function}")
    print(f"full result: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
