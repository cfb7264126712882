"""The local git source on real repositories: ranges, windows, renames, binaries, odd paths, safety."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import Repo
from diffinsight.errors import InputError
from diffinsight.models import FileStatus
from diffinsight.sources import DateWindow, GitSource, open_source
from diffinsight.sources.git import github_permalink, github_repo_of_url

DOC = "---\ntitle: Intro\nms.date: 01/01/2025\n---\n\n# Intro\n\nHello.\n\n## Setup\n\nStep one.\n"


def numstat(repo: Repo, base: str, head: str) -> dict[str, tuple[int, int]]:
    out = repo.git("-c", "core.quotepath=off", "diff", "-M", "--numstat", "-z", base, head)
    parts = out.split("\0")
    result: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(parts) and parts[i]:
        a, d, path = parts[i].split("\t", 2)
        if path == "":
            path = parts[i + 2]
            i += 3
        else:
            i += 1
        result[path] = (0 if a == "-" else int(a), 0 if d == "-" else int(d))
    return result


@pytest.fixture
def history(repo: Repo) -> Repo:
    repo.write("docs/intro.md", DOC)
    repo.write("docs/old name.md", "# Old\n\n" + "line\n" * 20)
    repo.write("docs/gone.md", "# Gone\n\nbye\n")
    repo.write("img/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00binary")
    repo.commit("one", when="2025-05-19T12:00:00+00:00")
    repo.git("tag", "v1")
    repo.write(
        "docs/intro.md", DOC.replace("01/01/2025", "05/20/2025").replace("Hello.", "Hello, world.")
    )
    repo.git("mv", "docs/old name.md", "docs/new name.md")
    repo.remove("docs/gone.md")
    repo.write("docs/café ünïcode.md", "# Café\n\nnew page\n")
    repo.write("img/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00binary2")
    repo.commit("two", when="2025-05-20T23:30:00+00:00")
    repo.write("docs/intro.md", DOC.replace("01/01/2025", "05/21/2025") + "\n## More\n\nText.\n")
    repo.commit("three", when="2025-05-21T09:00:00+00:00")
    return repo


def test_range_statuses_and_counts_match_git_numstat(history: Repo) -> None:
    cs = GitSource(history.path, "v1..main").changeset()
    expected = numstat(history, "v1", "main")
    got = {f.path: (f.additions, f.deletions) for f in cs.files}
    assert got == expected
    by_path = {f.path: f for f in cs.files}
    assert by_path["docs/new name.md"].status is FileStatus.RENAMED
    assert by_path["docs/new name.md"].old_path == "docs/old name.md"
    assert by_path["docs/gone.md"].status is FileStatus.REMOVED
    assert by_path["docs/café ünïcode.md"].status is FileStatus.ADDED
    assert (by_path["docs/intro.md"].patch or "").startswith("@@ ")
    assert (by_path["docs/intro.md"].new_text or "").endswith("Text.\n")
    assert by_path["docs/intro.md"].old_text == DOC
    assert [c.subject for c in cs.commits] == ["three", "two"]


def test_binary_files_have_no_patch_and_zero_counts(history: Repo) -> None:
    cs = GitSource(history.path, "v1..main").changeset()
    logo = next(f for f in cs.files if f.path == "img/logo.png")
    assert logo.binary and logo.patch is None
    assert (logo.additions, logo.deletions) == (0, 0)
    assert logo.status is FileStatus.MODIFIED


def test_three_dot_range_uses_merge_base(history: Repo) -> None:
    history.git("checkout", "-q", "-b", "side", "v1")
    history.write("side.md", "# Side\n")
    history.commit("side")
    cs = GitSource(history.path, "side...main").changeset()
    assert "side.md" not in {f.path for f in cs.files}
    cs2 = GitSource(history.path, "side..main").changeset()
    assert "side.md" in {f.path for f in cs2.files}  # two dots diff the endpoints directly


def test_single_commit_and_root_commit(history: Repo) -> None:
    last = GitSource(history.path, "main").changeset()
    assert [f.path for f in last.files] == ["docs/intro.md"]
    root = GitSource(history.path, "v1").changeset()
    assert {f.status for f in root.files} == {FileStatus.ADDED}


def test_date_window_in_time_zone(history: Repo) -> None:
    utc = GitSource(
        history.path, window=DateWindow(date(2025, 5, 20), date(2025, 5, 20))
    ).changeset()
    assert [c.subject for c in utc.commits] == ["two"]
    # 23:30 UTC on the 20th is already the 21st in Tokyo, together with "three".
    tokyo = GitSource(
        history.path, window=DateWindow(date(2025, 5, 21), date(2025, 5, 21), "Asia/Tokyo")
    ).changeset()
    assert [c.subject for c in tokyo.commits] == ["three", "two"]
    empty = GitSource(
        history.path, window=DateWindow(date(2024, 1, 1), date(2024, 1, 2))
    ).changeset()
    assert empty.files == []


def test_paths_with_quotes_tabs_and_newline_like_names(repo: Repo) -> None:
    repo.write("a.md", "x\n")
    repo.commit("base")
    odd = ['say "hi".md', "tab\tname.md", "日本語/ファイル.md", "sp ace/b c.md"]
    for name in odd:
        repo.write(name, "# T\n\nbody\n")
    repo.commit("odd")
    cs = GitSource(repo.path, "HEAD~1..HEAD").changeset()
    assert sorted(f.path for f in cs.files) == sorted(odd)
    assert all(f.additions == 3 and f.patch and f.patch.startswith("@@") for f in cs.files)


def test_untrusted_repo_config_runs_nothing(repo: Repo, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = f"sh -c 'touch {marker}'"
    repo.write("a.md", "one\n")
    repo.write(".gitattributes", "*.md diff=evil\n")
    repo.commit("base")
    repo.write("a.md", "two\n")
    repo.commit("change")
    repo.git("config", "diff.external", evil)
    repo.git("config", "diff.evil.textconv", evil)
    repo.git("config", "diff.evil.command", evil)
    repo.git("config", "core.fsmonitor", evil)
    cs = GitSource(repo.path, "HEAD~1..HEAD").changeset()
    assert not marker.exists()
    f = next(f for f in cs.files if f.path == "a.md")
    assert "-one" in (f.patch or "") and "+two" in (f.patch or "")


def test_large_file_patch_is_clipped_with_note(repo: Repo) -> None:
    repo.write("big.md", "start\n")
    repo.commit("base")
    repo.write("big.md", "start\n" + ("x" * 99 + "\n") * 30_000)
    repo.commit("big")
    cs = GitSource(repo.path, "HEAD~1..HEAD", max_patch_bytes=100_000).changeset()
    f = cs.files[0]
    assert f.additions == 30_000
    assert "patch-clipped" in f.notes
    assert len(f.patch or "") <= 100_000


def test_bad_inputs_name_the_input(tmp_path: Path, history: Repo) -> None:
    with pytest.raises(InputError, match="not a git repository"):
        GitSource(tmp_path, "a..b").changeset()
    with pytest.raises(InputError, match="nope: unknown revision"):
        GitSource(history.path, "nope..main").changeset()
    with pytest.raises(InputError, match="no such file or folder"):
        open_source(str(tmp_path / "missing"), "a..b")
    with pytest.raises(InputError, match="give a RANGE"):
        open_source(str(history.path))
    with pytest.raises(InputError, match="cannot start with"):
        GitSource(history.path, "--output=x..main").changeset()


def test_github_permalink_from_origin(history: Repo) -> None:
    history.git("remote", "add", "origin", "git@github.com:MicrosoftDocs/azure-ai-docs.git")
    cs = GitSource(history.path, "v1..main").changeset()
    assert cs.repo == "MicrosoftDocs/azure-ai-docs"
    base, head = cs.base or "", cs.head or ""
    assert cs.permalink == (
        "https://github.com/MicrosoftDocs/azure-ai-docs/compare/"
        f"MicrosoftDocs:{base[:7]}...MicrosoftDocs:{head[:7]}"
    )
    assert github_repo_of_url("https://github.com/o/r") == "o/r"
    assert github_repo_of_url("https://example.com/o/r.git") is None
    assert (
        github_permalink("o/r", "a" * 40, "b" * 40)
        == "https://github.com/o/r/compare/o:aaaaaaa...o:bbbbbbb"
    )


def test_this_repository_history_matches_numstat() -> None:
    """A real repository no test wrote: this project's own history, when it is a git checkout."""
    root = Path(__file__).resolve().parents[1]
    try:
        count = int(
            subprocess.run(
                ["git", "-C", str(root), "rev-list", "--first-parent", "--count", "HEAD"],
                capture_output=True,
                check=True,
                text=True,
            ).stdout
        )
    except (subprocess.CalledProcessError, ValueError):
        pytest.skip("not a git checkout")
    if count < 3:
        pytest.skip("history too short")
    cs = GitSource(root, f"HEAD~{min(count - 1, 8)}..HEAD").changeset()
    out = subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "-c",
            "core.quotepath=off",
            "diff",
            "-M",
            "--numstat",
            f"HEAD~{min(count - 1, 8)}",
            "HEAD",
        ],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    expected = {}
    for line in out.splitlines():
        a, d, p = line.split("\t")
        if " => " in p:
            continue
        expected[p] = (0 if a == "-" else int(a), 0 if d == "-" else int(d))
    got = {f.path: (f.additions, f.deletions) for f in cs.files if f.path in expected}
    assert got == expected
