"""Take screenshots of the app's pages with Debian's Chromium (for the README and for a look).

Usage: python3 scripts/screenshot.py [--width 1400] [--out docs] [PATH ...]   (PATH "" = home)

Phone views (390 × 844, Playwright's iPhone 13: touch, phone user agent), one image each and, with
``--row``, the three side by side as one image::

    python3 scripts/screenshot.py --phone --row screenshot-phone.png \\
        "home@Query → weights" "Build_it_step_by_step?causal=1&row=2@Attention weights" "Academic"

A PATH may carry a query (``?causal=1``) and, after ``@``, the text of a chart title or heading to scroll
to the top of the screen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.harness import launch_browser, open_app, start_server, stop_server  # noqa: E402
from tests.browser.layout_metrics import DEVICE, PHONE, wait_for_charts  # noqa: E402

SCROLL_TO = """text => {  // to the top of the screen, below Streamlit's header bar
  const hit = [...document.querySelectorAll('.gtitle, h1, h2, h3, summary, p')]
    .find(e => e.textContent.includes(text) && e.getBoundingClientRect().height);
  if (!hit) throw new Error('nothing on the page reads ' + text);
  const target = hit.closest('[data-testid="stPlotlyChart"]') || hit;
  const main = document.querySelector('[data-testid="stMain"]');
  main.scrollBy(0, target.getBoundingClientRect().top - 64);
}"""


def phone_view(page, base: str, view: str, out: Path) -> Path:
    """Open ``view`` ("path?query@text", see the module docstring) and save its first screen."""
    target, _, scroll = view.partition("@")
    path, _, query = target.partition("?")
    path = "" if path == "home" else path
    open_app(page, base, path, dict(parse_qsl(query)))
    wait_for_charts(page)
    if scroll:
        page.evaluate(SCROLL_TO, scroll)
        wait_for_charts(page)
    file = out / f"screenshot-phone-{path.lower() or 'home'}.png"
    page.screenshot(path=str(file))
    return file


def side_by_side(files: list[Path], out: Path, gap: int = 24) -> None:
    from PIL import Image  # installed with streamlit

    images = [Image.open(f).convert("RGB") for f in files]
    row = Image.new("RGB", (sum(i.width for i in images) + gap * (len(images) - 1), max(i.height for i in images)),
                    "#d0d4da")
    x = 0
    for image in images:
        row.paste(image, (x, 0))
        x += image.width + gap
    row.save(out, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", default=[""])
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full", action="store_true", help="the whole page, not just the first screen")
    parser.add_argument("--phone", action="store_true", help=f"390 × 844 as an {DEVICE} (touch, phone UA)")
    parser.add_argument("--row", help="also join the phone views side by side into this file (in --out)")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()
    out = Path(args.out)
    proc, base = start_server()
    pw, browser = launch_browser()
    try:
        if args.phone:
            descriptor = {k: v for k, v in pw.devices[DEVICE].items() if k != "default_browser_type"}
            context = browser.new_context(**{**descriptor, "viewport": PHONE, "device_scale_factor": 2})
            page = context.new_page()
            files = [phone_view(page, base, view, out) for view in args.paths]
            print(*files, sep="\n")
            if args.row:
                side_by_side(files, out / args.row)
                print(out / args.row)
            return
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        for path in args.paths:
            open_app(page, base, path)
            page.wait_for_timeout(1500)  # let plotly finish drawing
            name = f"screenshot-{path.lower() or 'home'}-{args.width}.png"
            page.screenshot(path=str(Path(args.out) / name), full_page=args.full)
            print(Path(args.out) / name)
    finally:
        browser.close()
        pw.stop()
        stop_server(proc)


if __name__ == "__main__":
    main()
