from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from diffinsight.errors import InputError
from diffinsight.models import item_anchor
from diffinsight.render.reference.read import parse_report, parse_report_file


@pytest.mark.shared
def test_reference_report(reference_report: Path) -> None:
    r = parse_report_file(reference_report)
    assert r.language == "zh_CN"
    assert r.category == "openai"
    assert r.plain_title == "Diff Insight Report - openai"
    assert str(r.date) == "2025-05-22"
    assert r.permalink and r.permalink.endswith("MicrosoftDocs:aedda49")
    assert r.compare_url == r.permalink
    assert r.summary.startswith("此次代码修改")
    assert r.highlights.text.startswith("此次代码修改涉及")
    assert len(r.highlights.new_features.items) == 2
    assert r.highlights.breaking_changes.items == []
    assert r.highlights.breaking_changes.text == "无重大变动。"
    assert len(r.highlights.other_updates.items) == 3
    assert len(r.insights) == 3
    paths = [f.path for f in r.files]
    assert paths == [
        "articles/ai-services/openai/how-to/realtime-audio-websockets.md",
        "articles/ai-services/openai/how-to/reinforcement-fine-tuning.md",
        "articles/ai-services/openai/includes/fine-tune-models.md",
        "articles/ai-services/openai/includes/fine-tuning-studio.md",
        "articles/ai-services/openai/realtime-audio-quickstart.md",
    ]
    for f in r.files:
        assert f.anchor == item_anchor(f.path)
        assert f.patch and f.patch.startswith("@@ ")
        assert f.modification_type == "minor update"
        assert f.explanation
    assert [(t.anchor, t.additions, t.deletions, t.changes) for t in r.table] == [
        ("item-568961", 1, 1, 2),
        ("item-e8028c", 3, 3, 6),
        ("item-2aadea", 1, 0, 1),
        ("item-439f1e", 1, 1, 2),
        ("item-727df8", 1, 0, 1),
    ]
    assert {t.type for t in r.table} == {"minor update"}
    assert r.table[0].title == "更新实时音频WebSocket请求URI示例"
    assert r.table[0].status == "modified"
    # The patch keeps its inner ``` fence (the outer one has four backticks).
    assert "```http" in (r.files[0].patch or "")
    assert r.warnings == []


@pytest.mark.shared
def test_anchor_reports_sweep(anchor_reports: Path) -> None:
    paths = sorted(anchor_reports.rglob("report-*.md"))
    assert len(paths) == 816
    files = rows = 0
    for p in paths:
        r = parse_report_file(p)
        assert r.date is not None, p
        assert r.category in {"openai", "search", "misc"}, p
        assert r.files, p
        assert len(r.table) == len(r.files), p
        assert r.highlights.heading, p
        assert r.insights, p
        for f in r.files:
            assert f.anchor.startswith("item-"), p
            assert f.modification_type, (p, f.path)
        files += len(r.files)
        rows += len(r.table)
        expected = p.parts[-3]
        assert r.language == (None if expected == "ja_JP" else expected), p
    assert files == rows == 10560


def _report(body: str, front: str = "title: Diff Insight Report - misc\ndate: '2025-01-02'") -> str:
    return f"---\n{front}\n---\n\n{textwrap.dedent(body)}"


def test_japanese_headings_and_lang_key() -> None:
    text = _report(
        """
        # ハイライト
        まとめ
        ## 新機能
        - A
        ## 破壊的変更
        なし
        ## その他の更新
        - B
          続き
        # インサイト
        一つ目

        二つ目
        # Summary Table
        | Filename | Type | Title | Status | A | D | M |
        |---|---|---|---|---|---|---|
        | [a.md](#item-aaaaaa) | new feature | x \\| y | added | 3 | 0 | 3 |

        # Modified Contents
        ## docs/a.md{#item-aaaaaa}

        <details>
        <summary>Diff</summary>
        ```diff
        @@ -0,0 +1 @@
        +hello
        ```
        </details>

        ### Summary

        ```json
        {"modification_type": "new feature", "modification_title": "t"
        ```

        ### Explanation
        Added.
        """,
        front="title: Diff Insight Report - search\nlang: ja-jp\ndate: '2025-01-02'",
    )
    r = parse_report(text, "x.md")
    assert r.language == "ja_JP"
    assert r.category == "search"
    assert r.highlights.new_features.items == ["A"]
    assert r.highlights.breaking_changes.text == "なし"
    assert r.highlights.other_updates.items == ["B\n続き"]
    assert r.insights == ["一つ目", "二つ目"]
    assert r.table[0].title == "x | y"
    f = r.files[0]
    assert f.patch == "@@ -0,0 +1 @@\n+hello"
    assert f.summary == {} and f.summary_raw and f.summary_raw.startswith("{")
    assert f.explanation == "Added."
    assert any("JSON" in w for w in r.warnings)


def test_cut_off_report_is_tolerated() -> None:
    text = _report(
        """
        # Highlights
        **New Features**
        - one
        **Breaking Changes**
        - None
        # Summary Table
        | Filename | Type | Title | Status | A | D | M |
        |---|---|---|---|---|---|---|
        | [a.md](#item-aaaaaa) | minor update | t | modified | 1 | 1 | 2 |

        # Modified Contents
        ## a.md{#item-aaaaaa}

        <details>
        <summary>Diff</summary>
        ````diff
        @@ -1 +1 @@
        -a
        """
    )
    r = parse_report(text, "cut.md")
    assert r.highlights.new_features.items == ["one"]
    assert r.highlights.breaking_changes.items == ["None"]
    assert r.files[0].patch is not None and r.files[0].patch.startswith("@@")
    assert any("never closed" in w for w in r.warnings)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("just some notes\n", "not a Diff Insight Report"),
        ("---\ntitle: [unclosed\n---\n# Summary Table\n", "front matter cannot be read"),
        ("---\n- a\n- b\n---\n", "not a YAML mapping"),
        ("---\ntitle: x\n", "never closed"),
    ],
)
def test_unparseable_input_names_the_file(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_report(text, "reports/bad.md")
    message = str(info.value)
    assert message.startswith("reports/bad.md: ")
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "front, language",
    [
        ("title: '[zh-cn] Diff Insight Report - misc'", "zh_CN"),
        ("title: Diff Insight Report - misc\nlanguage: zh-hant", "zh_Hant"),
        ("title: Diff Insight Report - misc\nlang: ../../etc", None),
        ("title: Diff Insight Report - misc", None),
    ],
)
def test_language_rules(front: str, language: str | None) -> None:
    r = parse_report(f"---\n{front}\n---\n# Summary Table\n", "x.md")
    assert r.language == language
    assert r.category == "misc"
