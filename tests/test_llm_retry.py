"""An LLM outage in the daily job is not permanent, and not endless.

A day written by the offline engine because no model answered is written again with the model
on a later run, for ``llm_retry_days`` (3) after the first miss; the files are replaced in
place, ``index.json`` follows the state, and a site built from the folder re-announces the
corrected reports in its feeds. Real runs of the command line, a real chat server on
127.0.0.1 and a port nothing listens on.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from clirun import cli
from diffinsight.render.reference.read import parse_report
from diffinsight.site.build import build_site
from diffinsight.state import sha256_text
from gitutil import commit_files, init_repo
from llm_server import ChatServer

ATOM = "{http://www.w3.org/2005/Atom}"
WATCH = "output_dir: site\nlanguages: [en_US]\nrepositories:\n  - path: docs\n    branch: main\n"
DAYS = ("2025-05-01", "2025-05-02")
ARGS = ("run", "--config", "watch.yml", "--backfill", f"{DAYS[0]}..{DAYS[1]}", "--engine", "llm")
NOTE = "Written without the language model ("


@pytest.fixture
def work(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "docs")
    commit_files(repo, {"articles/a.md": "# A\n\nOne.\n"}, "one", f"{DAYS[0]}T01:00:00+00:00")
    commit_files(repo, {"articles/a.md": "# A\n\nTwo.\n"}, "two", f"{DAYS[1]}T01:00:00+00:00")
    (tmp_path / "watch.yml").write_text(WATCH, encoding="utf-8")
    return tmp_path


def _env(work: Path, base_url: str) -> dict[str, str]:
    return {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": base_url,
        "DIFFINSIGHT_MODEL": "local-model",
        "XDG_CACHE_HOME": str(work / "cache"),
    }


def _down(work: Path) -> subprocess.CompletedProcess[str]:
    with socket.socket() as s:  # a port nothing listens on: the model is unreachable
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    done = cli(*ARGS, cwd=work, env=_env(work, f"http://127.0.0.1:{dead}/v1"))
    assert done.returncode == 3, done.stderr  # a forced LLM run that reached no model
    return done


def _written(done: subprocess.CompletedProcess[str]) -> list[Path]:
    return sorted(
        Path(ln.split("\t")[0]) for ln in done.stdout.splitlines() if ln.endswith("written")
    )


def _feeds(public: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(feed, entry id) -> (summary, updated) of every entry of every feed."""
    out = {}
    for feed in sorted((public / "feeds").glob("*.xml")):
        for e in ET.parse(feed).getroot().findall(f"{ATOM}entry"):
            key = (feed.name, e.findtext(f"{ATOM}id") or "")
            out[key] = (e.findtext(f"{ATOM}summary") or "", e.findtext(f"{ATOM}updated") or "")
    return out


def test_missed_days_are_rewritten_with_the_model_and_index_and_feeds_follow(
    work: Path,
) -> None:
    site, public = work / "site", work / "public"
    down = _down(work)
    offline = {p: p.read_text("utf-8") for p in _written(down)}
    assert len(offline) == 2
    for text in offline.values():  # one line at the end says so, and why
        last = text.rstrip("\n").splitlines()[-1]
        assert last.startswith(NOTE) and "articles/a.md" in last
    index_before = (site / "index.json").read_text("utf-8")
    build_site(site, public, base_url="https://docs.example.com/")
    feeds_before = _feeds(public)
    assert feeds_before

    with ChatServer() as srv:
        up = cli(*ARGS, cwd=work, env=_env(work, srv.url + "/v1"))
        assert up.returncode == 0, up.stderr
        assert srv.requests
    assert "written without the model" in up.stderr and "trying the model again" in up.stderr
    assert _written(up) == sorted(offline)  # the same files, rewritten in place
    rewritten = {p: p.read_text("utf-8") for p in offline}
    assert all(rewritten[p] != offline[p] and NOTE not in rewritten[p] for p in offline)
    assert not list(site.rglob("*.tmp"))

    index = json.loads((site / "index.json").read_text("utf-8"))["reports"]
    before = {e["path"]: e for e in json.loads(index_before)["reports"]}
    assert sorted(e["path"] for e in index) == sorted(before)
    for entry in index:  # index.json describes the files as they are now
        report = parse_report(rewritten[site / entry["path"]], source=entry["path"])
        assert entry["summary"] == report.summary != before[entry["path"]]["summary"]
        assert entry["title"] == report.title

    build_site(site, public, base_url="https://docs.example.com/")
    feeds_after = _feeds(public)
    assert feeds_after.keys() == feeds_before.keys()
    summaries = {e["summary"] for e in index}
    for key, (summary, updated) in feeds_after.items():
        old_summary, old_updated = feeds_before[key]
        assert summary != old_summary and summary in summaries  # the corrected text
        assert updated > old_updated  # re-announced as updated


def _age_first_miss(work: Path, day: str, days_ago: float) -> None:
    db = sqlite3.connect(work / "site" / ".diffinsight" / "state.sqlite")
    when = datetime.now(timezone.utc) - timedelta(days=days_ago)
    with db:
        db.execute(
            "UPDATE units SET missed_since = ? WHERE day = ?",
            (when.isoformat(timespec="seconds"), day),
        )
    db.close()


def test_retries_stop_three_days_after_the_first_miss(work: Path) -> None:
    site = work / "site"
    offline = {p: p.read_text("utf-8") for p in _written(_down(work))}
    first, second = sorted(offline)
    _age_first_miss(work, DAYS[0], 3.1)  # past llm_retry_days: kept as it is
    _age_first_miss(work, DAYS[1], 2.9)  # within: retried
    with ChatServer() as srv:
        up = cli(*ARGS, cwd=work, env=_env(work, srv.url + "/v1"))
        assert up.returncode == 0, up.stderr
        assert srv.requests
    assert _written(up) == [second]
    assert f"{DAYS[0]} already reported" in up.stderr
    assert first.read_text("utf-8") == offline[first]  # still says it was written offline
    assert NOTE not in second.read_text("utf-8")
    rows = sqlite3.connect(site / ".diffinsight" / "state.sqlite").execute(
        "SELECT day, engine, llm_missed IS NOT NULL FROM units ORDER BY day"
    )
    assert list(rows) == [(DAYS[0], "offline", 1), (DAYS[1], "llm", 0)]
    for p, digest in sqlite3.connect(site / ".diffinsight" / "state.sqlite").execute(
        "SELECT path, sha256 FROM reports"
    ):
        assert sha256_text((site / p).read_text("utf-8")) == digest


def test_retry_window_is_a_setting(work: Path) -> None:
    (work / "watch.yml").write_text("llm_retry_days: 0\n" + WATCH, encoding="utf-8")
    offline = {p: p.read_text("utf-8") for p in _written(_down(work))}
    with ChatServer() as srv:
        up = cli(*ARGS, cwd=work, env=_env(work, srv.url + "/v1"))
        assert up.returncode == 0, up.stderr
        assert srv.requests == []  # nothing to retry: no call at all
    assert _written(up) == []
    assert all(p.read_text("utf-8") == t for p, t in offline.items())
