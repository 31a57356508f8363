"""Issue 16: a cold server never shows a student a half-imported module, and a script run does not end
in a full garbage collection.

The import tests run in a fresh interpreter (this one has imported everything long ago).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib

from .conftest import ROOT

# Thread B imports pandas and is held inside it (at pandas.compat, before pandas.Series exists): a
# session importing a page that imports pandas. Thread A is another session: it imports ui.layout (as
# every page does first) and then draws Home's library figure. B goes on when A has finished or when A
# waits for B's import of pandas to complete (A's stack is inside the import of "pandas"). B is held in
# the loader, not the finder: finders run under the global import lock, which would stop A too.
RACE = textwrap.dedent("""
    import importlib.machinery, sys, threading, traceback

    import streamlit.web.bootstrap  # noqa: F401 - a server has imported Streamlit before any session runs

    held, a_done = threading.Event(), threading.Event()
    outcome = []

    class HoldPandas:  # pandas.compat's code runs only once A finished or waits for pandas
        def find_spec(self, name, path=None, target=None):
            if name != "pandas.compat" or threading.current_thread().name != "B":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path, target)
            run = spec.loader.exec_module

            def held_exec_module(module):
                held.set()
                while not (a_done.is_set() or a_waits_for_pandas()):
                    a_done.wait(0.01)
                run(module)

            spec.loader.exec_module = held_exec_module
            return spec

    def a_waits_for_pandas():
        frame = sys._current_frames().get(thread_a.ident)
        while frame is not None:
            if frame.f_code.co_name in ("_find_and_load", "_lock_unlock_module") \\
                    and frame.f_locals.get("name") == "pandas":
                return True
            frame = frame.f_back
        return False

    def import_pandas():
        import pandas  # noqa: F401

    def draw_home_figure():
        try:
            held.wait(60)
            import ui.layout  # noqa: F401
            from figures.home import library_figure
            library_figure(["a", "b"], [0.25, 0.75], ["x", "y"], [0.5, 0.5])
            outcome.append("ok")
        except Exception:
            outcome.append(traceback.format_exc(limit=-3))
        finally:
            a_done.set()

    sys.meta_path.insert(0, HoldPandas())
    thread_b = threading.Thread(target=import_pandas, name="B")
    thread_a = threading.Thread(target=draw_home_figure, name="A")
    thread_b.start()
    thread_a.start()
    thread_a.join(120)
    thread_b.join(120)
    print(outcome[0] if outcome else "A did not finish")
""")


def run_fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip()


def test_a_page_drawing_while_another_session_imports_pandas_sees_it_whole():
    result = run_fresh(RACE)
    assert result == "ok", f"the second session failed:\n{result}"


def test_ui_layout_warms_plotly_and_freezes_the_imports():
    code = textwrap.dedent("""
        import gc, sys
        import streamlit.web.bootstrap  # noqa: F401
        import ui.layout  # noqa: F401
        from plotly.validator_cache import ValidatorCache
        half = [name for name, m in list(sys.modules.items())
                if getattr(getattr(m, "__spec__", None), "_initializing", False)]
        print(sorted(half), ("", "data") in ValidatorCache._cache, ("layout", "xaxis") in ValidatorCache._cache,
              gc.get_freeze_count() > 10_000)
    """)
    assert run_fresh(code) == "[] True True True"


def test_plotly_takes_a_module_still_being_imported_for_one_not_imported():
    """The mechanism of the cold-start failure, without threads: "pandas" in sys.modules, half built."""
    code = textwrap.dedent("""
        import importlib.machinery, sys, types
        import streamlit.web.bootstrap  # noqa: F401
        import ui.layout  # noqa: F401
        import _plotly_utils.basevalidators as bv
        import plotly.graph_objects as go
        from plotly import optional_imports

        half = types.ModuleType("pandas")  # what another thread's `import pandas` has put there so far
        half.__spec__ = importlib.machinery.ModuleSpec("pandas", None)
        half.__spec__._initializing = True
        sys.modules["pandas"] = half
        seen = [bv.get_module("pandas", should_load=False), optional_imports.get_module("pandas", should_load=False)]
        go.Figure(go.Scatter(x=[1, 2], y=[3.0, 4.0]))  # reads pandas.Series without the guard
        half.__spec__._initializing = False  # the import has finished
        seen.append(bv.get_module("pandas", should_load=False) is half)
        print(seen)
    """)
    assert run_fresh(code) == "[None, None, True]"


def test_the_warm_up_figure_leaves_no_shared_state_behind():
    """Preloading must not change what a page draws: plotly's default template and JSON engine."""
    code = textwrap.dedent("""
        import plotly.graph_objects as go, plotly.io as pio
        import streamlit  # noqa: F401 - it sets plotly's default template; the server has imported it
        before = (pio.templates.default, pio.json.config.default_engine,
                  go.Figure(go.Heatmap(z=[[1, 2]])).to_json())
        import ui.layout  # noqa: F401
        after = (pio.templates.default, pio.json.config.default_engine,
                 go.Figure(go.Heatmap(z=[[1, 2]])).to_json())
        print(before == after)
    """)
    assert run_fresh(code) == "True"


def test_no_full_garbage_collection_after_every_script_run():
    """Streamlit's default gc.collect(2) after each run was 69 % of the server's CPU under a class load;
    config.toml turns it off (the imports are frozen out of the collector's sight instead)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
