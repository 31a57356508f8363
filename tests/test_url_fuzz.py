"""A deterministic fuzz of every page's URL parameters (issue 15), under AppTest.

Each page's parameters are read from the page's own declaration: running a page once leaves its
``PageState`` parameters in ``st.session_state["_url_params"]`` (see ui/state.py), so a parameter added
to any page is fuzzed from then on without touching this file. Every case opens the page with hostile
values and asserts:

- no exception, and no element larger than the server's ``server.maxMessageSize``;
- the URL is rewritten: only declared keys, one value each, every value canonical (what the parameter
  writes for the value it reads from it), and the page's state holds exactly those values (a key left
  out of the URL, as short links may do, holds its default);
- reopening the rewritten URL rewrites nothing (checked by a second run).

Cases (``URL_FUZZ=full``): each hostile value alone in each parameter, all parameters at once with
each hostile value (and every key repeated), and each hostile text with every toggle flipped and every
choice at its last option (e.g. Heatmap's pretrained mode), or with the toggles left alone. The default
is a quick deterministic subset: "mixed" URLs where parameter i holds hostile value i + j, so that in a
few runs each parameter gets half of the values and each value reaches every page, plus a few of the
other cases. ``URL_FUZZ_REPORT=1`` prints each page's number of cases, time and largest element.
"""

from __future__ import annotations

import os
import time
import tomllib
from functools import cache
from pathlib import Path

import pytest

from ui.layout import PAGES
from ui.state import _DECLARED, BoolParam, ChoiceParam, Param, TextParam

from .conftest import app_page

ROOT = Path(__file__).resolve().parents[1]
FULL = os.environ.get("URL_FUZZ", "").lower() == "full"
REPORT = bool(os.environ.get("URL_FUZZ_REPORT"))
RUN_TIMEOUT = 300
MAX_MESSAGE_BYTES = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxMessageSize"] << 20

# What a class (or a crawler, or a prankster) puts in links. Lists are repeated keys.
HOSTILE: dict[str, str | list[str]] = {
    "empty": "",
    "nan": "NaN",
    "inf": "inf",
    "-inf": "-inf",
    "1e309": "1e309",
    "huge": "9" * 30,
    "negative": "-7",
    "fractional": "2.5",
    "text": "banana",
    "script": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "10k": "la " * 3_333 + "l",
    "100k": "Ωz" * 50_000,  # 100k characters, 400k once percent-encoded: under Streamlit's 512k limit
    "emoji": "🦙🔥 👩‍👩‍👧‍👦 ❤️",
    "rtl": "\u202eevil\u202c שלום עולם مرحبا",
    "zero-width": "\u200b7\u200d\ufeff",
    "control": "a\x00b\x07c\x1b[31md\r\n\te",
    "bert-special": "[CLS] [SEP] [PAD] [MASK] [UNK] [SEP]",
    "126 words": " ".join(["attention"] * 126),  # with [CLS] and [SEP]: the pretrained model's 128 pieces
    "repeated": ["1", "2"],
}
TEXTS = ("10k", "100k", "emoji", "rtl", "zero-width", "control", "bert-special", "script", "empty", "126 words")


def page_path(script: str) -> str | None:
    return None if script == "streamlit_app.py" else script


SCRIPTS = [script for script, *_ in PAGES if (ROOT / script).exists()]


@cache
def declared(script: str) -> tuple[str, dict[str, Param]]:
    """The page's state name and URL parameters, as its own PageState declares them (read after a visit)."""
    at = app_page(page_path(script)).run(timeout=RUN_TIMEOUT)
    assert not at.exception, f"{script} fails on a plain visit"
    pages = at.session_state[_DECLARED]
    assert len(pages) == 1, f"{script} declares {len(pages)} PageStates; the fuzz expects one per page"
    ((page, params),) = pages.items()
    return page, {p.name: p for p in params}


def cases(script: str) -> list[tuple[str, dict]]:
    _, params = declared(script)
    names = sorted(params)
    kinds = list(HOSTILE)
    found: list[tuple[str, dict]] = []
    if FULL:  # each value alone in each parameter
        found += [(f"{name}={kind}", {name: HOSTILE[kind]}) for name in names for kind in kinds]
    else:  # mixed: parameter i holds value i + j; every value reaches every other parameter, and every page
        for j in range(0, len(kinds), 2):
            mixed = {name: kinds[(i + j) % len(kinds)] for i, name in enumerate(names)}
            found.append(("mixed " + ",".join(f"{n}={k}" for n, k in mixed.items()),
                          {n: HOSTILE[k] for n, k in mixed.items()}))
    # every parameter at once, with each value (quick: two of them, different on each page, and repeated keys)
    offset = sum(map(ord, script))
    at_once = kinds if FULL else [kinds[(offset + j * 7) % len(kinds)] for j in range(2)] + ["repeated"]
    found += [(f"all={kind}", dict.fromkeys(names, HOSTILE[kind])) for kind in dict.fromkeys(at_once)]
    # each hostile text with every toggle flipped and every choice at its last option (e.g. pretrained
    # mode), and with the toggles at their defaults
    flipped = {n: "0" if params[n].default else "1" for n in names if isinstance(params[n], BoolParam)}
    last = {n: params[n].options[-1] for n in names if isinstance(params[n], ChoiceParam)}
    for text in (n for n in names if isinstance(params[n], TextParam)):
        for kind in TEXTS if FULL else TEXTS[offset % 3::3]:
            found.append((f"{text}={kind}+toggles", {**flipped, **last, text: HOSTILE[kind]}))
        for kind in TEXTS if FULL else ("126 words",):
            found.append((f"{text}={kind}+choices", {**last, text: HOSTILE[kind]}))
    return found


def elements(at):
    """Every element on the page (blocks hold no content of their own)."""
    return [node for node in at._tree if getattr(node, "proto", None) is not None and not hasattr(node, "children")]


def single(values) -> str:
    if isinstance(values, list):
        assert len(values) == 1, f"a key is repeated in the rewritten URL: {values}"
        return values[0]
    return values


def check_case(script: str, query: dict) -> int:
    """Run one hostile URL; raise AssertionError saying what is wrong. Returns the largest element's size."""
    page, params = declared(script)
    at = app_page(page_path(script), query).run(timeout=RUN_TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    sizes = [(len(el.proto.SerializeToString()), getattr(el, "type", type(el).__name__)) for el in elements(at)]
    biggest, kind = max(sizes, default=(0, ""))
    assert biggest < MAX_MESSAGE_BYTES, f"a {kind} element of {biggest / 2**20:.1f} MiB"

    rewritten = {k: single(v) for k, v in at.query_params.items()}
    assert set(rewritten) <= set(params), f"undeclared keys in the URL: {set(rewritten) - set(params)}"
    url, reopened_holds = reopened(script, tuple(sorted(rewritten.items())))
    for name, param in params.items():
        # A key the link leaves out (a default) means what the page makes of its absence: the view the
        # rewritten link opens must be the one that was rewritten.
        value = param.from_url([rewritten[name]]) if name in rewritten else reopened_holds[name]
        if name in rewritten:
            assert param.dump(value) == rewritten[name], f"{name}={rewritten[name][:60]!r} is not canonical"
        held = param.clean(at.session_state[f"{page}.{name}"])
        assert held == value, (f"{name}: the page holds {held!r}, its URL says "
                               f"{rewritten.get(name, f'(absent: {value!r} when reopened)')!r}")

    assert url == rewritten, "reopening the rewritten URL changed it"
    return biggest


@cache
def reopened(script: str, query: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], dict]:
    """The URL after opening ``query`` (a rewritten URL), and the values the page then holds: many hostile
    cases rewrite to the same one."""
    page, params = declared(script)
    again = app_page(page_path(script), dict(query)).run(timeout=RUN_TIMEOUT)
    assert not again.exception, [e.value for e in again.exception]
    assert not any("could not be followed" in w.value for w in again.warning), "the rewritten URL still gets a notice"
    holds = {name: param.clean(again.session_state[f"{page}.{name}"]) for name, param in params.items()}
    return {k: single(v) for k, v in again.query_params.items()}, holds


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: Path(s).stem)
def test_hostile_urls(script):
    """Every case of this page; all failures are reported together, each with its URL."""
    _, params = declared(script)
    for name in params:  # every declared parameter is fuzzed with every hostile value: new ones too
        held = {kind for label, query in cases(script) for kind, value in HOSTILE.items() if query.get(name) == value}
        assert held == set(HOSTILE) or not FULL and len(held) >= len(HOSTILE) // 2, (name, set(HOSTILE) - held)
    start, failures, biggest = time.perf_counter(), [], 0
    for label, query in cases(script):
        try:
            biggest = max(biggest, check_case(script, query))
        except AssertionError as err:
            shown = {k: (v[:40] + f"… ({len(v):,} chars)" if isinstance(v, str) and len(v) > 40 else v)
                     for k, v in query.items()}
            failures.append(f"{label}: {str(err)[:300]}\n    query: {shown}")
    if REPORT:
        print(f"\nURL fuzz {script}: {len(cases(script))} cases ({'full' if FULL else 'quick'}) in "
              f"{time.perf_counter() - start:.1f} s; largest element {biggest / 1024:.0f} KiB")
    assert not failures, f"{len(failures)} of {len(cases(script))} hostile URLs fail:\n" + "\n".join(failures)
