"""A class on one server: 10+ browser tabs use the Heatmap, Build-it and Complexity pages at once.

Loopback only, bounded in count and time. Asserts that every tab finishes without an exception and the
server stays under 1 GB; prints the p50/p95 times of page loads, reruns and measurements under load, and
the server's CPU time (recorded in the README). The ten tabs' Chromium runs on the same cores as the
server here, so these times are far slower than a class whose browsers run on their own machines.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import statistics
import threading
import time
from pathlib import Path

import pytest

from .harness import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server
from .test_hostile import EXISTING

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABS = 10
SLIDER_MOVES = 3
ARRIVAL_GAP_S = 0.5  # students open the link within a few seconds of each other
MEMORY_LIMIT = 1 << 30
TIMEOUT_MS = 180_000  # per wait: ten tabs and the server share two cores
LOAD_PAGES = [p for p in ("Heatmap", "Build_it_step_by_step", "Complexity") if p in EXISTING] or [""]
RANGE = '[data-testid="stSlider"] input[type="range"]'


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


async def settle(page) -> None:
    for _ in range(2):
        await page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
        await page.wait_for_timeout(200)


async def student(browser, base: str, i: int, times: dict[str, list[float]], errors: list[str]) -> None:
    path = LOAD_PAGES[i % len(LOAD_PAGES)]
    await asyncio.sleep(i * ARRIVAL_GAP_S)
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"/{path}: {exc}"))
    try:
        start = time.perf_counter()
        await page.goto(f"{base}/{path}")
        await page.wait_for_selector(RANGE)  # every load page has a slider: its content has arrived
        await settle(page)
        times["page load"].append(time.perf_counter() - start)
        if path == "Complexity":
            start = time.perf_counter()
            await page.get_by_role("button", name="Run measurement").click()
            await settle(page)
            times["measurement"].append(time.perf_counter() - start)
        slider = page.locator(RANGE).first
        for _ in range(SLIDER_MOVES):
            start = time.perf_counter()
            await slider.focus()
            await slider.press("ArrowRight")
            await settle(page)
            times["rerun"].append(time.perf_counter() - start)
        if await page.locator('[data-testid="stException"]').count():
            errors.append(f"/{path}: " + await page.locator('[data-testid="stException"]').first.inner_text())
    except Exception as exc:  # name the page that failed
        errors.append(f"/{path}: {type(exc).__name__}: {str(exc)[:300]}")
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
    print(f"\nload: {TABS} tabs on {LOAD_PAGES}, server peak RSS {memory.peak / 2**20:.0f} MiB, server CPU "
          f"{server_cpu:.1f} s in {wall:.1f} s (Chromium had the rest of the {os.cpu_count()} cores)")
    for kind, values in times.items():
        if values:
            print(f"load: {kind}: {percentiles(values)}")
    assert not errors, errors
    assert len(times["page load"]) == TABS and len(times["rerun"]) == TABS * SLIDER_MOVES
    complexity_tabs = sum(LOAD_PAGES[i % len(LOAD_PAGES)] == "Complexity" for i in range(TABS))
    assert len(times["measurement"]) == complexity_tabs
    assert memory.peak < MEMORY_LIMIT, f"server used {memory.peak / 2**20:.0f} MiB"
