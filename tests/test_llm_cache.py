"""llm.db across releases and guard versions; what the writer computes once per report."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from diffinsight.analysis import AnalyzedFile
from diffinsight.errors import ConfigError
from diffinsight.models import FileChange, FileReport
from diffinsight.providers.fake import FakeProvider
from diffinsight.writers.llm.cache import MIGRATIONS, SCHEMA_VERSION, CallCache
from diffinsight.writers.llm.settings import LLMSettings
from diffinsight.writers.llm.writer import LLMWriter
from test_llm_units import _answer, _request

#: The layout as released before it had a version (main at d966f5a), statement for statement.
UNVERSIONED = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    content TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    key TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    purpose TEXT NOT NULL,
    messages TEXT NOT NULL,
    params TEXT NOT NULL,
    response TEXT,
    finish_reason TEXT,
    error TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0
);
"""


def _answers_of_a_first_run(tmp_path: Path) -> list[tuple[object, ...]]:
    """The responses rows a run writes (keys as the writer computes them)."""
    cache = CallCache(tmp_path / "first.db")
    LLMWriter(FakeProvider([_answer] * 5), LLMSettings(), model="m", cache=cache).write(
        _request(3, ["en_US"])
    )
    cache.close()
    with sqlite3.connect(tmp_path / "first.db") as db:
        rows = db.execute(
            "SELECT key, model, content, finish_reason, input_tokens, output_tokens, created"
            " FROM responses"
        ).fetchall()
    assert rows
    return rows


def test_an_unversioned_file_migrates_and_serves_its_answers(tmp_path: Path) -> None:
    old = tmp_path / "llm.db"
    db = sqlite3.connect(old)
    db.executescript(UNVERSIONED)
    # Rows as the old release wrote them (positional inserts, no salt column).
    db.executemany(
        "INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)", _answers_of_a_first_run(tmp_path)
    )
    db.execute(
        "INSERT INTO calls VALUES (NULL, 1.0, 'k', 'openai', 'm', 'files', '[]', '{}',"
        " 'answer', 'stop', NULL, 10, 5, 0, 120)"
    )
    db.commit()
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    db.close()

    cache = CallCache(old)
    fake = FakeProvider()  # nothing queued: any call that is not served from the file fails
    (report,) = LLMWriter(fake, LLMSettings(), model="m", cache=cache).write(_request(3, ["en_US"]))
    cache.close()
    assert fake.requests == []
    assert report.usage is not None and report.usage.calls == 0 and report.usage.cache_hits > 0
    assert [f.engine for f in report.files] == ["llm"] * 3

    with sqlite3.connect(old) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        calls = db.execute(
            "SELECT key, duration_ms, salt, cached FROM calls ORDER BY id"
        ).fetchall()
    assert calls[0] == ("k", 120, "", 0)  # the old log row kept, with the new column's default
    assert {c[2] for c in calls[1:]} == {"guard-1"} and all(c[3] == 1 for c in calls[1:])


def test_reopening_a_current_file_changes_nothing(tmp_path: Path) -> None:
    CallCache(tmp_path / "llm.db").close()
    CallCache(tmp_path / "llm.db").close()
    with sqlite3.connect(tmp_path / "llm.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        columns = [r[1] for r in db.execute("PRAGMA table_info(calls)")]
    assert columns.count("salt") == 1


def test_a_file_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "llm.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ConfigError) as err:
        CallCache(path)
    assert str(err.value).startswith(f"llm.cache {path}: written by a newer diffinsight")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_released_migrations_are_never_edited() -> None:
    # Append a migration for a new layout; a released one changed would skip files in the field.
    released = {
        1: "2f507dfc",
        2: "726bb634",
    }
    for n, digest in released.items():
        text = "\n".join(MIGRATIONS[n - 1])
        assert hashlib.sha256(text.encode()).hexdigest()[:8] == digest, f"migration {n} edited"


def test_a_new_guard_version_never_serves_answers_judged_by_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import diffinsight.writers.llm.writer as writer_module

    path = tmp_path / "llm.db"

    def run(replies: list[object]) -> tuple[FakeProvider, int]:
        cache = CallCache(path)
        fake = FakeProvider(replies)  # type: ignore[arg-type]
        (report,) = LLMWriter(fake, LLMSettings(), model="m", cache=cache).write(
            _request(2, ["en_US"])
        )
        cache.close()
        assert report.usage is not None
        return fake, report.usage.cache_hits

    first, _ = run([_answer] * 5)
    assert first.requests
    again, hits = run([])
    assert again.requests == [] and hits == len(first.requests)
    monkeypatch.setattr(writer_module, "GUARD_VERSION", "guard-stricter")
    stricter, hits = run([_answer] * 5)
    assert hits == 0 and len(stricter.requests) == len(first.requests)


def test_the_offline_engine_runs_once_per_file_and_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import diffinsight.writers.llm.planner as planner_module
    import diffinsight.writers.llm.writer as writer_module

    described: Counter[tuple[str, str]] = Counter()
    evidenced: Counter[str] = Counter()
    # Replaced where the writer looks them up (their modules import them from elsewhere).
    describe = writer_module.describe  # type: ignore[attr-defined]
    evidence_for = planner_module.evidence_for  # type: ignore[attr-defined]

    def counted_describe(af: AnalyzedFile, lang: str) -> FileReport:
        described[(af.change.path, lang)] += 1
        return describe(af, lang)

    def counted_evidence(change: FileChange, *args: Any, **kwargs: Any) -> list[str]:
        evidenced[change.path] += 1
        return evidence_for(change, *args, **kwargs)

    monkeypatch.setattr(writer_module, "describe", counted_describe)
    monkeypatch.setattr(planner_module, "evidence_for", counted_evidence)
    monkeypatch.setattr(writer_module, "evidence_for", counted_evidence)
    langs = ["en_US", "ja_JP", "de_DE"]
    request = _request(3, langs)
    reports = LLMWriter(FakeProvider([_answer] * 10), LLMSettings(), model="m").write(request)
    assert len(reports) == 3
    paths = [af.change.path for af in request.files]
    # The fallback entry of each language, nothing more; the evidence once per file.
    assert described == Counter({(p, lang): 1 for p in paths for lang in langs})
    assert evidenced == Counter({p: 1 for p in paths})
