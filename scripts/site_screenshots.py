"""Screenshots of the report site for the docs (home and a report page), with Playwright.

Run from the repository root (needs Debian's /usr/bin/chromium)::

    PYTHONPATH=src python scripts/site_screenshots.py [REPORTS_DIR]

Builds the site for REPORTS_DIR (default: the reports of the bundled example repository in
en_US, ja_JP and zh_CN, so that the pictures hold only our own text) in a temporary
folder, serves it on 127.0.0.1 and writes ``docs/screenshot-home.png``,
``docs/screenshot-report.png`` and ``docs/screenshot-mobile.png``.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from diffinsight.example import run_example
from diffinsight.site import build_site
from diffinsight.site.serve import base_path, make_server

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPORT = "reports/202505/zh_CN/report-20250521-openai.html"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="di-shots-") as tmp:
        if len(sys.argv) > 1:
            reports = Path(sys.argv[1])
        else:
            reports = Path(tmp) / "example-reports"
            run_example(reports, languages=["en_US", "ja_JP", "zh_CN"])
        site = Path(tmp) / "site"
        build_site(reports, site, base_url="https://example.github.io/diff-insight/", jobs=2)
        server = make_server(site, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}{base_path(site)}"
        report = REPORT if (site / REPORT).is_file() else None
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1000}, locale="en-US")
            page.goto(base + "index.html")
            page.screenshot(path=str(DOCS / "screenshot-home.png"))
            if report is None:
                report = page.eval_on_selector("a.r-link", "a => a.getAttribute('href')")
            page.set_viewport_size({"width": 1100, "height": 2600})
            page.goto(base + report)
            page.eval_on_selector("details.diff", "d => { d.open = true; }")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(DOCS / "screenshot-report.png"))
            mobile = browser.new_page(
                viewport={"width": 390, "height": 844}, locale="ja-JP", device_scale_factor=2
            )
            mobile.goto(base + report)
            mobile.click(".switcher a[hreflang='ja-JP']")
            # The summary table as a phone shows it (one card per file), then a wrapped diff.
            mobile.evaluate("document.getElementById('s-table').scrollIntoView()")
            mobile.eval_on_selector("details.diff", "d => { d.open = true; }")
            mobile.screenshot(path=str(DOCS / "screenshot-mobile.png"))
            browser.close()
        server.shutdown()
    for name in ("home", "report", "mobile"):
        print(DOCS / f"screenshot-{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
