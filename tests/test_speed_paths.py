"""The offline engine's fast paths say what the plain ones say; long runs log their progress."""

from __future__ import annotations

import difflib
import logging
from pathlib import Path

import pytest

from diffinsight import pipeline
from diffinsight.facts import patch
from diffinsight.pipeline import run
from diffinsight.sources import GitSource
from gitutil import commit_files, init_repo

LINES = [
    "The service handles requests in East US and West Europe.",
    "The service handles requests in East US, West Europe and Sweden Central.",
    "Quotas apply per region.",
    "Quotas apply per region and per model.",
    "",
    "| `gpt-4o` | East US2 | 2024-11-20 |",
    "| `gpt-4o` | East US2 | 2025-01-01 |",
    "Completely different text about another subject entirely.",
    "x" * 3000,
    "x" * 2990 + "yyyy",
]


def _plain_pairs(removed: list[str], added: list[str]) -> list[tuple[int, int]]:
    """pair_lines as written before its bounds, with difflib's own matcher."""
    pairs: list[tuple[int, int]] = []
    j0 = 0
    for i, old in enumerate(removed):
        best, best_j = 0.5, -1
        for j in range(j0, min(len(added), j0 + 8)):
            new = added[j]
            if not old and not new:
                s = 1.0
            elif len(old) + len(new) > 4000:
                s = difflib.SequenceMatcher(a=old.split(), b=new.split()).quick_ratio()
            else:
                s = difflib.SequenceMatcher(a=old, b=new, autojunk=False).ratio()
            if s > best:
                best, best_j = s, j
        if best_j >= 0:
            pairs.append((i, best_j))
            j0 = best_j + 1
    return pairs


def test_similarity_and_edits_match_difflib() -> None:
    for a in LINES:
        for b in LINES:
            if len(a) + len(b) <= 4000:
                assert (
                    patch.similarity(a, b)
                    == difflib.SequenceMatcher(a=a, b=b, autojunk=False).ratio()
                )
    old, new = LINES[0], LINES[1]
    sm = difflib.SequenceMatcher(a=patch.tokens(old), b=patch.tokens(new), autojunk=False)
    assert [e.new for e in patch.line_edits(old, new)] == [
        "".join(patch.tokens(new)[j1:j2]).strip()
        for tag, _i1, _i2, j1, j2 in sm.get_opcodes()
        if tag != "equal"
    ]


@pytest.mark.parametrize("shift", [0, 1, 3])
def test_pairing_bounds_change_nothing(shift: int) -> None:
    removed = LINES[::2] + LINES[:shift]
    added = LINES[shift:] + LINES[1::2]
    assert patch.pair_lines(removed, added) == _plain_pairs(removed, added)
    assert patch.pair_lines(added, removed) == _plain_pairs(added, removed)


def _edited(tmp_path: Path, pages: dict[str, str], old: str, new: str) -> Path:
    """A repository of ``pages``, then one commit replacing ``old`` with ``new`` in each."""
    repo = init_repo(tmp_path / "docs")
    commit_files(repo, pages, "base", "2025-05-01T10:00:00+00:00")
    edited = {k: v.replace(old, new) for k, v in pages.items()}
    commit_files(repo, edited, "edit", "2025-05-02T10:00:00+00:00")
    return repo


def test_long_runs_log_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pages = {f"p{i}.md": f"# Page {i}\n\nText {i}.\n" for i in range(4)}
    repo = _edited(tmp_path, pages, "Text", "Body text")
    monkeypatch.setattr(pipeline, "PROGRESS_LOG_SECONDS", 0.0)
    with caplog.at_level(logging.INFO, logger="diffinsight.pipeline"):
        result = run(GitSource(repo, "HEAD~1..HEAD"), write=False)
    assert len(result.changeset.files) == 4
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("analyse:")]
    assert [ln.split(",")[0] for ln in lines] == [f"analyse: {n}/4 done" for n in (1, 2, 3)]
    assert all("s left" in ln for ln in lines)


def test_documents_let_go_only_when_the_writer_does_not_read_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from diffinsight.models import Report
    from diffinsight.writers.base import ReportRequest
    from diffinsight.writers.offline import OfflineWriter

    pages = {f"p{i}.md": f"# Page {i}\n\n| A | B |\n|---|---|\n| {i} | x |\n" for i in range(3)}
    repo = _edited(tmp_path, pages, "| x |", "| y |")
    source = GitSource(repo, "HEAD~1..HEAD")
    monkeypatch.setattr(pipeline, "TRIM_EVERY", 2)  # the hand-back runs mid-way too

    class Reading(OfflineWriter):
        """A writer that reads the documents when it writes (as the LLM writer does)."""

        reads_contents = True

        def write(self, request: ReportRequest) -> list[Report]:
            assert all(af.change.new_text for af in request.files)
            return super().write(request)

    day = date(2025, 5, 2)
    kept = source.changeset()
    read = pipeline.build_reports(kept, day=day, writer=Reading())
    assert all(f.old_text and f.new_text for f in kept.files)
    let_go = source.changeset()
    offline = pipeline.build_reports(let_go, day=day)
    assert all(f.old_text is None and f.new_text is None for f in let_go.files)
    # The facts were taken from the whole documents before they went.
    assert [r.model_dump() for r in offline] == [r.model_dump() for r in read]


def test_summary_json_is_what_json_dumps_writes() -> None:
    import json
    import random

    from diffinsight.render.reference.write import _summary_json

    rng = random.Random(3)
    alphabet = [
        "a",
        '"',
        "\\",
        "\n",
        "\t",
        "\x00",
        "\x1f",
        "\u2028",
        "\ud800",
        "é",
        "中",
        "😀",
        "/",
    ]
    for _ in range(5_000):
        title = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        kind = rng.choice(["new-feature", "breaking-change", title])
        want = {"modification_type": kind, "modification_title": title}
        assert _summary_json(kind, title) == json.dumps(want, ensure_ascii=False, indent=4)
