from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import pytest

from diffinsight.errors import InputError
from diffinsight.models import item_anchor
from diffinsight.site import build_site
from diffinsight.site.build import history_url
from diffinsight.site.search import shard_of, tokenize
from sitecrawl import reachable, read_page, resolve
from sitedata import make_report, write_synthetic_reports

pytest_plugins = ["sitefixtures"]

ATOM = "{http://www.w3.org/2005/Atom}"


def search(site: Path, query: str) -> list[str]:
    """Reports the site's search matches, as site.js finds them (unranked): every token in
    the report or one of its files, the last latin token as a prefix."""
    index = json.loads((site / "search-index.json").read_text(encoding="utf-8"))
    units: list[list[int]] = index["units"]
    terms: dict[str, list[int | str]] = {}
    for shard in range(index["shards"]):
        part = json.loads((site / f"search/terms-{shard}.json").read_text(encoding="utf-8"))
        for key, postings in part["terms"].items():
            terms.setdefault(key, []).extend(["u", *postings])
        for key, postings in part["path_terms"].items():
            terms.setdefault(key, []).extend(["p", *postings])

    def docs(postings: list[int | str]) -> set[int]:
        out: set[int] = set()
        n, kind = 0, "u"
        for d in postings:
            if isinstance(d, str):
                n, kind = 0, d
                continue
            n += d // 8
            if kind == "u":
                out.add(units[n][0])
            else:
                out.update(u[0] for u in units if u[1] == n)
        return out

    tokens = tokenize(query)
    result: set[int] | None = None
    for i, tok in enumerate(tokens):
        found = docs(terms.get(tok, []))
        if i == len(tokens) - 1 and tok.isascii() and len(tok) >= 2:
            for key, deltas in terms.items():
                if key.startswith(tok):
                    found |= docs(deltas)
        elif not tok.isascii() and len(tok) == 1:
            for key, deltas in terms.items():
                if len(key) == 2 and key.startswith(tok):
                    found |= docs(deltas)
        result = found if result is None else result & found
    return [index["docs"][d]["u"] for d in sorted(result or set())]


def check_atom(path: Path, base_url: str) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None, required
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    self_links = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_links) == 1 and self_links[0].get("href", "").startswith(base_url)
    entries = root.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for required in ("id", "title", "updated"):
            el = entry.find(f"{ATOM}{required}")
            assert el is not None and (el.text or "").strip(), required
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("href", "").startswith(base_url)
        assert (entry.findtext(f"{ATOM}id") or "").startswith(base_url)
    return root


def test_build_counts_languages_and_skips(synthetic_reports: Path, tmp_path: Path) -> None:
    result = build_site(synthetic_reports, tmp_path / "site", base_url="https://example.org/r/")
    assert result.reports == 7
    assert result.languages == {
        "en_US": 3,
        "fr_FR": 1,
        "ja_JP": 1,
        "zh_CN": 1,
        "unknown": 1,
    }
    skipped = {s.source: s.reason for s in result.skipped}
    assert set(skipped) == {
        "broken/report-20250101-bad.md",
        "broken/notes.md",
        "broken/latin1.md",
    }
    assert "front matter" in skipped["broken/report-20250101-bad.md"]
    assert "UTF-8" in skipped["broken/latin1.md"]
    # The hostile report's <summary> tags are read as leaked prompt tags (and dropped).
    assert result.warnings == [
        "removed 2 leaked prompt artefacts (<format> tags, 'Locale: xx_XX' phrases) "
        "from the text of 1 report"
    ]


def test_pages_language_and_switcher(synthetic_site: Path) -> None:
    en = synthetic_site / "reports/en/report-20250522-openai.html"
    zh = synthetic_site / "reports/zh/report-20250522-openai.html"
    ja = synthetic_site / "reports/ja_JP/202505/report-20250521-search.html"
    fr = synthetic_site / "reports/other/report-20250410-misc.html"
    unknown = synthetic_site / "reports/other/report-20250301-misc.html"
    assert '<html lang="zh-CN"' in zh.read_text(encoding="utf-8")
    assert '<html lang="ja-JP"' in ja.read_text(encoding="utf-8")  # from the folder name
    assert '<html lang="fr-FR"' in fr.read_text(encoding="utf-8")  # from front matter
    assert '<html lang="en-US"' in unknown.read_text(encoding="utf-8")  # shown in en_US chrome
    # Language switcher between the two translations only.
    en_links = {
        resolve(synthetic_site, "reports/en/report-20250522-openai.html", h)
        for h in read_page(en).links
    }
    assert "reports/zh/report-20250522-openai.html" in en_links
    zh_html = zh.read_text(encoding="utf-8")
    assert 'aria-current="page" lang="zh-CN">中文' in zh_html
    assert "switcher" not in ja.read_text(encoding="utf-8")
    # UI strings come from the report language's catalogue; dates formatted for it.
    assert "破坏性变更" in zh_html and "2025年5月22日" in zh_html
    assert "May 22, 2025" in en.read_text(encoding="utf-8")
    # Compare link, table, collapsed coloured diff.
    assert 'href="https://github.com/o/r/compare/o:1111111...o:2222222"' in zh_html
    assert '<table class="files sortable">' in zh_html
    assert '<details class="diff">' in zh_html and '<details class="diff" open' not in zh_html
    # The changed words of a line pair are marked.
    assert (
        '<span class="da">+wss://x/openai/realtime?api-version=<ins>2025-04-01-preview</ins></span>'
        in zh_html
    )
    assert (
        '<span class="dd">-wss://x/openai/realtime?api-version=<del>2024-12-17</del></span>'
        in zh_html
    )


def test_no_report_html_survives(synthetic_site: Path) -> None:
    page = read_page(synthetic_site / "reports/en/report-20250520-hostile.html")
    scripts = [a for t, a in page.tags if t == "script"]
    assert scripts == [{"src": "../../static/site.js", "defer": None}]
    assert not [t for t, _ in page.tags if t in ("img", "iframe", "svg", "object", "embed")]
    for tag, attrs in page.tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        for key in ("href", "src", "action"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:text", "vbscript:")), (tag, attrs)
    details = [a for t, a in page.tags if t == "details"]
    assert details == [{"class": "diff"}]  # only the diff wrapper; the report's own is text
    text = "".join(page.text)
    assert "<script>window.__pwned = 'script'" in text  # shown as text, escaped in HTML
    assert "https://example.com/docs" in [a.get("href") for t, a in page.tags if t == "a"]


def test_no_page_has_foreign_markup(synthetic_site: Path) -> None:
    """Every page (lists, feeds' pages, search) carries only the site's own tags."""
    for path in synthetic_site.rglob("*.html"):
        page = read_page(path)
        # 404.html is served at any depth: its links start from the base URL's path.
        root = (
            "/reports/"
            if path.name == "404.html"
            else "../" * (len(path.relative_to(synthetic_site).parts) - 1)
        )
        assert [a.get("src", "") for t, a in page.tags if t == "script"] == [
            root + "static/site.js"
        ], path
        for tag, attrs in page.tags:
            assert tag not in ("img", "iframe", "svg", "object", "embed", "i", "b"), (path, tag)
            assert not [k for k in attrs if k.startswith("on")], (path, tag, attrs)
    home = (synthetic_site / "index.html").read_text(encoding="utf-8")
    assert "&lt;i onmouseover=alert(1)&gt;hostile&lt;/i&gt;" in home


def test_two_clicks_from_home(synthetic_site: Path) -> None:
    pages = {
        p.relative_to(synthetic_site).as_posix()
        for p in (synthetic_site / "reports").rglob("*.html")
    }
    assert len(pages) == 7
    assert pages <= reachable(synthetic_site)


def test_list_pages(synthetic_site: Path) -> None:
    for rel in (
        "lang/en_US/index.html",
        "lang/unknown/index.html",
        "month/2025-05/index.html",
        "category/openai/index.html",
        "search.html",
    ):
        assert (synthetic_site / rel).is_file(), rel
    month = (synthetic_site / "month/2025-05/index.html").read_text(encoding="utf-8")
    assert month.count('class="r-link"') == 5
    assert (synthetic_site / ".nojekyll").is_file()


def test_feeds_are_atom(synthetic_site: Path) -> None:
    feeds = sorted((synthetic_site / "feeds").glob("*.xml"))
    names = {p.name for p in feeds}
    assert {"lang-en_US.xml", "lang-zh_CN.xml", "category-openai.xml"} <= names
    for feed in feeds:
        check_atom(feed, "https://example.org/reports/")
    zh = check_atom(synthetic_site / "feeds/lang-zh_CN.xml", "https://example.org/reports/")
    assert zh.findtext(f"{ATOM}entry/{ATOM}id") == (
        "https://example.org/reports/reports/zh/report-20250522-openai.html"
    )
    # The home page links every language feed.
    home = read_page(synthetic_site / "index.html")
    assert "feeds/lang-zh_CN.xml" in home.links


def test_search_index(synthetic_site: Path) -> None:
    assert search(synthetic_site, "微调模型") == ["reports/zh/report-20250522-openai.html"]
    assert search(synthetic_site, "检索") == []
    assert search(synthetic_site, "インデックス") == [
        "reports/ja_JP/202505/report-20250521-search.html"
    ]
    hits = search(synthetic_site, "realtime-audio-websockets.md")
    assert sorted(hits) == [
        "reports/en/report-20250522-openai.html",
        "reports/zh/report-20250522-openai.html",
    ]
    assert len(search(synthetic_site, "websock")) == 2  # prefix of the last word
    assert search(synthetic_site, "微") == ["reports/zh/report-20250522-openai.html"]
    # Explanations are indexed, link targets in them are not.
    assert search(synthetic_site, "harmless start") == ["reports/en/report-20250520-hostile.html"]
    assert search(synthetic_site, "harmless example.com") == []
    assert sorted(search(synthetic_site, "request uri")) == [
        "reports/en/report-20250522-openai.html",
        "reports/zh/report-20250522-openai.html",
    ]


def test_search_files_are_split_by_token_start(synthetic_site: Path) -> None:
    index = json.loads((synthetic_site / "search-index.json").read_text(encoding="utf-8"))
    for k in range(index["shards"]):
        part = json.loads((synthetic_site / f"search/terms-{k}.json").read_text(encoding="utf-8"))
        for key in [*part["terms"], *part["path_terms"]]:
            assert shard_of(key) == k
            if len(key) >= 2:  # a prefix of two or more characters lives in the same file
                assert shard_of(key[:2]) == k


def test_incremental_rebuild(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_synthetic_reports(reports)
    out = tmp_path / "site"
    first = build_site(reports, out, base_url="https://example.org/")
    assert first.full_rebuild and first.report_pages_rendered == 7

    again = build_site(reports, out, base_url="https://example.org/")
    assert not again.full_rebuild
    assert again.reports_parsed == 0
    assert again.report_pages_rendered == 0
    assert again.files_written == 0

    # A new report that is a translation: it and its two siblings are re-rendered.
    (reports / "ja_JP/202505/report-20250522-openai.md").write_text(
        make_report(
            title="Diff Insight Report - openai",
            date="2025-05-22",
            permalink="https://github.com/o/r/compare/o:1111111...o:2222222",
            summary="新しいレポート。",
        ),
        encoding="utf-8",
    )
    third = build_site(reports, out, base_url="https://example.org/")
    assert third.reports == 8
    assert third.report_pages_rendered == 3
    assert third.reports_parsed == 3
    zh = (out / "reports/zh/report-20250522-openai.html").read_text(encoding="utf-8")
    assert "report-20250522-openai.html" in zh and "日本語" in zh

    # A new report with no translation: one page.
    (reports / "en/report-20250523-misc.md").write_text(
        make_report(
            title="[en_US] Diff Insight Report - misc",
            date="2025-05-23",
            permalink="https://github.com/o/r/compare/c...d",
        ),
        encoding="utf-8",
    )
    fourth = build_site(reports, out, base_url="https://example.org/")
    assert fourth.report_pages_rendered == 1

    # A removed report loses its page; a changed base URL re-renders everything.
    (reports / "en/report-20250523-misc.md").unlink()
    fifth = build_site(reports, out, base_url="https://example.org/")
    assert not (out / "reports/en/report-20250523-misc.html").exists()
    assert fifth.files_removed == 3  # its page, and en_US · misc's page and feed
    sixth = build_site(reports, out, base_url="https://example.net/")
    assert sixth.full_rebuild and sixth.report_pages_rendered == 9 - 1


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="reports folder not found"):
        build_site(tmp_path / "missing", tmp_path / "out")
    (tmp_path / "r").mkdir()
    with pytest.raises(InputError, match="not an absolute http"):
        build_site(tmp_path / "r", tmp_path / "out", base_url="example.org")
    with pytest.raises(InputError, match="inside the reports folder"):
        build_site(tmp_path / "r", tmp_path / "r" / "site")
    result = build_site(tmp_path / "r", tmp_path / "out")
    assert result.reports == 0 and "no base URL" in result.warnings[0]
    assert "the site is empty" in result.warnings[1]
    assert (tmp_path / "out/index.html").is_file()


@pytest.mark.shared
def test_anchor_reports_site(anchor_site: Path) -> None:
    pages = {
        p.relative_to(anchor_site).as_posix() for p in (anchor_site / "reports").rglob("*.html")
    }
    assert len(pages) == 816
    assert pages <= reachable(anchor_site)
    for feed in (anchor_site / "feeds").glob("*.xml"):
        check_atom(feed, "https://example.org/di/")
    assert len(list((anchor_site / "feeds").glob("*.xml"))) == 6
    # A Chinese phrase and an English file name.
    zh_hits = search(anchor_site, "微调模型")
    assert zh_hits and all(h.startswith("reports/zh_CN/") for h in zh_hits)
    file_hits = search(anchor_site, "realtime-audio-websockets.md")
    assert file_hits and any(h.startswith("reports/en_US/") for h in file_hits)
    ja_hits = search(anchor_site, "破壊的変更")
    assert any(h.startswith("reports/ja_JP/") for h in ja_hits)
    manifest = json.loads((anchor_site / ".diffinsight-site.json").read_text(encoding="utf-8"))
    assert len(manifest["entries"]) == 816


def test_cli_build_and_errors(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from diffinsight.site.cli import site_app

    reports = tmp_path / "reports"
    write_synthetic_reports(reports)
    runner = CliRunner()
    ok = runner.invoke(site_app, ["build", str(reports), "--out", str(tmp_path / "s")])
    assert ok.exit_code == 0, ok.output
    assert "7 reports" in ok.output
    assert "broken/notes.md: skipped" in ok.output
    bad = runner.invoke(site_app, ["build", str(tmp_path / "nope"), "--out", str(tmp_path / "s")])
    assert bad.exit_code == 2
    assert "reports folder not found" in bad.output
    (reports / "[zh_CN] broken.md").write_text("not a report\n", encoding="utf-8")
    marked = runner.invoke(site_app, ["build", str(reports), "--out", str(tmp_path / "s")])
    assert "[zh_CN] broken.md: skipped" in marked.output
    shutil.rmtree(tmp_path / "s")
    serve = runner.invoke(site_app, ["serve", str(tmp_path / "s")])
    assert serve.exit_code == 2 and "no built site here" in serve.output


def test_parallel_build_is_identical(synthetic_reports: Path, tmp_path: Path) -> None:
    serial = build_site(synthetic_reports, tmp_path / "a", base_url="https://e.org/", jobs=1)
    forked = build_site(synthetic_reports, tmp_path / "b", base_url="https://e.org/", jobs=2)
    assert serial.report_pages_rendered == forked.report_pages_rendered == 7
    assert serial.files_written == forked.files_written
    files_a = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    files_b = sorted(
        p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()
    )
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_search_after_a_change_reads_every_report(tmp_path: Path) -> None:
    """A rebuild that changes one report indexes the others' explanations again (in worker
    processes with --jobs): the index equals a full build's."""
    reports = tmp_path / "reports"
    write_synthetic_reports(reports)
    for day in range(1, 10):
        (reports / f"more/report-202502{day:02d}-misc.md").parent.mkdir(exist_ok=True)
        (reports / f"more/report-202502{day:02d}-misc.md").write_text(
            make_report(
                title="[en_US] Diff Insight Report - misc",
                date=f"2025-02-{day:02d}",
                permalink=f"https://github.com/o/r/compare/a{day}...b{day}",
                files=[
                    {
                        "path": f"docs/page-{day}.md",
                        "type": "minor update",
                        "title": "Wording",
                        "patch": "@@ -1 +1 @@\n-a\n+b",
                        "explanation": f"Explains zebra{day} crossings.",
                    }
                ],
            ),
            encoding="utf-8",
        )
    build_site(reports, tmp_path / "a", base_url="https://e.org/", jobs=2)
    changed = reports / "more/report-20250201-misc.md"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("zebra1", "okapi"), encoding="utf-8"
    )
    again = build_site(reports, tmp_path / "a", base_url="https://e.org/", jobs=2)
    assert again.reports_parsed == 1
    full = build_site(reports, tmp_path / "b", base_url="https://e.org/", jobs=1)
    assert full.full_rebuild
    for rel in ["search-index.json", *(f"search/terms-{k}.json" for k in range(64))]:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    assert search(tmp_path / "a", "zebra5 crossings") == ["reports/more/report-20250205-misc.html"]
    assert search(tmp_path / "a", "okapi") == ["reports/more/report-20250201-misc.html"]
    assert search(tmp_path / "a", "zebra1") == []


def test_search_texts_cache_spares_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a change, unchanged reports' explanations come from the cache (outside the
    site), not from parsing them again; the index equals a full build's; a broken, foreign
    or missing cache only costs the parsing."""
    from diffinsight.render.reference.read import parse_report as real_parse

    reports = tmp_path / "reports"
    write_synthetic_reports(reports)
    cache = tmp_path / "cache"
    out = tmp_path / "site"
    build_site(reports, out, base_url="https://e.org/", cache_dir=cache)
    (cache_file,) = cache.glob("search-*.json")
    assert not list(out.rglob(cache_file.name))

    parsed: list[str] = []

    def counting(text: str, source: str | None = None) -> object:
        if not str(source).startswith("broken/"):  # unreadable ones are read every time
            parsed.append(str(source))
        return real_parse(text, source=source)

    monkeypatch.setattr("diffinsight.site.build.parse_report", counting)
    changed = reports / "en/report-20250522-openai.md"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nMore words about walruses.\n", encoding="utf-8"
    )

    def index(site: Path) -> list[bytes]:
        return [(site / "search-index.json").read_bytes()] + [
            (site / f"search/terms-{k}.json").read_bytes() for k in range(64)
        ]

    def full_index() -> list[bytes]:
        fresh = tmp_path / "full"
        shutil.rmtree(fresh, ignore_errors=True)
        build_site(reports, fresh, base_url="https://e.org/", cache_dir=tmp_path / "other-cache")
        return index(fresh)

    again = build_site(reports, out, base_url="https://e.org/", cache_dir=cache)
    assert again.reports_parsed == len(parsed) == 1  # only the changed one
    assert index(out) == full_index()

    # Broken cache: ignored, every report parsed again, same index.
    for broken in ("{not json", '{"code": "other code", "texts": {}}', '["a list"]'):
        cache_file.write_text(broken, encoding="utf-8")
        changed.write_text(changed.read_text(encoding="utf-8") + "x\n", encoding="utf-8")
        parsed.clear()
        build_site(reports, out, base_url="https://e.org/", cache_dir=cache)
        assert len(parsed) == 7, broken
        assert index(out) == full_index()
    assert json.loads(cache_file.read_text(encoding="utf-8"))["texts"]  # written again


@pytest.mark.parametrize("jobs", [1, 2])
def test_failed_search_index_fails_the_build(
    synthetic_reports: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """The index is built beside the pages (in a forked process with --jobs): when it fails,
    the build fails and no manifest claims the site is complete."""
    out = tmp_path / "site"
    build_site(synthetic_reports, out, base_url="https://e.org/", jobs=jobs)
    manifest = (out / ".diffinsight-site.json").read_bytes()

    def broken(*args: object) -> dict[str, str]:
        raise OSError("disk full")

    monkeypatch.setattr("diffinsight.site.build.build_index", broken)
    with pytest.raises((OSError, RuntimeError), match="disk full"):
        build_site(synthetic_reports, out, base_url="https://e.net/", jobs=jobs)
    assert (out / ".diffinsight-site.json").read_bytes() == manifest


@pytest.mark.parametrize(
    "path, expected",
    [
        ("ja_JP/202409/report.md", "ja_JP"),
        ("zh-cn/report.md", "zh_CN"),
        ("zh_Hant/report.md", "zh_Hant"),
        ("my-Docs/report.md", None),
        ("ab-cd/report.md", None),
        ("en/report.md", None),
    ],
)
def test_language_from_folder(path: str, expected: str | None) -> None:
    from diffinsight.site.build import _Site

    assert _Site._language_from_folder(Path(path)) == expected


def test_translations_without_permalink(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    for lang in ("en_US", "ja_JP"):
        path = reports / "202505" / lang / "report-20250521-openai.md"
        path.parent.mkdir(parents=True)
        path.write_text(
            make_report(
                title=f"[{lang}] Diff Insight Report - openai", date="2025-05-21", permalink="''"
            ),
            encoding="utf-8",
        )
    build_site(reports, tmp_path / "site", base_url="https://e.org/")
    page = (tmp_path / "site/reports/202505/ja_JP/report-20250521-openai.html").read_text("utf-8")
    assert 'class="switcher"' in page and "report-20250521-openai.html" in page


def test_colliding_file_names_get_distinct_pages(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("a b.md", "a-b.md"):
        (reports / name).write_text(
            make_report(title="[en_US] Diff Insight Report - misc", date="2025-05-21"),
            encoding="utf-8",
        )
    first = build_site(reports, tmp_path / "site", base_url="https://e.org/")
    pages = sorted(p.name for p in (tmp_path / "site/reports").iterdir())
    assert pages == ["a-b-2.html", "a-b.html"]
    again = build_site(reports, tmp_path / "site", base_url="https://e.org/")
    assert first.report_pages_rendered == 2 and again.report_pages_rendered == 0


def test_serve_gzip_and_404_and_empty_site(tmp_path: Path) -> None:
    import gzip
    import threading
    import urllib.error
    import urllib.request

    from diffinsight.site.serve import make_server

    (tmp_path / "reports").mkdir()
    result = build_site(tmp_path / "reports", tmp_path / "site")  # the local preview's URL
    assert any("the site is empty" in w for w in result.warnings)
    home = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert "No reports yet." in home and "diffinsight site build" in home
    assert "<h2>" not in home  # no empty headings
    server = make_server(tmp_path / "site", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        request = urllib.request.Request(base + "index.html", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(response.read()).decode("utf-8") == home
        with urllib.request.urlopen(base + "index.html") as response:
            assert response.headers["Content-Encoding"] is None
            assert response.read().decode("utf-8") == home
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(base + "reports/gone/report.html")
        assert info.value.code == 404
        page = info.value.read().decode("utf-8")
        assert "Page not found" in page and 'href="/index.html"' in page
        assert 'href="/static/site.css"' in page
    finally:
        server.shutdown()
        server.server_close()
    # Built for a path (GitHub Pages' /sub/): served under it, the 404 page's links work.
    build_site(tmp_path / "reports", tmp_path / "sub", base_url="https://e.org/sub/")
    server = make_server(tmp_path / "sub", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(host + "/sub/no/such/page.html")
        page = info.value.read().decode("utf-8")
        for href in ('href="/sub/index.html"', 'href="/sub/static/site.css"'):
            assert href in page
            with urllib.request.urlopen(host + href[6:-1]) as response:
                assert response.status == 200
        with pytest.raises(urllib.error.HTTPError) as outside:
            urllib.request.urlopen(host + "/index.html")  # not under the site's path
        assert outside.value.code == 404
        with urllib.request.urlopen(host + "/") as response:  # redirected home
            assert response.url == host + "/sub/"
    finally:
        server.shutdown()
        server.server_close()


def test_doc_links_in_reports(tmp_path: Path) -> None:
    """Relative links lead to the file at the head commit, root ones to the docs URL."""
    reports = tmp_path / "reports"
    text = (
        "See [the quickstart](../quickstarts/start.md#setup), [models](/azure/ai/models) "
        "and [a section](#s-nowhere)."
    )
    files = [
        {
            "path": "articles/openai/how-to/use.md",
            "type": "minor update",
            "title": "Links",
            "patch": "@@ -1 +1 @@\n-a\n+b",
            "explanation": text,
        }
    ]
    (reports / "en").mkdir(parents=True)
    (reports / "en/report-20250522-openai.md").write_text(
        make_report(
            title="[en_US] Diff Insight Report - openai",
            date="2025-05-22",
            permalink="https://github.com/o/r/compare/o:1111111...o:2222222",
            files=files,
        ),
        encoding="utf-8",
    )
    (reports / "en/report-20250523-openai.md").write_text(
        make_report(
            title="[en_US] Diff Insight Report - openai",
            date="2025-05-23",
            permalink="",
            files=files,
        ),
        encoding="utf-8",
    )
    config = tmp_path / "config.yml"
    config.write_text("docs_url: https://learn.microsoft.com/\n", encoding="utf-8")
    from typer.testing import CliRunner

    from diffinsight.site.cli import site_app

    out = tmp_path / "site"
    ran = CliRunner().invoke(
        site_app, ["build", str(reports), "-o", str(out), "--config", str(config)]
    )
    assert ran.exit_code == 0, ran.output
    page = read_page(out / "reports/en/report-20250522-openai.html")
    assert (
        "https://github.com/o/r/blob/2222222/articles/openai/quickstarts/start.md#setup"
        in page.links
    )
    assert "https://learn.microsoft.com/azure/ai/models" in page.links
    assert not [h for h in page.links if "nowhere" in h]
    assert "and a section." in "".join(page.text)
    # No compare URL: the relative link is text; the docs URL still serves the root link.
    bare = read_page(out / "reports/en/report-20250523-openai.html")
    assert not [h for h in bare.links if "quickstarts" in h]
    assert "https://learn.microsoft.com/azure/ai/models" in bare.links
    bad = CliRunner().invoke(
        site_app, ["build", str(reports), "-o", str(out), "--docs-url", "learn"]
    )
    assert bad.exit_code != 0 and "--docs-url https://" in bad.output


def test_file_history_pages(synthetic_site: Path) -> None:
    """Each file section links to the page of every report that changed its path."""
    rt = "articles/ai-services/openai/how-to/realtime-audio-websockets.md"
    report = "reports/en/report-20250522-openai.html"
    history = f"files/{rt}.html"
    links = read_page(synthetic_site / report).links
    assert "../../" + history in links
    page = read_page(synthetic_site / history)
    targets = [resolve(synthetic_site, history, h) for h in page.links]
    hits = [h for h in page.links if "#item-" in h]
    assert sorted(str(resolve(synthetic_site, history, h)) for h in hits) == [
        report,
        "reports/zh/report-20250522-openai.html",
    ]
    assert all(h.endswith("#" + item_anchor(rt)) for h in hits)
    assert all(t is None or (synthetic_site / t).is_file() for t in targets)
    # Every file section of every report has its page, and that page lists the report.
    for path in (synthetic_site / "reports").rglob("*.html"):
        rel = path.relative_to(synthetic_site).as_posix()
        for href in read_page(path).links:
            target = resolve(synthetic_site, rel, href)
            if target and target.startswith("files/"):
                listed = [
                    resolve(synthetic_site, target, h)
                    for h in read_page(synthetic_site / target).links
                ]
                assert rel in listed, (rel, target)
    # A path with characters a URL cannot hold keeps them out of its page's name.
    evil = history_url("docs/<b>evil</b>.md")
    assert re.fullmatch(r"files/docs/b-evil/b-\.md-[0-9a-f]{8}\.html", evil)
    assert "&lt;b&gt;evil&lt;/b&gt;" in (synthetic_site / evil).read_text(encoding="utf-8")


def test_language_category_pages_and_feeds(synthetic_site: Path) -> None:
    page = (synthetic_site / "en_US/openai/index.html").read_text(encoding="utf-8")
    assert '<html lang="en-US"' in page and page.count('class="r-link"') == 2
    zh = (synthetic_site / "zh_CN/openai/index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN"' in zh and zh.count('class="r-link"') == 1
    lang_page = read_page(synthetic_site / "lang/en_US/index.html")
    assert "../../en_US/openai/index.html" in lang_page.links
    feed = check_atom(synthetic_site / "feeds/en_US-openai.atom", "https://example.org/reports/")
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert {e.get(xml_lang) for e in feed.findall(f"{ATOM}entry")} == {"en-US"}
    mixed = check_atom(synthetic_site / "feeds/category-openai.xml", "https://example.org/reports/")
    assert {e.get(xml_lang) for e in mixed.findall(f"{ATOM}entry")} == {"en-US", "zh-CN"}


def test_corrected_report_is_announced_again(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_synthetic_reports(reports)
    out = tmp_path / "site"
    build_site(reports, out, base_url="https://example.org/")

    def updated() -> dict[str, str]:
        root = ET.parse(out / "feeds/lang-en_US.xml").getroot()
        return {
            str(e.findtext(f"{ATOM}id")).rsplit("/", 1)[-1]: str(e.findtext(f"{ATOM}updated"))
            for e in root.findall(f"{ATOM}entry")
        }

    before = updated()
    assert before["report-20250522-openai.html"] == "2025-05-22T00:00:00+00:00"
    path = reports / "en/report-20250522-openai.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA correction.\n", encoding="utf-8")
    build_site(reports, out, base_url="https://example.org/", force=True)
    after = updated()
    # Stamped by the build that saw the change.
    assert (
        after["report-20250522-openai.html"][:10] == datetime.now(timezone.utc).date().isoformat()
    )
    assert {k: v for k, v in after.items() if k != "report-20250522-openai.html"} == {
        k: v for k, v in before.items() if k != "report-20250522-openai.html"
    }
