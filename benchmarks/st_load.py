#!/usr/bin/env python3
"""st_load.py: a headless load generator for Streamlit apps.

Vendored from the project's shared tools (``/work/shared/tools/st_load.py`` on the development
machine, sha256 19d652ff...ed46e), so that a fresh clone (CI) has it. Changes: ruff's automatic fixes
(import order, ``TimeoutError`` for its ``asyncio`` alias), and each student keeps every cookie the
server sets and sends them all back, as a browser does (the original kept only Streamlit's XSRF
cookie), so that a proxy's sticky-session cookie works (``tests/test_scale_out.py``). Used by
``benchmarks/bench_class_load.py`` and ``tests/test_scale_out.py``.

It speaks Streamlit's own browser protocol (no browser): for every simulated student it

  1. (like the browser before it opens the socket) GETs /_stcore/health, which sets the
     ``_streamlit_xsrf`` cookie, and /_stcore/host-config (every cookie a response sets is kept and
     sent back, like a browser's cookie jar); with --http-assets it also
     GETs the page's index.html, every asset index.html references, and the lazily
     loaded JS chunk of every element type the session receives (an empty browser cache);
  2. opens ws://HOST:PORT/_stcore/stream with the subprotocol list
     ``["streamlit", <xsrf cookie or PLACEHOLDER_AUTH_TOKEN>]``, an Origin header and the
     cookie, exactly like the frontend's WebsocketConnection;
  3. sends one BackMsg.rerun_script (a ClientState) per step and reads ForwardMsgs until
     the run's ``script_finished``:
       * first page: ``page_name`` = the URL path ("" for "/"), ``page_script_hash`` ""
         and the URL's query string, as the browser does on a fresh page load;
       * next pages: ``page_script_hash`` of the page (taken from the server's
         ``navigation`` message, the hash a st.page_link / sidebar click sends),
         ``query_string`` "" and no widget states, as the browser's onPageChange does;
       * reruns: same page, current query string (as last set by the server's
         ``page_info_changed``), and optionally one changed widget (--rerun-widget).
         Only that widget's WidgetState is sent; the browser sends every widget's, but
         the server keeps unchanged widgets' values (SessionState._compact_state), so
         the script does the same work;
     every rerun_script carries ``cached_message_hashes`` and ``context_info`` like the
     browser's;
  4. keeps the browser's ForwardMsg cache: messages with ``metadata.cacheable`` are
     stored by hash, their hashes are reported back, ``ref_hash`` messages are resolved
     from that cache (a miss is counted as a failure), and entries older than
     ``new_session.config.max_cached_message_age`` runs are evicted after each finished
     run.  (Streamlit 1.67 has no /_stcore/message HTTP endpoint; the browser never
     fetches cached messages over HTTP, it only reuses its own copies.)

A step counts as done only when its ``script_finished`` arrives with
FINISHED_SUCCESSFULLY.  Failures: timeouts, connection errors, other finish statuses,
``page_not_found``, ``session_event.script_compilation_exception``, cache misses, every
``new_element.exception`` delta (the message is recorded), and, with --expect, a
plotly-chart count different from the one expected for the page.

Prints per-step latency percentiles (send of rerun_script to script_finished), failures,
and, with --server-pid, the server's peak RSS (VmRSS sampled every 0.1 s, and VmHWM) and
its CPU seconds (utime+stime of /proc/PID/stat) over the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import posixpath
import random
import re
import resource
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

FINISHED_SUCCESSFULLY = ForwardMsg.FINISHED_SUCCESSFULLY
FINISHED_EARLY_FOR_RERUN = ForwardMsg.FINISHED_EARLY_FOR_RERUN
CLK_TCK = os.sysconf("SC_CLK_TCK")
MAX_STEPS = 200
MAX_STUDENTS = 5000


# --------------------------------------------------------------------------- server stats
def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def proc_mem_kb(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, val = line.split(":", 1)
                out[key] = int(val.split()[0])
    return out


# --------------------------------------------------------------------------- tiny HTTP client
class HttpConn:
    """One keep-alive HTTP/1.1 connection (enough for GETs of health, config and assets)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except Exception:
                pass
            self.reader = self.writer = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, list[str]], bytes]:
        for attempt in range(2):  # a keep-alive connection the server closed: reconnect once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._get(path, headers)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    async def _get(self, path, headers):
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        hdrs: dict[str, list[str]] = {}
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            k, v = line.decode("latin-1").split(":", 1)
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
        if "content-length" in hdrs:
            body = await self.reader.readexactly(int(hdrs["content-length"][0]))
        elif "chunked" in ",".join(hdrs.get("transfer-encoding", [])).lower():
            parts = []
            for _ in range(1_000_000):
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            await self.close()
        if "close" in ",".join(hdrs.get("connection", [])).lower():
            await self.close()
        return status, hdrs, body


class AssetMap:
    """index.html's assets and the lazy chunks (with their deps) per element type."""

    def __init__(self):
        self.index_assets: list[str] = []
        self.chunks: dict[str, list[str]] = {}  # lower-case chunk name -> files

    @staticmethod
    def parse(index_html: str, index_js: str | None) -> AssetMap:
        m = AssetMap()
        for ref in re.findall(r'(?:src|href)="\./([^"]+)"', index_html):
            if ref.startswith("_stcore/"):  # <link rel="service-desc">: not fetched by browsers
                continue
            m.index_assets.append("/" + ref)
        if index_js:
            dep = re.search(r"__vite__mapDeps=\(i,m=__vite__mapDeps,d=\(m\.f\|\|\(m\.f=\[(.*?)\]\)\)\)", index_js)
            files = re.findall(r'"([^"]+)"', dep.group(1)) if dep else []  # "./x.js", "../css/y.css"
            for name, idx in re.findall(r"import\(`\./([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.js`\),__vite__mapDeps\(\[([0-9,]*)\]\)",
                                        index_js):
                deps = [files[int(i)] for i in idx.split(",") if i and int(i) < len(files)]
                m.chunks[name.lower()] = [posixpath.normpath("/static/js/" + f) for f in deps]
        return m

    def for_element(self, element_type: str) -> list[str]:
        special = {"code": "streamlitsyntaxhighlighter", "imgs": "imagelist", "vega_lite_chart": "arrowvegalitechart"}
        key = special.get(element_type, element_type.replace("_", "").lower())
        return self.chunks.get(key, [])


# --------------------------------------------------------------------------- steps and results
@dataclass
class Step:
    name: str
    kind: str  # "open" | "nav" | "rerun"
    path: str  # URL path without leading "/" ("" = home)
    query: str = ""
    rerun_k: int = 0


@dataclass
class StepResult:
    student: int
    step: int
    name: str
    kind: str
    ok: bool = False
    latency_s: float | None = None
    first_delta_s: float | None = None
    finish_status: str | None = None
    failures: list[str] = field(default_factory=list)
    n_msgs: int = 0
    n_bytes: int = 0
    n_deltas: int = 0
    n_plotly: int = 0
    plotly_bytes: int = 0
    n_ref_hits: int = 0
    n_cacheable: int = 0
    page_hash: str | None = None
    query_after: str | None = None
    server_cpu_s: float | None = None  # server CPU from send to script_finished (meaningful with 1 student)
    n_exceptions: int = 0
    widget_changed: str | None = None
    t_send: float | None = None  # seconds since the test start


def parse_visits(spec: str) -> list[tuple[str, str]]:
    out = []
    for item in [s.strip() for s in spec.split(",") if s.strip()]:
        parts = urlsplit(item)
        out.append((parts.path.strip("/"), parts.query))
    return out


def build_steps(args) -> list[Step]:
    visits = parse_visits(args.visit)
    if not visits:
        raise SystemExit("--visit: at least one page")
    steps = []
    for i, (path, query) in enumerate(visits):
        steps.append(Step(f"{i + 1}:/{path}", "open" if i == 0 else "nav", path, query))
    if args.reruns:
        rpath = visits[-1][0] if args.rerun_page is None else args.rerun_page.strip("/")
        if rpath != visits[-1][0]:
            steps.append(Step(f"{len(steps) + 1}:/{rpath} (back)", "nav", rpath))
        for k in range(args.reruns):
            steps.append(Step(f"{len(steps) + 1}:rerun{k + 1} /{rpath}", "rerun", rpath, rerun_k=k))
    if len(steps) > MAX_STEPS:
        raise SystemExit(f"at most {MAX_STEPS} steps")
    return steps


def parse_expect(spec: str | None) -> dict[str, int]:
    out = {}
    for item in (spec or "").split(","):
        if "=" in item:
            page, n = item.rsplit("=", 1)
            out[page.strip().strip("/")] = int(n)
    return out


# --------------------------------------------------------------------------- one student
class Student:
    def __init__(self, idx: int, cfg, t0: float, asset_map: AssetMap | None, results: list, notes: list):
        self.idx, self.cfg, self.t0 = idx, cfg, t0
        self.asset_map = asset_map
        self.results, self.notes = results, notes
        self.rng = random.Random(cfg.seed * 100_003 + idx)
        # browser-side state
        self.cache: dict[str, list] = {}  # hash -> [encoded ForwardMsg, scriptRunCount]
        self.script_run_count = 0
        self.max_age = 2
        self.has_new_session = False
        self.pages: dict[str, str] = {}  # url_pathname -> page_script_hash (from `navigation`)
        self.cur_page_hash = ""
        self.query_string = ""
        self.widgets: dict[str, tuple[str, str, object]] = {}  # label -> (id, element type, proto)
        self.fetched_assets: set[str] = set()
        self.asset_tasks: list[asyncio.Task] = []  # lazy chunk downloads in flight
        self.session_id = None
        # the step in flight
        self.cur: StepResult | None = None
        self.cur_done: asyncio.Event | None = None
        self._t_send = 0.0
        self._cpu_send = None
        self.ws = None
        self.xsrf = None
        self.cookies: dict[str, str] = {}  # the browser's cookie jar for this host (e.g. a proxy's sticky cookie)
        self.http_bytes = 0
        self.http_requests = 0
        self.http_errors = 0

    # ---- HTTP side (what the browser does before and around the socket)
    def _cookie(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def _remember(self, hdrs: dict[str, list[str]]):
        """Keep every cookie a response sets, as a browser does (Streamlit's XSRF cookie, a proxy's)."""
        for c in hdrs.get("set-cookie", []):
            name, _, value = c.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
            if name.strip() == "_streamlit_xsrf":
                self.xsrf = value.strip()

    async def _fetch_many(self, paths: list[str]):
        paths = [p for p in paths if p not in self.fetched_assets]
        self.fetched_assets.update(paths)
        if not paths:
            return
        queue = list(paths)
        host, port = self.cfg.host, self.cfg.port

        async def worker():
            conn = HttpConn(host, port)
            try:
                while queue:
                    p = queue.pop(0)
                    try:
                        st, hdrs, body = await conn.get(p, {"Accept": "*/*", "Accept-Encoding": "gzip, deflate, br",
                                                            **self._cookie()})
                        self._remember(hdrs)
                        self.http_requests += 1
                        self.http_bytes += len(body)
                        if st != 200:
                            self.http_errors += 1
                    except Exception:
                        self.http_errors += 1
            finally:
                await conn.close()

        await asyncio.gather(*[worker() for _ in range(min(6, len(paths)))])  # 6 connections per host, like Chrome

    async def http_preamble(self, first_path: str, first_query: str):
        conn = HttpConn(self.cfg.host, self.cfg.port)
        try:
            if self.cfg.http_assets:
                url = "/" + first_path + (("?" + first_query) if first_query else "")
                st, hdrs, body = await conn.get(url, {"Accept": "text/html", "Accept-Encoding": "gzip, deflate, br"})
                self._remember(hdrs)
                self.http_requests += 1
                self.http_bytes += len(body)
                if st != 200:
                    self.http_errors += 1
            # the frontend pings these two before it creates the WebSocket
            st, hdrs, body = await conn.get("/_stcore/health", {"Accept": "*/*", **self._cookie()})
            self.http_requests += 1
            self.http_bytes += len(body)
            self._remember(hdrs)
            if st != 200:
                self.http_errors += 1
            st, hdrs, body = await conn.get("/_stcore/host-config", {"Accept": "*/*", "Accept-Encoding": "gzip, deflate, br",
                                                                      **self._cookie()})
            self._remember(hdrs)
            self.http_requests += 1
            self.http_bytes += len(body)
            if st != 200:
                self.http_errors += 1
        finally:
            await conn.close()
        if self.cfg.http_assets and self.asset_map:
            await self._fetch_many(self.asset_map.index_assets)

    # ---- websocket side
    def _client_state_msg(self, step: Step, widget_states) -> BackMsg:
        bm = BackMsg()
        cs = bm.rerun_script
        if step.kind == "open":  # fresh page load: page from the URL path
            cs.query_string = step.query
            cs.page_name = step.path
            cs.page_script_hash = ""
            self.query_string = step.query
        elif step.kind == "nav":  # click on a page link: its page_script_hash, query from the link ("")
            h = self.pages.get(step.path)
            if h:
                cs.page_script_hash = h
            else:  # navigation not known: fall back to the URL path
                cs.page_name = step.path
            cs.query_string = step.query
            self.query_string = step.query
        else:  # rerun on the current page, with the URL's current query string
            cs.page_script_hash = self.cur_page_hash
            cs.query_string = self.query_string
        cs.widget_states.SetInParent()
        if widget_states:
            cs.widget_states.widgets.extend(widget_states)
        cs.cached_message_hashes.extend(self.cache.keys())
        ci = cs.context_info
        ci.timezone = "UTC"
        ci.timezone_offset = 0
        ci.locale = "en-US"
        ci.url = f"{self.cfg.url}/{step.path}" + (f"?{cs.query_string}" if cs.query_string else "")
        ci.is_embedded = False
        ci.color_scheme = "light"
        return bm

    def _widget_change(self, step: Step):
        """The WidgetState of a changed widget (--rerun-widget), or None for a plain rerun."""
        label = self.cfg.rerun_widget
        if not label:
            return None, None
        w = self.widgets.get(label)
        if w is None:
            return None, f"widget {label!r} not found: plain rerun"
        wid, etype, el = w
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        ws = WidgetState()
        ws.id = wid
        values = self.cfg.rerun_values
        if etype == "slider":
            cur = list(el.value) if el.value else list(el.default)
            if values:
                v = values[(step.rerun_k + self.idx) % len(values)]
            else:
                n = int(round((el.max - el.min) / el.step)) if el.step else 100
                for _ in range(100):
                    v = el.min + self.rng.randint(0, n) * (el.step or (el.max - el.min) / 100)
                    v = round(v, 10)
                    if not cur or abs(v - cur[0]) > 1e-9:
                        break
            ws.double_array_value.data.append(float(v))
            return ws, f"{label}={v:g}"
        if etype == "checkbox":
            cur = el.value if el.set_value else el.default
            ws.bool_value = not cur
            return ws, f"{label}={not cur}"
        if etype == "number_input":
            if values:
                v = values[(step.rerun_k + self.idx) % len(values)]
            else:
                v = (el.value if el.set_value else el.default) + (el.step or 1)
            if el.data_type == el.INT:
                ws.int_value = int(v)
            else:
                ws.double_value = float(v)
            return ws, f"{label}={v:g}"
        if etype in ("text_input", "text_area"):
            ws.string_value = f"student {self.idx} rerun {step.rerun_k}"
            return ws, f"{label}={ws.string_value!r}"
        return None, f"widget type {etype} not supported: plain rerun"

    def _record_elements(self, fm: ForwardMsg, r: StepResult):
        el = fm.delta.new_element
        et = el.WhichOneof("type")
        if et is None:
            return
        sub = getattr(el, et)
        if et == "exception":
            r.n_exceptions += 1
            r.failures.append(f"exception: {sub.type}: {sub.message[:160]}" + (" (warning)" if sub.is_warning else ""))
        elif et == "plotly_chart":
            r.n_plotly += 1
            r.plotly_bytes += len(sub.spec)
        wid = getattr(sub, "id", "") if hasattr(sub, "id") else ""
        label = getattr(sub, "label", "") if hasattr(sub, "label") else ""
        if wid and label:
            self.widgets[label] = (wid, et, sub)
        if self.cfg.http_assets and self.asset_map:
            paths = self.asset_map.for_element(et)
            if paths and not set(paths) <= self.fetched_assets:
                self.asset_tasks.append(asyncio.get_running_loop().create_task(self._fetch_many(paths)))

    def _handle(self, data: bytes, t_now: float):
        fm = ForwardMsg()
        fm.ParseFromString(data)
        r = self.cur
        if r is not None:
            r.n_msgs += 1
            r.n_bytes += len(data)
        typ = fm.WhichOneof("type")
        # ---- the browser's ForwardMsgCache.processMessagePayload
        if typ == "ref_hash":
            entry = self.cache.get(fm.ref_hash)
            if entry is None:
                if r is not None:
                    r.failures.append(f"cache miss for ref_hash {fm.ref_hash}")
                return
            entry[1] = self.script_run_count
            metadata = fm.metadata
            fm = ForwardMsg()
            fm.ParseFromString(entry[0])
            fm.metadata.CopyFrom(metadata)
            typ = fm.WhichOneof("type")
            if r is not None:
                r.n_ref_hits += 1
        elif fm.metadata.cacheable and fm.hash:
            if r is not None:
                r.n_cacheable += 1
            entry = self.cache.get(fm.hash)
            if entry is None:
                self.cache[fm.hash] = [data, self.script_run_count]
            else:
                entry[1] = self.script_run_count
        # ---- dispatch
        if typ == "delta":
            if r is not None:
                r.n_deltas += 1
                if r.first_delta_s is None:
                    r.first_delta_s = t_now - self._t_send
                if fm.delta.WhichOneof("type") == "new_element":
                    self._record_elements(fm, r)
        elif typ == "new_session":
            ns = fm.new_session
            self.has_new_session = True
            self.max_age = ns.config.max_cached_message_age or self.max_age
            if ns.HasField("initialize"):
                self.session_id = ns.initialize.session_id
            self.widgets = {}  # a new run: widgets of the page being drawn
        elif typ == "navigation":
            for p in fm.navigation.app_pages:
                self.pages[p.url_pathname] = p.page_script_hash
            self.cur_page_hash = fm.navigation.page_script_hash
            if r is not None:
                r.page_hash = self.cur_page_hash
        elif typ == "page_info_changed":
            self.query_string = fm.page_info_changed.query_string
        elif typ == "page_not_found":
            if r is not None:
                r.failures.append(f"page_not_found: {fm.page_not_found.page_name!r}")
        elif typ == "session_event":
            if fm.session_event.WhichOneof("type") == "script_compilation_exception":
                exc = fm.session_event.script_compilation_exception
                if r is not None:
                    r.failures.append(f"compile error: {exc.type}: {exc.message[:160]}")
        elif typ == "script_finished":
            status = fm.script_finished
            # the browser's incrementMessageCacheRunCount
            if status != FINISHED_EARLY_FOR_RERUN and self.has_new_session:
                self.script_run_count += 1
                for h in [h for h, e in self.cache.items() if self.script_run_count - e[1] > self.max_age]:
                    del self.cache[h]
            if r is not None and self.cur_done is not None:
                r.latency_s = t_now - self._t_send
                if self._cpu_send is not None:
                    try:
                        r.server_cpu_s = proc_cpu_s(self.cfg.server_pid) - self._cpu_send
                    except OSError:
                        pass
                r.query_after = self.query_string
                r.finish_status = ForwardMsg.ScriptFinishedStatus.Name(status)
                self.cur_done.set()

    async def _reader(self):
        async for data in self.ws:
            if isinstance(data, str):
                if self.cur is not None:
                    self.cur.failures.append("text frame from server")
                continue
            self._handle(data, time.perf_counter())

    async def run(self, steps: list[Step], arrival: float, deadline: float, stop_event: asyncio.Event):
        cfg = self.cfg
        await asyncio.sleep(max(0.0, self.t0 + arrival - time.perf_counter()))
        results = [StepResult(self.idx, i, s.name, s.kind) for i, s in enumerate(steps)]
        self.results.extend(results)
        try:
            await asyncio.wait_for(self.http_preamble(steps[0].path, steps[0].query),
                                   timeout=max(1.0, min(cfg.timeout, deadline - time.perf_counter())))
        except Exception as e:
            self.notes.append(f"student {self.idx}: HTTP preamble failed: {type(e).__name__}: {e}")
        headers = self._cookie()
        reader_task = None
        try:
            self.ws = await connect(f"{cfg.ws_base}/_stcore/stream",
                                    subprotocols=["streamlit", self.xsrf or "PLACEHOLDER_AUTH_TOKEN"],
                                    origin=cfg.url, additional_headers=headers, proxy=None, max_size=None,
                                    ping_interval=None, open_timeout=min(cfg.timeout, 60), close_timeout=5,
                                    max_queue=None, user_agent_header="st_load/1.0")
        except Exception as e:
            for r in results:
                r.failures.append(f"websocket connect failed: {type(e).__name__}: {e}"[:200])
            return
        try:
            reader_task = asyncio.get_running_loop().create_task(self._reader())
            aborted = None
            for i, step in enumerate(steps):
                r = results[i]
                if aborted:
                    r.failures.append(f"not run: {aborted}")
                    continue
                if i > 0 and cfg.think_s > 0:
                    await asyncio.sleep(self.rng.uniform(0.5, 1.5) * cfg.think_s)
                widget_states = []
                if step.kind == "rerun":
                    ws, desc = self._widget_change(step)
                    if ws is not None:
                        widget_states = [ws]
                        r.widget_changed = desc
                    elif desc:
                        r.widget_changed = desc
                msg = self._client_state_msg(step, widget_states)
                self.cur, self.cur_done = r, asyncio.Event()
                self._cpu_send = proc_cpu_s(cfg.server_pid) if cfg.server_pid else None
                self._t_send = time.perf_counter()
                r.t_send = self._t_send - self.t0
                try:
                    await self.ws.send(msg.SerializeToString())
                except Exception as e:
                    reason = f"send failed ({type(e).__name__}: {e})"[:200]
                    r.failures.append(reason)
                    aborted = reason
                    continue
                left = min(cfg.timeout, deadline - time.perf_counter())
                done_wait = asyncio.ensure_future(self.cur_done.wait())
                waiters = {done_wait, reader_task}
                finished, _ = await asyncio.wait(waiters, timeout=max(0.0, left), return_when=asyncio.FIRST_COMPLETED)
                if done_wait not in finished:
                    done_wait.cancel()
                    if reader_task in finished:
                        exc = reader_task.exception()
                        reason = f"connection closed ({type(exc).__name__}: {exc})"[:200] if exc else "connection closed"
                        r.failures.append(reason)
                        aborted = reason
                    else:
                        r.failures.append(f"timeout after {left:.0f} s")
                        aborted = "earlier step timed out"
                    continue
                if r.finish_status != "FINISHED_SUCCESSFULLY":
                    r.failures.append(f"finished with {r.finish_status}")
                want = self.pages.get(step.path)
                if r.page_hash is None or want is None or r.page_hash != want:
                    r.failures.append(f"ran page {r.page_hash}, wanted /{step.path} ({want})")
                exp = cfg.expect.get(step.path)
                if exp is not None and r.n_plotly != exp:
                    r.failures.append(f"plotly charts: got {r.n_plotly}, expected {exp}")
                r.ok = not r.failures
                self.cur = None
            # like a browser, finish downloading the lazily loaded element chunks
            if self.asset_tasks:
                try:
                    await asyncio.wait_for(asyncio.gather(*self.asset_tasks, return_exceptions=True),
                                           timeout=max(1.0, min(cfg.timeout, deadline - time.perf_counter())))
                except TimeoutError:
                    self.notes.append(f"student {self.idx}: asset downloads unfinished at the timeout")
            # keep the tab open until every student is done (a class keeps its tabs open)
            if cfg.linger:
                try:
                    await asyncio.wait_for(stop_event.wait(), timeout=max(0.0, deadline - time.perf_counter()))
                except TimeoutError:
                    pass
        finally:
            self.cur = None
            if reader_task is not None:
                reader_task.cancel()
                try:
                    await reader_task
                except BaseException:
                    pass
            try:
                await asyncio.wait_for(self.ws.close(), timeout=5)
            except Exception:
                pass


# --------------------------------------------------------------------------- reporting
def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(1, math.ceil(p / 100 * len(s)))
    return s[k - 1]


def summarize(results: list[StepResult], steps: list[Step]) -> dict:
    out = {}
    groups = [(s.name, [r for r in results if r.step == i]) for i, s in enumerate(steps)]
    reruns = [r for r in results if r.kind == "rerun"]
    if len([s for s in steps if s.kind == "rerun"]) > 1:
        groups.append(("all reruns", reruns))
    groups.append(("all steps", results))
    for name, rs in groups:
        lat = [r.latency_s for r in rs if r.ok]
        reasons: dict[str, int] = {}
        for r in rs:
            for f in r.failures:
                key = re.sub(r"[0-9a-f]{32}", "<hash>", f)
                reasons[key] = reasons.get(key, 0) + 1
        out[name] = {
            "n": len(rs),
            "ok": len(lat),
            "failed": len(rs) - len(lat),
            "p50_s": pct(lat, 50) if lat else None,
            "p95_s": pct(lat, 95) if lat else None,
            "max_s": max(lat) if lat else None,
            "mean_msgs": sum(r.n_msgs for r in rs) / len(rs) if rs else 0,
            "mean_kB": sum(r.n_bytes for r in rs) / len(rs) / 1024 if rs else 0,
            "plotly_counts": sorted({r.n_plotly for r in rs if r.finish_status}),
            "mean_plotly_kB": sum(r.plotly_bytes for r in rs) / len(rs) / 1024 if rs else 0,
            "ref_hits": sum(r.n_ref_hits for r in rs),
            "server_cpu_s_mean": (sum(r.server_cpu_s for r in rs if r.server_cpu_s is not None)
                                  / max(1, sum(1 for r in rs if r.server_cpu_s is not None)))
            if any(r.server_cpu_s is not None for r in rs) else None,
            "exceptions": sum(r.n_exceptions for r in rs),
            "failure_reasons": reasons,
        }
    return out


def fmt(v, unit="s"):
    return "-" if v is None else (f"{v * 1000:.0f}ms" if v < 1 else f"{v:.2f}s")


def print_report(summary: dict, meta: dict):
    print(f"\n== st_load: {meta['students']} students over {meta['arrival_s']} s, url {meta['url']}, "
          f"wall {meta['wall_s']:.1f} s")
    one = meta["students"] == 1 and meta.get("server")
    hdr = (f"{'step':34s} {'n':>4s} {'ok':>4s} {'fail':>4s} {'p50':>8s} {'p95':>8s} {'max':>8s} {'msgs':>6s} {'kB':>7s} "
           f"{'plotly':>7s} {'refhit':>6s}" + (f" {'srvCPU':>8s}" if one else ""))
    print(hdr)
    print("-" * len(hdr))
    for name, s in summary.items():
        pc = ",".join(str(c) for c in s["plotly_counts"])
        print(f"{name[:34]:34s} {s['n']:4d} {s['ok']:4d} {s['failed']:4d} {fmt(s['p50_s']):>8s} {fmt(s['p95_s']):>8s} "
              f"{fmt(s['max_s']):>8s} {s['mean_msgs']:6.0f} {s['mean_kB']:7.1f} {pc:>7s} {s['ref_hits']:6d}"
              + (f" {fmt(s['server_cpu_s_mean']):>8s}" if one else ""))
    allf = summary["all steps"]["failure_reasons"]
    if allf:
        print("failures:")
        for k, v in sorted(allf.items(), key=lambda kv: -kv[1])[:20]:
            print(f"  {v:5d} x {k}")
    else:
        print("failures: none")
    if meta.get("server"):
        s = meta["server"]
        print(f"server pid {s['pid']}: CPU {s['cpu_s']:.2f} s over the run ({s['cpu_s'] / meta['wall_s'] * 100:.0f}% of one core), "
              f"{s['cpu_s_per_student']:.3f} s per student; RSS start {s['rss_start_mb']:.0f} MB, "
              f"peak sampled {s['rss_peak_mb']:.0f} MB, end {s['rss_end_mb']:.0f} MB, VmHWM {s['hwm_mb']:.0f} MB")
    c = meta["client"]
    print(f"client: CPU {c['cpu_s']:.2f} s, event-loop lag p99 {c['loop_lag_p99_ms']:.0f} ms max {c['loop_lag_max_ms']:.0f} ms; "
          f"HTTP {c['http_requests']} requests, {c['http_mb']:.1f} MB, {c['http_errors']} errors")
    for n in meta.get("notes", [])[:10]:
        print("note:", n)


# --------------------------------------------------------------------------- main
async def amain(args) -> int:
    parts = urlsplit(args.url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("only local servers (127.0.0.1) are allowed")
    args.host, args.port = parts.hostname, parts.port or 80
    args.url = f"http://{args.host}:{args.port}"
    args.ws_base = f"ws://{args.host}:{args.port}"
    args.expect = parse_expect(args.expect)
    args.rerun_values = [float(v) for v in args.rerun_values.split(",")] if args.rerun_values else []
    steps = build_steps(args)
    if not 1 <= args.students <= MAX_STUDENTS:
        raise SystemExit(f"--students must be 1..{MAX_STUDENTS}")

    asset_map = None
    if args.http_assets:
        async def load_asset_map():
            conn = HttpConn(args.host, args.port)
            try:
                _, _, html = await conn.get("/", {})
                am = AssetMap.parse(html.decode("utf-8", "replace"), None)
                index_js = next((p for p in am.index_assets if re.match(r"/static/js/index\.[^/]+\.js$", p)), None)
                js = (await conn.get(index_js, {}))[2].decode("utf-8", "replace") if index_js else None
            finally:
                await conn.close()
            return AssetMap.parse(html.decode("utf-8", "replace"), js)

        asset_map = await asyncio.wait_for(load_asset_map(), timeout=60)

    results: list[StepResult] = []
    notes: list[str] = []
    pid = args.server_pid
    rss_samples: list[int] = []
    mem0 = proc_mem_kb(pid) if pid else None
    cpu0 = proc_cpu_s(pid) if pid else None
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter() + 0.2
    max_wall = args.arrival_s + args.timeout * (len(steps) + 1) + args.think_s * 1.5 * len(steps) + 30
    deadline = t0 + max_wall
    stop_event = asyncio.Event()
    lags: list[float] = []

    async def sampler():
        while not stop_event.is_set() and time.perf_counter() < deadline:
            if pid:
                try:
                    rss_samples.append(proc_mem_kb(pid)["VmRSS"])
                except (OSError, KeyError):
                    pass
            t = time.perf_counter()
            await asyncio.sleep(0.1)
            lags.append(time.perf_counter() - t - 0.1)

    sampler_task = asyncio.get_running_loop().create_task(sampler())
    students = [Student(i, args, t0, asset_map, results, notes) for i in range(args.students)]
    arrivals = [args.arrival_s * i / args.students for i in range(args.students)]
    tasks = [asyncio.get_running_loop().create_task(st.run(steps, arrivals[i], deadline, stop_event))
             for i, st in enumerate(students)]

    async def all_steps_done():
        # release the lingering tabs once every student has finished (or given up on) its steps
        while time.perf_counter() < deadline:
            if len(results) == len(students) * len(steps) and all(
                    r.finish_status is not None or r.failures for r in results):
                break
            if all(t.done() for t in tasks):
                break
            await asyncio.sleep(0.1)
        t_end_steps = time.perf_counter()
        stop_event.set()
        return t_end_steps

    t_end_steps = await all_steps_done()
    await asyncio.wait(tasks, timeout=30)
    for t in tasks:
        if not t.done():
            t.cancel()
    for t in tasks:
        if t.done() and not t.cancelled() and t.exception():
            notes.append(f"student task error: {type(t.exception()).__name__}: {t.exception()}")
    await asyncio.sleep(args.settle_s)  # let the server finish disconnect clean-up before reading its CPU
    stop_event.set()
    await sampler_task
    wall = t_end_steps - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    meta = {
        "url": args.url, "students": args.students, "arrival_s": args.arrival_s, "visit": args.visit,
        "reruns": args.reruns, "rerun_widget": args.rerun_widget, "think_s": args.think_s,
        "http_assets": args.http_assets, "wall_s": wall, "steps": [s.name for s in steps], "notes": notes,
        "client": {
            "cpu_s": (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime),
            "loop_lag_p99_ms": pct(lags, 99) * 1000 if lags else 0.0,
            "loop_lag_max_ms": max(lags) * 1000 if lags else 0.0,
            "http_requests": sum(s.http_requests for s in students),
            "http_mb": sum(s.http_bytes for s in students) / 2**20,
            "http_errors": sum(s.http_errors for s in students),
        },
    }
    if pid:
        cpu1 = proc_cpu_s(pid)
        mem1 = proc_mem_kb(pid)
        meta["server"] = {
            "pid": pid, "cpu_s": cpu1 - cpu0, "cpu_s_per_student": (cpu1 - cpu0) / args.students,
            "rss_start_mb": mem0["VmRSS"] / 1024, "rss_end_mb": mem1["VmRSS"] / 1024,
            "rss_peak_mb": max(rss_samples + [mem0["VmRSS"], mem1["VmRSS"]]) / 1024,
            "hwm_mb": mem1["VmHWM"] / 1024,
        }
    summary = summarize(results, steps)
    print_report(summary, meta)
    if args.verbose:
        for r in sorted(results, key=lambda r: (r.student, r.step)):
            print(f"  s{r.student:03d} {r.name:30s} ok={r.ok} lat={fmt(r.latency_s)} first={fmt(r.first_delta_s)} "
                  f"cpu={fmt(r.server_cpu_s)} msgs={r.n_msgs} kB={r.n_bytes / 1024:.1f} plotly={r.n_plotly} ({r.plotly_bytes / 1024:.0f} kB) "
                  f"cacheable={r.n_cacheable} refhits={r.n_ref_hits} exc={r.n_exceptions} widget={r.widget_changed} {r.failures}"
                  + (f" query={r.query_after[:150]}" if args.verbose > 1 else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "summary": summary, "results": [r.__dict__ for r in results]}, f, indent=1)
    failed = sum(1 for r in results if not r.ok)
    return 1 if failed else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="http://127.0.0.1:PORT (local servers only)")
    ap.add_argument("--students", type=int, default=1)
    ap.add_argument("--arrival-s", type=float, default=0.0, help="students arrive evenly spread over this many seconds")
    ap.add_argument("--visit", default="/", help='pages in order, as URL paths: "/,/Heatmap,/Build_it_step_by_step"')
    ap.add_argument("--reruns", type=int, default=0, help="K reruns after the visits")
    ap.add_argument("--rerun-page", default=None, help="page of the reruns (navigated to first if it is not the last visit)")
    ap.add_argument("--rerun-widget", default=None, help="label of a slider/checkbox/toggle/number/text input to change "
                                                          "on each rerun (else a plain rerun)")
    ap.add_argument("--rerun-values", default=None, help="values for --rerun-widget, cycled (default: random on the slider grid)")
    ap.add_argument("--think-s", type=float, default=0.0, help="mean think time between steps (uniform 0.5x..1.5x)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each step's script_finished")
    ap.add_argument("--server-pid", type=int, default=None, help="PID of the streamlit server: CPU and RSS")
    ap.add_argument("--http-assets", action="store_true", help="also fetch index.html, its assets and lazy element chunks "
                                                                "(a browser with an empty cache)")
    ap.add_argument("--no-linger", dest="linger", action="store_false", help="close each session as soon as it is done "
                                                                              "(default: keep it open until all are done)")
    ap.add_argument("--expect", default=None, help='expected plotly charts per page: "/=1,/Heatmap=1" (mismatch = failure)')
    ap.add_argument("--settle-s", type=float, default=1.0, help="wait after the last step before reading server CPU")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", default=None, help="write all results here")
    ap.add_argument("-v", "--verbose", action="count", default=0, help="print every step of every student (-vv: and "
                                                                          "the URL query string after it)")
    args = ap.parse_args(argv)
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
