"""The reference report's five files, rebuilt from their patches alone (patch-only mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from diffinsight.analysis import analyze
from diffinsight.grounding import Evidence, evidence_for, unsupported_tokens
from diffinsight.i18n import available_languages
from diffinsight.models import FileChange, FileStatus
from diffinsight.render.reference.read import parse_report_file
from diffinsight.writers.offline import FileWriter

# What each file's explanation must name (values copied from the diff, in code spans or quotes).
EXPECTED = {
    "realtime-audio-websockets.md": ["`api-version`", "`2024-12-17`", "`2025-04-01-preview`"],
    "reinforcement-fine-tuning.md": ["`(Preview)`", "`title`", "Reinforcement fine-tuning (RFT)"],
    "fine-tune-models.md": ["`o4-mini (2025-04-16)`", "East US2", "Sweden Central"],
    "fine-tuning-studio.md": ["`../how-to/reinforcement-fine-tuning.md`", "RFT"],
    "realtime-audio-quickstart.md": [
        "`../../ai-services/speech-service/language-support.md`",
        "Language and voice support for the Speech service",
    ],
}


def _changes(path: Path) -> list[FileChange]:
    report = parse_report_file(path)
    rows = {t.anchor: t for t in report.table}
    out = []
    for f in report.files:
        row = rows[f.anchor]
        out.append(
            FileChange(
                path=f.path,
                status=FileStatus(row.status),
                additions=row.additions,
                deletions=row.deletions,
                patch=f.patch,
            )
        )
    return out


@pytest.mark.shared
@pytest.mark.parametrize("lang", available_languages())
def test_reference_files_named_concretely(reference_report: Path, lang: str) -> None:
    changes = _changes(reference_report)
    assert sorted(c.basename for c in changes) == sorted(EXPECTED)
    writer = FileWriter(lang)
    for change in changes:
        af = analyze(change)
        fr = writer.file_report(af)
        for needle in EXPECTED[change.basename]:
            assert needle in fr.explanation, (lang, change.basename, fr.explanation)
        evidence = Evidence(evidence_for(change, af.facts))
        assert unsupported_tokens(fr.modification_title, evidence) == []
        assert unsupported_tokens(fr.explanation, evidence) == []
        limit = 30 if lang[:2] in ("zh", "ja", "ko") else 60
        assert len(fr.modification_title.replace("`", "")) <= limit, fr.modification_title
        assert not fr.modification_title.endswith((".", "。"))


@pytest.mark.shared
def test_reference_facts_and_types(reference_report: Path) -> None:
    by_name = {c.basename: analyze(c) for c in _changes(reference_report)}
    ws = by_name["realtime-audio-websockets.md"]
    version = next(f for f in ws.facts if f.kind == "version.changed")
    assert (version.old, version.new, version.detail["param"]) == (
        "2024-12-17",
        "2025-04-01-preview",
        "api-version",
    )
    rft = by_name["reinforcement-fine-tuning.md"]
    kinds = {f.kind for f in rft.facts}
    assert {"frontmatter.changed", "heading.renamed", "newline.eof"} <= kinds
    row = next(f for f in by_name["fine-tune-models.md"].facts if f.kind == "table.row_added")
    assert row.new == "o4-mini (2025-04-16)"
    # Cells are quoted as their verbatim pieces, one per line (no <br> shown).
    assert "East US2\nSweden Central" in row.detail["cells"].values()
    assert by_name["fine-tune-models.md"].modification_type.value == "new feature"
    link = next(f for f in by_name["fine-tuning-studio.md"].facts if f.kind == "link.added")
    assert link.new == "../how-to/reinforcement-fine-tuning.md"
    for name in ("realtime-audio-websockets.md", "reinforcement-fine-tuning.md"):
        assert by_name[name].modification_type.value == "minor update"
