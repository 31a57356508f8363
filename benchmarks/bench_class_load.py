"""A class of students on one core: issue 16's load test, end to end.

    python3 benchmarks/bench_class_load.py                       # everything: 1, 30 and 60 students, then 30 cold; 3 runs each
    python3 benchmarks/bench_class_load.py --classes 30 --cold-classes "" --runs 1   # one quick class of 30
    python3 benchmarks/bench_class_load.py --classes 30 --cold --runs 5   # cold servers only, 30 arriving
    python3 benchmarks/bench_class_load.py --classes 30 --rounds 10       # one server, ten classes in a row
    python3 benchmarks/bench_class_load.py --server-arg=--runner.postScriptGC=true   # compare a setting

Each run starts a fresh ``streamlit run streamlit_app.py`` pinned to one core (``taskset``), warms it up
with one student visiting every page (not for ``--cold-classes``, or any class with ``--cold``), then runs the class with ``st_load.py`` (next
to this file; it speaks Streamlit's own websocket protocol) pinned to the other core. Every student
visits Home → Heatmap → Build it → Academic → Complexity → Heatmap and moves the Temperature slider three
times; students arrive evenly over ``--arrival-s`` seconds (0 for a single student).

Printed per class: server CPU seconds per student (the robust figure on a shared machine), all-steps
p50/p95 latency (request to ``script_finished``; these depend on how much of the core the server really
got, printed as "core %"), failures, peak server memory (VmHWM) and the load average, then
min/median/max over the runs with issue 16's targets. ``--rounds K`` runs K classes in a row on one
server and prints its resident memory after each (does memory settle or grow?). ``--profile DIR``
records each class run with ``py-spy record --gil`` (collapsed stacks; ``pip install py-spy``, not a
test requirement) for ``--summarize-profile``.
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ST_LOAD = Path(__file__).resolve().parent / "st_load.py"
VISIT = "/,/Heatmap,/Build_it_step_by_step,/Academic,/Complexity,/Heatmap"
WARM_VISIT = "/,/Heatmap,/Build_it_step_by_step,/Academic,/Complexity"

# Issue 16's targets: CPU per student journey, all-steps p95 per class size, no failures, and peak memory
# "where it is (about 200-230 MB) or lower": 179 / 207 / 236 MB with 1 / 30 / 60 students before the issue.
CPU_PER_STUDENT_S = 0.4
P95_S = {30: 2.0, 60: 5.0}
PEAK_MB = 240


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(core: int, port: int, extra: list[str], log_path: Path) -> subprocess.Popen:
    """`streamlit run` pinned to ``core``; returns once /_stcore/health answers."""
    cmd = ["taskset", "-c", str(core), sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
           "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *extra]
    log = open(log_path, "w")  # noqa: SIM115 - closed in stop_server
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    proc.log_file = log
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("streamlit did not become healthy within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.log_file.close()


def st_load(core: int, port: int, args: list[str], json_path: Path | None = None) -> dict | None:
    cmd = ["taskset", "-c", str(core), sys.executable, str(ST_LOAD), "--url", f"http://127.0.0.1:{port}", *args]
    if json_path:
        cmd += ["--json", str(json_path)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if json_path is None:
        return None
    if not json_path.exists():
        raise RuntimeError(f"st_load wrote no results:\n{out.stdout}\n{out.stderr}")
    data = json.loads(json_path.read_text())
    data["stdout"] = out.stdout
    return data


def vm_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def class_args(students: int, arrival_s: float, pid: int, reruns: int) -> list[str]:
    return ["--students", str(students), "--arrival-s", str(arrival_s if students > 1 else 0),
            "--visit", VISIT, "--rerun-page", "/Heatmap", "--reruns", str(reruns),
            "--rerun-widget", "Temperature", "--timeout", "120", "--server-pid", str(pid)]


def one_run(students: int, cold: bool, ns, tmp: Path, label: str) -> list[dict]:
    """One fresh server: (warm-up,) then ``ns.rounds`` classes. Returns one record per class."""
    port = free_port()
    log_path = Path(ns.logs or tmp) / f"server-{label}.log"
    proc = start_server(ns.server_core, port, ns.server_arg, log_path)
    records = []
    try:
        if not cold:
            st_load(ns.client_core, port, ["--students", "1", "--visit", WARM_VISIT, "--timeout", "120"])
        for k in range(ns.rounds):
            spy = None
            if ns.profile:
                Path(ns.profile).mkdir(parents=True, exist_ok=True)
                out = Path(ns.profile) / f"{label}-r{k}.txt"
                spy = subprocess.Popen(["py-spy", "record", "--gil", "--format", "raw", "--rate", "100",
                                        "--nonblocking", "-o", str(out), "--pid", str(proc.pid)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1.0)
            load0 = os.getloadavg()[0]
            data = st_load(ns.client_core, port, class_args(students, ns.arrival_s, proc.pid, ns.reruns),
                           tmp / f"{label}-r{k}.json")
            if spy:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            s, meta = data["summary"]["all steps"], data["meta"]
            records.append({
                "students": students, "cold": cold, "round": k + 1, "cpu_per_student": meta["server"]["cpu_s_per_student"],
                "core_pct": meta["server"]["cpu_s"] / meta["wall_s"] * 100,
                "p50": s["p50_s"], "p95": s["p95_s"], "failed": s["failed"], "steps": s["n"],
                "reasons": s["failure_reasons"], "peak_mb": meta["server"]["hwm_mb"],
                "rss_end_mb": vm_kb(proc.pid, "VmRSS") / 1024,
                "load": (load0 + os.getloadavg()[0]) / 2, "wall": meta["wall_s"],
            })
            if ns.verbose:
                print(data["stdout"])
    finally:
        stop_server(proc)
    for r in records:  # the students see a redacted message (showErrorDetails = "none"): the log has it
        if r["failed"]:
            r["log_errors"] = [line for line in log_path.read_text().splitlines()
                               if re.match(r"^\w*(Error|Exception)\b", line)]
    return records


def fmt_s(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


def spread(values: list[float], digits: int = 2) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / {max(values):.{digits}f}"


# py-spy frames look like "name (path/file.py:line)"; each sample goes to the first category that matches.
PROFILE_CATEGORIES = [
    ("full gc.collect after each script run (runner.postScriptGC)", r"ScriptRunner\._on_script_finished \([^)]*\)$"),
    ("st.plotly_chart: plotly.io.to_json", r"plotly_chart \(streamlit.*\bto_json\b"),
    ("st.plotly_chart: copying the figure (to_dict / validating a dict)", r"plotly_chart \(streamlit.*return_figure_from"),
    ("st.plotly_chart: the rest", r"plotly_chart \(streamlit"),
    ("figure builders (figures/: plotly property setting and validation)", r"\(figures/"),
    ("imports", r"_find_and_load"),
    ("st.dataframe / st.table / data_editor (pandas, arrow)", r"dataframe|data_editor|arrow_table|\.table \(streamlit"),
    ("the rest of the page scripts (numpy core, text, widgets)", r"exec_func_with_error_handling"),
    ("the rest of the script runner (session state, page set-up, clean-up)", r"ScriptRunner\._run_script"),
    ("server: websockets, protobuf, event loop", r"."),
]


def summarize_profile(path: Path) -> None:
    """Where the samples of a py-spy ``--format raw`` profile went (exclusive categories, in order)."""
    total, counts = 0, Counter()
    compiled = [(name, re.compile(pat)) for name, pat in PROFILE_CATEGORIES]
    for line in Path(path).read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        counts[next((name for name, pat in compiled if pat.search(stack)), "other")] += int(n)
    print(f"{path}: {total} samples of threads holding the GIL (py-spy --gil)")
    for name, n in counts.most_common():
        print(f"  {n / max(total, 1) * 100:5.1f} %  {name}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--classes", default="1,30,60", help="class sizes, comma-separated")
    ap.add_argument("--runs", type=int, default=3, help="fresh servers per class size")
    ap.add_argument("--rounds", type=int, default=1, help="classes in a row on the same server")
    ap.add_argument("--arrival-s", type=float, default=10.0, help="students arrive evenly over this many s")
    ap.add_argument("--reruns", type=int, default=3, help="Temperature slider moves at the end")
    ap.add_argument("--cold", action="store_true", help="no warm-up for any class: each meets a fresh server")
    ap.add_argument("--cold-classes", default="30",
                    help="class sizes also run against cold servers after the others, comma-separated ('' for none)")
    ap.add_argument("--server-core", type=int, default=1)
    ap.add_argument("--client-core", type=int, default=0)
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra `streamlit run` argument, e.g. --server-arg=--runner.postScriptGC=true")
    ap.add_argument("--profile", default=None, help="directory for py-spy --gil profiles of each class run")
    ap.add_argument("--summarize-profile", default=None, help="print where the samples of a profile went, exit")
    ap.add_argument("--logs", default=None, help="keep the servers' logs in this directory")
    ap.add_argument("--json", default=None, help="write every record here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print st_load's own report of each run")
    ns = ap.parse_args(argv)
    if ns.summarize_profile:
        summarize_profile(Path(ns.summarize_profile))
        return 0
    ns.server_arg = [a for arg in ns.server_arg for a in (arg.split("=", 1) if "=" in arg else [arg])]

    configs = [(int(c), ns.cold) for c in ns.classes.split(",") if c.strip()]
    configs += [(int(c), True) for c in ns.cold_classes.split(",") if c.strip() and not ns.cold]
    records: list[dict] = []
    commit = subprocess.run(["git", "log", "-1", "--format=%h %cs"], cwd=ROOT, capture_output=True, text=True).stdout
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, commit {commit.strip() or '?'}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    print(f"server on core {ns.server_core}, students on core {ns.client_core}; servers warmed by one student "
          f"unless the class is marked 'c' (cold); extra server args: {ns.server_arg or 'none'}")
    print(f"{'class':>5s} {'run':>3s} {'rnd':>3s} {'CPU/student':>11s} {'core %':>6s} {'p50':>6s} {'p95':>6s} "
          f"{'failed':>9s} {'peak MB':>7s} {'RSS end':>7s} {'load':>5s}")
    with tempfile.TemporaryDirectory() as tmp:
        for students, cold in configs:
            for run in range(ns.runs):
                for r in one_run(students, cold, ns, Path(tmp), f"c{students}{'cold' if cold else ''}-{run}"):
                    r["run"] = run + 1
                    records.append(r)
                    print(f"{students:4d}{'c' if cold else ' '} {run + 1:3d} {r['round']:3d} {r['cpu_per_student']:10.3f}s "
                          f"{r['core_pct']:5.0f}% {fmt_s(r['p50']):>6s} {fmt_s(r['p95']):>6s} "
                          f"{r['failed']:4d}/{r['steps']:<4d} {r['peak_mb']:7.0f} {r['rss_end_mb']:7.0f} "
                          f"{r['load']:5.1f}", flush=True)
                    for reason, n in list(r["reasons"].items())[:5]:
                        print(f"{'':15s}{n} x {reason[:150]}")
                    for line, n in Counter(r.get("log_errors", [])).most_common(5):
                        print(f"{'':15s}server log: {n} x {line[:150]}")
    if ns.json:
        Path(ns.json).write_text(json.dumps(records, indent=1))

    print("\nmin / median / max over the runs (a run's figures: its last round)")
    print(f"{'class':>5s}  {'CPU per student (s)':>20s}  {'p50 (s)':>18s}  {'p95 (s)':>18s}  {'failed':>9s}  "
          f"{'peak MB':>15s}  {'load avg':>15s}")
    missed = []
    for students, cold in configs:
        rs = [r for r in records if r["students"] == students and r["cold"] == cold and r["round"] == ns.rounds]
        cpu = [r["cpu_per_student"] for r in rs]
        p95 = [r["p95"] for r in rs]
        failed = sum(r["failed"] for r in rs)
        print(f"{students:4d}{'c' if cold else ' '}  {spread(cpu, 3):>20s}  {spread([r['p50'] for r in rs]):>18s}  {spread(p95):>18s}  "
              f"{failed:4d}/{sum(r['steps'] for r in rs):<4d}  {spread([r['peak_mb'] for r in rs], 0):>15s}  "
              f"{spread([r['load'] for r in rs], 1):>15s}")
        if statistics.median(cpu) > CPU_PER_STUDENT_S:
            missed.append(f"{students}{' cold' if cold else ''} students: CPU per student {statistics.median(cpu):.3f} s > {CPU_PER_STUDENT_S}")
        if failed:
            missed.append(f"{students}{' cold' if cold else ''} students: {failed} failed steps")
        if students in P95_S and not cold and None not in p95 and statistics.median(p95) > P95_S[students]:
            missed.append(f"{students}{' cold' if cold else ''} students: p95 {statistics.median(p95):.2f} s > {P95_S[students]} s "
                          "(latency needs the core to itself: compare 'core %' and the load average)")
        if max(r["peak_mb"] for r in rs) > PEAK_MB:
            missed.append(f"{students}{' cold' if cold else ''} students: peak memory {max(r['peak_mb'] for r in rs):.0f} MB > {PEAK_MB} MB")
    print("\ntargets (issue 16): CPU per student ≤ 0.4 s; p95 ≤ 2 s (30) and ≤ 5 s (60); no failures; "
          f"peak ≤ {PEAK_MB} MB")
    for m in missed:
        print("  ✗", m)
    if not missed:
        print("  ✓ all met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
