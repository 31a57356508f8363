"""English → German translation, learnt by two small numpy translators (the Translation page).

- :func:`sample` draws sentence pairs from the grammar (``grammar.py``) with their gold alignment;
- :func:`load` gives a shipped, trained model: ``load("attention").translate(words)``;
- ``model.py`` (the two models), ``train.py``, ``evaluate.py``, ``decode.py``, ``store.py`` hold the rest.
"""

from .decode import Translation, Translator
from .grammar import Pair, UnknownWords, is_held_out, sample, translate_reference
from .model import KINDS
from .store import load, shipped

__all__ = ["sample", "load", "shipped", "Pair", "Translation", "Translator", "UnknownWords", "is_held_out",
           "translate_reference", "KINDS"]
