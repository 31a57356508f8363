"""Measure what a page draws at phone width: chart fonts, overlapping chart text, anything too wide.

Any page's browser test can call it::

    from .layout_metrics import measure, open_every_expander, phone_context

    with phone_context(browser, "touch") as page:        # or "desktop-ua": same 390 px, desktop browser
        open_app(page, app_server, "Academic")
        open_every_expander(page)
        report = measure(page)                             # what is visible now
        assert report.ok, report.describe()

What is measured (only what is visible: closed expanders and other tabs are skipped, so a test opens each
section and measures again, see :func:`open_every_expander` and :func:`tab_labels`):

- **small_fonts**: every visible SVG ``text``/``tspan`` of a plotly chart whose rendered size (computed
  font size times the scale of its screen transform) is below ``min_font`` px (10 by default).
- **overlaps**: two visible text boxes of one chart (tick labels, axis and chart titles, subplot titles,
  legend entries, bar and cell values) that overlap by more than ``tolerance`` px in both directions.
  Boxes are the texts' own rotated rectangles (``getBBox`` through ``getScreenCTM``), so angled tick
  labels that stand side by side do not count as overlapping, less the top and bottom 15 % of a line
  (leading above and below the glyphs).
- **cut_off**: a chart text that reaches outside its chart's drawing area (plotly clips it there).
- **spills**: an annotation whose centre lies in a drawn shape (a box of a diagram) but which does not
  fit inside it.
- **covered**: a chart text under a visible button of the chart's toolbars (plotly's mode bar and
  Streamlit's element toolbar, always shown on a touch screen).
- **too_wide**: the document scrolls sideways, or an element of the page's content reaches past the
  viewport's left or right edge without an explicit horizontal-scroll container (``overflow-x: auto`` or
  ``scroll``) that itself fits the viewport. What an ancestor clips (``overflow: hidden``) is not seen and
  not counted (KaTeX draws long hidden strokes that way).
- **uncued_scrollers**: a horizontal-scroll container whose content is wider than it (by more than a
  rounding), with no visible sign that it scrolls. The sign is a gradient background on the container:
  the edge shadows of ``ui/responsive.py`` (on a data grid, its ``.dvn-scroller``).

Only what is drawn is measured: wait with :func:`wait_for_charts` (``measure`` does) so that plotly has
drawn every visible chart at its final width.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

PHONE = {"width": 390, "height": 844}
DEVICE = "iPhone 13"  # Playwright's descriptor: a phone's user agent, touch, is_mobile, 3x pixels (390 wide)
KINDS = ("touch", "desktop-ua")
MIN_FONT = 10.0
TOLERANCE = 1.5

# One pass over the page; returns plain data (lists of dicts) for Python to judge.
_MEASURE_JS = r"""
([minFont, tol]) => {
  const vw = window.innerWidth;
  const SLACK = 3;  // a scroller whose content is at most this much wider hides a rounding, not content
  const INK = 0.15;  // a text box's top and bottom 15 % are line spacing, not glyphs (ascent and descent)
  const hiddenSvg = e => {  // Chromium's checkVisibility misses SVG content inside a display: none group
    for (let p = e; p instanceof SVGElement; p = p.parentElement) if (getComputedStyle(p).display === 'none') return true;
    return false;
  };
  const visible = e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) && !hiddenSvg(e);
  const quad = (e, inset = 0) => {  // the element's own box, through its transforms, as 4 screen points
    const b = e.getBBox(), m = e.getScreenCTM();
    if (!m || (!b.width && !b.height)) return null;
    const y0 = b.y + inset * b.height, y1 = b.y + (1 - inset) * b.height;  // inset: the line's empty leading
    return [[b.x, y0], [b.x + b.width, y0], [b.x + b.width, y1], [b.x, y1]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  };
  const rectOf = q => ({left: Math.min(...q.map(p => p[0])), right: Math.max(...q.map(p => p[0])),
                        top: Math.min(...q.map(p => p[1])), bottom: Math.max(...q.map(p => p[1]))});
  const depth = (a, b) => {  // separating-axis test of two convex quads: smallest overlap over the axes
    let best = Infinity;
    for (const q of [a, b]) for (let i = 0; i < 2; i++) {
      const [x0, y0] = q[i], [x1, y1] = q[i + 1];
      const len = Math.hypot(x1 - x0, y1 - y0) || 1, nx = -(y1 - y0) / len, ny = (x1 - x0) / len;
      const pa = a.map(p => p[0] * nx + p[1] * ny), pb = b.map(p => p[0] * nx + p[1] * ny);
      best = Math.min(best, Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb)));
    }
    return best;
  };
  const label = e => e.textContent.trim().slice(0, 60);
  const charts = [];
  document.querySelectorAll('[data-testid="stPlotlyChart"]').forEach((chart, index) => {
    const plot = chart.querySelector('.js-plotly-plot');
    if (!plot || !visible(chart)) return;
    const svg = plot.querySelector('svg.main-svg');
    const area = svg.getBoundingClientRect();
    const title = (plot.querySelector('.gtitle') || {}).textContent || `chart ${index}`;
    const texts = [...plot.querySelectorAll('svg text')]
      .filter(t => !t.closest('.hoverlayer') && label(t) && visible(t));
    const small = [], boxes = [], cut = [];
    for (const t of texts) {
      for (const part of [t, ...t.querySelectorAll('tspan')]) {
        const own = [...part.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!own) continue;
        const m = part.getScreenCTM();
        const px = parseFloat(getComputedStyle(part).fontSize) * (m ? Math.hypot(m.a, m.b) : 1);
        if (px < minFont - 0.01) small.push({text: label(part), px: Math.round(px * 10) / 10});
      }
      const q = quad(t, INK);
      if (!q) continue;
      boxes.push({text: label(t), q, note: !!t.closest('.annotation')});
      const r = rectOf(q);
      if (r.left < area.left - 1 || r.right > area.right + 1 || r.top < area.top - 1 || r.bottom > area.bottom + 1)
        cut.push(label(t));
    }
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      if (depth(boxes[i].q, boxes[j].q) > tol) overlaps.push([boxes[i].text, boxes[j].text]);
    }
    const shapes = [...plot.querySelectorAll('.shapelayer path')].filter(visible).map(p => rectOf(quad(p) || [[0,0],[0,0],[0,0],[0,0]]));
    const spills = [];
    for (const b of boxes.filter(b => b.note)) {
      const r = rectOf(b.q), cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2;
      const home = shapes.find(s => s.left < cx && cx < s.right && s.top < cy && cy < s.bottom);
      if (home && (r.left < home.left - 1 || r.right > home.right + 1 || r.top < home.top - 1 || r.bottom > home.bottom + 1))
        spills.push(b.text);
    }
    // Buttons drawn over the chart (plotly's mode bar, Streamlit's toolbar): shown on a touch screen.
    const holder = chart.closest('[data-testid="stElementContainer"]') || chart;
    const buttons = [...holder.querySelectorAll('.modebar-btn, [data-testid="stElementToolbar"] button')]
      .filter(visible).map(b => b.getBoundingClientRect()).filter(r => r.width && r.height);
    const covered = [];
    for (const b of boxes) {
      const r = rectOf(b.q);
      if (buttons.some(k => Math.min(r.right, k.right) - Math.max(r.left, k.left) > tol
                          && Math.min(r.bottom, k.bottom) - Math.max(r.top, k.top) > tol)) covered.push(b.text);
    }
    charts.push({title: title.trim(), small, overlaps, cut, spills, covered, texts: boxes.length});
  });

  // The page's content: Streamlit's outer containers clip or scroll it silently, so stop below them.
  const main = document.querySelector('[data-testid="stMainBlockContainer"]') || document.body;
  const scrollsX = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const shown = e => {  // [left, right] as seen: clipped by ancestors that hide overflow; null inside a scroller
    const r = e.getBoundingClientRect();
    let left = r.left, right = r.right;
    for (let p = e.parentElement; p && p !== main; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'visible') continue;
      const pr = p.getBoundingClientRect();
      if ((o === 'auto' || o === 'scroll') && pr.left >= -1 && pr.right <= vw + 1) return null;
      left = Math.max(left, pr.left); right = Math.min(right, pr.right);
    }
    return right - left > 0.5 ? [left, right] : null;
  };
  const wide = [], uncued = [];
  for (const e of main.querySelectorAll('*')) {
    if (!visible(e)) continue;
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const seen = (r.right > vw + 1 || r.left < -1) ? shown(e) : null;
    if (seen && (seen[1] > vw + 1 || seen[0] < -1)) {
      const id = e.closest('[data-testid]');
      wide.push({tag: e.tagName.toLowerCase(), testid: id ? id.dataset.testid : '', cls: String(e.className).slice(0, 60),
                 left: Math.round(seen[0]), right: Math.round(seen[1]), text: (e.textContent || '').trim().slice(0, 60)});
    }
    if (scrollsX(e) && e.scrollWidth > e.clientWidth + SLACK && r.width > 20) {
      if (!getComputedStyle(e).backgroundImage.includes('gradient')) {
        const id = e.closest('[data-testid]');
        uncued.push({testid: id ? id.dataset.testid : '', cls: String(e.className).slice(0, 60),
                     scroll: e.scrollWidth, client: e.clientWidth, text: (e.textContent || '').trim().slice(0, 60)});
      }
    }
  }
  const docWidth = document.documentElement.scrollWidth;
  // Keep the outermost offenders only: a too-wide table also makes its cells too wide.
  const outer = wide.filter((w, i) => !wide.slice(0, i).some(o => o.text && w.text && o.text.includes(w.text)
                                                       && o.right >= w.right));
  return {charts, docWidth, viewport: vw, tooWide: outer.slice(0, 20), uncued};
}
"""


@dataclass
class Report:
    """What :func:`measure` found; ``ok`` when nothing is wrong. ``charts`` lists every measured chart."""

    charts: list[dict] = field(default_factory=list)
    doc_width: int = 0
    viewport: int = 0
    too_wide: list[dict] = field(default_factory=list)
    uncued_scrollers: list[dict] = field(default_factory=list)

    def problems(self) -> dict[str, list]:
        """Measurement name -> its findings (only the measurements that found something)."""
        found = {
            "small_fonts": [(c["title"], s["text"], s["px"]) for c in self.charts for s in c["small"]],
            "overlaps": [(c["title"], *pair) for c in self.charts for pair in c["overlaps"]],
            "cut_off": [(c["title"], text) for c in self.charts for text in c["cut"]],
            "spills": [(c["title"], text) for c in self.charts for text in c["spills"]],
            "covered": [(c["title"], text) for c in self.charts for text in c["covered"]],
            "too_wide": ([("document scroll width", self.doc_width, "viewport", self.viewport)]
                         if self.doc_width > self.viewport + 1 else [])
                        + [(w["testid"], w["tag"], w["left"], w["right"], w["text"]) for w in self.too_wide],
            "uncued_scrollers": [(u["testid"], u["scroll"], u["client"], u["text"]) for u in self.uncued_scrollers],
        }
        return {name: items for name, items in found.items() if items}

    @property
    def ok(self) -> bool:
        return not self.problems()

    def smallest_font(self) -> float | None:
        sizes = [s["px"] for c in self.charts for s in c["small"]]
        return min(sizes) if sizes else None

    def describe(self, limit: int = 8) -> str:
        lines = [f"{len(self.charts)} charts measured"]
        for name, items in self.problems().items():
            lines.append(f"{name} ({len(items)}): " + "; ".join(map(str, items[:limit])))
        return "\n".join(lines)


def measure(page, *, min_font: float = MIN_FONT, tolerance: float = TOLERANCE) -> Report:
    """Measure the visible part of the page (after :func:`wait_for_charts`)."""
    wait_for_charts(page)
    raw = page.evaluate(_MEASURE_JS, [min_font, tolerance])
    return Report(raw["charts"], raw["docWidth"], raw["viewport"], raw["tooWide"], raw["uncued"])


_CHARTS_READY_JS = """() => {
  // An element whose code is still loading (plotly.js, on a first visit) is a Suspense skeleton.
  if (document.querySelector('[data-testid="stSkeleton"]')) { window.__layoutSig = null; return false; }
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter(c => c.checkVisibility());
  const drawn = charts.every(c => {
    const svg = c.querySelector('.js-plotly-plot svg.main-svg');
    return svg && Math.abs(svg.getBoundingClientRect().width - c.getBoundingClientRect().width) <= 2;
  });
  if (!drawn) { window.__layoutSig = null; return false; }
  // Settled: the same text positions on two polls in a row (plotly redraws after a resize).
  const sig = charts.map(c => [...c.querySelectorAll('svg text')].map(t => {
    const r = t.getBoundingClientRect(); return `${Math.round(r.x)},${Math.round(r.y)}`; }).join(';')).join('|')
    + document.documentElement.scrollWidth;
  const same = sig === window.__layoutSig;
  window.__layoutSig = sig;
  return same;
}"""


def wait_for_charts(page, timeout: int = 60_000) -> None:
    """Wait until no element is still loading its code, and every visible plotly chart is drawn at its
    container's width and has stopped moving."""
    page.evaluate("() => { window.__layoutSig = null; }")
    page.wait_for_function(_CHARTS_READY_JS, timeout=timeout, polling=250)


@contextlib.contextmanager
def phone_context(browser, kind: str = "touch", *, color_scheme: str = "light"):
    """A fresh page 390 × 844 px wide. ``kind``: "touch" = a phone (Playwright's iPhone 13 descriptor: its
    user agent, touch, is_mobile, 3x pixels); "desktop-ua" = a desktop browser window of the same size.
    Fails the test on any uncaught page error."""
    if kind == "touch":
        descriptor = dict(browser.devices[DEVICE])  # set by conftest's ``browser`` fixture
        descriptor.pop("default_browser_type", None)
        context = browser.new_context(**{**descriptor, "viewport": PHONE}, color_scheme=color_scheme)
    elif kind == "desktop-ua":
        context = browser.new_context(viewport=PHONE, device_scale_factor=1, color_scheme=color_scheme)
    else:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"page errors in the browser: {errors}"


def open_every_expander(page) -> int:
    """Open every closed expander of the main area (each may rerun the script); returns how many."""
    from .harness import wait_for_rerun

    opened = 0
    while True:
        closed = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')
        if not closed.count():
            return opened
        closed.first.scroll_into_view_if_needed()
        closed.first.click()
        opened += 1
        wait_for_rerun(page)


def tab_labels(page) -> list[str]:
    """The labels of the main area's tabs, in order (select one with ``page.get_by_role("tab", name=...)``)."""
    return page.locator('[data-testid="stMain"] [role="tab"]').all_inner_texts()


def assert_every_section_readable(browser, base_url: str, kind: str, path: str, query: dict) -> None:
    """Open ``path?query`` at phone width as ``kind``, open every section, and measure every chart drawn."""
    from .harness import assert_no_exception, open_app

    with phone_context(browser, kind) as page:
        open_app(page, base_url, path, query)
        assert_no_exception(page)
        open_every_expander(page)
        assert_no_exception(page)
        report = measure(page)
        assert len(report.charts) == page.locator('[data-testid="stPlotlyChart"]').count() > 0  # all of them
        assert report.ok, report.describe()
