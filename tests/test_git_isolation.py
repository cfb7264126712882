"""Repositories we build (the example, test fixtures) ignore a hostile ~/.gitconfig."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import Repo
from diffinsight.daily import parse_backfill, run_watchlist
from diffinsight.example import run_example
from diffinsight.watchlist import load_watchlist
from gitutil import commit_files, git, init_repo

WATCH = """\
output_dir: site
timezone: UTC
languages: [en_US]
categories:
  docs: {paths: [articles]}
catch_all: null
repositories:
  - path: docs
    branch: main
"""


@pytest.fixture
def hostile_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A $HOME whose git config signs every commit with a failing gpg and runs refusing hooks."""
    home = tmp_path / "home"
    hooks = home / "hooks"
    hooks.mkdir(parents=True)
    for name in ("pre-commit", "commit-msg"):
        hook = hooks / name
        hook.write_text("#!/bin/sh\necho refused by a user hook >&2\nexit 1\n", encoding="utf-8")
        hook.chmod(0o755)
    (home / ".gitconfig").write_text(
        f"[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n[core]\n\thooksPath = {hooks}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    for var in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    return home


def _no_signature(repo: Path) -> None:
    assert "gpgsig" not in git(repo, "cat-file", "commit", "HEAD")


def test_the_hostile_home_does_break_plain_git(hostile_home: Path, tmp_path: Path) -> None:
    # Without this, the tests below would prove nothing.
    plain = tmp_path / "plain"
    subprocess.run(["git", "init", "-q", str(plain)], check=True)
    (plain / "a.md").write_text("# A\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(plain), "add", "-A"], check=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.invalid"}
    env.update(GIT_COMMITTER_NAME="A", GIT_COMMITTER_EMAIL="a@example.invalid")
    proc = subprocess.run(
        ["git", "-C", str(plain), "commit", "-q", "-m", "x"], capture_output=True, env=env
    )
    assert proc.returncode != 0


def test_example_builds_under_a_hostile_home(hostile_home: Path, tmp_path: Path) -> None:
    results = run_example(tmp_path / "out", repo=tmp_path / "contoso", languages=["en_US"])
    assert [p.suffix for r in results for p in r.paths[:1]] == [".md", ".json"]
    for r in results:
        assert all(p.is_file() for p in r.paths)
    _no_signature(tmp_path / "contoso")


def test_daily_run_under_a_hostile_home(hostile_home: Path, tmp_path: Path) -> None:
    docs = init_repo(tmp_path / "docs")
    commit_files(docs, {"articles/a.md": "# A\n\nOne.\n"}, "first", "2025-05-01T01:00:00+00:00")
    commit_files(docs, {"articles/a.md": "# A\n\nTwo.\n"}, "second", "2025-05-02T01:00:00+00:00")
    _no_signature(docs)
    (tmp_path / "watch.yml").write_text(WATCH, encoding="utf-8")
    summary = run_watchlist(
        load_watchlist(tmp_path / "watch.yml"), backfill=parse_backfill("2025-05-01..2025-05-02")
    )
    assert summary.ok
    reports = sorted(
        p.relative_to(tmp_path / "site").as_posix() for p in (tmp_path / "site").rglob("*.md")
    )
    assert reports == [
        "docs/202505/en_US/report-20250501-docs.md",
        "docs/202505/en_US/report-20250502-docs.md",
    ]


def test_fixture_repo_commits_under_a_hostile_home(hostile_home: Path, tmp_path: Path) -> None:
    repo = Repo(tmp_path / "fixture")
    repo.write("a.md", "# A\n")
    sha = repo.commit("first")
    assert len(sha) == 40
    _no_signature(repo.path)


def test_the_suite_runs_under_a_signing_global_config(tmp_path: Path) -> None:
    # conftest sets it for every test: plain git commits fail, ours (above) do not.
    config = Path(os.environ["GIT_CONFIG_GLOBAL"])
    assert "gpgsign = true" in config.read_text("utf-8")
    plain = tmp_path / "plain"
    subprocess.run(["git", "init", "-q", str(plain)], check=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.invalid"}
    env.update(GIT_COMMITTER_NAME="A", GIT_COMMITTER_EMAIL="a@example.invalid")
    proc = subprocess.run(
        ["git", "-C", str(plain), "commit", "-q", "--allow-empty", "-m", "x"],
        capture_output=True,
        env=env,
    )
    assert proc.returncode != 0
