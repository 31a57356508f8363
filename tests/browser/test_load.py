"""A class on one server: 10+ browser tabs use the Heatmap, Build-it and Complexity pages at once.

Loopback only, bounded in count and time. Asserts that every tab finishes without an exception and the
server stays under 1 GB; prints the p50/p95 time of a rerun under load (recorded in the README).
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from pathlib import Path

import pytest

from .harness import CHROMIUM, CHROMIUM_ARGS, RERUN_TIMEOUT_MS, start_server, stop_server
from .test_hostile import EXISTING

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABS = 10
SLIDER_MOVES = 3
MEMORY_LIMIT = 1 << 30
LOAD_PAGES = [p for p in ("Heatmap", "Build_it_step_by_step", "Complexity") if p in EXISTING] or [""]


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
        await page.wait_for_selector(
            '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=RERUN_TIMEOUT_MS
        )
        await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=RERUN_TIMEOUT_MS)
        await page.wait_for_timeout(200)


async def student(browser, base: str, path: str, rerun_times: list[float], errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"/{path}: {exc}"))
    try:
        start = time.perf_counter()
        await page.goto(f"{base}/{path}")
        await page.wait_for_selector('[data-testid="stMainBlockContainer"]', timeout=RERUN_TIMEOUT_MS)
        await settle(page)
        rerun_times.append(time.perf_counter() - start)
        run_button = page.get_by_role("button", name="Run measurement")
        if await run_button.count():
            start = time.perf_counter()
            await run_button.first.click()
            await settle(page)
            rerun_times.append(time.perf_counter() - start)
        slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
        for _ in range(SLIDER_MOVES):
            start = time.perf_counter()
            await slider.focus()
            await slider.press("ArrowRight")
            await settle(page)
            rerun_times.append(time.perf_counter() - start)
        if await page.locator('[data-testid="stException"]').count():
            errors.append(f"/{path}: " + await page.locator('[data-testid="stException"]').first.inner_text())
    finally:
        await context.close()


async def classroom(base: str) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    rerun_times: list[float] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            tabs = [student(browser, base, LOAD_PAGES[i % len(LOAD_PAGES)], rerun_times, errors) for i in range(TABS)]
            await asyncio.wait_for(asyncio.gather(*tabs), timeout=480)
        finally:
            await browser.close()
    return rerun_times, errors


def test_ten_students_at_once():
    proc, base = start_server()
    memory = PeakMemory(proc.pid)
    memory.start()
    try:
        rerun_times, errors = asyncio.run(classroom(base))
    finally:
        memory.done.set()
        memory.join()
        stop_server(proc)
    assert not errors, errors
    times = sorted(rerun_times)
    p50 = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"\nload: {TABS} tabs on {LOAD_PAGES}, {len(times)} reruns, p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"server peak RSS {memory.peak / 2**20:.0f} MiB"
    )
    assert len(times) >= TABS * (1 + SLIDER_MOVES)
    assert memory.peak < MEMORY_LIMIT, f"server used {memory.peak / 2**20:.0f} MiB"
