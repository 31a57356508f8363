"""Bind a page's widgets to URL query parameters, so that a teacher can share an exact view.

Usage in a page script::

    state = PageState("heatmap", [IntParam("n", 8, 2, 64), BoolParam("causal", False)])
    state.restore()                                # before the widgets
    st.slider("Words", 2, 64, key=state.key("n"))  # no value=: the state provides it
    ...
    state.sync()                                   # after the widgets: URL <- values

Every value read from the URL is untrusted: it is parsed, clamped to the widget's range, and
replaced by the default when it cannot be read (text, NaN, inf, empty, repeated keys). The URL
is read once per session and page; afterwards the widgets are the truth, remembered across page
switches (Streamlit forgets a widget's value once its page is left) and written back to the URL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

_STORE = "_url_state"  # session_state[_STORE][page][name] = last value
_READ = "_url_read"  # session_state[_READ] = pages whose URL was already read this session
MAX_RAW_LEN = 4_000  # longer URL values are ignored outright


@dataclass(frozen=True)
class Param:
    """One URL parameter: its name, default, and how to read and write it."""

    name: str
    default: Any

    def parse(self, raw: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def dump(self, value: Any) -> str:
        return str(value)

    def from_url(self, raws: Sequence[str]) -> Any:
        """The value for the URL's entries of this key; the default when absent or malformed."""
        if len(raws) != 1 or len(raws[0]) > MAX_RAW_LEN:
            return self.default  # absent, repeated or absurdly long
        try:
            return self.parse(raws[0].strip())
        except (ValueError, TypeError, OverflowError):
            return self.default


def _finite(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {raw!r}")
    return value


@dataclass(frozen=True)
class IntParam(Param):
    lo: int = 0
    hi: int = 100

    def parse(self, raw: str) -> int:
        return int(min(max(round(_finite(raw)), self.lo), self.hi))


@dataclass(frozen=True)
class FloatParam(Param):
    lo: float = 0.0
    hi: float = 1.0
    step: float | None = None  # snap to the slider's grid, so the widget accepts the value

    def parse(self, raw: str) -> float:
        value = min(max(_finite(raw), self.lo), self.hi)
        if self.step:
            value = self.lo + round((value - self.lo) / self.step) * self.step
            value = round(min(value, self.hi), 10)
        return float(value)

    def dump(self, value: float) -> str:
        return format(float(value), ".6g")


@dataclass(frozen=True)
class IntRangeParam(Param):
    """A ``(low, high)`` pair for a range slider, written ``low-high`` in the URL."""

    lo: int = 0
    hi: int = 100

    def parse(self, raw: str) -> tuple[int, int]:
        a, b = (int(min(max(round(_finite(p)), self.lo), self.hi)) for p in raw.split("-", 1))
        return (min(a, b), max(a, b))

    def dump(self, value: Sequence[int]) -> str:
        return f"{int(value[0])}-{int(value[1])}"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class BoolParam(Param):
    def parse(self, raw: str) -> bool:
        low = raw.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(raw)

    def dump(self, value: bool) -> str:
        return "1" if value else "0"


@dataclass(frozen=True)
class ChoiceParam(Param):
    options: tuple[str, ...] = ()

    def parse(self, raw: str) -> str:
        for option in self.options:
            if raw.lower() == option.lower():
                return option
        raise ValueError(raw)


@dataclass(frozen=True)
class TextParam(Param):
    """Free text (a sentence); cut to ``max_len`` characters. Never rendered as HTML."""

    max_len: int = 500

    def parse(self, raw: str) -> str:
        return raw[: self.max_len]


class PageState:
    """The URL-bound state of one page; see the module docstring for the pattern."""

    def __init__(self, page: str, params: Sequence[Param]):
        self.page = page
        self.params = {p.name: p for p in params}

    def key(self, name: str) -> str:
        """The widget key of parameter ``name`` (unique across pages)."""
        if name not in self.params:
            raise KeyError(f"{self.page} has no URL parameter {name!r}")
        return f"{self.page}.{name}"

    def __getitem__(self, name: str) -> Any:
        return st.session_state.get(self.key(name), self._store().get(name, self.params[name].default))

    def _store(self) -> dict:
        return st.session_state.setdefault(_STORE, {}).setdefault(self.page, {})

    def restore(self) -> None:
        """Put each parameter's value into session_state before its widget is created."""
        store = self._store()
        read = st.session_state.setdefault(_READ, set())
        if self.page not in read:
            read.add(self.page)
            for name, param in self.params.items():
                if name in st.query_params:
                    store[name] = param.from_url(st.query_params.get_all(name))
        for name, param in self.params.items():
            if self.key(name) not in st.session_state:
                st.session_state[self.key(name)] = store.get(name, param.default)

    def set(self, name: str, value: Any) -> None:
        """Change a value from code (call it in a widget callback, before the widget is drawn)."""
        st.session_state[self.key(name)] = value
        self._store()[name] = value

    def sync(self) -> None:
        """Remember the current values and write them to the URL (only if it changed)."""
        store = self._store()
        for name in self.params:
            store[name] = self[name]
        wanted = {name: p.dump(store[name]) for name, p in self.params.items()}
        current = {k: st.query_params.get_all(k) for k in st.query_params}
        if current != {k: [v] for k, v in wanted.items()}:
            st.query_params.from_dict(wanted)
