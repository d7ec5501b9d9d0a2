"""Issue #5: how fast the advisor inbox paints, on the demo data.

Against a running demo stack (``make demo``, or ``entraide demo --port 5000``): logs in
once as a demo advisor in headless Chromium (Debian's ``/usr/bin/chromium``), then loads
``/inbox`` ``--runs`` times and prints, from the browser's Performance API:

* TTFB (``responseStart``) and DOMContentLoaded of the page,
* first contentful paint (``paint`` entries),
* first meaningful paint: the ``entraide:list-ready`` mark that lists.js sets once the
  first page of the list is on screen (the page is useful from there),
* the ``load`` event.

No assertion: it prints figures (the target is a meaningful paint under 1 s).

    python bench/inbox_paint.py                                 # http://127.0.0.1:5000
    python bench/inbox_paint.py --url http://127.0.0.1:5000 --runs 20 --email sophie@demo.entraide
"""

from __future__ import annotations

import argparse
import statistics
import sys
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "entraide-demo"  # hub/seed.py, printed by `entraide demo`
MEASURE = """() => new Promise((resolve) => {
  const done = () => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    const ready = performance.getEntriesByName("entraide:list-ready")[0];
    resolve({ttfb: nav.responseStart, dcl: nav.domContentLoadedEventEnd,
             fcp: fcp ? fcp.startTime : null, meaningful: ready ? ready.startTime : null,
             load: nav.loadEventEnd});
  };
  const wait = (n) => performance.getEntriesByName("entraide:list-ready").length || n > 200
    ? done() : setTimeout(() => wait(n + 1), 25);
  wait(0);
})"""


def reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/v1/health", timeout=3):
            return True
    except (urllib.error.URLError, OSError):
        return False


def log_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/inbox")


def figures(samples: list[dict[str, float | None]], key: str) -> str:
    values = [s[key] for s in samples if s[key] is not None]
    if not values:
        return f"{key:>11}: n/a"
    return (f"{key:>11}: p50 {statistics.median(values):7.1f} ms   "
            f"max {max(values):7.1f} ms   min {min(values):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--email", default="camille@demo.entraide")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    url = args.url.rstrip("/")
    if not reachable(url):
        print(f"inbox_paint: no hub at {url} (start one with `make demo`); nothing measured")
        return
    if not Path(CHROMIUM).exists():
        sys.exit("inbox_paint: Debian's chromium is missing (`make chromium`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        log_in(page, url, args.email, args.password)
        samples = []
        for _ in range(args.runs):
            page.goto(url + "/inbox")
            samples.append(page.evaluate(MEASURE))
        browser.close()
    print(f"inbox paint, {args.runs} loads of {url}/inbox as {args.email} (warm cache)")
    for key in ("ttfb", "dcl", "fcp", "meaningful", "load"):
        print(figures(samples, key))


if __name__ == "__main__":
    main()
