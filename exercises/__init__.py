"""Check your understanding: exercises built from the app's own numbers, one set per page and seed.

>>> from exercises import exercises_for
>>> [e.kind.value for e in exercises_for("home", 42)]
['number', 'number', 'predict', 'predict', 'choice']

Pure Python on top of :mod:`attention` (no streamlit): ``exercises_for(page, seed)`` returns the same
exercises, with the same numbers, for the same page and seed, on any machine. See
:mod:`exercises.model` for what an exercise holds and :mod:`exercises.parse` for which answers are read.

Adding a page's set: write a module ``exercises/<name>.py`` with ``def exercises(seed: int, res: Resources)
-> list[Exercise]`` (usually ``build(seed, (builder, ...), res)``, each builder taking ``(rng, res)``) and add
``"<page>": _module("<name>")`` to :data:`PAGES`, under the page's ``PageState`` name; then add
``*exercise_params()`` and ``render_exercises(state)`` (from ``ui.exercises``) to the page script.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .common import Resources, build
from .model import Block, Chart, Exercise, Kind, Mistake, Option, Verdict

__all__ = [
    "MAX_SEED",
    "PAGES",
    "Block",
    "Chart",
    "Exercise",
    "Kind",
    "Mistake",
    "Option",
    "Resources",
    "Verdict",
    "build",
    "exercises_for",
]

MAX_SEED = 9_999  # exercise sets are numbered 0..9999: short enough to read out to a class



def _module(name: str) -> Callable[[int, Resources], list[Exercise]]:
    """``exercises.<name>.exercises``, imported on first use: a page loads only its own set's code."""

    def exercises(seed: int, res: Resources) -> list[Exercise]:
        return importlib.import_module(f"{__name__}.{name}").exercises(seed, res)

    return exercises


# page (its PageState name) -> the function that builds its set
PAGES: dict[str, Callable[[int, Resources], list[Exercise]]] = {
    "home": _module("home"),
    "heatmap": _module("heatmap"),
    "steps": _module("build_it"),
    "academic": _module("academic"),
    "complexity": _module("complexity"),
}


def exercises_for(page: str, seed: int, res: Resources | None = None) -> list[Exercise]:
    """The exercises of ``page`` for set number ``seed`` (0..MAX_SEED; other values raise ValueError).

    ``res`` provides shared objects that some exercises need (the pretrained encoder); by default each
    is loaded once per process. An exercise whose resource is unavailable is replaced or left out.
    """
    if page not in PAGES:
        raise ValueError(f"no exercises for page {page!r}; pages: {sorted(PAGES)}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"an exercise set number is an int in 0..{MAX_SEED}, got {seed!r}")
    return PAGES[page](seed, res or Resources())
