"""Start `streamlit run` and Chromium for browser tests, and wait for Streamlit's reruns."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RERUN_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(extra_env: dict | None = None, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """`streamlit run streamlit_app.py` on a free loopback port; returns (process, base URL)."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--client.showErrorDetails", "full",  # tests must see exception boxes
        "--server.fileWatcherType", "none",
    ]
    env = {**os.environ, **(extra_env or {})}
    log = open(ROOT / f".streamlit-test-{port}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log_file = log
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not become healthy within {timeout} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log = getattr(proc, "log_file", None)
    if log:
        log.close()
        Path(log.name).unlink(missing_ok=True)


def launch_browser():
    """(playwright, browser): headless Debian Chromium with the flags this machine needs."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    return pw, browser


def wait_for_rerun(page, timeout: int = RERUN_TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)
    # A widget change starts its rerun a moment later: settle, then check again.
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)


def open_app(page, base_url: str, path: str = "", query: dict | None = None) -> None:
    """Open a page by URL (``path`` like "Heatmap", "" for home) and wait for its first run."""
    url = f"{base_url}/{path}"
    if query:
        url += "?" + urlencode(query, doseq=True)
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=RERUN_TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stMainBlockContainer"]', timeout=RERUN_TIMEOUT_MS)
    wait_for_rerun(page)


def assert_no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, f"exception on the page: {boxes.first.inner_text()}"


def set_slider(page, label: str, presses: int, key: str = "ArrowRight") -> None:
    """Move the slider named ``label`` by keyboard (drags are flaky) and wait for the rerun."""
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    for _ in range(presses):
        slider.press(key)
    wait_for_rerun(page)


def query_params(page) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(page.url).query, keep_blank_values=True)


def click_cell(page, chart, row: int, col: int) -> None:
    """Click cell (row, col) of a plotly heatmap (``chart``: its ``.js-plotly-plot``) and wait for the rerun."""
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    dx, dy = chart.evaluate(
        f"el => [el._fullLayout.xaxis._offset + el._fullLayout.xaxis.d2p({col}),"
        f" el._fullLayout.yaxis._offset + el._fullLayout.yaxis.d2p({row})]"
    )
    page.mouse.click(box["x"] + dx, box["y"] + dy)
    wait_for_rerun(page)
