"""Issue 16, beyond one machine: two app processes behind nginx with sticky sessions.

Starts two ``streamlit run`` processes and nginx on loopback, with the nginx configuration printed in the
README (taken from it, so that what the README shows is what is tested), and runs a class of students
through the front with ``benchmarks/st_load.py``. Every session must be served, every student's requests
(page, health check, websocket) must reach one process, and the class must be spread over both.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from .browser.harness import free_port, start_server, stop_server
from .conftest import ROOT

pytestmark = pytest.mark.slow

STUDENTS = 16  # all on one process by chance: 2 × 2⁻¹⁶
README_BLOCK = re.compile(r"```nginx\n(# /etc/nginx/conf\.d/attention-explorer\.conf\n.*?)```", re.S)


def readme_nginx_conf() -> str:
    match = README_BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert match, "README.md has no ```nginx block for /etc/nginx/conf.d/attention-explorer.conf"
    return match.group(1)


def nginx_conf(site: str, front: int, backends: list[int], tmp: Path) -> str:
    """The README's site, on loopback ports, inside a minimal nginx.conf (what Debian's /etc/nginx/nginx.conf
    provides around conf.d), logging which process served each request and for which cookie."""
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+;\n", site, re.M)
    assert len(servers) == 2, "the README's upstream should list two processes"
    site = site.replace(servers[0], f"    server 127.0.0.1:{backends[0]};\n")
    site = site.replace(servers[1], f"    server 127.0.0.1:{backends[1]};\n")
    site, n = re.subn(r"listen 80;", f"listen 127.0.0.1:{front};", site)
    assert n == 1
    temp = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"};
events {{ worker_connections 1024; }}
http {{
    log_format sticky '$uid_got$uid_set $upstream_addr $status $request_uri';
    access_log {tmp / "access.log"} sticky;
{temp}
    proxy_max_temp_file_size 0;  # workers may run as nobody, who cannot write in this test's directory
{site}
}}
"""


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args[0]} exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def connects(base_url: str) -> int:
    """Sessions a process has accepted (Streamlit's /_stcore/metrics)."""
    with urllib.request.urlopen(f"{base_url}/_stcore/metrics", timeout=10) as r:
        text = r.read().decode()
    return int(re.search(r'^session_events_total\{type="connect"\} (\d+)', text, re.M).group(1))


@pytest.fixture
def front(tmp_path):
    """nginx on a loopback port in front of two app processes: (front URL, [backend URLs], access log)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: run the README's test command (scripts/test.sh), which installs it")
    backends = [start_server() for _ in range(2)]
    proc = None
    try:
        ports = [int(url.rsplit(":", 1)[1]) for _, url in backends]
        port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(nginx_conf(readme_nginx_conf(), port, ports, tmp_path))
        proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log"),
                                 "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}", [url for _, url in backends], tmp_path / "access.log"
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        for server, _ in backends:
            stop_server(server)


def test_a_class_through_nginx_is_served_by_both_processes_each_student_by_one(front):
    url, backends, access_log = front
    before = [connects(b) for b in backends]
    access_log.write_text("")  # forget the health checks that waited for nginx
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "st_load.py"), "--url", url, "--students", str(STUDENTS),
         "--arrival-s", "4", "--visit", "/,/Heatmap", "--reruns", "1", "--rerun-widget", "Temperature",
         "--http-assets", "--timeout", "180"],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0 and "failures: none" in out.stdout, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 errors" in out.stdout, out.stdout[-1500:]  # every page, asset and health check answered

    sessions = [connects(b) - n for b, n in zip(backends, before)]
    assert sum(sessions) == STUDENTS, sessions
    assert min(sessions) > 0, f"every student went to one process: {sessions}"

    served_by: dict[str, set[str]] = defaultdict(set)  # sticky cookie -> processes that served it
    websockets: dict[str, int] = defaultdict(int)
    students = set()
    for line in access_log.read_text().splitlines():
        cookie, upstream, status, uri = line.split(" ", 3)
        cookie = cookie.strip("-")  # nginx logs the empty one of $uid_got and $uid_set as "-"
        served_by[cookie].add(upstream)
        if uri == "/_stcore/stream":
            assert status == "101", line
            websockets[upstream] += 1
            students.add(cookie)
    # (st_load's own first look at index.html, before the students arrive, has cookies of its own)
    assert len(students) == STUDENTS, f"{len(students)} cookies opened a websocket, for {STUDENTS} students"
    assert all(len(served_by[c]) == 1 for c in students), {c: served_by[c] for c in students if len(served_by[c]) > 1}
    assert sorted(websockets.values()) == sorted(sessions), (websockets, sessions)
