from __future__ import annotations

from pathlib import Path

import pytest

from diffinsight.site.links import DocLinks, repository_of
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


def test_site_messages_come_from_the_catalogues() -> None:
    from diffinsight.site.text import catalogue_for, site_text

    assert site_text("en_US").count("files_count", 1) == "1 file"
    assert site_text("en_US").count("files_count", 1150) == "1,150 files"
    assert site_text("fr_FR").count("reports_count", 0) == "0 rapport"  # CLDR: 0 is "one" in French
    assert site_text("de_DE").count("reports_count", 2) == "2 Berichte"
    assert site_text("ja_JP").count("files_count", 1) == "1 ファイル"
    assert site_text("ja_JP").forms("results") == {"other": "{count} 件"}
    assert catalogue_for("fr_CA") == "fr_FR" and catalogue_for("zh_HK") == "zh_TW"
    assert site_text("pt_BR")("breaking_changes") == "Breaking changes"  # no catalogue: English
    assert site_text("de_DE").label("types", "breaking change") != "breaking change"
    assert site_text("de_DE").label("types", "更新") == "更新"  # another tool's own word
    with pytest.raises(KeyError):
        site_text("en_US")("no_such_message")


def test_every_message_the_site_uses_is_in_the_catalogue() -> None:
    # A key missing from en_US (and so, by the catalogue test, from every language) fails here,
    # not in a user's build.
    import re
    from pathlib import Path

    from diffinsight.i18n import _load
    from diffinsight.site import build

    here = Path(build.__file__).parent
    texts = [p.read_text(encoding="utf-8") for p in (here / "templates").iterdir()]
    texts += [p.read_text(encoding="utf-8") for p in here.glob("*.py")]
    used = set()
    for text in texts:
        used |= set(re.findall(r"\bt(?:\.count|\.forms)?\(\s*[\"']([a-z_]+)[\"']", text))
        used |= set(re.findall(r"\(\s*\"([a-z_]+)\",\s*hl\.", text))  # highlight group labels
    used |= {"language", "category", "month"}  # list pages: t(kind)
    assert len(used) > 40
    en = _load("en_US")
    assert sorted(k for k in used if "site." + k not in en) == []


def test_titles_with_code_spans_render_as_code_in_the_table(tmp_path: Path) -> None:
    from diffinsight.example import run_example
    from diffinsight.site import build_site

    run_example(tmp_path / "reports", languages=["en_US"])
    build_site(tmp_path / "reports", tmp_path / "site")
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html")]
    page = next(p for p in pages if "realtime-quickstart.md" in p and "<table" in p)
    assert "<td><code>2024-12-17</code>" in page or "<code>2024-12-17</code>" in page
    assert "<td>`" not in page


REPO = ("https://github.com/MicrosoftDocs/azure-ai-docs", "f57bd77")


@pytest.mark.parametrize(
    "compare, expected",
    [
        (
            "https://github.com/MicrosoftDocs/azure-ai-docs/compare/MicrosoftDocs:879fbd3...MicrosoftDocs:f57bd77",
            REPO,
        ),
        ("https://github.com/o/r/compare/a1b2..c3d4", ("https://github.com/o/r", "c3d4")),
        ("https://github.com/o/r/commit/abc", None),
        ("not a url", None),
        (None, None),
    ],
)
def test_repository_of_compare_url(compare: str | None, expected: object) -> None:
    assert repository_of(compare) == expected


@pytest.mark.parametrize(
    "href, image, expected",
    [
        # Next to the changed file, at the head commit; query and fragment kept.
        (
            "../how-to/create-resource.md#a",
            False,
            f"{REPO[0]}/blob/f57bd77/articles/openai/how-to/create-resource.md#a",
        ),
        ("models.md", False, f"{REPO[0]}/blob/f57bd77/articles/openai/concepts/models.md"),
        ("../media/a%20b.png", True, f"{REPO[0]}/raw/f57bd77/articles/openai/media/a%20b.png"),
        # From the docs root: the docs URL.
        ("/azure/ai?tabs=cli#x", False, "https://learn.microsoft.com/azure/ai?tabs=cli#x"),
        ("#item-1", False, "#item-1"),
        ("https://e.org/x", False, "https://e.org/x"),
        # Nowhere: out of the repository, an anchor the page lacks.
        ("../../../../x.md", False, None),
        ("#item-2", False, None),
    ],
)
def test_doc_links_resolve_against_the_repository(
    href: str, image: bool, expected: str | None
) -> None:
    links = DocLinks(REPO, "https://learn.microsoft.com/", frozenset({"item-1"}))
    assert links.resolve(href, "articles/openai/concepts/models.md", image=image) == expected


def test_links_to_nowhere_are_text() -> None:
    # No compare URL and no docs URL: relative and root links have nowhere to go.
    html = render_markdown(
        "See [the guide](how-to/x.md), [docs](/azure/x) and ![pic](media/p.png).", links=DocLinks()
    )
    assert html == "<p>See the guide, docs and pic.</p>\n"
    linked = render_markdown(
        "[guide](how-to/x.md)", links=DocLinks(REPO), base_path="articles/a.md"
    )
    assert f'href="{REPO[0]}/blob/f57bd77/articles/how-to/x.md"' in linked
    assert render_inline("[a](x.md) `c`", DocLinks()) == "a <code>c</code>"
