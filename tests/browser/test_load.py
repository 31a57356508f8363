"""A class on one server: 12 browser tabs use the Heatmap, Build-it and Complexity pages at once, a third
of them in the Heatmap's pretrained mode with long texts of their own and others with the longest
sentence random mode takes (the heaviest requests a student can make).

Loopback only, bounded in count and time. Asserts that every tab finishes without an exception and the
server stays under 1 GB; prints the p50/p95 times of page loads, reruns and measurements under load, and
the server's CPU time (recorded in the README). The tabs' Chromium runs on the same cores as the
server here, so these times are far slower than a class whose browsers run on their own machines.
Every wait is the harness's: the app has caught up with what the tab sent and has drawn it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .harness import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, track_async, wait_for_rerun_async
from .test_hostile import EXISTING

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLIDER_MOVES = 3
ARRIVAL_GAP_S = 0.5  # students open the link within a few seconds of each other
MEMORY_LIMIT = 1 << 30
TIMEOUT_MS = 240_000  # per wait: twelve tabs and the server share two cores
RANGE = '[data-testid="stSlider"] input[type="range"]'
_WORDS = ("the students in the class read a long story about a small town where every house had a garden and "
          "every garden had a tree").split()


def long_text(i: int, words: int) -> str:
    """A long sentence of its own for tab ``i`` (the app caches results per text: each student computes)."""
    return f"Student {i} wrote: " + " ".join((_WORDS * 8)[:words]) + "."


def plan(i: int) -> tuple[str, dict]:
    """What tab ``i`` opens: (page, query)."""
    plans = [
        ("Heatmap", {}),
        ("Heatmap", {"mode": "pretrained", "text": long_text(i, 112)}),  # 119 of the model's 128 word pieces
        ("Build_it_step_by_step", {}),
        ("Heatmap", {"text": long_text(i, 60), "n": "64"}),  # random mode's longest: 64 words
        ("Complexity", {}),
        ("Heatmap", {"mode": "pretrained", "text": long_text(i, 100), "values": "1"}),
    ]
    plans = [p for p in plans if p[0] in EXISTING] or [("", {})]
    return plans[i % len(plans)]


TABS = 12


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakMemory(threading.Thread):
    """Samples the server's resident memory every 100 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.1)


async def student(browser, base: str, i: int, times: dict[str, list[float]], errors: list[str]) -> None:
    path, query = plan(i)
    name = f"/{path}?{'&'.join(query) or ''}"
    await asyncio.sleep(i * ARRIVAL_GAP_S)
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"{name}: {exc}"))
    runs = await track_async(page)
    try:
        start = time.perf_counter()
        await page.goto(f"{base}/{path}" + (f"?{urlencode(query)}" if query else ""))
        while not runs.starts:  # the first run has started (a poll, not a wait for the page)
            await page.wait_for_timeout(50)
        await wait_for_rerun_async(page, TIMEOUT_MS)
        times["page load"].append(time.perf_counter() - start)
        if path == "Complexity":
            start = time.perf_counter()
            await page.get_by_role("button", name="Run measurement").click()
            await wait_for_rerun_async(page, TIMEOUT_MS)
            times["measurement"].append(time.perf_counter() - start)
        slider = page.locator(RANGE).first
        for _ in range(SLIDER_MOVES):
            start = time.perf_counter()
            await slider.focus()
            await slider.press("ArrowRight")
            await wait_for_rerun_async(page, TIMEOUT_MS)
            times["rerun"].append(time.perf_counter() - start)
        if await page.locator('[data-testid="stException"]').count():
            errors.append(f"{name}: " + await page.locator('[data-testid="stException"]').first.inner_text())
    except Exception as exc:  # name the page that failed
        errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        await context.close()


async def classroom(base: str) -> tuple[dict[str, list[float]], list[str]]:
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {"page load": [], "rerun": [], "measurement": []}
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            tabs = [student(browser, base, i, times, errors) for i in range(TABS)]
            await asyncio.wait_for(asyncio.gather(*tabs), timeout=900)
        finally:
            await browser.close()
    return times, errors


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.2f} s, p95 {p95:.2f} s (n={len(ordered)})"


def test_ten_students_at_once():
    proc, base = start_server()
    memory = PeakMemory(proc.pid)
    memory.start()
    cpu_before, wall_start = cpu_seconds(proc.pid), time.perf_counter()
    try:
        # A thread of its own: the other browser tests' sync Playwright keeps an event loop in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            times, errors = pool.submit(asyncio.run, classroom(base)).result()
        server_cpu, wall = cpu_seconds(proc.pid) - cpu_before, time.perf_counter() - wall_start
    finally:
        memory.done.set()
        memory.join()
        stop_server(proc)
    opened = sorted({f"/{path}" + (" (pretrained)" if q.get("mode") else " (long text)" if q else "")
                     for path, q in map(plan, range(TABS))})
    print(f"\nload: {TABS} tabs on {opened}, server peak RSS {memory.peak / 2**20:.0f} MiB, server CPU "
          f"{server_cpu:.1f} s in {wall:.1f} s (Chromium had the rest of the {os.cpu_count()} cores)")
    for kind, values in times.items():
        if values:
            print(f"load: {kind}: {percentiles(values)}")
    assert not errors, errors
    assert len(times["page load"]) == TABS and len(times["rerun"]) == TABS * SLIDER_MOVES
    complexity_tabs = sum(plan(i)[0] == "Complexity" for i in range(TABS))
    assert len(times["measurement"]) == complexity_tabs
    assert memory.peak < MEMORY_LIMIT, f"server used {memory.peak / 2**20:.0f} MiB"
