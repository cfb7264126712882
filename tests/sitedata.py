"""Synthetic reports in the reference format for the site tests (one of them hostile)."""

from __future__ import annotations

import json
from pathlib import Path

from diffinsight.models import item_anchor

HOSTILE_EXPLANATION = (
    "Harmless start. <script>window.__pwned = 'script'; alert(1)</script>\n"
    "<img src=x onerror=\"window.__pwned = 'img'; alert(2)\">\n"
    "[click me](javascript:window.__pwned='link') and "
    "[also](JaVaScRiPt:alert(3)) and [data](data:text/html,<script>alert(4)</script>) "
    "[ok](https://example.com/docs) [anchor](#item-000001)\n\n"
    '<iframe src="javascript:alert(5)"></iframe><svg onload="alert(6)"></svg>'
    "<details open><summary>fake</summary>x</details>"
)


def make_report(
    *,
    title: str,
    date: str,
    permalink: str = "https://github.com/o/r/compare/a...b",
    summary: str = "A summary.",
    files: list[dict[str, str]] | None = None,
    insights: str = "One insight.",
    extra_front: str = "",
) -> str:
    """A report in the reference format (as the existing tool writes it)."""
    files = files or [
        {
            "path": "docs/quickstart.md",
            "type": "minor update",
            "title": "Date bump",
            "patch": "@@ -1,3 +1,3 @@\n ---\n-ms.date: 01/01/2025\n+ms.date: 05/21/2025\n ---",
            "explanation": "The date changed.",
        }
    ]
    rows = []
    sections = []
    for f in files:
        anchor = item_anchor(f["path"])
        name = f["path"].rsplit("/", 1)[-1]
        patch = f["patch"]
        plus = sum(1 for line in patch.split("\n") if line.startswith("+"))
        minus = sum(1 for line in patch.split("\n") if line.startswith("-"))
        rows.append(
            f"| [{name}](#{anchor}) | {f['type']} | {f['title']} | modified | {plus} | {minus} | {plus + minus} |"
        )
        fence = "````" if "```" in patch else "```"
        sections.append(
            f"## {f['path']}{{#{anchor}}}\n\n<details>\n<summary>Diff</summary>\n{fence}diff\n{patch}\n"
            f"{fence}\n</details>\n\n### Summary\n\n```json\n"
            f'{{\n    "modification_type": "{f["type"]}",\n    "modification_title": "{f["title"]}"\n}}\n'
            f"```\n\n### Explanation\n{f['explanation']}\n"
        )
    return (
        f"---\ndate: '{date}'\npermalink: {permalink}\nsummary: {json.dumps(summary, ensure_ascii=False)}\n"
        f"title: {json.dumps(title, ensure_ascii=False)}\n{extra_front}\n---\n\n"
        f'[View Diff on GitHub]({permalink}){{target="_blank"}}\n\n'
        "# Highlights\nIntro text.\n\n## New features\n- Added `o4-mini`.\n\n"
        "## Breaking changes\nNo breaking changes.\n\n## Other updates\n- Dates.\n\n"
        f"# Insights\n{insights}\n\n"
        "# Summary Table\n|  Filename  | Type |    Title    | Status | A  | D  | M  |\n"
        "|------------|------|-------------|--------|----|----|----|\n"
        + "\n".join(rows)
        + "\n\n\n# Modified Contents\n"
        + "\n".join(sections)
    )


def write_synthetic_reports(root: Path) -> dict[str, Path]:
    """A small folder of reports covering every language rule and a hostile report."""
    root.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}

    def put(rel: str, text: str | bytes) -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
        paths[rel] = p

    shared_link = "https://github.com/o/r/compare/o:1111111...o:2222222"
    rt_patch = (
        "@@ -60,7 +60,7 @@ You can construct a full request URI:\n"
        " The following example:\n \n ```http\n"
        "-wss://x/openai/realtime?api-version=2024-12-17\n"
        "+wss://x/openai/realtime?api-version=2025-04-01-preview\n ```"
    )
    rt_file = {
        "path": "articles/ai-services/openai/how-to/realtime-audio-websockets.md",
        "type": "minor update",
        "title": "API version",
        "patch": rt_patch,
        "explanation": "The request URI uses `api-version=2025-04-01-preview`.",
    }
    big_file = {
        "path": "articles/ai-services/openai/includes/fine-tune-models.md",
        "type": "new feature",
        "title": "o4-mini",
        "patch": "@@ -1,1 +1,30 @@\n"
        + "\n".join(f"+| row {i} | East US2 | {i * 7} |" for i in range(30)),
        "explanation": "Adds `o4-mini`.",
    }
    put(
        "en/report-20250522-openai.md",
        make_report(
            title="[en_US] Diff Insight Report - openai",
            date="2025-05-22",
            permalink=shared_link,
            summary="The realtime audio example uses a newer API version.",
            files=[rt_file, big_file],
        ),
    )
    put(
        "zh/report-20250522-openai.md",
        make_report(
            title="[zh_CN] Diff Insight Report - openai",
            date="2025-05-22",
            permalink=shared_link,
            summary="此次更新新增了微调模型信息，并更新了实时音频示例。",
            files=[rt_file, big_file],
        ),
    )
    put(
        "ja_JP/202505/report-20250521-search.md",
        make_report(
            title="Diff Insight Report - search",
            date="2025-05-21",
            summary="検索インデックスの説明が更新されました。",
        ),
    )
    put(
        "other/report-20250410-misc.md",
        make_report(
            title="Diff Insight Report - misc",
            date="2025-04-10",
            summary="Une mise à jour.",
            extra_front="lang: fr-FR",
        ),
    )
    put(
        "other/report-20250301-misc.md",
        make_report(title="Diff Insight Report - misc", date="2025-03-01", summary="No language."),
    )
    sentence = (
        "When you deploy a model to a region that supports provisioned throughput, the quota "
        "that you request is shared by every deployment in the subscription, and the service "
        "reports the {word} capacity on the quota page of the portal for each region."
    )
    long_files = [
        {
            "path": f"articles/ai-services/openai/how-to/provisioned-throughput-onboarding-{i}.md",
            "type": ["minor update", "new feature", "breaking change", "bug fix"][i % 4],
            "title": f"Clarified provisioned throughput quota guidance for deployments part {i}",
            "patch": f"@@ -10,3 +10,3 @@ Quota\n context line\n-{sentence.format(word='remaining')}\n"
            f"+{sentence.format(word='available')}\n context",
            "explanation": f"Section {i} now says *available* instead of *remaining*.",
        }
        for i in range(12)
    ]
    put(
        "en/report-20250523-long.md",
        make_report(
            title="[en_US] Diff Insight Report - openai",
            date="2025-05-23",
            permalink="https://github.com/o/r/compare/o:2222222...o:3333333",
            summary="Twelve pages reword the quota guidance.",
            files=long_files,
        ),
    )
    put(
        "en/report-20250520-hostile.md",
        make_report(
            title="[en_US] Diff Insight Report - <i onmouseover=alert(1)>hostile</i>",
            date="2025-05-20",
            summary="<script>window.__pwned='summary'</script> summary",
            insights="<img src=x onerror=\"window.__pwned='insights'\"> insight",
            files=[
                {
                    "path": "docs/<b>evil</b>.md",
                    "type": "bug fix",
                    "title": "<script>alert('title')</script>",
                    "patch": "@@ -1 +1 @@\n-<script>alert('old')</script>\n+<img src=x onerror=alert('new')>",
                    "explanation": HOSTILE_EXPLANATION,
                }
            ],
        ),
    )
    put("broken/report-20250101-bad.md", "---\ntitle: [unclosed\ndate: x\n---\n# Summary Table\n")
    put("broken/notes.md", "just some notes, not a report\n")
    put("broken/latin1.md", "caf\xe9".encode("latin-1"))
    put("README.md", "# About these reports\n")
    return paths
