"""The patch source: git diff and format-patch output, odd content, and bad patches."""

from __future__ import annotations

import pytest

from conftest import Repo
from diffinsight.errors import InputError
from diffinsight.models import FileStatus
from diffinsight.sources import GitSource, parse_patch
from diffinsight.sources.patch import unquote_git_path


@pytest.fixture
def changed(repo: Repo) -> Repo:
    repo.write("keep.md", "# Keep\n\none\ntwo\n")
    repo.write("old.md", "# Old\n\n" + "same line\n" * 10)
    repo.write("gone.md", "bye\n")
    repo.write("pic.png", b"\x89PNG\x00\x01")
    repo.commit("base", when="2025-05-20T10:00:00+00:00")
    repo.write("keep.md", "# Keep\n\none\nTWO\n```js\nx\n```\n")
    (repo.path / "moved dir").mkdir()
    repo.git("mv", "old.md", "moved dir/new.md")
    repo.remove("gone.md")
    repo.write("pic.png", b"\x89PNG\x00\x02")
    repo.write("added.md", "new\n")
    repo.commit("change", when="2025-05-21T10:00:00+00:00")
    return repo


def test_git_diff_output_matches_the_git_source(changed: Repo) -> None:
    text = changed.git("diff", "-M", "HEAD~1", "HEAD")
    from_patch = {f.path: f for f in parse_patch(text)}
    from_git = {f.path: f for f in GitSource(changed.path, "HEAD~1..HEAD").changeset().files}
    assert from_patch.keys() == from_git.keys()
    for path, f in from_git.items():
        p = from_patch[path]
        assert (p.status, p.old_path, p.additions, p.deletions, p.binary) == (
            f.status,
            f.old_path,
            f.additions,
            f.deletions,
            f.binary,
        ), path
        assert p.patch == f.patch, path
    assert from_patch["moved dir/new.md"].status is FileStatus.RENAMED
    assert from_patch["moved dir/new.md"].similarity == 100


def test_binary_patch_payload_is_skipped(changed: Repo) -> None:
    text = changed.git("diff", "--binary", "-M", "HEAD~1", "HEAD")
    files = {f.path: f for f in parse_patch(text)}
    assert files["pic.png"].binary and files["pic.png"].patch is None
    assert files["keep.md"].additions == 4


def test_format_patch_series(changed: Repo) -> None:
    changed.write("keep.md", "# Keep\n\none\nTHREE\n```js\nx\n```\n")
    changed.commit("third")
    text = changed.git("format-patch", "--stdout", "HEAD~2..HEAD")
    files = {f.path: f for f in parse_patch(text)}
    assert files["keep.md"].additions == 5 and files["keep.md"].deletions == 2
    assert "series" in files["keep.md"].notes
    assert files["added.md"].status is FileStatus.ADDED


def test_plain_unified_diff_without_git_headers() -> None:
    text = (
        "--- a/doc.md\t2025-05-20 10:00:00\n+++ b/doc.md\t2025-05-21 10:00:00\n"
        "@@ -1,2 +1,2 @@\n title\n-old\n+new\n"
        "--- /dev/null\n+++ b/fresh.md\n@@ -0,0 +1 @@\n+hello\n"
    )
    files = {f.path: f for f in parse_patch(text)}
    assert files["doc.md"].status is FileStatus.MODIFIED
    assert (files["doc.md"].additions, files["doc.md"].deletions) == (1, 1)
    assert files["fresh.md"].status is FileStatus.ADDED


def test_invalid_utf8_and_nul_bytes_are_reported_not_fatal() -> None:
    raw = b"diff --git a/x.md b/x.md\n--- a/x.md\n+++ b/x.md\n@@ -1 +1 @@\n-caf\xe9\n+caf\x00e\n"
    f = parse_patch(raw)[0]
    assert "invalid-utf8" in f.notes and "nul-bytes" in f.notes
    assert "\x00" not in (f.patch or "")
    # Not UTF-8: read as the Western European code page it is.
    assert "encoding:cp1252" in f.notes and "-café" in (f.patch or "")


def test_quoted_paths() -> None:
    assert unquote_git_path('"caf\\303\\251 \\"q\\".md"') == 'café "q".md'
    raw = (
        'diff --git "a/caf\\303\\251.md" "b/caf\\303\\251.md"\n--- "a/caf\\303\\251.md"\n'
        '+++ "b/caf\\303\\251.md"\n@@ -1 +1 @@\n-a\n+b\n'
    )
    assert parse_patch(raw)[0].path == "café.md"


def test_bad_patches_raise_one_line_errors() -> None:
    with pytest.raises(InputError, match="no file changes found"):
        parse_patch("hello, this is not a diff\n", name="notes.txt")
    with pytest.raises(InputError, match="truncated"):
        parse_patch("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n", name="cut.patch")
    with pytest.raises(InputError, match="outside any file section"):
        parse_patch("@@ -1 +1 @@\n-a\n+b\n", name="bare.patch")
    assert parse_patch(b"") == []


def test_fifty_megabyte_file_is_clipped() -> None:
    body = "".join(f"+{'y' * 99}\n" for _ in range(500_000))
    raw = f"diff --git a/big.md b/big.md\nnew file mode 100644\n--- /dev/null\n+++ b/big.md\n@@ -0,0 +1,500000 @@\n{body}"
    f = parse_patch(raw, max_patch_bytes=1_000_000)[0]
    assert f.additions == 500_000
    assert "patch-clipped" in f.notes
    assert len((f.patch or "").encode()) <= 1_000_000
