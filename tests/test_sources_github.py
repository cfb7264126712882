"""GitHub source against a local server that answers from real repositories."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diffinsight import analysis, pipeline
from diffinsight.analysis import AnalyzedFile
from diffinsight.cli import app
from diffinsight.errors import InputError, SourceError
from diffinsight.models import FileChange
from diffinsight.pipeline import run
from diffinsight.render import get_renderer
from diffinsight.render.reference.read import parse_report
from diffinsight.sources import open_source
from diffinsight.sources.git import GitSource
from diffinsight.sources.github import (
    CompareSpec,
    GitHubClient,
    GitHubSource,
    find_token,
    parse_compare_url,
    parse_github_spec,
)
from github_server import FakeGitHub
from gitutil import commit_files, git, init_repo, publish

TOKEN = "ghp_test_token"


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    root = tmp_path / "server"
    root.mkdir()
    server = FakeGitHub(root=root, token=TOKEN).start()
    monkeypatch.setenv("GITHUB_API_URL", server.base_url)
    monkeypatch.setenv("GITHUB_SERVER_URL", f"file://{root}")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("DIFFINSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    yield server
    server.stop()


@pytest.fixture
def docs(tmp_path: Path, fake: FakeGitHub) -> tuple[Path, list[str]]:
    """Contoso/docs: three commits touching a handful of documents."""
    repo = init_repo(tmp_path / "work")
    shas = [
        commit_files(
            repo,
            {"articles/a.md": "# A\n\nOld text.\n", "articles/b.md": "# B\n\nKeep.\n"},
            "start",
            "2025-05-01T10:00:00+00:00",
        ),
        commit_files(
            repo,
            {"articles/a.md": "# A\n\nNew text.\n", "articles/c.md": "# C\n\nAdded.\n"},
            "edit a, add c",
            "2025-05-02T10:00:00+00:00",
        ),
    ]
    (repo / "articles" / "logo.png").write_bytes(bytes(range(256)) * 4)
    git(repo, "mv", "articles/b.md", "articles/b2.md")
    shas.append(commit_files(repo, {}, "rename b", "2025-05-03T10:00:00+00:00"))
    publish(repo, fake.root, "Contoso/docs")
    return repo, shas


def test_specs_from_urls_and_ranges() -> None:
    url = "https://github.com/MicrosoftDocs/azure-ai-docs/compare/MicrosoftDocs:f021165...MicrosoftDocs:aedda49"
    assert parse_compare_url(url) == CompareSpec(
        "MicrosoftDocs/azure-ai-docs", "f021165", "aedda49"
    )
    assert parse_github_spec(
        "https://github.com/o/r/compare/main~2...feature%2Fx?expand=1", None
    ) == CompareSpec("o/r", "main~2", "feature/x")
    assert parse_github_spec("o/r", "v1...v2") == CompareSpec("o/r", "v1", "v2")
    assert parse_github_spec("./local", None) is None
    with pytest.raises(InputError, match=r"three dots"):
        parse_github_spec("o/r", "v1..v2")
    with pytest.raises(InputError, match=r"another fork"):
        parse_compare_url("https://github.com/o/r/compare/o:main...someone:main")
    with pytest.raises(InputError, match=r"not a compare URL"):
        parse_github_spec("https://github.com/o/r/pull/3", None)
    with pytest.raises(InputError, match=r"give a RANGE"):
        parse_github_spec("o/r", None)


def test_api_path_matches_git(docs: tuple[Path, list[str]], fake: FakeGitHub) -> None:
    repo, shas = docs
    src = open_source("Contoso/docs", f"{shas[0]}...main")
    assert isinstance(src, GitHubSource)
    cs = src.changeset()
    assert src.path_taken == "api"
    local = GitSource(repo, f"{shas[0]}...main").changeset()
    got = {(f.path, f.old_path, f.status, f.additions, f.deletions, f.patch) for f in cs.files}
    want = {(f.path, f.old_path, f.status, f.additions, f.deletions, f.patch) for f in local.files}
    assert got == want
    assert (
        cs.permalink
        == f"https://github.com/Contoso/docs/compare/Contoso:{shas[0][:7]}...Contoso:{shas[2][:7]}"
    )
    assert [c.sha for c in cs.commits] == shas[1:]
    assert cs.commits[0].subject == "edit a, add c"
    assert all(h.get("authorization") == f"Bearer {TOKEN}" for _, h in fake.requests)
    # No fallback: nothing was fetched.
    assert not (Path(os.environ["DIFFINSIGHT_CACHE_DIR"]) / "repos").exists()


def test_thousand_files_fall_back_to_local_diff(
    tmp_path: Path,
    fake: FakeGitHub,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = init_repo(tmp_path / "big")
    base = commit_files(repo, {"README.md": "# Big\n"}, "start", "2025-05-01T08:00:00+00:00")
    files: dict[str, str | None] = {
        f"articles/topic-{i:04d}.md": f"# Topic {i}\n\nBody {i}.\n" for i in range(1000)
    }
    head = commit_files(repo, files, "add 1000 topics", "2025-05-01T09:00:00+00:00")
    publish(repo, fake.root, "Contoso/big")
    # What the analysis saw (the offline engine lets the documents go once a file is analysed).
    seen: dict[str, str | None] = {}

    def analyze(change: FileChange) -> AnalyzedFile:
        seen[change.path] = change.new_text
        return analysis.analyze(change)

    monkeypatch.setattr(pipeline, "analyze", analyze)
    with caplog.at_level(logging.INFO, logger="diffinsight"):
        src = open_source(
            f"https://github.com/Contoso/big/compare/Contoso:{base[:7]}...Contoso:{head[:7]}"
        )
        result = run(src, write=False)
    assert isinstance(src, GitHubSource) and src.path_taken == "local"
    assert "diffing locally after a shallow fetch" in caplog.text
    assert len(result.changeset.files) == 1000
    text = get_renderer("markdown").render(result.reports[0])
    listed = {f.path for f in parse_report(text, "big").files}
    assert listed == set(files)
    # The API itself only ever listed 300 of them.
    compare_hits = [p for p in fake.paths() if "/compare/" in p]
    assert compare_hits
    # Full documents were available for the analysis, as with a local repository.
    assert seen["articles/topic-0007.md"] == "# Topic 7\n\nBody 7.\n"


@pytest.mark.parametrize("allow_filter", [True, False])
def test_missing_patch_falls_back(
    docs: tuple[Path, list[str]], fake: FakeGitHub, allow_filter: bool
) -> None:
    repo, shas = docs
    # A server that refuses filters still serves a plain shallow fetch.
    git(
        fake.root / "Contoso/docs.git",
        "config",
        "uploadpack.allowFilter",
        str(allow_filter).lower(),
    )
    fake.patch_limit = 10  # every patch is "too large"
    src = GitHubSource(CompareSpec("Contoso/docs", shas[0], shas[2]))
    cs = src.changeset()
    assert src.path_taken == "local"
    local = GitSource(repo, f"{shas[0]}...{shas[2]}").changeset()
    assert [(f.path, f.patch) for f in cs.files] == [(f.path, f.patch) for f in local.files]


def test_commit_pages_are_followed(tmp_path: Path, fake: FakeGitHub) -> None:
    repo = init_repo(tmp_path / "many")
    first = commit_files(repo, {"a.md": "0\n"}, "c0", "2025-05-01T00:00:00+00:00")
    for i in range(1, 103):
        commit_files(
            repo, {"a.md": f"{i}\n"}, f"c{i}", f"2025-05-01T00:{i // 60:02d}:{i % 60:02d}+00:00"
        )
    publish(repo, fake.root, "Contoso/many")
    cs = GitHubSource(CompareSpec("Contoso/many", first, "main")).changeset()
    assert len(cs.commits) == 102
    assert sum("page=2" in p for p in fake.paths()) == 1


def test_etag_cache_makes_repeat_requests_conditional(
    docs: tuple[Path, list[str]], fake: FakeGitHub
) -> None:
    _, shas = docs
    spec = CompareSpec("Contoso/docs", shas[0], shas[2])
    first = GitHubSource(spec).changeset()
    n = len(fake.requests)
    second = GitHubSource(spec).changeset()
    assert second == first
    repeat = fake.requests[n:]
    assert repeat and all("if-none-match" in h for _, h in repeat)


@pytest.mark.parametrize(
    ("change", "spec", "error", "message"),
    [
        (
            "none",
            CompareSpec("Contoso/nope", "a", "b"),
            InputError,
            r"Contoso/nope a: not found on GitHub",
        ),
        (
            "none",
            CompareSpec("Contoso/docs", "v9", "main"),
            InputError,
            r"No commit found for SHA: v9",
        ),
        (
            "token",
            CompareSpec("Contoso/docs", "main~1", "main"),
            InputError,
            r"refused the token .*GITHUB_TOKEN",
        ),
        ("forbid", CompareSpec("Contoso/docs", "main~1", "main"), InputError, r"forbids this"),
        (
            "rate",
            CompareSpec("Contoso/docs", "main~1", "main"),
            SourceError,
            r"rate limit reached; it resets at \d\d:\d\d:\d\d UTC",
        ),
    ],
)
def test_errors_name_the_input(
    docs: tuple[Path, list[str]],
    fake: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
    spec: CompareSpec,
    error: type[Exception],
    message: str,
) -> None:
    if change == "token":
        monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    elif change == "forbid":
        fake.forbidden.add("Contoso/docs")
    elif change == "rate":
        fake.rate_budget = 0
    with pytest.raises(error, match=message):
        GitHubSource(spec).changeset()
    if change == "rate":
        assert len(fake.requests) == 1  # no hammering: it gave up at once


def test_rate_limit_waits_for_a_near_reset(docs: tuple[Path, list[str]], fake: FakeGitHub) -> None:
    _, shas = docs
    fake.rate_budget, fake.rate_reset_in = 2, 1
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        import time

        time.sleep(seconds)

    client = GitHubClient(max_wait=5, sleep=sleep)
    cs = GitHubSource(CompareSpec("Contoso/docs", shas[0], shas[2]), client=client).changeset()
    assert len(cs.files) == 4
    assert waits and all(0 < w <= 3 for w in waits)


def test_token_from_gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    gh = bindir / "gh"
    gh.write_text('#!/bin/sh\n[ "$1 $2" = "auth token" ] && echo gho_from_gh\n', encoding="utf-8")
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    assert find_token() == "gho_from_gh"
    monkeypatch.setenv("GITHUB_TOKEN", "from_env")
    assert find_token() == "from_env"


def test_cli_report_on_github(
    docs: tuple[Path, list[str]], fake: FakeGitHub, tmp_path: Path
) -> None:
    _, shas = docs
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        ["report", "Contoso/docs", f"{shas[0]}...main", "--output", f"{out}/%Y%m%d-{{lang}}.md"],
    )
    assert res.exit_code == 0, res.output
    written = list(out.glob("*.md"))
    assert [p.name for p in written] == ["20250503-en_US.md"]
    report = parse_report(written[0].read_text(encoding="utf-8"), "x")
    assert {f.path for f in report.files} == {
        "articles/a.md",
        "articles/b2.md",
        "articles/c.md",
        "articles/logo.png",
    }
    bad = CliRunner().invoke(
        app, ["report", "Contoso/docs", "nope...main", "--output", f"{out}/x.md"]
    )
    assert bad.exit_code == 2
    assert "No commit found for SHA: nope" in bad.output


def test_gateway_error_is_retried_once(docs: tuple[Path, list[str]], fake: FakeGitHub) -> None:
    _, shas = docs
    waits: list[float] = []
    fake.fail_next = 1
    client = GitHubClient(sleep=waits.append)
    cs = GitHubSource(CompareSpec("Contoso/docs", shas[0], shas[2]), client=client).changeset()
    assert len(cs.files) == 4 and waits == [2.0]
    fake.fail_next = 2
    with pytest.raises(SourceError, match=r"GitHub answered \(502 Server Error\); try again later"):
        GitHubSource(CompareSpec("Contoso/docs", "main~1", "main"), client=client).changeset()


def test_diverged_base_is_compared_from_the_merge_base(
    docs: tuple[Path, list[str]], fake: FakeGitHub
) -> None:
    repo, shas = docs
    git(repo, "checkout", "-q", "-b", "side", shas[1])
    commit_files(repo, {"articles/side.md": "# Side\n"}, "side", "2025-05-04T00:00:00+00:00")
    git(repo, "checkout", "-q", "main")
    publish(repo, fake.root, "Contoso/docs")
    cs = GitHubSource(CompareSpec("Contoso/docs", "side", "main")).changeset()
    assert cs.base == shas[1]
    assert any(n.startswith("diverged: compared from the merge base") for n in cs.source_notes)
    local = GitSource(repo, "side...main").changeset()
    assert [(f.path, f.status, f.patch) for f in cs.files] == [
        (f.path, f.status, f.patch) for f in local.files
    ]
