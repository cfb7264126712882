"""The daily job: watch list, state, run/backfill, crash and resume, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diffinsight.cli import app
from diffinsight.daily import parse_backfill, run_watchlist
from diffinsight.errors import ConfigError, InputError
from diffinsight.models import Report
from diffinsight.render import FORMATS
from diffinsight.render.reference.read import parse_report
from diffinsight.sources.github import GitHubClient
from diffinsight.sources.history import (
    SOURCE_KINDS,
    GitHubHistory,
    History,
    LocalHistory,
    SourceKind,
)
from diffinsight.state import State, sha256_text
from diffinsight.watchlist import load_watchlist, parse_watchlist
from github_server import FakeGitHub
from gitutil import commit_files, git, init_repo, publish

SRC = Path(__file__).resolve().parents[1] / "src"

#: (commit time UTC, files): May 2025. In Asia/Tokyo the 05-03 20:00 commit falls on 05-04.
HISTORY: list[tuple[str, dict[str, str | None]]] = [
    (
        "2025-05-01T01:00:00",
        {"articles/openai/a.md": "# A\n\nOne.\n", "articles/search/s.md": "# S\n\nOne.\n"},
    ),
    ("2025-05-01T05:00:00", {"articles/openai/a.md": "# A\n\nTwo.\n"}),
    ("2025-05-03T20:00:00", {"articles/search/s.md": "# S\n\nTwo.\n"}),
    (
        "2025-05-07T02:00:00",
        {"articles/openai/b.md": "# B\n\nNew.\n", "articles/search/s.md": "# S\n\nThree.\n"},
    ),
    ("2025-05-20T03:00:00", {"articles/openai/a.md": "# A\n\nThree.\n", "media/x.txt": "x\n"}),
]

WATCH = """\
output_dir: site
timezone: Asia/Tokyo
languages: [en_US, ja_JP]
categories:
  openai: {paths: [articles/openai]}
  search: {paths: [articles/search]}
catch_all: null
repositories:
  - path: docs
    branch: main
"""


def build_docs(repo: Path) -> list[str]:
    init_repo(repo)
    return [
        commit_files(repo, files, f"change {i}", when + "+00:00")
        for i, (when, files) in enumerate(HISTORY)
    ]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    build_docs(tmp_path / "docs")
    (tmp_path / "watch.yml").write_text(WATCH, encoding="utf-8")
    return tmp_path


def reports_in(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.md"))


def snapshot(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(site.rglob("*"))
        if p.is_file() and ".diffinsight" not in p.parts
    }


def cli_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "diffinsight", "run", *args],
        capture_output=True,
        text=True,
        env=full,
        check=False,
    )


def killed_run(work: Path, point: str, days: str | None = None) -> None:
    """The daily job on ``work``'s watch list, SIGKILLed at ``point`` (``NAME:N``)."""
    name, n = point.split(":")
    script = Path(__file__).with_name("daily_kill.py")
    argv = [
        sys.executable,
        str(script),
        str(work / "watch.yml"),
        name,
        n,
        *([days] if days else []),
    ]
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{script.parent}"}
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == -9, proc.stderr


EXPECTED_MAY = [
    f"docs/202505/{lang}/report-{day}-{cat}.md"
    for day, cat in [
        ("20250501", "openai"),
        ("20250501", "search"),
        ("20250504", "search"),
        ("20250507", "openai"),
        ("20250507", "search"),
        ("20250520", "openai"),
    ]
    for lang in ("en_US", "ja_JP")
]


def test_backfill_month_one_report_per_active_day_and_category(work: Path) -> None:
    cfg = load_watchlist(work / "watch.yml")
    summary = run_watchlist(cfg, backfill=parse_backfill("2025-05-01..2025-05-31"))
    assert summary.ok
    site = work / "site"
    assert reports_in(site) == sorted(EXPECTED_MAY)
    outcome = summary.repos[0]
    assert sorted(outcome.days) == [date(2025, 5, d) for d in (1, 4, 7, 20)]
    assert len(outcome.empty_days) == 27
    # The 05-01 report covers both commits of that day, from the parent of the first.
    rep = parse_report(
        (site / "docs/202505/en_US/report-20250501-openai.md").read_text("utf-8"), "r"
    )
    assert [f.path for f in rep.files] == ["articles/openai/a.md"]
    assert rep.date == date(2025, 5, 1)
    index = json.loads((site / "index.json").read_text("utf-8"))["reports"]
    assert sorted(e["path"] for e in index) == sorted(EXPECTED_MAY)
    assert index[0]["date"] == "2025-05-20"
    assert {"path", "date", "language", "category", "title", "permalink", "summary", "repo"} <= set(
        index[0]
    )
    # A backfill leaves the daily cursor alone.
    with State(summary.state) as st:  # type: ignore[arg-type]
        assert st.cursor(cfg.repositories[0].key, "main") is None
    # Running it again writes nothing.
    again = run_watchlist(cfg, backfill=parse_backfill("2025-05-01..2025-05-31"))
    assert again.written == [] and len(again.repos[0].skipped_days) == 4


def test_run_twice_writes_nothing_the_second_time(work: Path) -> None:
    cfg = load_watchlist(work / "watch.yml")
    first = run_watchlist(cfg)
    assert [p.name for p in first.written] == ["report-20250520-openai.md"] * 2
    before = snapshot(work / "site")
    state_file = work / "site/.diffinsight/state.sqlite"
    state_bytes, state_mtime = state_file.read_bytes(), state_file.stat().st_mtime_ns
    second = cli_run("--config", str(work / "watch.yml"))
    assert second.returncode == 0 and second.stdout == ""
    assert "nothing new" in second.stderr
    assert snapshot(work / "site") == before
    assert state_file.read_bytes() == state_bytes and state_file.stat().st_mtime_ns == state_mtime
    # New commits: a later one on the same day completes that day's report; a new day gets its own.
    repo = work / "docs"
    commit_files(repo, {"articles/openai/c.md": "# C\n"}, "same day", "2025-05-20T09:00:00+00:00")
    commit_files(repo, {"articles/search/t.md": "# T\n"}, "next day", "2025-05-21T09:00:00+00:00")
    third = run_watchlist(cfg)
    assert sorted(p.name for p in third.written) == sorted(
        ["report-20250520-openai.md", "report-20250521-search.md"] * 2
    )
    rep = parse_report(
        (work / "site/docs/202505/en_US/report-20250520-openai.md").read_text("utf-8"), "r"
    )
    assert [f.path for f in rep.files] == ["articles/openai/a.md", "articles/openai/c.md"]
    with State(third.state) as st:  # type: ignore[arg-type]
        assert st.cursor(cfg.repositories[0].key, "main") == git(repo, "rev-parse", "main")


def _crash_and_resume(work: Path, days: str, point: str) -> subprocess.CompletedProcess[str]:
    killed_run(work, point, days)
    return cli_run("--config", str(work / "watch.yml"), "--backfill", days)


@pytest.mark.parametrize("point", ["after-write:2", "after-record:3"])
def test_killed_backfill_resumes_to_the_same_files(work: Path, tmp_path: Path, point: str) -> None:
    clean = tmp_path / "clean"
    ok = cli_run(
        "--config",
        str(work / "watch.yml"),
        "--backfill",
        "2025-05-01..2025-05-31",
        "--out",
        str(clean),
    )
    assert ok.returncode == 0, ok.stderr
    resumed = _crash_and_resume(work, "2025-05-01..2025-05-31", point)
    assert resumed.returncode == 0, resumed.stderr
    assert snapshot(work / "site") == snapshot(clean)
    # Days finished before the kill were not written again.
    done_before = int(point.split(":")[1]) - (1 if point.startswith("after-write") else 0)
    assert resumed.stderr.count("already reported") == done_before
    with State(work / "site/.diffinsight/state.sqlite") as st:
        assert sorted(r.path for r in st.reports()) == sorted(EXPECTED_MAY)


def test_run_killed_mid_write_leaves_no_temp_files_after_the_next_run(work: Path) -> None:
    killed_run(work, "mid-write:3", "2025-05-01..2025-05-31")
    left = sorted((work / "site").rglob("*.tmp"))
    assert left  # the kill came between staging and renaming
    # Not ours (no mkstemp part in the name): left alone.
    (work / "site" / "notes.tmp").write_text("keep")
    again = cli_run("--config", str(work / "watch.yml"), "--backfill", "2025-05-01..2025-05-31")
    assert again.returncode == 0, again.stderr
    assert sorted((work / "site").rglob("*.tmp")) == [work / "site" / "notes.tmp"]
    with State(work / "site/.diffinsight/state.sqlite") as st:
        assert sorted(r.path for r in st.reports()) == sorted(EXPECTED_MAY)


def test_killed_run_does_not_advance_state(work: Path) -> None:
    cfg = load_watchlist(work / "watch.yml")
    run_watchlist(cfg)  # cursor at 05-20
    repo = work / "docs"
    commit_files(repo, {"articles/search/t.md": "# T\n"}, "d1", "2025-05-21T09:00:00+00:00")
    commit_files(repo, {"articles/openai/d.md": "# D\n"}, "d2", "2025-05-22T09:00:00+00:00")
    key = cfg.repositories[0].key
    with State(work / "site/.diffinsight/state.sqlite") as st:
        old = st.cursor(key, "main")
    killed_run(work, "after-record:1")
    with State(work / "site/.diffinsight/state.sqlite") as st:
        assert st.cursor(key, "main") == old
    again = cli_run("--config", str(work / "watch.yml"))
    assert again.returncode == 0, again.stderr
    with State(work / "site/.diffinsight/state.sqlite") as st:
        assert st.cursor(key, "main") == git(repo, "rev-parse", "main")
    assert "report-20250522-openai.md" in again.stdout and "20250521" not in again.stdout


def test_two_runs_at_once_are_refused(work: Path) -> None:
    cfg = load_watchlist(work / "watch.yml")
    with State(work / "site/.diffinsight/state.sqlite"):
        res = cli_run("--config", str(work / "watch.yml"))
        with pytest.raises(InputError, match="another diffinsight run is using this state"):
            run_watchlist(cfg)
    assert res.returncode == 2
    assert "another diffinsight run is using this state" in res.stderr
    assert not (work / "site/docs").exists()


def test_force_push_is_reported_and_from_recovers(work: Path) -> None:
    cfg = load_watchlist(work / "watch.yml")
    run_watchlist(cfg)
    repo = work / "docs"
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    commit_files(
        repo,
        {"articles/openai/a.md": "# A\n\nRewritten.\n"},
        "rewritten",
        "2025-05-20T04:00:00+00:00",
    )
    res = CliRunner().invoke(app, ["run", "--config", str(work / "watch.yml")])
    assert res.exit_code == 2
    assert "is not an ancestor of" in res.output and "--from REV" in res.output
    with State(work / "site/.diffinsight/state.sqlite") as st:
        st.set_cursor(cfg.repositories[0].key, "main", "0123456789abcdef0123456789abcdef01234567")
    res = CliRunner().invoke(app, ["run", "--config", str(work / "watch.yml")])
    assert res.exit_code == 2 and "0123456789ab no longer exists" in res.output
    res = CliRunner().invoke(
        app, ["run", "--config", str(work / "watch.yml"), "--repo", "docs", "--from", "HEAD~1"]
    )
    assert res.exit_code == 0, res.output
    rep = parse_report(
        (work / "site/docs/202505/en_US/report-20250520-openai.md").read_text("utf-8"), "r"
    )
    assert "Rewritten." in (rep.files[0].patch or "")
    res = CliRunner().invoke(app, ["run", "--config", str(work / "watch.yml")])
    assert res.exit_code == 0 and "nothing new" in res.output


def test_empty_day_and_bad_backfill(work: Path) -> None:
    res = CliRunner().invoke(
        app, ["run", "--config", str(work / "watch.yml"), "--backfill", "2025-05-02"]
    )
    assert res.exit_code == 0 and "nothing new to write" in res.output
    assert reports_in(work / "site") == []
    res = CliRunner().invoke(
        app, ["run", "--config", str(work / "watch.yml"), "--backfill", "2025-05-09..2025-05-02"]
    )
    assert res.exit_code == 2 and "swap them" in res.output


def test_watch_list_typos_name_key_and_line(tmp_path: Path) -> None:
    bad = WATCH.replace("    branch: main\n", "    branch: main\n    brnach: dev\n")
    with pytest.raises(ConfigError, match=r"line 11: unknown key 'repositories.0.brnach'"):
        parse_watchlist(bad, "watch.yml")
    with pytest.raises(ConfigError, match=r"exactly one of 'github: OWNER/REPO' or 'path: FOLDER'"):
        parse_watchlist(WATCH.replace("  - path: docs\n", "  - path: docs\n    github: a/b\n"), "w")
    with pytest.raises(ConfigError, match=r"unknown key 'timezon'"):
        parse_watchlist(WATCH.replace("timezone:", "timezon:"), "w")
    with pytest.raises(ConfigError, match=r"w: line 2: timezone: unknown time zone 'Mars/Base'"):
        parse_watchlist(WATCH.replace("Asia/Tokyo", "Mars/Base"), "w", base=tmp_path)
    assert not (tmp_path / "site").exists()


def test_unknown_repository_path_fails_that_repo_only(work: Path) -> None:
    (work / "watch.yml").write_text(WATCH + "  - path: nowhere\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["run", "--config", str(work / "watch.yml")])
    assert res.exit_code == 2
    assert "nowhere: no such file or folder" in res.output
    assert "1 of 2 repositories failed: nowhere; their state is unchanged" in res.output
    res = CliRunner().invoke(app, ["run", "--config", str(work / "watch.yml"), "--from", "HEAD~1"])
    assert res.exit_code == 2 and "--from: name the one repository" in res.output
    res = CliRunner().invoke(app, ["run", "--config", str(work / "watch.yml"), "--repo", "dcos"])
    assert (
        res.exit_code == 2
        and "--repo dcos: not in the watch list; choose from docs, nowhere" in res.output
    )
    assert reports_in(work / "site") == [
        "docs/202505/en_US/report-20250520-openai.md",
        "docs/202505/ja_JP/report-20250520-openai.md",
    ]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    root = tmp_path / "server"
    root.mkdir()
    server = FakeGitHub(root=root, token="t0ken").start()
    monkeypatch.setenv("GITHUB_API_URL", server.base_url)
    monkeypatch.setenv("GITHUB_SERVER_URL", f"file://{root}")
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.setenv("DIFFINSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    yield server
    server.stop()


def test_github_repository_in_the_watch_list(work: Path, fake: FakeGitHub) -> None:
    # A first commit so that every reported day has a parent the compare API can diff against.
    publish(work / "docs", fake.root, "Contoso/docs")
    local = load_watchlist(work / "watch.yml")
    gh = parse_watchlist(
        WATCH.replace("  - path: docs\n", "  - github: Contoso/docs\n    name: docs\n"),
        "w",
        base=work,
    )
    gh.output_dir = str(work / "site-gh")
    days = parse_backfill("2025-05-02..2025-05-31")
    assert run_watchlist(local, backfill=days).ok
    summary = run_watchlist(gh, backfill=days)
    assert summary.ok, summary.repos[0].error
    assert reports_in(work / "site-gh") == reports_in(work / "site")
    for rel in reports_in(work / "site"):
        a = parse_report((work / "site" / rel).read_text("utf-8"), rel)
        b = parse_report((work / "site-gh" / rel).read_text("utf-8"), rel)
        assert [(f.path, f.patch) for f in a.files] == [(f.path, f.patch) for f in b.files]
        assert b.permalink and b.permalink.startswith(
            "https://github.com/Contoso/docs/compare/Contoso:"
        )
    # The root commit's day cannot be compared on GitHub: said plainly, nothing written for it.
    root_day = run_watchlist(gh, backfill=parse_backfill("2025-05-01"))
    assert not root_day.ok and "root commit" in str(root_day.repos[0].error)
    # Bad token and unknown repository: a clear error, nothing written, state unchanged.
    before = snapshot(work / "site-gh")
    state_bytes = (work / "site-gh/.diffinsight/state.sqlite").read_bytes()
    (work / "gh.yml").write_text(
        WATCH.replace("output_dir: site", "output_dir: site-gh").replace(
            "  - path: docs\n",
            "  - github: Contoso/nope\n    branch: main\n  - github: Contoso/docs\n    name: docs\n",
        ),
        "utf-8",
    )
    res = CliRunner().invoke(
        app, ["run", "--config", str(work / "gh.yml")], env={"GITHUB_TOKEN": "bad"}
    )
    assert res.exit_code == 2
    assert "docs: Contoso/docs main: GitHub refused the token (401 Bad credentials)" in res.output
    res = CliRunner().invoke(
        app, ["run", "--config", str(work / "gh.yml"), "--repo", "Contoso/nope"]
    )
    assert res.exit_code == 2 and "Contoso/nope main: not found on GitHub" in res.output
    assert snapshot(work / "site-gh") == before
    assert (work / "site-gh/.diffinsight/state.sqlite").read_bytes() == state_bytes
    # A daily run on a GitHub repository: the head's day (already backfilled) is skipped,
    # the cursor is set, and the next run has nothing to do.
    first = run_watchlist(gh)
    assert first.ok and first.written == [] and first.repos[0].skipped_days == [date(2025, 5, 20)]
    assert first.repos[0].cursor_to == git(work / "docs", "rev-parse", "main")
    second = run_watchlist(gh)
    assert second.ok and second.written == [] and second.repos[0].days == []


def test_from_must_be_an_ancestor(work: Path) -> None:
    repo = work / "docs"
    git(repo, "checkout", "-q", "-b", "side", "HEAD~2")
    side = commit_files(
        repo, {"articles/openai/z.md": "# Z\n"}, "side", "2025-05-08T00:00:00+00:00"
    )
    git(repo, "checkout", "-q", "main")
    res = CliRunner().invoke(
        app, ["run", "--config", str(work / "watch.yml"), "--repo", "docs", "--from", side]
    )
    assert res.exit_code == 2
    assert f"--from {side[:12]} is not an ancestor of" in res.output
    assert reports_in(work / "site") == []


def test_changed_categories_rewrite_a_day_and_drop_its_stale_reports(work: Path) -> None:
    days = parse_backfill("2025-05-07")
    run_watchlist(load_watchlist(work / "watch.yml"), backfill=days)
    assert len(reports_in(work / "site")) == 4
    (work / "watch.yml").write_text(
        WATCH.replace("  search: {paths: [articles/search]}\n", ""), "utf-8"
    )
    summary = run_watchlist(load_watchlist(work / "watch.yml"), backfill=days)
    assert reports_in(work / "site") == [
        "docs/202505/en_US/report-20250507-openai.md",
        "docs/202505/ja_JP/report-20250507-openai.md",
    ]
    assert len(summary.repos[0].removed) == 2
    index = json.loads((work / "site/index.json").read_text("utf-8"))["reports"]
    assert sorted(e["path"] for e in index) == reports_in(work / "site")


def test_output_collisions_are_refused_before_any_work(work: Path) -> None:
    two = WATCH + "  - path: docs\n    name: again\n"
    cfg = parse_watchlist(
        two.replace("languages:", 'output: "%Y/{lang}-{category}.md"\nlanguages:'), "w", base=work
    )
    with pytest.raises(
        ConfigError, match=r"repositories docs and again would write the same files; add \{repo\}"
    ):
        run_watchlist(cfg)
    cfg = parse_watchlist(
        WATCH.replace("languages:", 'output: "{repo}/%Y%m%d-{category}.md"\nlanguages:'),
        "w",
        base=work,
    )
    with pytest.raises(InputError, match=r"several languages need \{lang\}"):
        run_watchlist(cfg)
    assert not (work / "site").exists()


def test_daily_run_writes_with_the_llm_engine_when_a_provider_is_configured(
    work: Path, tmp_path: Path
) -> None:
    from llm_server import ChatServer

    with ChatServer() as srv:
        env = {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": srv.url + "/v1",
            "DIFFINSIGHT_MODEL": "local-model",
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
        }
        r = cli_run("--config", str(work / "watch.yml"), "--backfill", "2025-05-01", env=env)
        assert r.returncode == 0, r.stderr
        assert srv.requests and all(s.body["model"] == "local-model" for s in srv.requests)
    assert "offline engine" not in r.stderr
    written = [ln.split("\t")[0] for ln in r.stdout.splitlines() if ln.endswith("written")]
    assert written and all(Path(p).is_file() for p in written)


def test_llm_outage_is_retried_with_the_model_and_rewritten_in_place(
    work: Path, tmp_path: Path
) -> None:
    import json
    import socket

    from llm_server import ChatServer

    with socket.socket() as s:  # a port nothing listens on: the model is unreachable
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    base_env = {
        "OPENAI_API_KEY": "sk-test",
        "DIFFINSIGHT_MODEL": "local-model",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    args = ["--config", str(work / "watch.yml"), "--backfill", "2025-05-01", "--engine", "llm"]
    down = cli_run(*args, env={**base_env, "OPENAI_BASE_URL": f"http://127.0.0.1:{dead}/v1"})
    assert down.returncode == 3, down.stderr
    assert "no model answered" in down.stderr and down.stderr.count("\n") >= 1
    offline = {
        p: Path(p).read_text("utf-8")
        for p in (ln.split("\t")[0] for ln in down.stdout.splitlines())
    }
    assert offline
    english = [t for p, t in offline.items() if "/en_US/" in p]
    assert english and all(
        t.rstrip("\n").splitlines()[-1].startswith("Written without the language model (")
        for t in english
    )
    state_file = work / "site/.diffinsight/state.sqlite"
    with State(state_file) as st:
        key = load_watchlist(work / "watch.yml").repositories[0].key
        engine, missed, since = st.unit_engine(key, "main", "2025-05-01")
    assert engine == "offline" and missed and missed.startswith("llm-unreached") and since
    with ChatServer() as srv:
        up = cli_run(*args, env={**base_env, "OPENAI_BASE_URL": srv.url + "/v1"})
        assert up.returncode == 0, up.stderr
        assert srv.requests
    rewritten = [ln.split("\t")[0] for ln in up.stdout.splitlines() if ln.endswith("written")]
    assert sorted(rewritten) == sorted(offline)
    assert all(Path(p).read_text("utf-8") != offline[p] for p in rewritten)
    assert not any("without the language model" in Path(p).read_text("utf-8") for p in rewritten)
    with State(state_file) as st:
        assert st.unit_engine(key, "main", "2025-05-01")[:2] == ("llm", None)
        rows = st.reports()
    for r in rows:  # the state describes the rewritten files, and index.json the state
        assert sha256_text((work / "site" / r.path).read_text("utf-8")) == r.sha256
    index = json.loads((work / "site" / "index.json").read_text("utf-8"))
    assert {e["path"]: e["summary"] for e in index["reports"]} == {r.path: r.summary for r in rows}
    assert not list((work / "site").rglob("*.tmp"))


def test_a_new_source_kind_is_one_registry_entry(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[tuple[str, str]] = []

    def open_mirror(location: str, branch: str) -> History:
        opened.append((location, branch))
        return LocalHistory(location, branch)

    mirror = SourceKind(
        key="mirror",
        metavar="FOLDER",
        open=open_mirror,
        problem=lambda v: None if v != "bad" else "not a mirror",
        display=lambda v: Path(v).name,
        is_path=True,
    )
    monkeypatch.setitem(SOURCE_KINDS, "mirror", mirror)
    text = WATCH.replace("  - path: docs\n", "  - mirror: docs\n")
    cfg = parse_watchlist(text, "w", base=work)
    assert cfg.repositories[0].key == f"mirror:{work / 'docs'}"
    days = parse_backfill("2025-05-01..2025-05-31")
    summary = run_watchlist(cfg, backfill=days)
    assert summary.ok and opened == [(str(work / "docs"), "main")]
    mirrored = snapshot(work / "site")
    assert "index.json" in mirrored and len(mirrored) == 13
    with pytest.raises(ConfigError, match=r"or 'mirror: FOLDER'"):
        parse_watchlist(text.replace("    branch: main\n", "    branch: main\n    path: x\n"), "w")
    with pytest.raises(ConfigError, match=r"repositories.0: mirror: not a mirror"):
        parse_watchlist(text.replace("mirror: docs", "mirror: bad"), "w")
    # The same repository read as a plain path writes the same files.
    plain = load_watchlist(work / "watch.yml")
    plain.output_dir = str(work / "plain")
    assert run_watchlist(plain, backfill=days).ok
    assert snapshot(work / "plain") == mirrored


def test_a_history_opener_brings_its_own_github_client(
    work: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(work / "docs", fake.root, "Contoso/docs")
    gh = parse_watchlist(
        WATCH.replace("  - path: docs\n", "  - github: Contoso/docs\n    name: docs\n"),
        "w",
        base=work,
    )
    days = parse_backfill("2025-05-02..2025-05-31")
    monkeypatch.setenv("GITHUB_TOKEN", "bad")  # the default client would be refused
    failed = run_watchlist(gh, backfill=days)
    assert not failed.ok and "refused the token" in str(failed.repos[0].error)
    client = GitHubClient(fake.base_url, token="t0ken")
    summary = run_watchlist(
        gh,
        backfill=days,
        histories={"github": lambda loc, branch: GitHubHistory(loc, branch, client)},
    )
    assert summary.ok, summary.repos[0].error
    assert "docs/202505/en_US/report-20250507-openai.md" in reports_in(work / "site")


class PlainRenderer:
    """A format of the tests' own: registered by one entry in ``FORMATS``."""

    name = "plain"
    suffix = ".txt"

    def render(self, report: Report) -> str:
        return f"{report.title}\n" + "".join(f"- {f.path}\n" for f in report.files)


def test_a_new_format_is_one_module_and_one_registry_entry(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match=r"format: unknown format 'plain'; choose from markdown"):
        parse_watchlist("format: plain\n" + WATCH, "w")
    monkeypatch.setitem(FORMATS, "plain", "test_daily:PlainRenderer")
    cfg = parse_watchlist("format: plain\n" + WATCH, "w", base=work)
    summary = run_watchlist(cfg, backfill=parse_backfill("2025-05-07"))
    assert summary.ok
    rel = "docs/202505/en_US/report-20250507-openai.txt"
    assert {p.relative_to(work / "site").as_posix() for p in summary.written} >= {rel}
    text = (work / "site" / rel).read_text(encoding="utf-8")
    assert text.startswith("[en_US] Diff Insight Report - openai\n- articles/openai/b.md")
