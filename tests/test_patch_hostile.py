"""Carriage returns, malformed headers and wrong hunk counts: read as git reads them, or refused."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from diffinsight.daily import run_watchlist
from diffinsight.errors import InputError
from diffinsight.pipeline import run
from diffinsight.render import get_renderer
from diffinsight.render.reference.read import parse_report_file
from diffinsight.sources import GitSource, parse_patch
from diffinsight.sources.patch import BadQuoting, unquote_git_path
from diffinsight.state import State
from diffinsight.watchlist import load_watchlist
from gitutil import commit_files, git, init_repo


def _numstat(patch: bytes, cwd: Path) -> list[tuple[int, int]]:
    proc = subprocess.run(
        ["git", "apply", "--numstat", "-"], input=patch, cwd=cwd, capture_output=True, check=True
    )
    return [
        (int(a), int(d))
        for a, d, _ in (ln.split("\t", 2) for ln in proc.stdout.decode().splitlines())
    ]


@pytest.fixture
def cr_repo(tmp_path: Path) -> tuple[Path, str, str]:
    repo = init_repo(tmp_path / "cr")
    old = "# Title\n\nline one\ntext\rmore\nline \r\r\nthree\nend\n"
    new = "# Title\n\nline one, edited\ntext\rmore\nline \r\r\nthree changed\nend\n"
    base = commit_files(repo, {"docs/a.md": old}, "one", "2025-05-01T10:00:00+00:00")
    head = commit_files(repo, {"docs/a.md": new}, "two", "2025-05-02T10:00:00+00:00")
    return repo, base, head


def test_stray_carriage_returns_report_through_local_range_and_patch(
    cr_repo: tuple[Path, str, str],
) -> None:
    repo, base, head = cr_repo
    raw = subprocess.run(
        ["git", "-C", str(repo), "diff", base, head], capture_output=True, check=True
    ).stdout
    (f,) = parse_patch(raw, name="cr.patch")
    assert [(f.additions, f.deletions)] == _numstat(raw, repo)
    assert "text\rmore" in (f.patch or "")
    local = GitSource(repo, f"{base}..{head}").changeset()
    assert [(c.additions, c.deletions) for c in local.files] == [(2, 2)]
    result = run(GitSource(repo, f"{base}..{head}"), write=False)
    text = get_renderer("markdown").render(result.reports[0])
    assert "docs/a.md" in text


def test_lone_carriage_return_before_a_fence(tmp_path: Path) -> None:
    """markdown-it ends a line at a lone CR; the structure reader must keep its own line
    numbers (it once indexed past the end of the hunk and lost the file)."""
    from diffinsight.facts.structure import FENCE_MARK, HEADING, map_lines

    lines = ["text\rmore", "```", "code", "```", "# After"]
    kinds = [info.kind for info in map_lines(lines).infos]
    assert kinds[1] == kinds[3] == FENCE_MARK and kinds[4] == HEADING
    repo = init_repo(tmp_path / "cr")
    old = "# Title\n\nintro\n\nsee\rthis\n\n```bash\necho old\n```\n\n## Next\n"
    new = old.replace("echo old", "echo new").replace("intro", "intro, edited")
    base = commit_files(repo, {"docs/a.md": old}, "one", "2025-05-01T10:00:00+00:00")
    head = commit_files(repo, {"docs/a.md": new}, "two", "2025-05-02T10:00:00+00:00")
    result = run(GitSource(repo, f"{base}..{head}"), write=False)
    text = get_renderer("markdown").render(result.reports[0])
    assert "docs/a.md" in text and "echo new" in text


def test_cr_cr_lf_counts_like_git(tmp_path: Path) -> None:
    patch = b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\r\r\n-b\r\n+c\r\r\n"
    (f,) = parse_patch(patch)
    assert [(f.additions, f.deletions)] == _numstat(patch, tmp_path) == [(1, 1)]


def test_latin1_file_name_with_quotepath_off(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "latin1")
    commit_files(repo, {"keep.md": "x\n"}, "one", "2025-05-01T10:00:00+00:00")
    # A file name that is not UTF-8 (Latin-1 é), written through the bytes API.
    with open(os.path.join(os.fsencode(repo), b"caf\xe9.md"), "wb") as fh:
        fh.write(b"x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "latin-1 name", date="2025-05-02T10:00:00+00:00")
    for quote in ("on", "off"):
        raw = subprocess.run(
            ["git", "-c", f"core.quotepath={quote}", "-C", str(repo), "diff", "HEAD~1", "HEAD"],
            capture_output=True,
            check=True,
        ).stdout
        (f,) = parse_patch(raw, name="latin1.patch")
        assert f.path == "caf\ufffd.md"
        f.model_dump_json().encode("utf-8")


@pytest.mark.parametrize(
    "header",
    [
        b'diff --git "a/x b/x\n',
        b'diff --git a/x "b/x\n',
        b'diff --git "a/\\3x" "b/\\3x"\n',
        b'diff --git "a/\\777" "b/\\777"\n',
        b'diff --git "a/x\\q" "b/x\\q"\n',
    ],
)
def test_malformed_headers_are_refused_in_one_line(header: bytes) -> None:
    with pytest.raises(InputError) as exc:
        parse_patch(header + b"@@ -1 +1 @@\n-a\n+b\n", name="bad.patch")
    msg = str(exc.value)
    assert msg.startswith("bad.patch: ") and "\n" not in msg


def test_unreadable_diff_git_line_falls_back_to_the_file_lines(tmp_path: Path) -> None:
    patch = b'diff --git "a/x b/x\n--- a/doc.md\n+++ b/doc.md\n@@ -1 +1 @@\n-a\n+b\n'
    (f,) = parse_patch(patch, name="p.patch")
    assert f.path == "doc.md" and [(f.additions, f.deletions)] == _numstat(patch, tmp_path)


def test_octal_escapes_read_like_git() -> None:
    assert unquote_git_path('"\\303\\251\\t\\""') == 'é\t"'
    with pytest.raises(BadQuoting):
        unquote_git_path('"\\400"')


def test_too_short_hunk_before_another_hunk_is_refused(tmp_path: Path) -> None:
    patch = (
        b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,1 +1,1 @@\n-a\n+b\n+extra\n"
        b"@@ -10,1 +10,1 @@\n-c\n+d\n"
    )
    git_says = subprocess.run(
        ["git", "apply", "--numstat", "-"], input=patch, cwd=tmp_path, capture_output=True
    )
    assert git_says.returncode != 0
    with pytest.raises(InputError, match="hunk line counts are wrong"):
        parse_patch(patch, name="short.patch")


def _git_reading(patch: bytes, cwd: Path) -> list[tuple[int, int]] | None:
    proc = subprocess.run(
        ["git", "apply", "--numstat", "-"], input=patch, cwd=cwd, capture_output=True
    )
    if proc.returncode != 0:
        return None
    return sorted(
        (int(a), int(d))
        for a, d, _ in (ln.split("\t", 2) for ln in proc.stdout.decode().splitlines())
    )


_HEAD = b"diff --git a/d.md b/d.md\n--- a/d.md\n+++ b/d.md\n"
_HUNK = b"@@ -1,2 +1,2 @@\n a\n-b\n+c\n"


@pytest.mark.parametrize(
    "patch",
    [
        pytest.param(_HEAD + _HUNK + b"trailing words\n+not counted\n", id="garbage-after-hunk"),
        pytest.param(_HEAD + _HUNK + b"\n@@ -9 +9 @@\n-x\n+y\n", id="hunk-after-garbage"),
        pytest.param(_HEAD + _HUNK[:-1], id="last-line-without-newline"),
        pytest.param(_HEAD + b"@@ -1,2 +1,2 @@\n a\n b\n", id="hunk-without-change"),
        pytest.param(_HEAD + b"@@ -1,2 +1,2 @@\n a\n\r\n-b\n+c\n", id="cr-only-line"),
        pytest.param(_HEAD + b"@@ -1 +1 @@\n-a\n+b\n\\ No newline\n", id="no-newline-marker"),
        pytest.param(b"diff --git a/d.md b/d.md\n" + _HEAD + _HUNK, id="bare-header-first"),
        pytest.param(
            b"diff --git a/d.md b/d.md\n--- a/d.md\n+++ b/other.md\n" + _HUNK,
            id="names-contradict",
        ),
        pytest.param(b"diff --git a/d.md b/d.md\n--- a/d.md\n" + _HUNK, id="no-new-name"),
        pytest.param(
            b'diff --git a/d.md b/d.md\n--- a/d.md\n+++ "a/x\n+++ "a/x\n' + _HUNK,
            id="unclosed-quote-runs-on",
        ),
        pytest.param(
            b"diff --git a/d.md b/d.md\nnew file mode 100644\n--- /dev/null\n+++ b/d.md\n" + _HUNK,
            id="new-file-needs-old-lines",
        ),
        pytest.param(
            b"diff --git a/d.md b/d.md\nnew mode 10x755\n" + _HEAD[25:] + _HUNK, id="bad-mode"
        ),
        pytest.param(
            b"diff --git a/d.md b/d.md\nnew file mode 100644\ndeleted file mode 100644\n",
            id="new-and-deleted",
        ),
        pytest.param(b"diff --git a/d.md b/d.md\nold mode 100644\nnew mode 100755\n", id="mode"),
        pytest.param(b"--- d.md\n+++ d.md\n" + _HUNK, id="plain-diff-no-directory"),
    ],
)
def test_read_and_refused_exactly_as_git_apply(patch: bytes, tmp_path: Path) -> None:
    theirs = _git_reading(patch, tmp_path)
    try:
        ours: list[tuple[int, int]] | None = sorted(
            (f.additions, f.deletions) for f in parse_patch(patch, name="p.patch")
        )
    except InputError as exc:
        assert str(exc).startswith("p.patch: line ") and "\n" not in str(exc)
        ours = None
    assert ours == theirs


def test_corrupt_binary_payload_is_refused_where_git_drops_the_rest(tmp_path: Path) -> None:
    patch = (
        _HEAD + _HUNK + b"diff --git a/y.png b/y.png\nindex 1..2 100644\n"
        b"GIT binary patch\nliteral 5\nzzzzz\n\n" + _HEAD.replace(b"d.md", b"z.md") + _HUNK
    )
    # git reports the corrupt payload, keeps d.md, silently drops z.md and exits 0.
    assert _git_reading(patch, tmp_path) == [(1, 1)]
    with pytest.raises(InputError, match="line 12: a corrupt binary patch"):
        parse_patch(patch, name="p.patch")


def test_stray_carriage_returns_report_through_the_daily_job(
    cr_repo: tuple[Path, str, str], tmp_path: Path
) -> None:
    repo, _base, head = cr_repo
    watch = tmp_path / "watch.yml"
    watch.write_text(
        f"output_dir: {tmp_path / 'site'}\nlanguages: [en_US]\n"
        f"repositories:\n  - path: {repo}\n    branch: main\n",
        encoding="utf-8",
    )
    summary = run_watchlist(load_watchlist(watch))
    assert [r.error for r in summary.repos] == [None]
    (written,) = summary.repos[0].written
    report = parse_report_file(written)
    (section,) = report.files
    assert section.path == "docs/a.md" and "+line one, edited" in (section.patch or "")
    with State(summary.state) as st:  # type: ignore[arg-type]
        assert st.cursor(load_watchlist(watch).repositories[0].key, "main") == head
    # The next run has nothing new: the repository is not stuck on the same day.
    again = run_watchlist(load_watchlist(watch))
    assert [r.error for r in again.repos] == [None] and again.repos[0].written == []
