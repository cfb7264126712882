"""Report-level grouping of shared facts, and grounding of everything the offline writer says."""

from __future__ import annotations

from datetime import date

import pytest

from diffinsight.analysis import analyze
from diffinsight.grounding import Evidence, report_evidence, unsupported_tokens
from diffinsight.i18n import available_languages
from diffinsight.models import ChangeSet, FileChange, FileStatus
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.offline import OfflineWriter


def _date_bump(name: str, old: str) -> FileChange:
    patch = (
        "@@ -3,5 +3,5 @@ title: T\n description: D\n ms.topic: how-to\n"
        f"-ms.date: {old}\n+ms.date: 05/21/2025\n author: a\n ---\n"
    )
    return FileChange(
        path=f"docs/{name}.md", status=FileStatus.MODIFIED, additions=1, deletions=1, patch=patch
    )


def _request(lang: str) -> ReportRequest:
    changes = [
        _date_bump("a", "04/01/2025"),
        _date_bump("b", "03/02/2025"),
        _date_bump("c", "04/01/2025"),
    ]
    changes.append(
        FileChange(
            path="docs/models.md",
            status=FileStatus.MODIFIED,
            additions=1,
            patch="@@ -10,3 +10,4 @@\n | Model | Regions |\n |---|---|\n | `gpt-4o` | East US |\n+| `o4-mini` | Sweden Central |\n",
        )
    )
    changes.append(
        FileChange(
            path="docs/old.md",
            status=FileStatus.REMOVED,
            deletions=3,
            patch="@@ -1,3 +0,0 @@\n-# Old page\n-\n-Text.\n",
        )
    )
    files = [analyze(c) for c in changes]
    return ReportRequest(
        changeset=ChangeSet(repo="r", files=changes),
        category="docs",
        date=date(2025, 5, 21),
        languages=[lang],
        files=files,
    )


def test_shared_date_bump_is_one_bullet() -> None:
    report = OfflineWriter().write_one(_request("en_US"), "en_US")
    assert "`ms.date` updated to `05/21/2025` in 3 files" in report.highlights.other_updates
    assert len(report.highlights.other_updates) == 1
    assert report.highlights.new_features == ["New table row `o4-mini` (`models.md`)"]
    assert report.highlights.breaking_changes == ["Removed page: Old page (`old.md`)"]
    types = {f.path: (f.modification_type.value, f.reason) for f in report.files}
    assert types["docs/a.md"] == ("minor update", "trivial")
    assert types["docs/models.md"] == ("new feature", "rows-added")
    assert types["docs/old.md"] == ("breaking change", "page-removed")


@pytest.mark.parametrize("lang", available_languages())
def test_every_language_is_grounded(lang: str) -> None:
    request = _request(lang)
    report = OfflineWriter().write_one(request, lang)
    ev = Evidence(
        report_evidence(
            [(a.change, a.facts) for a in request.files],
            labels=[f.modification_type.value for f in report.files],
            extra=[request.category],
        )
    )
    h = report.highlights
    texts = [
        report.summary,
        h.text,
        *h.new_features,
        *h.breaking_changes,
        *h.other_updates,
        *report.insights,
    ]
    texts += [f.modification_title for f in report.files] + [f.explanation for f in report.files]
    for text in texts:
        assert unsupported_tokens(text, ev) == [], (lang, text)
    assert any("05/21/2025" in b for b in h.other_updates), h.other_updates


def test_a_new_page_with_a_long_title_is_never_called_an_update() -> None:
    from datetime import date as _date

    from diffinsight.models import ChangeSet, FileChange, FileStatus
    from diffinsight.pipeline import build_reports

    text = (
        "---\ntitle: A very long page title about reinforcement fine-tuning previews\n---\n\n# T\n"
    )
    change = FileChange(
        path="articles/openai/reinforcement-fine-tuning-with-graders.md",
        status=FileStatus.ADDED,
        additions=5,
        new_text=text,
        patch="@@ -0,0 +1,5 @@\n" + "".join("+" + ln + "\n" for ln in text.splitlines()),
    )
    reports = build_reports(
        ChangeSet(files=[change]), languages=["en_US", "zh_CN", "ja_JP"], day=_date(2025, 5, 21)
    )
    titles = {r.language: r.files[0].modification_title for r in reports}
    assert titles["zh_CN"].startswith("新增") and "更新" not in titles["zh_CN"]
    assert "更新" not in titles["ja_JP"]
    assert not titles["en_US"].startswith("Updates")


def test_a_renamed_file_is_titled_by_its_old_name() -> None:
    """The new name heads the row and the section already: the title says where it came from."""
    from datetime import date as _date

    from diffinsight.models import ChangeSet, FileChange, FileStatus
    from diffinsight.pipeline import build_reports

    change = FileChange(
        path="articles/openai/quotas-and-limits.md",
        old_path="articles/openai/quotas-limits.md",
        status=FileStatus.RENAMED,
        additions=0,
        deletions=0,
        patch="",
    )
    reports = build_reports(
        ChangeSet(files=[change]), languages=["en_US", "zh_CN", "ja_JP"], day=_date(2025, 5, 21)
    )
    titles = {r.language: r.files[0].modification_title for r in reports}
    assert titles == {
        "en_US": "Renamed from `quotas-limits.md`",
        "zh_CN": "由`quotas-limits.md`重命名",
        "ja_JP": "`quotas-limits.md`から名前を変更",
    }
