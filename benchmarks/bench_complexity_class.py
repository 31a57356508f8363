"""A class pressing "Run measurement" together on the Complexity page: what each student sees, and when.

Speaks Streamlit's own websocket protocol (no browser): each student opens the page with its sizes in
the URL, all press Run at the same moment, and the script records, per student, the place in the
queue it was shown first, whether it joined someone else's live run, the seconds until its results
(a "Runtime against n" chart) and any failure (an exception, a warning or error box, a timeout).

    streamlit run streamlit_app.py --server.headless true --server.port 8600 &
    python benchmarks/bench_complexity_class.py --url http://127.0.0.1:8600 --students 30 --distinct 6

``--distinct K``: the students ask for K different settings (student i asks for setting i mod K), so
N - K of them can join a run someone else asked for. Exit status 1 if any student failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
import urllib.request
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

RUN_LABEL = "▶️ Run measurement"
SIZES = [("64", "256", "16"), ("64", "512", "32"), ("128", "1024", "64"), ("64", "2048", "64"),
         ("256", "1024", "16"), ("64", "128", "128"), ("512", "2048", "32"), ("64", "1024", "256")]


@dataclass
class Student:
    idx: int
    query: str
    places: list[int] = field(default_factory=list)  # every place shown, in order
    joined: bool = False  # watched (or got the results of) a run someone else asked for
    served: int = 0  # students that one run served (from the results' caption)
    results_s: float | None = None  # seconds from pressing Run to the results chart
    failures: list[str] = field(default_factory=list)
    run_id: str | None = None


async def student(s: Student, url: str, pressed: asyncio.Event, clock: dict, timeout: float) -> None:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as r:
        cookie = next((c for c in r.headers.get_all("Set-Cookie") or [] if c.startswith("_streamlit_xsrf=")), None)
    xsrf = cookie.split(";", 1)[0].split("=", 1)[1] if cookie else None
    ws_url = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with connect(ws_url, subprotocols=["streamlit", xsrf or "PLACEHOLDER_AUTH_TOKEN"], origin=url,
                       additional_headers={"Cookie": f"_streamlit_xsrf={xsrf}"} if xsrf else {},
                       max_size=None, ping_interval=None, proxy=None) as ws:
        run_button, page_hash, finished = None, "", asyncio.Event()

        def rerun(widgets=()) -> bytes:
            msg = BackMsg()
            msg.rerun_script.query_string = s.query
            msg.rerun_script.page_name = "Complexity"
            msg.rerun_script.page_script_hash = page_hash
            msg.rerun_script.widget_states.SetInParent()
            msg.rerun_script.widget_states.widgets.extend(widgets)
            return msg.SerializeToString()

        async def read():
            nonlocal run_button, page_hash
            async for data in ws:
                fm = ForwardMsg()
                fm.ParseFromString(data)
                kind = fm.WhichOneof("type")
                if kind == "navigation":
                    page_hash = fm.navigation.page_script_hash
                elif kind == "script_finished":
                    finished.set()
                elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    element = fm.delta.new_element
                    what = element.WhichOneof("type")
                    if what == "button" and element.button.label == RUN_LABEL:
                        run_button = element.button.id
                    elif what == "exception":
                        s.failures.append(f"exception: {element.exception.message[:120]}")
                    elif what == "alert":
                        body = element.alert.body
                        if m := re.search(r"You are number (\d+) in the queue", body):
                            s.places.append(int(m.group(1)))
                        elif element.alert.format == 1 or "queue is full" in body:  # an error box, or turned away
                            s.failures.append(f"alert: {body[:120]}")
                    elif what == "markdown":
                        body = element.markdown.body
                        s.joined |= "Another student asked for the same sizes" in body or "you joined their run" in body
                        if m := re.search(r"This one run served (\d+) students", body):
                            s.served = int(m.group(1))
                        elif "measured for you alone" in body:
                            s.served = 1
                    elif what == "plotly_chart" and s.results_s is None and pressed.is_set():
                        title = json.loads(element.plotly_chart.spec)["layout"]["title"]["text"]
                        if title.startswith("Runtime against n"):
                            s.results_s = time.perf_counter() - clock["pressed"]

        reader = asyncio.get_running_loop().create_task(read())
        await ws.send(rerun())
        await asyncio.wait_for(finished.wait(), timeout)
        if run_button is None:
            s.failures.append("no Run button")
            return
        clock["ready"] += 1  # this student is on the page
        await pressed.wait()
        await ws.send(rerun([WidgetState(id=run_button, trigger_value=True)]))
        deadline = time.perf_counter() + timeout
        while s.results_s is None and not s.failures and time.perf_counter() < deadline and not reader.done():
            await asyncio.sleep(0.05)
        if s.results_s is None and not s.failures:
            s.failures.append("timeout" if not reader.done() else "connection closed")
        reader.cancel()


async def main(args) -> int:
    students = []
    for i in range(args.students):
        n_min, n_max, d = SIZES[i % args.distinct]
        students.append(Student(i, f"n_min={n_min}&n_max={n_max}&d={d}"))
    pressed, clock = asyncio.Event(), {"ready": 0, "pressed": 0.0}
    tasks = [asyncio.create_task(student(s, args.url, pressed, clock, args.timeout)) for s in students]
    while clock["ready"] < len(students) and not all(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    clock["pressed"] = time.perf_counter()
    pressed.set()  # everyone presses Run now
    for s, outcome in zip(students, await asyncio.gather(*tasks, return_exceptions=True)):
        if isinstance(outcome, BaseException):
            s.failures.append(f"{type(outcome).__name__}: {outcome}"[:120])
    wall = time.perf_counter() - clock["pressed"]
    print(f"{args.students} students, {args.distinct} different settings, all pressing Run at once "
          f"(wall {wall:.1f} s)")
    print(f"{'student':>7} {'asks for':32} {'places shown':24} {'joined':>6} {'served':>6} {'results after':>13}  "
          "failures")
    for s in students:
        shown = ",".join(map(str, dict.fromkeys(s.places))) or "-"
        after = f"{s.results_s:.1f} s" if s.results_s is not None else "-"
        print(f"{s.idx:7d} {s.query:32} {shown:24} {'yes' if s.joined else '':>6} {s.served:6d} {after:>13}  "
              f"{'; '.join(s.failures)}")
    times = [s.results_s for s in students if s.results_s is not None]
    failed = [s for s in students if s.failures or s.results_s is None]
    if times:
        print(f"results: {len(times)}/{len(students)}; after {min(times):.1f} s (first), "
              f"{statistics.median(times):.1f} s (median), {max(times):.1f} s (last); "
              f"{sum(s.joined for s in students)} joined a live run; "
              f"about {sum(1 / s.served for s in students if s.served):.0f} runs in all; "
              f"{sum(bool(s.places) for s in students)} were shown a place; {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT of a running app")
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--distinct", type=int, default=4, help=f"different settings asked for (1 to {len(SIZES)})")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds each student waits at most")
    args = parser.parse_args()
    args.distinct = min(max(args.distinct, 1), len(SIZES))
    sys.exit(asyncio.run(main(args)))
