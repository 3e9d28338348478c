"""The measurements in headless Chromium (Debian's /usr/bin/chromium through Playwright).

Every number is taken inside the page with ``performance.now()`` (its origin is the start
of the navigation) and DOM conditions watched by a MutationObserver, not by polling from
Python: Playwright's round trips would add milliseconds to each. Requests are observed, not
intercepted (interception would slow each one down); a request to anything but the
benchmark server is reported and fails the run.

The selectors are the client's stable ones (``data-testid``), with the class names of the
first version of each screen as a fallback, so the harness runs on every branch.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, ViewportSize

from bench.common import _processes

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
STORAGE_PREFIX = "portal."  # frontend/src/app/client.ts, realtime/store.ts
TIMEOUT_MS = 20_000
JS = Path(__file__).parent / "js"

SIGN_IN_FIELD = 'form[name="sign-in"] input[name="login"]'
SIDEBAR = '[data-testid="sidebar"], nav.sidebar'
CONVERSATION_LINK = 'a[href^="/c/"]'  # inside SIDEBAR; each item's link is /c/<id>
MESSAGE = '[data-testid="message"], ol.timeline > li.message'

# The page-side scripts (bench/client/js/): what each measures is said at its top.
PAGE_MARKS_JS = (JS / "marks.js").read_text(encoding="utf-8")
OPEN_JS = (JS / "open.js").read_text(encoding="utf-8")
SCROLL_STEP_JS = (JS / "scroll_step.js").read_text(encoding="utf-8")
# A function, not an expression: the client's Content Security Policy forbids eval.
IDLE_JS = "(mark) => window.__bench?.marks[mark + '_idle'] !== undefined"


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@dataclass
class Watch:
    """What a context requested: every request, and whether it left the server's origin."""

    origin: str
    outside: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    def request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme.replace('ws', 'http')}://{parts.netloc}" != self.origin:
            self.outside.append(request.url)
        if parts.path.endswith((".js", ".mjs")) and parts.path not in self.scripts:
            self.scripts.append(parts.path)

    def finished(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.path.endswith("/messages") and "cursor=" in parts.query:
            timing = request.timing
            self.history.append(
                {"ms": timing["responseEnd"] - timing["requestStart"], "at": time.monotonic()}
            )


class Harness:
    def __init__(self, browser: Browser, base_url: str, tokens: dict[str, Any]) -> None:
        self.browser, self.base_url, self.tokens = browser, base_url, tokens
        self.watches: list[Watch] = []

    def new_page(self, *, signed_in: bool) -> tuple[BrowserContext, Page, Watch]:
        """A page in a fresh context (empty cache and storage: a cold load)."""
        context = self.browser.new_context(
            base_url=self.base_url, locale="ru-RU", timezone_id="Europe/Moscow", viewport=VIEWPORT
        )
        context.set_default_timeout(TIMEOUT_MS)
        watch = Watch(origin=self.base_url)
        self.watches.append(watch)
        context.on("request", watch.request)
        context.on("requestfinished", watch.finished)
        selectors = {"signIn": SIGN_IN_FIELD, "sidebar": SIDEBAR, "link": CONVERSATION_LINK}
        context.add_init_script(f"({PAGE_MARKS_JS.strip()})({json.dumps(selectors)});")
        if signed_in:
            entries = {
                STORAGE_PREFIX + "tokens": json.dumps(self.tokens),
                STORAGE_PREFIX + "device_id": json.dumps(self.tokens["device_id"]),
            }
            context.add_init_script(
                f"""(() => {{
                    if (sessionStorage.getItem("bench.seeded")) return;
                    sessionStorage.setItem("bench.seeded", "1");
                    const entries = {json.dumps(entries)};
                    for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
                }})();"""
            )
        return context, context.new_page(), watch

    def outside_requests(self) -> list[str]:
        return [url for watch in self.watches for url in watch.outside]

    # --- 2. time to interactive ---------------------------------------------------------------

    def cold_load(self, *, signed_in: bool) -> dict[str, Any]:
        """Load / in a fresh context; when the first screen was rendered and idle."""
        context, page, watch = self.new_page(signed_in=signed_in)
        try:
            mark = "list" if signed_in else "sign_in"
            page.goto("/", wait_until="commit")
            page.wait_for_function(IDLE_JS, arg=mark)
            page.wait_for_load_state("networkidle")
            data = page.evaluate(
                """([sidebar, link]) => {
                    const nav = performance.getEntriesByType("navigation")[0];
                    return {
                        marks: window.__bench.marks, longTasks: window.__bench.longTasks,
                        responseEnd: nav.responseEnd, load: nav.loadEventEnd,
                        domContentLoaded: nav.domContentLoadedEventEnd,
                        conversations:
                            document.querySelector(sidebar)?.querySelectorAll(link).length,
                    };
                }""",
                [SIDEBAR, CONVERSATION_LINK],
            )
            # Input accepted: the screen reacts to it.
            if signed_in:
                page.locator(SIDEBAR).locator(CONVERSATION_LINK).first.click()
                page.wait_for_url("**/c/**")
            else:
                page.locator(SIGN_IN_FIELD).fill("bench")
                if page.locator(SIGN_IN_FIELD).input_value() != "bench":
                    raise RuntimeError("the sign-in field did not take input")
            data["interactive"] = data["marks"][f"{mark}_idle"]
            data["rendered"] = data["marks"][mark]
            data["scripts"] = list(watch.scripts)
            return data
        finally:
            context.close()

    # --- 3-5: one signed-in tab ---------------------------------------------------------------

    def open_conversation(self, page: Page, conversation: dict[str, Any]) -> dict[str, Any]:
        result = page.evaluate(
            OPEN_JS,
            {
                "href": f"/c/{conversation['id']}",
                "marker": conversation["last_body"],
                "sidebar": SIDEBAR,
                "message": MESSAGE,
                "timeout": TIMEOUT_MS,
            },
        )
        if "error" in result or result.get("timeout"):
            raise RuntimeError(f"opening {conversation['title']}: {result}")
        return dict(result)

    def scroll_to_top(
        self, page: Page, watch: Watch, *, max_steps: int, max_seconds: float, max_wait_ms: int
    ) -> dict[str, Any]:
        """Scroll the open conversation up step by step until its first message is
        rendered, no older page comes within ``max_wait_ms`` at the top, or the bounds."""
        started = time.monotonic()
        watch.history.clear()
        steps: list[dict[str, Any]] = []
        reason = "max_steps"
        for _ in range(max_steps):
            step = page.evaluate(SCROLL_STEP_JS, {"message": MESSAGE, "maxWait": max_wait_ms})
            if "error" in step:
                raise RuntimeError(step["error"])
            steps.append(step)
            if step["atTop"] and step["minSeq"] <= 1:
                reason = "first message"
                break
            if step["atTop"] and not step["grew"]:
                reason = f"nothing older within {max_wait_ms} ms at the top"
                break
            if time.monotonic() - started > max_seconds:
                reason = "max_seconds"
                break
        return {
            "steps": len(steps),
            "stopped": reason,
            "seconds": round(time.monotonic() - started, 1),
            "max_message_nodes": max(s["nodes"] for s in steps),
            "max_elements": max(s["elements"] for s in steps),
            "oldest_seq_reached": min(s["minSeq"] for s in steps),
            "older_page_requests_ms": [round(h["ms"], 1) for h in watch.history],
            "top_waits_ms": [round(s["waitedMs"], 1) for s in steps if s["waitedMs"] is not None],
            "nodes_per_step": [s["nodes"] for s in steps],
        }


def heap(page: Page, context: BrowserContext) -> dict[str, float | None]:
    """The tab's JS heap and DOM size from the DevTools protocol, before and after a
    full garbage collection; the largest renderer process's resident memory."""
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def metrics() -> dict[str, float]:
        return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}

    before = metrics()
    cdp.send("HeapProfiler.enable")
    cdp.send("HeapProfiler.collectGarbage")
    after = metrics()
    cdp.detach()
    return {
        "js_heap_used_mb": round(before["JSHeapUsedSize"] / 2**20, 1),
        "js_heap_total_mb": round(before["JSHeapTotalSize"] / 2**20, 1),
        "js_heap_used_after_gc_mb": round(after["JSHeapUsedSize"] / 2**20, 1),
        "dom_nodes": int(after["Nodes"]),
        "js_event_listeners": int(after["JSEventListeners"]),
        **renderer_memory_mb(),
    }


def renderer_memory_mb() -> dict[str, float | None]:
    """Memory of the biggest Chromium renderer started under this process (the open tab's;
    the others are spare ones), from /proc/<pid>/smaps_rollup: resident (Rss, counts pages
    shared with other processes in full), proportional (Pss) and private (what the tab alone
    holds: closing it frees this)."""
    processes = _processes()
    parents = {pid: ppid for pid, ppid, _, _ in processes}

    def ours(pid: int) -> bool:
        for _ in range(50):
            if pid == os.getpid():
                return True
            if pid <= 1:
                return False
            pid = parents.get(pid, 0)
        return False

    best: dict[str, int] = {}
    for pid, _, _, cmdline in processes:
        if "--type=renderer" not in cmdline or not ours(pid):
            continue
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        kb = {}
        for line in rollup.splitlines()[1:]:
            name, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                kb[name] = int(value.split()[0])
        private = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
        if private > best.get("private", -1):
            best = {"rss": kb.get("Rss", 0), "pss": kb.get("Pss", 0), "private": private}
    if not best:
        return {"renderer_rss_mb": None, "renderer_pss_mb": None, "renderer_private_mb": None}
    return {f"renderer_{k}_mb": round(v / 1024, 1) for k, v in best.items()}
