"""Benchmarks of the browser client (issue 10's speed targets), in headless Chromium:

    .venv/bin/python -m bench.client                 # everything, prints a table
    .venv/bin/python -m bench.client --runs 5 --switches 10 --no-build

1. bundle: gzipped size of the JavaScript of the sign-in screen and of the signed-in
   first screen (each file and the total; target ≤ 250 KB);
2. time to interactive: cold loads of / (fresh context) until the first screen is rendered
   and the main thread is free for input, signed in (tokens seeded in localStorage; target
   ≤ 1.5 s) and on the sign-in screen; median and p95 over ``--runs`` after one warm-up;
3. a 10,000-message conversation: open it, scroll to its top in steps, the most message
   nodes in the DOM at any step (target ≲ 100) and the older-page loads;
4. switching between two loaded conversations: click to the new messages painted
   (median / p95 over ``--switches``; target ≤ 100 ms);
5. memory: the tab's JS heap after opening ``--conversations`` conversations and the big
   one (scrolled to its top; target < 150 MB).

It builds the client (``make frontend-build``), creates and migrates its own database
(``portal_hbench_run``; ``--reset`` drops it first), seeds it through the services
(bench/client/seed.py, once: later runs reuse the data), starts one daphne on a free
loopback port (bench/client/server.py), signs in over REST, measures, stops the server.
The result goes to var/bench/results/client-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench.client import browser as b
from bench.client import bundle, server
from bench.common import machine, percentile, save, wait_until_quiet
from bench.servers import BIN, ROOT

KB = 1000
TARGETS = {"bundle_kb": 250, "tti_ms": 1500, "nodes": 100, "switch_ms": 100, "heap_mb": 150}


def sign_in(url: str, login: str, password: str) -> dict[str, Any]:
    """The token pair a browser sign-in gets (a web device with a fresh id)."""
    body = {
        "login": login,
        "password": password,
        "otp": "",
        "device": {"id": str(uuid.uuid4()), "platform": "web", "model": "Chromium",
                   "os_version": "", "app_version": "0.1.0"},
    }  # fmt: skip
    request = urllib.request.Request(  # noqa: S310 - the loopback server's http:// URL
        f"{url}/api/v1/auth/login", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Accept-Language": "ru"},
    )  # fmt: skip
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return dict(json.loads(response.read()))


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50": round(percentile(ordered, 50), 1),
        "p95": round(percentile(ordered, 95), 1),
        "max": round(ordered[-1], 1) if ordered else 0.0,
    }


def measure(url: str, fixture: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    tokens = sign_in(url, fixture["reader"]["login"], fixture["reader"]["password"])
    result: dict[str, Any] = {}
    with sync_playwright() as playwright:
        chromium = b.launch(playwright)
        result["chromium"] = chromium.version
        harness = b.Harness(chromium, url, tokens)
        try:
            # 1 + 2: cold loads (the first of each is a warm-up of the server, not counted).
            print(f"cold loads: {args.runs + 1} of each screen", flush=True)
            loads: dict[str, list[dict[str, Any]]] = {"sign_in": [], "signed_in": []}
            for n in range(args.runs + 1):
                for screen, signed_in in (("sign_in", False), ("signed_in", True)):
                    run = harness.cold_load(signed_in=signed_in)
                    if n:
                        loads[screen].append(run)
            result["loads"] = {
                screen: {
                    "interactive_ms": stats([r["interactive"] for r in runs]),
                    "rendered_ms": stats([r["rendered"] for r in runs]),
                    "dom_content_loaded_ms": stats([r["domContentLoaded"] for r in runs]),
                    "long_tasks_ms": stats([sum(t[1] for t in r["longTasks"]) for r in runs]),
                    "conversations_listed": runs[-1]["conversations"],
                }
                for screen, runs in loads.items()
            }
            result["bundle"] = bundle.report(
                {screen: runs[0]["scripts"] for screen, runs in loads.items()}
            )
            result["bundle"]["all_js_in_build_gzip"] = bundle.total_dist_js()
            result["tab"] = tab(harness, fixture, args)
        finally:
            chromium.close()
    result["outside_requests"] = harness.outside_requests()
    return result


def tab(harness: b.Harness, fixture: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """3, 4, 5 in one signed-in tab."""
    context, page, watch = harness.new_page(signed_in=True)
    out: dict[str, Any] = {}
    try:
        page.goto("/", wait_until="commit")
        page.wait_for_function(b.IDLE_JS, arg="list")
        print(f"opening {len(fixture['small'])} conversations, then the big one", flush=True)
        opened = [harness.open_conversation(page, c) for c in fixture["small"]]
        out["first_open_ms"] = stats([o["painted"] for o in opened])
        out["heap_after_small"] = b.heap(page, context)
        big = harness.open_conversation(page, fixture["big"])
        out["big_open_ms"] = round(big["painted"], 1)
        print("scrolling the big conversation to its first message", flush=True)
        scroll = harness.scroll_to_top(
            page, watch, max_steps=args.max_steps, max_seconds=args.max_scroll_seconds,
            max_wait_ms=args.top_wait_ms,
        )  # fmt: skip
        scroll["older_page_requests"] = stats(scroll["older_page_requests_ms"])
        scroll["top_waits"] = stats(scroll["top_waits_ms"])
        out["big_scroll"] = scroll
        out["heap_after_big"] = b.heap(page, context)
        print(f"switching: {args.switches} times in each pair", flush=True)
        # 4: there and back between two loaded small conversations, then a small one and
        # the big one (all 10,000 messages loaded by now).
        first, second = fixture["small"][0], fixture["small"][1]
        pairs = {"small": (first, second), "big": (first, fixture["big"])}
        for name, (one, other) in pairs.items():
            harness.open_conversation(page, one)
            there, back = [], []
            for _ in range(args.switches // 2):
                page.wait_for_timeout(args.switch_pause_ms)
                there.append(harness.open_conversation(page, other)["painted"])
                page.wait_for_timeout(args.switch_pause_ms)
                back.append(harness.open_conversation(page, one)["painted"])
            out[f"switch_{name}_ms"] = stats(there + back)
            out[f"switch_{name}_there_ms"] = stats(there)
            out[f"switch_{name}_back_ms"] = stats(back)
        out["heap_end"] = b.heap(page, context)
    finally:
        context.close()
    return out


def table(result: dict[str, Any]) -> str:
    loads, tab_, bundle_ = result["loads"], result["tab"], result["bundle"]
    scroll = tab_["big_scroll"]
    heap = max(tab_["heap_after_big"]["js_heap_used_mb"], tab_["heap_end"]["js_heap_used_mb"])
    first_screen = bundle_["signed_in"]["gzip"] / KB

    def ok(good: bool) -> str:
        return "yes" if good else "no"

    signed, sign_in = bundle_["signed_in"], bundle_["sign_in"]
    tti, tti_sign_in = loads["signed_in"]["interactive_ms"], loads["sign_in"]["interactive_ms"]
    end = tab_["heap_end"]
    # The DOM and memory targets hold only after scrolling through the whole history.
    through = scroll["oldest_seq_reached"] <= 1
    rows = [
        ("Measurement", "Result", "Target", "Met"),
        (
            "JS of the signed-in first screen, gzip",
            f"{first_screen:.1f} KB ({signed['bytes'] / KB:.1f} KB raw, "
            f"{len(signed['files'])} files)",
            "≤ 250 KB",
            ok(first_screen <= TARGETS["bundle_kb"]),
        ),
        (
            "JS of the sign-in screen, gzip",
            f"{sign_in['gzip'] / KB:.1f} KB",
            "≤ 250 KB",
            ok(sign_in["gzip"] / KB <= TARGETS["bundle_kb"]),
        ),
        (
            "Interactive, signed in (p50 / p95)",
            _pp(tti),
            "≤ 1500 ms",
            ok(tti["p95"] <= TARGETS["tti_ms"]),
        ),
        (
            "Interactive, sign-in screen (p50 / p95)",
            _pp(tti_sign_in),
            "≤ 1500 ms",
            ok(tti_sign_in["p95"] <= TARGETS["tti_ms"]),
        ),
        (
            "10k chat: most message nodes in the DOM",
            f"{scroll['max_message_nodes']} (of {scroll['max_elements']} elements; "
            f"{scroll['steps']} steps, oldest seq {scroll['oldest_seq_reached']}: "
            f"{scroll['stopped']})",
            "≲ 100",
            ok(through and scroll["max_message_nodes"] <= TARGETS["nodes"] * 1.2),
        ),
        ("10k chat: older page, request (p50 / p95)", _pp(scroll["older_page_requests"]), "", ""),
        ("10k chat: at the top, wait for older (p50 / p95)", _pp(scroll["top_waits"]), "", ""),
        ("Open the 10k chat (click to painted)", f"{tab_['big_open_ms']:.0f} ms", "", ""),
        (
            "Switch between two loaded chats (p50 / p95)",
            _pp(tab_["switch_small_ms"]),
            "≤ 100 ms",
            ok(tab_["switch_small_ms"]["p95"] <= TARGETS["switch_ms"]),
        ),
        (
            "Switch from a small chat to the 10k one (p50 / p95)",
            _pp(tab_["switch_big_there_ms"]),
            "≤ 100 ms",
            ok(tab_["switch_big_there_ms"]["p95"] <= TARGETS["switch_ms"]),
        ),
        (
            "Switch from the 10k chat to a small one (p50 / p95)",
            _pp(tab_["switch_big_back_ms"]),
            "≤ 100 ms",
            ok(tab_["switch_big_back_ms"]["p95"] <= TARGETS["switch_ms"]),
        ),
        (
            "JS heap after 20 chats + the 10k one",
            f"{heap:.1f} MB (after GC {end['js_heap_used_after_gc_mb']:.1f}; "
            f"renderer private {end['renderer_private_mb']} MB)",
            "< 150 MB",
            ok(through and heap < TARGETS["heap_mb"]),
        ),
        (
            "Requests outside the server",
            str(len(result["outside_requests"])),
            "0",
            ok(not result["outside_requests"]),
        ),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    files = [
        f"  {f['file']}: {f['bytes'] / KB:.1f} KB, gzip {f['gzip'] / KB:.1f} KB"
        for f in bundle_["signed_in"]["files"]
    ]
    return "\n".join([*lines, "Scripts of the signed-in first screen:", *files])


def _pp(s: dict[str, float]) -> str:
    return f"{s['p50']:.0f} / {s['p95']:.0f} ms (n={s['n']})" if s["n"] else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="cold loads of each screen")
    parser.add_argument(
        "--switches", type=int, default=40, help="in each pair, half there and half back"
    )
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=120, help="in each small conversation")
    parser.add_argument("--big", type=int, default=10_000, help="messages in the big one")
    parser.add_argument("--reset", action="store_true", help="drop the database first")
    parser.add_argument("--no-build", dest="build", action="store_false")
    parser.add_argument("--quiet-wait", type=float, default=30)
    parser.add_argument("--max-steps", type=int, default=3000)
    parser.add_argument("--max-scroll-seconds", type=float, default=900)
    parser.add_argument("--top-wait-ms", type=int, default=5000)
    parser.add_argument("--switch-pause-ms", type=int, default=200)
    args = parser.parse_args()

    if args.build:
        subprocess.run(["make", "frontend-build"], cwd=ROOT, check=True)
    server.prepare(reset=args.reset)
    fixture_path = server.VAR / "fixture.json"
    started = time.monotonic()
    subprocess.run(
        [str(BIN / "python"), "-m", "bench.client.seed", "--out", str(fixture_path),
         "--conversations", str(args.conversations), "--messages", str(args.messages),
         "--big", str(args.big)],
        cwd=ROOT, env=server.client_env(), check=True,
    )  # fmt: skip
    fixture = json.loads(fixture_path.read_text())
    print(f"fixture ready in {time.monotonic() - started:.0f} s: {fixture['seeding']}")
    result: dict[str, Any] = {"args": vars(args), "fixture": fixture, "machine": machine()}
    result["machine"]["busy_before"] = wait_until_quiet(args.quiet_wait)
    daphne = server.start()
    try:
        result.update(measure(daphne.url, fixture, args))
    finally:
        daphne.stop()
    result["machine"]["chromium"] = result.pop("chromium")
    path = save("client", result)
    print(table(result))
    print(f"machine: {json.dumps(result['machine'], ensure_ascii=False)}")
    print(f"full result: {path.relative_to(Path(ROOT))}")
    if result["outside_requests"]:
        print("requests outside the server:", *result["outside_requests"], sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
