"""Take screenshots of the app's pages with Debian's Chromium (for the README and for a look).

Usage: python3 scripts/screenshot.py [--width 1400] [--out docs] [PATH ...]   (PATH "" = home)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.harness import launch_browser, open_app, start_server, stop_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="*", default=[""])
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full", action="store_true", help="the whole page, not just the first screen")
    parser.add_argument("--out", default="docs")
    args = parser.parse_args()
    proc, base = start_server()
    pw, browser = launch_browser()
    try:
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
