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
POLL_MS = 25  # how often wait_until looks again (a poll interval, not a wait for the page)


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


# Streamlit's own state in the DOM ("notRunning") is not enough to know that a page has caught up: after a
# widget change the page still says "notRunning" until the server's first answer arrives, and after a quick
# series of changes the server can still be working through them (we measured 30 s of backlog under load)
# while the page briefly shows every interrupted run as finished. So the harness follows Streamlit's own
# protocol on the page's websocket (decoded with Streamlit's protobuf classes):
#   - every rerun request the page sends (BackMsg.rerun_script),
#   - every run the server starts (ForwardMsg.new_session) and how it finished (script_finished),
#   - a marker of our own: the page asks the server to set "run on save" on and then off again (it means
#     nothing here: the test server watches no files). The server handles a session's messages in order
#     and answers each with a session_status_changed carrying the new setting, a message it never drops
#     (a heartbeat's answer can be dropped when a run starts). Once the "off" answer has come after the
#     "on" one, the server has received every request sent before the marker. It ignores the events of
#     runs it has replaced, so the newest run it started is the one that counts.
_TRACK_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__stSockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__stSockets.push(this); }
  };
})()"""
_FINAL = {0, 1, 3}  # ScriptFinishedStatus: successfully, with compile error, fragment run successfully


class RunTracker:
    """What the page and the server said to each other about script runs, in the order it happened."""

    def __init__(self, page):
        self.seq = 0
        self.last_request = -1  # seq of the last rerun request sent
        self.starts: list[tuple[int, str]] = []  # (seq, script_run_id) of every run started
        self.finished: dict[str, int] = {}  # script_run_id -> ScriptFinishedStatus
        self.statuses: list[tuple[int, bool]] = []  # (seq, run_on_save) of every session_status_changed
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framesent", self._sent)
            ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        from google.protobuf.message import DecodeError
        from streamlit.proto.BackMsg_pb2 import BackMsg

        self.seq += 1
        try:
            kind = BackMsg.FromString(_bytes(payload)).WhichOneof("type")
        except DecodeError:
            return
        if kind == "rerun_script":
            self.last_request = self.seq

    def _received(self, payload) -> None:
        from google.protobuf.message import DecodeError
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.seq += 1
        try:
            msg = ForwardMsg.FromString(_bytes(payload))
        except DecodeError:
            return
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.starts.append((self.seq, msg.metadata.run.script_run_id))
        elif kind == "script_finished":
            self.finished[msg.metadata.run.script_run_id] = msg.script_finished
        elif kind == "session_status_changed":
            self.statuses.append((self.seq, msg.session_status_changed.run_on_save))

    def __repr__(self) -> str:
        last = self.starts[-1] if self.starts else None
        return (f"RunTracker(last request #{self.last_request}, {len(self.starts)} runs started, newest {last} "
                f"finished {self.finished.get(last[1]) if last else None}, {len(self.statuses)} statuses)")

    def marker_answered(self, sent_at: int) -> bool:
        """The server answered the on-then-off marker sent at ``sent_at`` (see above)."""
        answers = [on for seq, on in self.statuses if seq > sent_at]
        return True in answers and False in answers[answers.index(True):]

    def caught_up(self) -> bool:
        """The newest run started after the last request has finished for good (not stopped for a rerun)."""
        if not self.starts:
            return False
        seq, run = self.starts[-1]
        return seq > self.last_request and self.finished.get(run) in _FINAL


def _bytes(payload) -> bytes:
    return payload if isinstance(payload, bytes) else payload.encode("latin-1")


def tracker(page) -> RunTracker:
    """The page's RunTracker (attached by ``open_app`` before the page loads)."""
    found = getattr(page, "run_tracker", None)
    if found is None:
        raise RuntimeError("open the page with open_app() so that its script runs can be followed")
    return found


def track(page) -> RunTracker:
    """Follow the page's script runs from its next navigation on (sync API); idempotent."""
    if getattr(page, "run_tracker", None) is None:
        page.run_tracker = RunTracker(page)
        page.add_init_script(_TRACK_SOCKETS)
    return page.run_tracker


async def track_async(page) -> RunTracker:
    """:func:`track` for Playwright's async API."""
    if getattr(page, "run_tracker", None) is None:
        page.run_tracker = RunTracker(page)
        await page.add_init_script(_TRACK_SOCKETS)
    return page.run_tracker


def wait_until(page, condition, what: str, timeout: int = RERUN_TIMEOUT_MS) -> None:
    """Poll ``condition()`` (a Python callable) until it is true; fail naming ``what`` after ``timeout`` ms.

    Polling keeps Playwright's event handlers running, so the RunTracker sees every frame meanwhile.
    """
    deadline = time.monotonic() + timeout / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout / 1000:.0f} s waiting until {what}")
        page.wait_for_timeout(POLL_MS)


_SOCKET_OPEN = "() => (window.__stSockets || []).some(s => s.readyState === WebSocket.OPEN)"
_SEND = """messages => { const socket = window.__stSockets.filter(s => s.readyState === WebSocket.OPEN).at(-1);
                      messages.forEach(m => socket.send(new Uint8Array(m))); }"""
_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
_STATUS = '[data-testid="stStatusWidget"]'
_CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                           .every(c => c.querySelector('.js-plotly-plot .main-svg'))"""


def _marker() -> list[list[int]]:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    return [list(BackMsg(set_run_on_save=on).SerializeToString()) for on in (True, False)]


def wait_for_rerun(page, timeout: int = RERUN_TIMEOUT_MS) -> None:
    """Wait until the app has caught up with everything the page sent, and has drawn it.

    Sends a marker and waits for its answer (the server has received every earlier request), then
    until the newest run has finished for good, Streamlit shows no running state and every plotly chart
    on the page has been drawn. Call it after any action; it returns at once if there is nothing to wait for.
    """
    runs = tracker(page)
    page.wait_for_function(_SOCKET_OPEN, timeout=timeout)
    sent_at = runs.seq
    page.evaluate(_SEND, _marker())
    wait_until(page, lambda: runs.marker_answered(sent_at), "the server answered our marker", timeout)
    wait_until(page, runs.caught_up, "the newest script run finished", timeout)
    page.wait_for_selector(_IDLE, timeout=timeout)
    page.wait_for_selector(_STATUS, state="detached", timeout=timeout)
    page.wait_for_function(_CHARTS_DRAWN, timeout=timeout)


async def wait_for_rerun_async(page, timeout: int = RERUN_TIMEOUT_MS) -> None:
    """:func:`wait_for_rerun` for Playwright's async API (the load test)."""
    runs = tracker(page)

    async def until(condition, what: str) -> None:
        deadline = time.monotonic() + timeout / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout / 1000:.0f} s waiting until {what}")
            await page.wait_for_timeout(POLL_MS)

    await page.wait_for_function(_SOCKET_OPEN, timeout=timeout)
    sent_at = runs.seq
    await page.evaluate(_SEND, _marker())
    await until(lambda: runs.marker_answered(sent_at), "the server answered our marker")
    await until(runs.caught_up, "the newest script run finished")
    await page.wait_for_selector(_IDLE, timeout=timeout)
    await page.wait_for_selector(_STATUS, state="detached", timeout=timeout)
    await page.wait_for_function(_CHARTS_DRAWN, timeout=timeout)


def open_app(page, base_url: str, path: str = "", query: dict | None = None) -> None:
    """Open a page by URL (``path`` like "Heatmap", "" for home) and wait until its first run is drawn."""
    url = f"{base_url}/{path}"
    if query:
        url += "?" + urlencode(query, doseq=True)
    open_link(page, url)


def open_link(page, url: str) -> None:
    """Open a whole link (one a student was sent) and wait until its first run is drawn."""
    runs = track(page)
    started = len(runs.starts)
    page.goto(url)
    wait_until(page, lambda: len(runs.starts) > started, "the page's first run started")
    wait_for_rerun(page)


def assert_no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, f"exception on the page: {boxes.first.inner_text()}"


def set_slider(page, label: str, presses: int, key: str = "ArrowRight") -> str:
    """Move the slider named ``label`` by keyboard (drags are flaky), wait until the app has caught up,
    and return the slider's new value."""
    slider = page.get_by_role("slider", name=label)
    slider.focus()
    for _ in range(presses):
        slider.press(key)
    wait_for_rerun(page)
    return slider.input_value()


def query_params(page) -> dict[str, list[str]]:
    """The page's query parameters as the browser holds them now (read in the page: Playwright's
    ``page.url`` learns of a history.pushState a moment later)."""
    from urllib.parse import parse_qs

    return parse_qs(page.evaluate("location.search").lstrip("?"), keep_blank_values=True)



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


def choose(page, combobox: str, option: str, attempts: int = 3) -> None:
    """Pick ``option`` of the selectbox labelled ``combobox`` and wait for the rerun. The list is opened again
    if a rerun that was still arriving closed it (a click on a closed list times out otherwise)."""
    box = page.get_by_role("combobox", name=combobox)
    item = page.get_by_role("option", name=option)
    for attempt in range(attempts):
        box.scroll_into_view_if_needed()
        box.click()
        try:
            item.click(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: open the list again
            if attempt == attempts - 1:
                raise
    wait_for_rerun(page)
