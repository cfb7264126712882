"""Text that is not UTF-8, end to end: decoded with its declared or detected encoding, or left
out (never quoted); CRLF line ends normalised in the diffs a report shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from clirun import cli
from conftest import Repo
from diffinsight.render.reference.read import parse_report
from diffinsight.sources import parse_patch
from diffinsight.sources.encoding import decode_bytes


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Größe der Datei ändern und übernehmen, naïve résumé\n", "cp1252"),
        ("日本語のテキストを変更しました。\n", "shift_jis"),
        ("日本語のドキュメントを更新しました。\n", "euc_jp"),
        ("中文文档更新了一些内容。\n", "gbk"),
        ("繁體中文文件更新了。\n", "big5"),
        ("한국어 문서를 업데이트했습니다\n", "cp949"),
    ],
)
def test_legacy_encodings_are_detected(text: str, encoding: str) -> None:
    decoded, found = decode_bytes(text.encode(encoding))
    assert decoded == text, found


def test_declared_encoding_wins() -> None:
    raw = '<meta charset="iso-8859-15">\nPrix : 5 €\n'.encode("iso-8859-15")
    assert decode_bytes(raw) == ('<meta charset="iso-8859-15">\nPrix : 5 €\n', "iso8859-15")


def test_utf8_and_undecodable() -> None:
    assert decode_bytes("héllo\n".encode()) == ("héllo\n", "utf-8")
    assert decode_bytes(bytes(range(0x80, 0xA0)) * 4) == (None, "undecodable")


def _patch(body: bytes) -> bytes:
    return b"diff --git a/x.md b/x.md\n--- a/x.md\n+++ b/x.md\n@@ -1 +1 @@\n" + body


def test_undecodable_patch_is_marked_and_never_quoted() -> None:
    f = parse_patch(_patch(b"-a\n+" + bytes(range(0x80, 0xA0)) + b"\n"))[0]
    assert "undecodable" in f.notes and f.patch == ""
    assert (f.additions, f.deletions) == (1, 1)


def test_latin1_repository_file_reported_in_its_own_words(repo: Repo, tmp_path: Path) -> None:
    repo.write("docs/guide.md", "# Guide\n\nHallo Welt.\n".encode("cp1252"))
    repo.commit("one", when="2025-05-20T10:00:00+00:00")
    repo.write("docs/guide.md", "# Guide\n\nHéllo Wörld, größer.\n".encode("cp1252"))
    repo.write("docs/bad.md", bytes(range(0x80, 0xA0)) * 2 + b"\n")
    repo.commit("two", when="2025-05-21T10:00:00+00:00")
    r = cli("report", str(repo.path), "HEAD~1..HEAD", "--stdout", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "\ufffd" not in r.stdout
    parsed = parse_report(r.stdout, "r")
    patches = {f.path: f.patch or "" for f in parsed.files}
    assert "+Héllo Wörld, größer." in patches["docs/guide.md"]
    assert patches.get("docs/bad.md", "") == ""


def test_crlf_patch_shows_plain_line_ends(repo: Repo, tmp_path: Path) -> None:
    repo.write("a.md", b"# A\r\n\r\nold line\r\n")
    repo.commit("one", when="2025-05-20T10:00:00+00:00")
    repo.write("a.md", b"# A\r\n\r\nnew line\r\n")
    repo.commit("two", when="2025-05-21T10:00:00+00:00")
    r = cli("report", str(repo.path), "HEAD~1..HEAD", "--stdout", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stdout
    assert "-old line\n+new line\n" in r.stdout
