"""Source: a unified diff (``git diff`` / ``git format-patch`` output, or plain ``diff -u``)."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from diffinsight.errors import InputError
from diffinsight.models import ChangeSet, FileChange, FileStatus
from diffinsight.sources.base import DEFAULT_MAX_PATCH_BYTES, clip_patch
from diffinsight.sources.encoding import UNDECODABLE, decode_bytes

_HUNK_RE = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_DIFF_GIT = b"diff --git "
_C_ESCAPES = {
    "a": 7,
    "b": 8,
    "t": 9,
    "n": 10,
    "v": 11,
    "f": 12,
    "r": 13,
    '"': 34,
    "\\": 92,
}


class BadQuoting(ValueError):
    """A path is quoted in a way git never writes (git refuses such a header too)."""


def _clean(path: str) -> str:
    """A path decoded with surrogateescape, its undecodable bytes shown as U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def unquote_git_path(raw: str) -> str:
    """Undo git's C-style quoting of a path (``"caf\\303\\251.md"`` -> ``café.md``).

    Raises :class:`BadQuoting` where git's own reader fails: an octal escape that is not three
    digits from ``\\000`` to ``\\377``, an unknown escape, a backslash at the end.
    """
    if not (len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"'):
        return _clean(raw)
    body = raw[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1 : i + 2]
            if nxt and nxt in "0123":
                digits = body[i + 1 : i + 4]
                if len(digits) < 3 or any(d not in "01234567" for d in digits):
                    raise BadQuoting(f"bad octal escape in {raw!r}")
                out.append(int(digits, 8))
                i += 4
                continue
            if not nxt or nxt not in _C_ESCAPES:
                raise BadQuoting(f"bad escape in {raw!r}")
            out.append(_C_ESCAPES[nxt])
            i += 2
            continue
        out.extend(ch.encode("utf-8", "surrogateescape"))
        i += 1
    return out.decode("utf-8", errors="replace")


def _strip_prefix(path: str) -> str | None:
    if path == "/dev/null":
        return None
    for prefix in ("a/", "b/", "i/", "w/", "c/", "o/"):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


def _header_path(rest: str) -> str:
    """A path from a ``---``/``+++`` line: quoted, or up to a tab (plain diff adds timestamps)."""
    rest = rest.rstrip("\r\n")
    if rest.startswith('"'):
        end = rest.rfind('"')
        if end == 0:
            raise BadQuoting(f"unbalanced quotes in {rest!r}")
        return unquote_git_path(rest[: end + 1])
    return _clean(rest.split("\t", 1)[0])


def _escaped(text: str, pos: int) -> bool:
    """Whether the character at ``pos`` follows an odd run of backslashes."""
    n = 0
    while pos - 1 - n >= 0 and text[pos - 1 - n] == "\\":
        n += 1
    return n % 2 == 1


def _split_diff_git_line(rest: str) -> tuple[str, str] | None:
    """Paths of ``diff --git a/X b/Y``; ambiguous when unquoted paths contain spaces."""
    rest = rest.rstrip("\r\n")
    if rest.startswith('"'):
        end = rest.find('"', 1)
        while end > 0 and _escaped(rest, end):
            end = rest.find('"', end + 1)
        if end < 0:
            raise BadQuoting(f"unbalanced quotes in {rest!r}")
        first = unquote_git_path(rest[: end + 1])
        second = rest[end + 2 :]
        return first, unquote_git_path(second)
    if rest.endswith('"'):
        start = rest.rfind(' "')
        if start < 0:
            raise BadQuoting(f"unbalanced quotes in {rest!r}")
        return _clean(rest[:start]), unquote_git_path(rest[start + 1 :])
    rest = _clean(rest)
    # Unquoted: "a/P b/P" with the same P on both sides is the common case.
    half = (len(rest) - 1) // 2
    if len(rest) % 2 == 1 and rest[half] == " " and rest[:half][2:] == rest[half + 1 :][2:]:
        return rest[:half], rest[half + 1 :]
    parts = rest.split(" b/", 1)
    if len(parts) == 2:
        return parts[0], "b/" + parts[1]
    return None


@dataclass
class _FileBlock:
    header_old: str | None = None
    header_new: str | None = None
    old_path: str | None = None
    new_path: str | None = None
    status: FileStatus | None = None
    similarity: int | None = None
    binary: bool = False
    hunks: list[bytes] = field(default_factory=list)
    additions: int = 0
    deletions: int = 0
    notes: list[str] = field(default_factory=list)


def _finish(block: _FileBlock, max_patch_bytes: int) -> FileChange:
    old = block.old_path
    new = block.new_path
    status = block.status
    if status is None:
        if old is None and new is not None:
            status = FileStatus.ADDED
        elif new is None and old is not None:
            status = FileStatus.REMOVED
        elif old is not None and new is not None and old != new:
            status = FileStatus.RENAMED
        else:
            status = FileStatus.MODIFIED
    path = new if new is not None else old
    if path is None:
        raise InputError("patch: a file section names no path; check the patch is a unified diff")
    patch: str | None = None
    notes = list(block.notes)
    if not block.binary:
        raw = b"".join(block.hunks)
        decoded, encoding = decode_bytes(raw)
        if encoding != "utf-8":
            notes.append("invalid-utf8")
            # Undecodable text is left out, never quoted: the counts still say what changed.
            notes.append(f"encoding:{encoding}" if decoded is not None else UNDECODABLE)
        text = decoded if decoded is not None else ""
        if "\x00" in text:
            text = text.replace("\x00", "\\0")
            notes.append("nul-bytes")
        patch, clipped = clip_patch(text, max_patch_bytes)
        if clipped:
            notes.append("patch-clipped")
        patch = patch.rstrip("\n") if patch else patch
    return FileChange(
        path=path,
        old_path=old if status is FileStatus.RENAMED else None,
        status=status,
        additions=0 if block.binary else block.additions,
        deletions=0 if block.binary else block.deletions,
        binary=block.binary,
        similarity=block.similarity,
        patch=patch if patch else (None if block.binary else ""),
        notes=notes,
    )


def parse_patch(
    data: bytes | str, *, name: str = "patch", max_patch_bytes: int = DEFAULT_MAX_PATCH_BYTES
) -> list[FileChange]:
    """Parse unified diff text into file changes; raises :class:`InputError` when it holds none."""
    raw = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    # Lines end at \n only, as git reads them: a \r inside a line is content.
    lines = io.BytesIO(raw).readlines()
    files: list[FileChange] = []
    block: _FileBlock | None = None
    in_hunk = False
    old_left = new_left = 0
    i = 0
    # A line outside any hunk after a hunk of this file: git refuses a later hunk of the file.
    stray: int | None = None

    def flush() -> None:
        nonlocal block, stray
        stray = None
        if block is not None and (block.old_path or block.new_path):
            files.append(_finish(block, max_patch_bytes))
        block = None

    try:
        while i < len(lines):
            line = lines[i]
            if in_hunk and (old_left > 0 or new_left > 0):
                assert block is not None
                first = line[:1]
                if first == b"+":
                    new_left -= 1
                    block.additions += 1
                    block.hunks.append(line)
                elif first == b"-":
                    old_left -= 1
                    block.deletions += 1
                    block.hunks.append(line)
                elif first == b" " or line in (b"\n", b"\r\n"):
                    old_left -= 1
                    new_left -= 1
                    block.hunks.append(line if first == b" " else b" " + line)
                elif first == b"\\":
                    block.hunks.append(line)
                else:
                    raise InputError(
                        f"{name}: hunk ends early at line {i + 1}; the patch is truncated or edited"
                        " (regenerate it with git diff)"
                    )
                i += 1
                continue
            if in_hunk and line.startswith(b"\\"):
                assert block is not None
                block.hunks.append(line)
                i += 1
                continue
            in_hunk = False
            text = line.decode("utf-8", errors="surrogateescape")
            if line.startswith(_DIFF_GIT):
                flush()
                block = _FileBlock()
                paths = _split_diff_git_line(text[len("diff --git ") :])
                if paths:
                    block.old_path = _strip_prefix(paths[0])
                    block.new_path = _strip_prefix(paths[1])
            elif block is not None and text.startswith("new file mode"):
                block.status = FileStatus.ADDED
                block.old_path = None
            elif block is not None and text.startswith("deleted file mode"):
                block.status = FileStatus.REMOVED
                block.new_path = None
            elif block is not None and text.startswith("rename from "):
                block.old_path = unquote_git_path(text[len("rename from ") :].rstrip("\r\n"))
                block.status = FileStatus.RENAMED
            elif block is not None and text.startswith("rename to "):
                block.new_path = unquote_git_path(text[len("rename to ") :].rstrip("\r\n"))
                block.status = FileStatus.RENAMED
            elif block is not None and text.startswith(("copy from ", "copy to ")):
                # A copy is a new file for the reader; keep the new path.
                if text.startswith("copy to "):
                    block.new_path = unquote_git_path(text[len("copy to ") :].rstrip("\r\n"))
                block.old_path = None
                block.status = FileStatus.ADDED
            elif block is not None and text.startswith("similarity index "):
                with contextlib.suppress(IndexError, ValueError):
                    block.similarity = int(text.split()[2].rstrip("%"))
            elif block is not None and (
                text.startswith("Binary files ") or text.startswith("GIT binary patch")
            ):
                block.binary = True
                if text.startswith("GIT binary patch"):
                    # Skip the base85 payload up to the blank line that ends each of its two parts.
                    i += 1
                    blanks = 0
                    while i < len(lines) and blanks < 2 and not lines[i].startswith(_DIFF_GIT):
                        if lines[i].strip() == b"":
                            blanks += 1
                        i += 1
                    continue
            elif (
                text.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith(b"+++ ")
            ):
                old_hdr = _strip_prefix(_header_path(text[4:]))
                new_hdr = _strip_prefix(
                    _header_path(lines[i + 1].decode("utf-8", errors="surrogateescape")[4:])
                )
                if block is None or block.hunks:
                    # Plain unified diff without git headers: each ---/+++ pair starts a file.
                    flush()
                    block = _FileBlock(old_path=old_hdr, new_path=new_hdr)
                else:
                    if block.status is not FileStatus.ADDED and old_hdr is not None:
                        block.old_path = old_hdr
                    if block.status is not FileStatus.REMOVED and new_hdr is not None:
                        block.new_path = new_hdr
                    if old_hdr is None:
                        block.status = FileStatus.ADDED
                        block.old_path = None
                    if new_hdr is None:
                        block.status = FileStatus.REMOVED
                        block.new_path = None
                i += 2
                continue
            elif line.startswith(b"@@"):
                m = _HUNK_RE.match(line)
                if block is None or m is None:
                    raise InputError(
                        f"{name}: line {i + 1} starts a hunk outside any file section;"
                        " pass a unified diff (git diff or git format-patch output)"
                    )
                if stray is not None:
                    raise InputError(
                        f"{name}: line {stray} sits between two hunks of one file; the hunk"
                        " line counts are wrong (regenerate the patch with git diff)"
                    )
                old_left = int(m.group(2)) if m.group(2) is not None else 1
                new_left = int(m.group(4)) if m.group(4) is not None else 1
                in_hunk = True
                block.hunks.append(line if line.endswith(b"\n") else line + b"\n")
            elif text.rstrip("\r\n") == "-- " and block is not None:
                # format-patch signature ("-- " then the git version) ends the last file.
                flush()
            elif block is not None and block.hunks and stray is None:
                stray = i + 1
            i += 1
    except BadQuoting as exc:
        raise InputError(
            f"{name}: line {i + 1}: {exc}; git cannot read this header either"
            " (regenerate the patch with git diff)"
        ) from None
    if in_hunk and (old_left > 0 or new_left > 0):
        raise InputError(
            f"{name}: the last hunk is cut short; the patch is truncated (regenerate it with git diff)"
        )
    flush()
    if not files and raw.strip():
        raise InputError(f"{name}: no file changes found; pass a unified diff (git diff output)")
    return _dedupe(files)


def _dedupe(files: list[FileChange]) -> list[FileChange]:
    """Merge sections for the same path (a format-patch series touching a file twice)."""
    seen: dict[str, FileChange] = {}
    order: list[str] = []
    for f in files:
        prev = seen.get(f.path)
        if prev is None:
            seen[f.path] = f
            order.append(f.path)
            continue
        prev.additions += f.additions
        prev.deletions += f.deletions
        prev.patch = "\n".join(p for p in (prev.patch, f.patch) if p)
        if "series" not in prev.notes:
            prev.notes.append("series")
    return [seen[p] for p in order]


def read_patch_source(spec: str, *, max_patch_bytes: int = DEFAULT_MAX_PATCH_BYTES) -> ChangeSet:
    """Read a patch file (or ``-`` for stdin) into a :class:`ChangeSet`."""
    if spec == "-":
        data = sys.stdin.buffer.read()
        name = "stdin"
    else:
        p = Path(spec)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise InputError(
                f"{spec}: cannot read the patch file ({exc.strerror}); check the path"
            ) from exc
        name = spec
    files = parse_patch(data, name=name, max_patch_bytes=max_patch_bytes)
    return ChangeSet(repo=Path(spec).stem if spec != "-" else "stdin", files=files)
