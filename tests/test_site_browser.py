"""The built site in headless Chromium (Debian's), served from 127.0.0.1."""

from __future__ import annotations

import contextlib
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diffinsight.models import item_anchor
from diffinsight.site.serve import base_path, make_server

pytest_plugins = ["sitefixtures"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"
    ),
]

EN = "reports/en/report-20250522-openai.html"
ZH = "reports/zh/report-20250522-openai.html"
HOSTILE = "reports/en/report-20250520-hostile.html"
LONG = "reports/en/report-20250523-long.html"


@pytest.fixture(scope="module")
def base(synthetic_site: Path) -> Iterator[str]:
    server = make_server(synthetic_site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # Served under the base URL's path (/reports/), as its host would.
    yield f"http://127.0.0.1:{server.server_address[1]}{base_path(synthetic_site)}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def test_switch_language(page: Any, base: str) -> None:
    page.goto(base + EN)
    assert page.get_attribute("html", "lang") == "en-US"
    page.click(".switcher a[hreflang='zh-CN']")
    page.wait_for_url(base + ZH)
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text(".switcher .current") == "中文"
    assert page.inner_text("#s-highlights") == "要点"


def _hrefs(page: Any) -> list[str]:
    """Result links without the highlight query and the file anchor."""
    hrefs = page.eval_on_selector_all("#search-results a", "els => els.map(e => e.href)")
    return [h.split("?", 1)[0] for h in hrefs]


def test_search_chinese_phrase_and_file_name(page: Any, base: str) -> None:
    page.goto(base + "index.html")
    # The header search box only appears with JavaScript, and leads to the search page.
    page.fill("form.top-search input", "微调模型")
    page.press("form.top-search input", "Enter")
    page.wait_for_selector("#search-results li")
    assert _hrefs(page) == [base + ZH]
    page.fill("#search-q", "realtime-audio-websockets.md")
    page.click("#search-form button")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 2")
    assert sorted(_hrefs(page)) == [base + EN, base + ZH]
    page.fill("#search-q", "微")  # one character: the bigrams that hold it
    page.click("#search-form button")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 1")
    page.fill("#search-q", "realtime-audio-websockets.md")
    page.click("#search-form button")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 2")
    page.select_option("#search-lang", "zh_CN")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 1")
    page.fill("#search-q", "nothing-like-this")
    page.click("#search-form button")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 0")
    assert page.inner_text("#search-status") == "No report matches."


def test_search_ranks_names_the_file_and_lands_on_it(page: Any, base: str) -> None:
    anchor = item_anchor("articles/ai-services/openai/includes/fine-tune-models.md")
    page.goto(base + "search.html?q=o4-mini")
    page.wait_for_selector("#search-results li .hit-file")
    # The result names the file whose title matched, with the term marked.
    assert page.inner_text("#search-results li .hit-file mark >> nth=0").lower() == "o4-mini"
    link = page.locator("#search-results a.r-link").first
    assert link.get_attribute("href").endswith(f"?hl=o4-mini#{anchor}")
    link.click()
    page.wait_for_selector(f"#{anchor}[data-highlighted] mark")
    assert page.inner_text(f"#{anchor} .file-meta mark") == "o4-mini"
    # BM25: the report whose twelve files are about the query comes first, scores fall.
    ranked = page.evaluate(
        """() => fetch('../../search-index.json').then(r => r.json())
            .then(index => window.diffinsightSearch.loadShards(index, 'provisioned quota deployments'))
            .then(index => window.diffinsightSearch.search(index, 'provisioned quota deployments', '')
              .map(r => [r.doc.u, r.score, r.file && r.file.path]))"""
    )
    assert ranked[0][0] == LONG and "provisioned" in ranked[0][2]
    scores = [score for _, score, _ in ranked]
    assert scores == sorted(scores, reverse=True)


def test_search_finds_explanations_and_marks_them(page: Any, base: str) -> None:
    anchor = item_anchor("articles/ai-services/openai/how-to/realtime-audio-websockets.md")
    page.goto(base + "search.html?q=request+uri&lang=en_US")
    page.wait_for_selector("#search-results li .hit-file")
    assert page.inner_text("#search-results li .hit-file code") == (
        "articles/ai-services/openai/how-to/realtime-audio-websockets.md"
    )
    page.click("#search-results a.r-link >> nth=0")
    page.wait_for_selector(f"#{anchor}[data-highlighted] .explanation mark")
    marks = page.eval_on_selector_all(
        f"#{anchor} .explanation mark", "els => els.map(e => e.textContent)"
    )
    assert [m.lower() for m in marks] == ["request", "uri"]


def test_expand_diff(page: Any, base: str) -> None:
    page.goto(base + ZH)
    first = page.locator("details.diff").first
    added = first.locator("span.da").first
    assert first.get_attribute("open") is None
    assert not added.is_visible()
    first.locator("summary").click()
    assert first.get_attribute("open") is not None
    assert added.is_visible()
    assert "2025-04-01-preview" in added.inner_text()
    colours = page.evaluate(
        """() => ['da', 'dd', 'dc'].map(c =>
            getComputedStyle(document.querySelector('details.diff span.' + c)).backgroundColor)"""
    )
    assert colours[0] != colours[1] and colours[0] != colours[2]
    # Readable: diff text at 14 px, like the page's code, not shrunk twice.
    assert page.evaluate("getComputedStyle(document.querySelector('span.da')).fontSize") == "14px"


def test_sort_table(page: Any, base: str) -> None:
    page.goto(base + EN)
    names = "() => [...document.querySelectorAll('table.files tbody tr')].map(r => r.cells[0].innerText)"
    before = page.evaluate(names)
    assert before == ["realtime-audio-websockets.md", "fine-tune-models.md"]
    page.click("table.files th:nth-child(7) button")  # changes: largest first
    assert page.evaluate(names) == ["fine-tune-models.md", "realtime-audio-websockets.md"]
    page.click("table.files th:nth-child(7) button")
    assert page.evaluate(names) == before
    page.click("table.files th:nth-child(2) button")  # type: "minor update" < "new feature"
    assert page.evaluate(names) == before
    assert page.get_attribute("table.files th:nth-child(2)", "aria-sort") == "ascending"


def test_follow_feed_link(page: Any, base: str) -> None:
    page.goto(base + "index.html")
    link = page.locator("a.feed[href$='lang-zh_CN.xml']")
    # Chromium may hand a feed to the download manager, which ends the navigation.
    with (
        page.expect_response(lambda r: r.url.endswith("lang-zh_CN.xml")) as info,
        contextlib.suppress(Exception),
    ):
        link.click()
    response = info.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.body())
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}id") == (
        "https://example.org/reports/" + ZH
    )


def test_hostile_report_runs_nothing(page: Any, base: str) -> None:
    dialogs: list[str] = []

    def on_dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.goto(base + HOSTILE)
    page.wait_for_load_state("networkidle")
    for summary in page.locator("details summary").all():
        summary.click()
    # The report's javascript: links are not links at all; click every link in the text.
    for link in page.locator(".explanation a[href^='#']").all():
        link.click()
    page.wait_for_timeout(300)
    state = page.evaluate(
        """() => ({
            pwned: window.__pwned === undefined ? null : String(window.__pwned),
            imgs: document.querySelectorAll('main img, main iframe, main svg').length,
            handlers: [...document.querySelectorAll('*')].filter(
                e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
            jsLinks: [...document.querySelectorAll('a')].filter(
                a => !/^(https?:|#|$)/.test(a.getAttribute('href') || '')
                     && /^[a-z][a-z0-9+.-]*:/i.test(a.getAttribute('href') || '')).length,
            scripts: [...document.scripts].map(s => s.getAttribute('src')),
        })"""
    )
    assert state == {
        "pwned": None,
        "imgs": 0,
        "handlers": 0,
        "jsLinks": 0,
        "scripts": ["../../static/site.js"],
    }
    assert dialogs == []
    assert "<script>window.__pwned = 'script'" in page.inner_text(".explanation")


def test_404_page_links_work_under_the_base_path(page: Any, base: str) -> None:
    assert base.endswith("/reports/")
    response = page.goto(base + "reports/gone/nothing.html")
    assert response.status == 404
    assert page.inner_text("h1") == "Page not found"
    # Styled (its stylesheet loaded from the base path), and its links lead home.
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    page.click("main a >> nth=0")
    page.wait_for_url(base + "index.html")
    assert page.locator("ul.reports li").count() > 0
    # The bare host leads to the site's home.
    page.goto(base.removesuffix("reports/"))
    assert page.url == base


def test_works_without_javascript(browser: Any, base: str) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto(base + ZH)
    assert page.locator("table.files tbody tr").count() == 2
    assert not page.locator("form.top-search").is_visible()
    details = page.locator("details.diff").first
    details.locator("summary").click()
    assert details.locator("span.da").first.is_visible()
    assert page.inner_text(".meta time") == "2025年5月22日"  # server-side, report language
    page.goto(base + "search.html")
    assert page.locator(".js-hide").is_visible()
    context.close()


def test_dates_stay_in_page_language(browser: Any, base: str) -> None:
    # A German browser reads a Chinese page: its dates stay Chinese (no mixed languages).
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(base + ZH)
    page.wait_for_load_state("load")
    assert page.inner_text(".meta time") == "2025年5月22日"
    page.goto(base + "search.html?q=realtime")
    page.wait_for_selector("#search-results li time")
    assert page.inner_text("#search-results li time >> nth=0") == "May 22, 2025"
    context.close()


# Every word of the summary table on one line: the rects of each letter run share a top.
BROKEN_WORDS = r"""() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('table.files tbody'),
                                           NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const m of node.data.matchAll(/[\p{Script=Latin}\p{N}]+/gu)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


def test_phone_table_and_diffs(browser: Any, base: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.goto(base + LONG)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(BROKEN_WORDS) == []
    # Every cell of every row (file, title, counts) is on screen, none cut off.
    cells = page.evaluate(
        """() => [...document.querySelectorAll('table.files tbody td')].map(td => {
            const r = td.getBoundingClientRect();
            return [r.left >= 0 && r.right <= 390 && r.width > 0, td.innerText];
        })"""
    )
    assert len(cells) == 12 * 7 and all(ok for ok, _ in cells)
    assert "+1" in [text for _, text in cells]
    # Diffs wrap on a phone: a 250-character line needs no sideways scrolling.
    first = page.locator("details.diff").first
    first.locator("summary").click()
    pre = first.locator("pre")
    assert pre.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert first.locator("span.dd del").inner_text() == "remaining"
    assert first.locator("span.da ins").inner_text() == "available"
    page.click("[data-diffs=wrap]")  # unwrap: now the line scrolls
    assert page.get_attribute("[data-diffs=wrap]", "aria-pressed") == "false"
    assert pre.evaluate("e => e.scrollWidth > e.clientWidth")
    page.click("[data-diffs=open]")
    assert page.locator("details.diff[open]").count() == 12
    page.click("[data-diffs=close]")
    assert page.locator("details.diff[open]").count() == 0
    context.close()


@pytest.fixture(scope="module")
def anchor_base(anchor_site: Path) -> Iterator[str]:
    server = make_server(anchor_site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{base_path(anchor_site)}"
    server.shutdown()
    server.server_close()


@pytest.mark.shared
def test_anchor_site_in_browser(page: Any, anchor_base: str) -> None:
    # Two clicks from home to a report, then across languages.
    page.goto(anchor_base + "index.html")
    page.click("nav.lists a[href='lang/zh_CN/index.html']")
    page.click("ul.reports a.r-link >> nth=0")
    assert "/reports/zh_CN/" in page.url
    assert page.get_attribute("html", "lang") == "zh-CN"
    # Search: a Chinese phrase and an English file name.
    page.goto(anchor_base + "search.html?q=" + "微调模型")
    page.wait_for_selector("#search-results li")
    hrefs = _hrefs(page)
    assert hrefs and all("/reports/zh_CN/" in h for h in hrefs)
    # Paging: 20 results, then 20 more.
    page.goto(anchor_base + "search.html?q=" + "更新")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li").count() == 20
    page.click("#search-more")
    assert page.locator("#search-results li").count() == 40
    page.goto(anchor_base + "search.html?q=realtime-audio-websockets.md")
    page.wait_for_selector("#search-results li")
    hrefs = page.eval_on_selector_all("#search-results a", "els => els.map(e => e.href)")
    assert any("/reports/en_US/" in h for h in hrefs)


# axe-core, installed from npm by .ci/run next to the virtualenv (never fetched by a test).
AXE = Path(sys.prefix) / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_PAGES = [
    "index.html",
    "lang/en_US/index.html",
    LONG,
    "search.html?q=realtime",
    "files/articles/ai-services/openai/how-to/realtime-audio-websockets.md.html",
    "404.html",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(browser: Any, base: str, scheme: str) -> None:
    if not AXE.is_file():
        pytest.skip(
            f"axe-core is not installed at {AXE}; install it with "
            "'npm install --prefix .venv/node axe-core' (as .ci/run does)"
        )
    script = AXE.read_text(encoding="utf-8")
    # The pages' CSP allows only their own scripts; axe is injected from the test.
    context = browser.new_context(locale="en-US", color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    found = {}
    for rel in AXE_PAGES:
        page.goto(base + rel)
        page.wait_for_load_state("networkidle")
        if rel == LONG:
            page.click("[data-diffs=open]")  # the diffs' colours are checked too
        if rel.startswith("search.html"):
            page.wait_for_selector("#search-results li")
        page.add_script_tag(content=script)
        violations = page.evaluate(
            """() => axe.run(document, {resultTypes: ['violations']}).then(r =>
                r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                  .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))"""
        )
        if violations:
            found[rel] = violations
    context.close()
    assert found == {}
