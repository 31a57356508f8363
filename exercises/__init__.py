"""Check your understanding: exercises built from the app's own numbers, one set per page and seed.

>>> from exercises import exercises_for
>>> [e.kind.value for e in exercises_for("home", 42)]
['number', 'number', 'predict', 'predict', 'choice']

Pure Python on top of :mod:`attention` (no streamlit): ``exercises_for(page, seed)`` returns the same
exercises, with the same numbers, for the same page and seed, on any machine. See
:mod:`exercises.model` for what an exercise holds and :mod:`exercises.parse` for which answers are read.

Adding a page's set: write a module ``exercises/<name>.py`` with ``def exercises(seed: int, res: Resources)
-> list[Exercise]`` (usually ``build(seed, (builder, ...), res)``, each builder taking ``(rng, res)``) and add
``"<page>": "<name>"`` to :data:`PAGES`, under the page's ``PageState`` name; then add
``*exercise_params()`` and ``render_exercises(state)`` (from ``ui.exercises``) to the page script.
An exercise whose reveal needs a model is built without it (``needs``); the module's ``COMPLETE`` maps its
id to ``def complete(ex: Exercise, res: Resources) -> Exercise | None``, which :func:`complete` calls.
"""

from __future__ import annotations

import importlib

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
    "complete",
    "exercises_for",
]

MAX_SEED = 9_999  # exercise sets are numbered 0..9999: short enough to read out to a class

# page (its PageState name) -> the module exercises.<name> that builds its set (imported on first use:
# a page loads only its own set's code)
PAGES: dict[str, str] = {
    "home": "home",
    "heatmap": "heatmap",
    "steps": "build_it",
    "academic": "academic",
    "complexity": "complexity",
    "translation": "translation",
    "glossary": "glossary",
}


def _module(page: str):
    if page not in PAGES:
        raise ValueError(f"no exercises for page {page!r}; pages: {sorted(PAGES)}")
    return importlib.import_module(f"{__name__}.{PAGES[page]}")


def exercises_for(page: str, seed: int, res: Resources | None = None) -> list[Exercise]:
    """The exercises of ``page`` for set number ``seed`` (0..MAX_SEED; other values raise ValueError).

    ``res`` provides shared objects that some exercises need (the pretrained encoder, the translators); by
    default each is loaded once per process. Building a set does not load the pretrained encoder (unless
    ``res`` has an encoder loader but no ``reachable`` check): an exercise whose reveal needs it is returned
    incomplete (see :func:`complete`), and is replaced or left out when the encoder is out of reach.
    """
    module = _module(page)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"an exercise set number is an int in 0..{MAX_SEED}, got {seed!r}")
    return module.exercises(seed, res or Resources())


def complete(page: str, ex: Exercise, res: Resources | None = None) -> Exercise | None:
    """``ex`` with its solution, chart and reasons filled in from the model it ``needs`` (loaded now, once
    per process); ``ex`` itself when it needs nothing; None when that model is not available."""
    if not ex.needs:
        return ex
    return _module(page).COMPLETE[ex.id](ex, res or Resources())
