"""Bind a page's widgets to URL query parameters, so that a teacher can share an exact view.

Usage in a page script::

    state = PageState("heatmap", [IntParam("n", 8, 2, 64), BoolParam("causal", False)])
    state.restore()                                # before the widgets
    st.slider("Words", 2, 64, key=state.key("n"))  # no value=: the state provides it
    state.int_input("seed", "Seed")                # whole-number boxes: use this, not st.number_input
    ...
    state.sync()                                   # after the widgets: URL <- values

Every value read from the URL is untrusted: it is parsed, clamped to the widget's range, and
replaced by the default when it cannot be read (text, NaN, inf, -inf, 1e999, empty, repeated keys).
A link whose value had to be changed gets a short notice on the page saying which and why (a text
cut to its maximum length, a number outside its range, an unreadable value); it stays until that
value is changed. The URL is read once per session and page; afterwards the widgets are the truth,
remembered across page switches (Streamlit forgets a widget's value once its page is left) and
written back to the URL in a canonical form: reopening a rewritten URL rewrites nothing.

Links are short: a value equal to its parameter's default is left out of the URL (an absent key means
the default), so a link names only what was changed. A page whose default depends on another value
(Home's sliders follow the asked question, the Heatmap's word count follows the sentence) overrides
``url_values`` so that what it leaves out is exactly what the page derives when the key is absent.

"Reset this page" (:func:`request_reset`, from a button's callback) is applied by the next run's
``restore``, before any widget exists: every parameter but the kept ones returns to its default, the
link's notices are dropped, and the session keys of the page's other widgets (the given prefixes) are
forgotten; the URL then holds only the kept values.

Widget values are untrusted too (a crafted client message can send anything): ``restore`` replaces
any value a parameter cannot hold by its clamped or default value before the widgets are drawn, and
``state[name]`` always returns a clean value of the parameter's type.

The URL is written at the start of every run (in ``restore``), unconditionally, and again at its
end (``sync``) if the run changed a value. With ``runner.fastReruns`` every widget change stops the
run in progress and starts a new one, and a stopped run's messages can still reach the browser after
the request of the newest run was sent. Deciding "the URL is already right" from the query string a
run was started with (or from ``st.query_params``, which every run of a session shares) therefore
left the link behind the widgets for good after a quick series of key presses. Each run's own first
message now sets the whole URL; Streamlit delivers a session's messages in order and drops those of
runs it has replaced, so the newest run's URL is the one the browser ends with. (The browser only
adds a history entry when the URL really changes.)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

_STORE = "_url_state"  # session_state[_STORE][page][name] = last value
_READ = "_url_read"  # session_state[_READ] = pages whose URL was already read this session
_NOTICES = "_url_notices"  # session_state[_NOTICES][page][name] = (value from the link, what happened to it)
_DECLARED = "_url_params"  # session_state[_DECLARED][page] = that page's Params (read by the URL fuzz test)
_LINKED = "_url_linked"  # session_state[_LINKED][page] = names the link this session opened the page with held
_RESET = "_url_reset"  # session_state[_RESET][page] = (names to keep, key prefixes to forget): a pending "Reset"
MAX_RAW_LEN = 4_000  # longer URL values are not parsed as numbers or choices (text is cut instead)


class Unreadable(ValueError):
    """A URL value that cannot be read; the message (for the notice) says why."""


@dataclass(frozen=True)
class Param:
    """One URL parameter: its name, default, and how to read, clean and write it.

    ``parse`` reads a stripped URL string into ``(value, notice or None)`` and raises on anything
    malformed; ``clean`` turns any value (from a widget, a callback or ``parse``) into a valid value of
    the parameter or its default; ``dump`` writes a value canonically: ``from_url([dump(v)]) == v`` for
    every clean ``v``. ``read`` combines them for a URL key's entries (absent, repeated, too long).
    """

    name: str
    default: Any

    def parse(self, raw: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def clean(self, value: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def dump(self, value: Any) -> str:
        return str(self.clean(value))

    def describe_default(self) -> str:
        return f"`{self.dump(self.default)}`"

    def read(self, raws: Sequence[str]) -> tuple[Any, str | None]:
        """The value for the URL's entries of this key, and a notice when it is not what the link said."""
        if not raws:
            return self.default, None
        if len(raws) != 1:
            return self.default, f"the link gives `{self.name}` {len(raws)} times; the default {self.describe_default()} is used"
        if len(raws[0]) > MAX_RAW_LEN:
            return self.default, (f"the link's `{self.name}` is {len(raws[0]):,} characters long, which no "
                                  f"valid value is; the default {self.describe_default()} is used")
        try:
            return self.parse(raws[0].strip())
        except (ValueError, TypeError, OverflowError) as err:
            why = str(err) if isinstance(err, Unreadable) else "cannot be read"
            return self.default, f"the link's `{self.name}` {why}; the default {self.describe_default()} is used"

    def from_url(self, raws: Sequence[str]) -> Any:
        """The value for the URL's entries of this key; the default when absent or malformed."""
        return self.read(raws)[0]


def _finite(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise Unreadable("is not a number") from None
    if not math.isfinite(value):
        raise Unreadable("is not a finite number")
    return value


def _number(value: Any) -> float | None:
    """``value`` as a finite float, or None (bools, text, NaN and infinities are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


# A selectbox over whole numbers shown as labels ("7: it") hands its old label back instead of the number
# when its options changed since the browser drew it (e.g. a new sentence): the number is the label's start.
_LABEL = re.compile(r"\s*(\d+)\s*:")


class _Ranged:
    """Shared by the numeric parameters: clamp to [lo, hi] and say so when the link was outside."""

    def _clamped(self, value: float) -> tuple[float, str | None]:
        if self.lo <= value <= self.hi:
            return value, None
        inside = min(max(value, self.lo), self.hi)
        return inside, f"the link's `{self.name}` is outside {self.lo:g} … {self.hi:g}; {inside:g} is used"


@dataclass(frozen=True)
class IntParam(_Ranged, Param):
    lo: int = 0
    hi: int = 100

    def parse(self, raw: str) -> tuple[int, str | None]:
        value, notice = self._clamped(round(_finite(raw)))
        return int(value), notice

    def clean(self, value: Any) -> int:
        if isinstance(value, str) and (label := _LABEL.match(value)):
            value = int(label.group(1))  # a selectbox's "7: it" label (see _LABEL)
        number = _number(value)
        return self.default if number is None else int(min(max(round(number), self.lo), self.hi))


@dataclass(frozen=True)
class FloatParam(_Ranged, Param):
    lo: float = 0.0
    hi: float = 1.0
    step: float | None = None  # snap to the slider's grid, so the widget accepts the value

    def parse(self, raw: str) -> tuple[float, str | None]:
        value, notice = self._clamped(_finite(raw))
        return self.clean(value), notice

    def clean(self, value: Any) -> float:
        number = _number(value)
        if number is None:
            return float(self.default)
        number = min(max(number, self.lo), self.hi)
        if self.step:
            number = self.lo + round((number - self.lo) / self.step) * self.step
            number = round(min(number, self.hi), 10)
        return float(number)

    def dump(self, value: float) -> str:
        return format(self.clean(value), ".6g")


@dataclass(frozen=True)
class IntRangeParam(_Ranged, Param):
    """A ``(low, high)`` pair for a range slider, written ``low-high`` in the URL."""

    lo: int = 0
    hi: int = 100

    def parse(self, raw: str) -> tuple[tuple[int, int], str | None]:
        parts = raw.split("-", 1)
        if len(parts) != 2:
            raise Unreadable("is not a range written low-high")
        (a, first), (b, second) = (self._clamped(round(_finite(p))) for p in parts)
        return self.clean((a, b)), first or second

    def clean(self, value: Any) -> tuple[int, int]:
        try:
            a, b = (_number(v) for v in value)
        except (TypeError, ValueError):
            return tuple(self.default)
        if a is None or b is None:
            return tuple(self.default)
        a, b = (int(min(max(round(v), self.lo), self.hi)) for v in (a, b))
        return (min(a, b), max(a, b))

    def dump(self, value: Sequence[int]) -> str:
        low, high = self.clean(value)
        return f"{low}-{high}"


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class BoolParam(Param):
    def parse(self, raw: str) -> tuple[bool, None]:
        low = raw.lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        raise Unreadable("is neither on (1) nor off (0)")

    def clean(self, value: Any) -> bool:
        if isinstance(value, bool) or type(value).__name__ == "bool_":  # numpy's bool too
            return bool(value)
        return bool(value) if _number(value) in (0.0, 1.0) else self.default

    def dump(self, value: bool) -> str:
        return "1" if self.clean(value) else "0"

    def describe_default(self) -> str:
        return "(on)" if self.default else "(off)"


@dataclass(frozen=True)
class ChoiceParam(Param):
    options: tuple[str, ...] = ()

    def parse(self, raw: str) -> tuple[str, None]:
        for option in self.options:
            if raw.lower() == option.lower():
                return option, None
        raise Unreadable("is not one of the choices")

    def clean(self, value: Any) -> str:
        return value if isinstance(value, str) and value in self.options else self.default


@dataclass(frozen=True)
class TextParam(Param):
    """Free text (a sentence); cut to ``max_len`` characters, then stripped. Never rendered as HTML.

    Cutting before stripping keeps the written value canonical: a cut that ends in a space would
    otherwise be written with that space and lose it when the link is reopened.
    """

    max_len: int = 500

    def describe_default(self) -> str:
        return "sentence"

    def read(self, raws: Sequence[str]) -> tuple[str, str | None]:
        if len(raws) == 1 and len(raws[0]) > self.max_len:  # any length: cut, never thrown away
            return self.clean(raws[0]), (f"the link's text is {len(raws[0]):,} characters long and this page "
                                         f"reads at most {self.max_len:,}, so only its first {self.max_len:,} "
                                         "are used")
        return super().read(raws)

    def parse(self, raw: str) -> tuple[str, None]:
        return self.clean(raw), None

    def clean(self, value: Any) -> str:
        return value[: self.max_len].strip() if isinstance(value, str) else self.default


_EMBED = {"embed", "embed_options"}  # Streamlit's own URL keys; st.query_params keeps them out of sight


def _query_of_this_run() -> dict[str, list[str]]:
    """The query string this run's request came with, or the one this run last wrote (see the module doc)."""
    ctx = get_script_run_ctx()
    if ctx is None:  # bare mode (no Streamlit runtime): nothing else to go by
        return {k: st.query_params.get_all(k) for k in st.query_params}
    query = parse_qs(ctx.query_string or "", keep_blank_values=True)
    return {k: v for k, v in query.items() if k.lower() not in _EMBED}


class PageState:
    """The URL-bound state of one page; see the module docstring for the pattern. One per page."""

    def __init__(self, page: str, params: Sequence[Param]):
        self.page = page
        self.params = {p.name: p for p in params}
        if len(self.params) != len(params):
            raise ValueError(f"{page}: two URL parameters share a name")

    def key(self, name: str) -> str:
        """The widget key of parameter ``name`` (unique across pages)."""
        if name not in self.params:
            raise KeyError(f"{self.page} has no URL parameter {name!r}")
        return f"{self.page}.{name}"

    def __getitem__(self, name: str) -> Any:
        param = self.params[name]
        return param.clean(st.session_state.get(self.key(name), self._store().get(name, param.default)))

    def _store(self) -> dict:
        return st.session_state.setdefault(_STORE, {}).setdefault(self.page, {})

    def _notices(self) -> dict:
        return st.session_state.setdefault(_NOTICES, {}).setdefault(self.page, {})

    def restore(self) -> None:
        """Before the widgets: put each parameter's clean value into session_state; show the link's notices."""
        st.session_state.setdefault(_DECLARED, {})[self.page] = tuple(self.params.values())
        store = self._store()
        pending = st.session_state.get(_RESET, {}).pop(self.page, None)
        if pending is not None:
            self._reset(*pending)
        read = st.session_state.setdefault(_READ, set())
        if self.page not in read:
            read.add(self.page)
            query = _query_of_this_run()
            st.session_state.setdefault(_LINKED, {})[self.page] = frozenset(n for n in self.params if n in query)
            for name, param in self.params.items():
                if name in query:
                    store[name], notice = param.read(query[name])
                    if notice:
                        self._notices()[name] = (store[name], notice)
        for name, param in self.params.items():
            key = self.key(name)
            value = st.session_state.get(key, store.get(name, param.default))
            clean = param.clean(value)
            if key not in st.session_state or not _is_clean(param, value):
                st.session_state[key] = clean  # before the widget exists: Streamlit accepts it as its value
            store[name] = clean
        self._show_notices()
        self._write_url(always=True)

    def _reset(self, keep: Sequence[str], forget: Sequence[str]) -> None:
        """Every parameter but ``keep`` back to its default; forget the session keys starting with ``forget``."""
        store = self._store()
        for name, param in self.params.items():
            if name not in keep:
                store[name] = param.default
                st.session_state.pop(self.key(name), None)  # restore puts the default back in
        self._notices().clear()
        st.session_state.get(_LINKED, {}).pop(self.page, None)  # as if opened without a link
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(tuple(forget))]:
            del st.session_state[key]

    def linked(self, name: str) -> bool:
        """Whether the link this session first opened the page with set ``name`` (the URL itself is rewritten
        on each run, so it cannot tell). A page whose parameter follows another when absent from the link
        writes it whenever it does not (see ``url_values``)."""
        return name in st.session_state.get(_LINKED, {}).get(self.page, ())

    def _show_notices(self) -> None:
        notices = self._notices()
        for name, (value, _) in list(notices.items()):
            if self[name] != value:
                del notices[name]  # the student changed that value: the notice no longer applies
        if notices:
            lines = "\n".join(f"- {message[0].upper()}{message[1:]}." for _, message in notices.values())
            st.warning(f"This link could not be followed exactly:\n{lines}", icon="🔗")

    def set(self, name: str, value: Any) -> None:
        """Change a value from code (call it in a widget callback, before the widget is drawn)."""
        value = self.params[name].clean(value)
        st.session_state[self.key(name)] = value
        self._store()[name] = value

    def int_input(self, name: str, label: str, where: Any = None, **kwargs: Any) -> int:
        """A number box for the whole-number parameter ``name``; returns its clean value.

        Use it instead of ``st.number_input``: Streamlit turns an integer box's value into an int
        before checking it, so a crafted message holding NaN or infinity raises inside Streamlit,
        before the script can do anything. A float box with no decimals shown looks the same and
        Streamlit replaces such a value by the minimum; ``state[name]`` is still an int.
        ``where`` is the container (default ``st``); ``kwargs`` go to ``number_input`` (help, ...).
        """
        param = self.params[name]
        key = self.key(name)
        if not isinstance(st.session_state.get(key), float):
            st.session_state[key] = float(self[name])
        (where or st).number_input(label, float(param.lo), float(param.hi), step=1.0, format="%.0f", key=key,
                                   **kwargs)
        return self[name]

    def sync(self) -> None:
        """After the widgets: remember the current values and write them to the URL (if it changed)."""
        store = self._store()
        for name in self.params:
            store[name] = self[name]
        self._write_url()

    def url_values(self) -> dict[str, str]:
        """What the URL holds for the current values: each one that differs from its default, written canonically."""
        dumped = {name: p.dump(self[name]) for name, p in self.params.items()}
        return {name: v for name, v in dumped.items() if v != self.params[name].dump(self.params[name].default)}

    def _write_url(self, always: bool = False) -> None:
        wanted = self.url_values()
        if always or _query_of_this_run() != {k: [v] for k, v in wanted.items()}:
            st.query_params.from_dict(wanted)


def request_reset(page: str, keep: Sequence[str] = (), forget: Sequence[str] = ()) -> None:
    """Ask the next run of ``page`` to reset it (see the module docstring); call it from a button's callback."""
    st.session_state.setdefault(_RESET, {})[page] = (tuple(keep), tuple(forget))


def reset_pending(page: str) -> bool:
    """Whether this run will reset ``page`` (its ``restore`` has not run yet)."""
    return page in st.session_state.get(_RESET, {})


def _is_clean(param: Param, value: Any) -> bool:
    """Whether ``value`` is already what ``param.clean`` makes of it (int_input keeps whole numbers as floats)."""
    clean = param.clean(value)
    if isinstance(param, IntParam) and type(value) is float:
        return value == clean
    return type(value) is type(clean) and value == clean
