"""Where a page's plotly time goes: building figures, Streamlit's copy of them, and their JSON.

    python3 benchmarks/bench_figures.py [--repeats 5]

Runs every page at its default view with Streamlit's AppTest (in this process, warm: one untimed run
first) and splits the script time of a rerun into
  * builders:   the functions of ``figures/`` the page calls (plotly's property setting and validation),
  * to_dict:    ``st.plotly_chart``'s ``plotly.tools.return_figure_from_figure_or_data`` (a deep copy of a
                go.Figure; for a plain dict it would construct and validate a go.Figure first),
  * to_json:    ``plotly.io.to_json(figure, validate=False)`` inside ``st.plotly_chart``,
  * the rest of the script (the numpy core, text, widgets, Streamlit).
Then, for every figure the page drew, what the alternatives cost per rerun: ``go.Figure(spec)``
(constructing it again from its dict, validated), ``go.Figure(spec, _validate=False)``, and the
``st.cache_data`` round trip of its dict (pickle); a hit of ``ui.charts.cached_figure`` costs the
cache round trip plus the unvalidated rebuild (then Streamlit's to_dict copy, as before). Builders the
pages share through ``cached_figure`` run only on the first rerun (untimed). Medians over ``--repeats``
reruns, in ms of this process's CPU (``time.process_time``).
"""

from __future__ import annotations

import argparse
import functools
import inspect
import pickle
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plotly.graph_objects as go  # noqa: E402
import plotly.io  # noqa: E402
import plotly.tools  # noqa: E402
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner  # noqa: E402

import figures.academic  # noqa: E402
import figures.complexity  # noqa: E402
import figures.heatmap  # noqa: E402
import figures.home  # noqa: E402
import figures.matrix  # noqa: E402
import figures.steps  # noqa: E402
from tests.conftest import app_page  # noqa: E402

PAGES = {
    "Home": None,
    "Heatmap": "pages/1_🔥_Heatmap.py",
    "Build it": "pages/2_🧱_Build_it_step_by_step.py",
    "Academic": "pages/3_🎓_Academic.py",
    "Complexity": "pages/4_📈_Complexity.py",
}
clock = time.process_time

T: dict[str, float] = defaultdict(float)  # this rerun's totals
FIGS: list[tuple[str, go.Figure]] = []  # (builder, figure) of this rerun
BUILD: dict[str, float] = defaultdict(float)  # this rerun's time per builder
_depth = [0]


def _timed_builder(name, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _depth[0] += 1
        t = clock()
        try:
            out = fn(*args, **kwargs)
        finally:
            _depth[0] -= 1
        if _depth[0] == 0:  # count only the outermost builder (builders call each other)
            T["builders"] += clock() - t
            BUILD[name] += clock() - t
            for fig in out if isinstance(out, tuple) else (out,):
                if isinstance(fig, go.Figure):
                    FIGS.append((name, fig))
        return out
    return wrapper


def _timed(key, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            T[key] += clock() - t
    return wrapper


def instrument() -> None:
    for module in (figures.academic, figures.complexity, figures.heatmap, figures.home, figures.matrix,
                   figures.steps):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                setattr(module, name, _timed_builder(name, fn))
    plotly.tools.return_figure_from_figure_or_data = _timed("to_dict", plotly.tools.return_figure_from_figure_or_data)
    plotly.io.to_json = _timed("to_json", plotly.io.to_json)
    ScriptRunner._run_script = _timed("script", ScriptRunner._run_script)


def cost(fn, repeats: int) -> float:
    """Median CPU seconds of ``fn()``."""
    out = []
    for _ in range(repeats):
        t = clock()
        fn()
        out.append(clock() - t)
    return statistics.median(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ns = ap.parse_args(argv)
    instrument()
    ms = 1000
    print(f"{'page':10s} {'script':>7s} {'builders':>8s} {'to_dict':>7s} {'to_json':>7s} {'rest':>6s} {'figs':>4s} | "
          f"{'rebuild':>7s} {'no-valid':>8s} {'cache':>6s}   (ms per rerun)")
    for page, path in PAGES.items():
        at = app_page(path).run()
        assert not at.exception, at.exception
        runs = []
        for _ in range(ns.repeats):
            T.clear()
            FIGS.clear()
            BUILD.clear()
            at.run()
            runs.append((dict(T), list(FIGS), dict(BUILD)))
        med = {k: statistics.median(r[0].get(k, 0.0) for r in runs) for k in ("script", "builders", "to_dict", "to_json")}
        figs = runs[-1][1]
        specs = [fig.to_dict() for _, fig in figs]
        rebuild = sum(cost(lambda s=s: go.Figure(s), ns.repeats) for s in specs)
        novalid = sum(cost(lambda s=s: go.Figure(s, _validate=False), ns.repeats) for s in specs)
        cache = sum(cost(lambda s=s: pickle.loads(pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL)), ns.repeats)
                    for s in specs)
        rest = med["script"] - med["builders"] - med["to_dict"] - med["to_json"]
        print(f"{page:10s} {med['script'] * ms:7.1f} {med['builders'] * ms:8.1f} {med['to_dict'] * ms:7.1f} "
              f"{med['to_json'] * ms:7.1f} {rest * ms:6.1f} {len(figs):4d} | {rebuild * ms:7.1f} {novalid * ms:8.1f} "
              f"{cache * ms:6.1f}")
        per_builder: dict[str, int] = defaultdict(int)
        for name, _ in figs:
            per_builder[name] += 1
        build_ms = {k: statistics.median(r[2].get(k, 0.0) for r in runs) * ms for k in per_builder}
        print(f"{'':10s} builders: " + ", ".join(f"{k} ×{n} {build_ms[k]:.1f}" for k, n in
                                                  sorted(per_builder.items(), key=lambda kv: -build_ms[kv[0]])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
