from __future__ import annotations

from pathlib import Path

import pytest

from diffinsight.site.render import is_safe_url, render_diff, render_inline, render_markdown
from diffinsight.site.search import tokenize


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://learn.microsoft.com/azure", True),
        ("http://example.com", True),
        ("#item-568961", True),
        ("../how-to/realtime.md", True),
        ("/azure/ai-services/", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" java\tscript:alert(1)", False),
        ("java%09script:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:msgbox", False),
        ("file:///etc/passwd", False),
        ("\\\\evil.example/x", False),
        ("", False),
    ],
)
def test_is_safe_url(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe


def test_markdown_escapes_html_and_filters_links() -> None:
    html = render_markdown(
        "<script>alert(1)</script> <b>x</b> [a](javascript:alert(1)) [b](https://e.org) "
        "![i](data:image/svg+xml,<svg onload=alert(1)>)"
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html
    assert 'href="javascript' not in html.lower()
    assert '<a href="https://e.org" rel="nofollow noopener noreferrer">b</a>' in html
    assert "<img" not in html
    assert render_inline("`code` <i>") == "<code>code</code> &lt;i&gt;"


def test_heading_levels_fit_the_page() -> None:
    html = render_markdown("# A\n\n### B\n\ntext", top_level=3)
    assert "<h3>A</h3>" in html and "<h5>B</h5>" in html
    assert "<h6>deep</h6>" in render_markdown("# a\n\n###### deep", top_level=3)
    assert "<h5>deep</h5>" in render_markdown("###### deep", top_level=5)


def test_diff_lines_are_classed_and_escaped() -> None:
    html, cut = render_diff("@@ -1 +1 @@\n-<b>old</b>\n+new & more\n context\n\\ No newline", 10)
    assert not cut
    assert html == (
        '<span class="dh">@@ -1 +1 @@</span>'
        '<span class="dd">-&lt;b&gt;old&lt;/b&gt;</span>'
        '<span class="da">+new &amp; more</span>'
        '<span class="dc"> context</span>'
        '<span class="dn">\\ No newline</span>'
    )
    html, cut = render_diff("\n".join(f"+{i}" for i in range(20)), 5)
    assert cut and html.count("<span") == 5


def test_tokenize_latin_words_and_cjk_bigrams() -> None:
    assert tokenize("realtime-audio_websockets.md") == ["realtime", "audio", "websockets", "md"]
    assert tokenize("微调模型") == ["微调", "调模", "模型"]
    assert tokenize("新 ＡＰＩ 한국어") == ["新", "api", "한국", "국어"]
    assert tokenize("リンク修正をo4-mini") == ["リン", "ンク", "ク修", "修正", "正を", "o4", "mini"]


def test_catalogues_are_complete_and_plural() -> None:
    from diffinsight.site.messages import Messages, _catalogues, catalogue_locales

    cats = _catalogues()
    base = {k for k in cats["en_US"] if not k.endswith("_one")}
    assert set(catalogue_locales()) >= {
        "en_US",
        "ja_JP",
        "zh_CN",
        "zh_TW",
        "ko_KR",
        "fr_FR",
        "de_DE",
        "es_ES",
    }
    for locale, cat in cats.items():
        assert base <= set(cat), (locale, base - set(cat))
    assert Messages("en_US").count("files_count", 1) == "1 file"
    assert Messages("en_US").count("files_count", 3) == "3 files"
    assert Messages("fr_FR").count("reports_count", 0) == "0 rapport"
    assert Messages("ja_JP").count("files_count", 1) == "1 ファイル"
    assert Messages("pt_BR")("breaking_changes") == "Breaking changes"  # falls back to en_US


def test_titles_with_code_spans_render_as_code_in_the_table(tmp_path: Path) -> None:
    from diffinsight.example import run_example
    from diffinsight.site import build_site

    run_example(tmp_path / "reports", languages=["en_US"])
    build_site(tmp_path / "reports", tmp_path / "site")
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html")]
    page = next(p for p in pages if "realtime-quickstart.md" in p and "<table" in p)
    assert "<td><code>2024-12-17</code>" in page or "<code>2024-12-17</code>" in page
    assert "<td>`" not in page
