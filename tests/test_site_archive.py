"""Reading the existing tool's archives as they are: language, leaked artefacts, broken structure."""

from __future__ import annotations

from pathlib import Path

import pytest

from diffinsight.errors import InputError
from diffinsight.render.reference.read import language_from_script, parse_report, parse_report_file
from diffinsight.site import build_site
from sitedata import make_report

pytest_plugins = ["sitefixtures"]

JA = "このページでは、プロビジョニングされたスループットのクォータについての説明が更新されました。"
ZH = "此次更新修改了预配吞吐量配额的说明，并补充了部署区域的限制信息与相关链接。"
KO = "이 페이지에서는 프로비저닝된 처리량 할당량에 대한 설명이 업데이트되었습니다."


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _html_lang(site: Path, rel: str) -> str:
    html = (site / rel).read_text(encoding="utf-8")
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_language_of_reports_that_name_none(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    for rel, summary in (
        ("old/report-20240912-misc.md", JA),
        ("old/report-20240913-misc.md", KO),
        ("old/report-20240914-misc.md", ZH),
        ("given/report-20240915-misc.md", "An English summary of the changes."),
        ("plain/report-20240916-misc.md", "An English summary of the changes."),
    ):
        _write(
            reports,
            rel,
            make_report(
                title="Diff Insight Report - misc",
                date=rel[-16:-8],
                summary=summary,
                permalink=f"https://github.com/o/r/compare/{rel[-16:-8]}",
            ),
        )
    _write(
        reports,
        "given/report-20240917-misc.md",
        make_report(title="[en_US] Diff Insight Report - misc", date="2024-09-17"),
    )
    result = build_site(
        reports, tmp_path / "site", "https://e.org/", folder_languages={"given": "fr-FR"}
    )
    site = tmp_path / "site"
    assert _html_lang(site, "reports/old/report-20240912-misc.html") == "ja-JP"  # kana
    assert _html_lang(site, "reports/old/report-20240913-misc.html") == "ko-KR"  # Hangul
    assert _html_lang(site, "reports/old/report-20240914-misc.html") == "zh-CN"  # Han only
    assert _html_lang(site, "reports/given/report-20240915-misc.html") == "fr-FR"  # --lang
    assert _html_lang(site, "reports/given/report-20240917-misc.html") == "en-US"  # title wins
    assert result.languages["unknown"] == 1  # Latin text alone tells nothing
    ja = (site / "reports/old/report-20240912-misc.html").read_text(encoding="utf-8")
    assert "ハイライト" in ja and "Unknown language" not in ja
    with pytest.raises(InputError, match=r"--lang nope=ja_JP: .* is not a folder"):
        build_site(reports, tmp_path / "s2", "https://e.org/", folder_languages={"nope": "ja_JP"})
    with pytest.raises(InputError, match="'xx_QQ' is not a language code"):
        build_site(reports, tmp_path / "s2", "https://e.org/", folder_languages={"": "xx_QQ"})
    assert not (tmp_path / "s2").exists()


def test_cli_lang_option(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from diffinsight.site.cli import site_app

    reports = tmp_path / "reports"
    _write(
        reports, "a/report-20240915-misc.md", make_report(title="Report - misc", date="2024-09-15")
    )
    out = tmp_path / "site"
    ok = CliRunner().invoke(site_app, ["build", str(reports), "-o", str(out), "--lang", "de_DE"])
    assert ok.exit_code == 0, ok.output
    assert "de_DE 1" in ok.output
    bad = CliRunner().invoke(site_app, ["build", str(reports), "-o", str(out), "--lang", "b=de"])
    assert bad.exit_code != 0 and "--lang b=de" in bad.output


LEAKY = make_report(
    title="[en_US] Diff Insight Report - misc",
    date="2025-02-11",
    files=[
        {
            "path": "docs/models.md",
            "type": "minor update",
            "title": "Update the date in models documentation. Locale: en_US",
            "patch": "@@ -1 +1 @@\n-<format>\n+<format>x</format>",
            "explanation": "The date changed (Locale: en_US).",
        }
    ],
    insights="One insight.\n</format>",
).replace("# Highlights", "<format>\n# Highlights")


def test_leaked_artefacts_removed_with_one_warning(tmp_path: Path) -> None:
    parsed = parse_report(LEAKY)
    assert parsed.files[0].modification_title == "Update the date in models documentation."
    assert parsed.table[0].title == "Update the date in models documentation."
    assert parsed.files[0].explanation == "The date changed ."
    assert parsed.insights == ["One insight."]
    assert parsed.files[0].patch is not None and "<format>x</format>" in parsed.files[0].patch
    assert parsed.leaks_removed == 4
    reports = tmp_path / "reports"
    _write(reports, "en_US/report-20250211-misc.md", LEAKY)
    _write(reports, "en_US/report-20250212-misc.md", LEAKY.replace("2025-02-11", "2025-02-12"))
    result = build_site(reports, tmp_path / "site", "https://e.org/")
    leaks = [w for w in result.warnings if "leaked" in w]
    assert leaks == [
        "removed 8 leaked prompt artefacts (<format> tags, 'Locale: xx_XX' phrases) "
        "from the text of 2 reports"
    ]
    html = (tmp_path / "site/reports/en_US/report-20250211-misc.html").read_text(encoding="utf-8")
    text = html.split('<pre tabindex="0"', 1)[0]  # the diff keeps its real <format> lines
    assert "&lt;/format&gt;" not in text and "Locale:" not in text
    assert "+&lt;format&gt;<ins>x&lt;/format&gt;</ins>" in html


BROKEN = (
    make_report(
        title="[en_US] Diff Insight Report - misc",
        date="2025-03-03",
        insights="An insight with a stray fence:\n\n```\nnever closed",
        files=[
            {
                "path": f"docs/page-{i}.md",
                "type": "minor update",
                "title": f"Page {i}",
                "patch": f"@@ -1 +1 @@\n-old {i}\n+new {i}",
                "explanation": f"Page {i} changed.",
            }
            for i in range(3)
        ],
    )
    .replace("## docs/page-1.md{#item-", "## docs/page-1.md{#item ")
    .replace(
        "### Explanation\nPage 2 changed.", "### Explanation\nPage 2 changed.\n\n## Notes\nmore"
    )
)


def test_broken_structure_keeps_every_recoverable_section(tmp_path: Path) -> None:
    lines = BROKEN.split("\n")
    fence_line = lines.index("never closed")  # 1-based number of the line before it
    bad_anchor = next(i for i, x in enumerate(lines) if x.startswith("## docs/page-1.md")) + 1
    notes = lines.index("## Notes") + 1
    parsed = parse_report(BROKEN)
    assert [f.path for f in parsed.files] == ["docs/page-0.md", "docs/page-1.md", "docs/page-2.md"]
    assert [f.anchor for f in parsed.files] == [r.anchor for r in parsed.table]
    assert len(parsed.table) == 3
    assert parsed.warnings == [
        f"line {fence_line}: the fence opened here is never closed; read the text after it as Markdown",
        f"line {bad_anchor}: the file heading of docs/page-1.md has a malformed anchor; "
        "its section is shown with the anchor of its path",
        f"line {notes}: the heading 'Notes' names no file; its text stays in the previous "
        "file's section",
    ]
    reports = tmp_path / "reports"
    _write(reports, "en_US/report-20250303-misc.md", BROKEN)
    result = build_site(reports, tmp_path / "site", "https://e.org/")
    assert f"en_US/report-20250303-misc.md: line {bad_anchor}: the file heading" in "\n".join(
        result.warnings
    )
    html = (tmp_path / "site/reports/en_US/report-20250303-misc.html").read_text(encoding="utf-8")
    assert html.count('<section class="file"') == 3
    assert "&lt;details&gt;" not in html


@pytest.mark.shared
def test_anchor_reports_read_in_place(anchor_reports: Path) -> None:
    leaks = 0
    for folder in ("ja_JP", "zh_CN", "en_US"):
        for path in sorted((anchor_reports / folder).rglob("*.md")):
            report = parse_report_file(path)
            # The script alone gives each folder's language (English: no guess).
            assert language_from_script(report.prose()) == (None if folder == "en_US" else folder)
            assert report.warnings == [], path
            leaks += report.leaks_removed
            for f in report.files:
                assert "Locale:" not in f.modification_title and "</format>" not in f.explanation
    assert leaks > 1000
