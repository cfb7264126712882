"""Source: a unified diff (``git diff`` / ``git format-patch`` output, or plain ``diff -u``).

The patch is read the way ``git apply`` reads it, so a patch git accepts gets git's +/-
counts and a patch git refuses is refused here, in one line naming the patch, the line and
the fix. A file section starts at a ``diff --git`` header followed by at least one header
line, or at a ``---``/``+++`` pair directly followed by a hunk. Hunks follow while lines
start with ``@@ -``; each takes exactly the lines its header counts, and one that runs out,
holds a line that is not `` ``/``-``/``+``/``\\``, lacks its newline or changes nothing is
refused, as git refuses it. Lines between sections are skipped, except a hunk header, which
git refuses as a hunk outside any file section. Lines end at ``\\n`` only: a ``\\r`` inside a
line is content. Header names are checked against each other as git checks them (git's
reading runs beside ours, which keeps the ``a/``/``b/`` conventions for the names reported).

One reading differs on purpose: a corrupt ``GIT binary patch`` payload is refused here; git
prints an error, then keeps the files before it and drops the rest of the input without a
failing exit code, which would report a partial change as the whole one.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from diffinsight.errors import InputError
from diffinsight.models import ChangeSet, FileChange, FileStatus
from diffinsight.sources.base import DEFAULT_MAX_PATCH_BYTES, clip_patch
from diffinsight.sources.encoding import UNDECODABLE, decode_bytes

# Anchored and free of nested quantifiers: linear. A trailing newline is required, as git does.
_HUNK_RE = re.compile(rb"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_DIFF_GIT = b"diff --git "
_SPECIAL_RE = re.compile(rb'["\\\x00]')
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
    """A path is quoted in a way git never writes (git's unquoting fails on it too)."""


def _clean(path: str) -> str:
    """A path decoded with surrogateescape, its undecodable bytes shown as U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _unquote_prefix(text: str) -> tuple[str, int]:
    """Unquote the C-style quoted name that opens ``text``; returns it and the index after it.

    Raises :class:`BadQuoting` where git's reader fails: no closing quote, an octal escape that
    is not three digits from ``\\000`` to ``\\377``, an unknown escape.
    """
    if not text.startswith('"'):
        raise BadQuoting(f"no opening quote in {text!r}")
    out = bytearray()
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return out.decode("utf-8", errors="replace"), i + 1
        if ch == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt and nxt in "0123":
                digits = text[i + 1 : i + 4]
                if len(digits) < 3 or any(d not in "01234567" for d in digits):
                    raise BadQuoting(f"bad octal escape in {text!r}")
                out.append(int(digits, 8))
                i += 4
                continue
            if not nxt or nxt not in _C_ESCAPES:
                raise BadQuoting(f"bad escape in {text!r}")
            out.append(_C_ESCAPES[nxt])
            i += 2
            continue
        out.extend(ch.encode("utf-8", "surrogateescape"))
        i += 1
    raise BadQuoting(f"unbalanced quotes in {text!r}")


def unquote_git_path(raw: str) -> str:
    """Undo git's C-style quoting of a path (``"caf\\303\\251.md"`` -> ``café.md``).

    An unquoted path is returned as it is (undecodable bytes as U+FFFD). Raises
    :class:`BadQuoting` where git's own reader fails.
    """
    if not raw.startswith('"'):
        return _clean(raw)
    name, end = _unquote_prefix(raw)
    if end != len(raw):
        raise BadQuoting(f"text after the closing quote in {raw!r}")
    return name


def _strip_prefix(path: str) -> str | None:
    if path == "/dev/null":
        return None
    for prefix in ("a/", "b/", "i/", "w/", "c/", "o/"):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


def _line_name(rest: str, *, tab_ends: bool) -> str:
    """The name on a ``---``/``+++``/rename line: quoted, or the raw text (up to a tab for
    ``---``/``+++``, where plain diff adds a timestamp). A quoting git cannot undo is read as
    raw text, as git falls back to doing."""
    rest = rest.rstrip("\r\n")
    if rest.startswith('"'):
        try:
            return _unquote_prefix(rest)[0]
        except BadQuoting:
            pass
    return _clean(rest.split("\t", 1)[0] if tab_ends else rest)


def _skip_component(path: str) -> str | None:
    """``path`` without its first component (git's ``-p1``), or None when it has none."""
    slash = path.find("/")
    return None if slash <= 0 else path[slash + 1 :]


_SPACE = " \t\n\v\f\r"


def _header_name(rest: str) -> str | None:
    """The one name of ``diff --git A B`` when both sides name the same file after their
    first component, found the way git finds it (the name is kept with its first side's
    prefix); None when the line is ambiguous or unreadable."""
    rest = rest.rstrip("\n")
    if rest.startswith('"'):
        try:
            first, end = _unquote_prefix(rest)
        except BadQuoting:
            return None
        a = _skip_component(first)
        second = rest[end:].lstrip(_SPACE)
        if a is None or not second or not second.startswith('"'):
            # git compares an unquoted second name with its newline: never equal.
            return None
        try:
            other = _unquote_prefix(second)[0]
        except BadQuoting:
            return None
        return first if _skip_component(other) == a else None
    body = _skip_component(rest)
    if body is None:
        return None
    head = rest[: len(rest) - len(body)]
    quote = body.find('"')
    if quote >= 0:
        # The first name is unquoted, so a quote can only open the second one.
        try:
            other = _unquote_prefix(body[quote:])[0]
        except BadQuoting:
            return None
        b = _skip_component(other)
        if b is None or len(b) >= quote or not body.startswith(b) or body[len(b)] not in _SPACE:
            return None
        return _clean(head + b)
    for i, ch in enumerate(body):
        if ch in " \t":
            if i + 1 == len(body):
                return None
            tail = _skip_component(body[i + 1 :])
            if tail is None:
                return None
            if tail == body[:i]:
                return _clean(head + body[:i])
    return None


def _git_name(text: str, strip: int, *, tab_ends: bool) -> str | None:
    """The name git's ``find_name`` takes from a header line (after ``strip`` leading
    components), or None where git finds none. Only used to refuse what git refuses."""
    text = text.rstrip("\n")
    if text.startswith('"'):
        try:
            name: str | None = _unquote_prefix(text)[0]
        except BadQuoting:
            name = None
        for _ in range(strip):
            if name is None:
                break
            slash = name.find("/")
            name = None if slash < 0 else name[slash + 1 :]
        if name is not None:
            return _clean(name)
    end = len(text)
    for i, ch in enumerate(text):
        if ch in "\v\f\r" or (tab_ends and ch == "\t"):
            end = i
            break
    text = text[:end]
    for _ in range(strip):
        slash = text.find("/")
        if slash < 0:
            return None
        text = text[slash + 1 :]
    return _clean(text) if text else None


def _is_dev_null(text: str) -> bool:
    return text.startswith("/dev/null") and text[9:10] in _SPACE and text[9:10] != ""


def _bad_mode(text: str) -> bool:
    """Whether git's mode parser (octal digits, then white space) rejects ``text``."""
    digits = len(text) - len(text.lstrip("01234567"))
    return digits == 0 or text[digits : digits + 1] not in tuple(_SPACE)


def _bad_index_mode(text: str) -> bool:
    """An ``index A..B MODE`` line whose mode git rejects (hashes git ignores are fine)."""
    dot = text.find(".")
    if dot < 0 or text[dot + 1 : dot + 2] != "." or dot > 40:
        return False
    rest = text[dot + 2 :]
    space = rest.find(" ")
    eol = rest.find("\n")
    eol = len(rest) if eol < 0 else eol
    end = eol if space < 0 or eol < space else space
    if end > 40 or end != space:
        return False
    return _bad_mode(rest[space + 1 :])


@dataclass
class _FileBlock:
    old_path: str | None = None
    new_path: str | None = None
    status: FileStatus | None = None
    similarity: int | None = None
    binary: bool = False
    is_new: bool = False
    is_delete: bool = False
    hunks: list[bytes] = field(default_factory=list)
    additions: int = 0
    deletions: int = 0
    old_lines: int = 0
    new_lines: int = 0
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
    assert path is not None
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


class _Reader:
    """One pass over the lines of a patch, in the order ``git apply`` reads them."""

    def __init__(self, raw: bytes, name: str) -> None:
        self.name = name
        self.raw = raw
        self.lines = io.BytesIO(raw).readlines()
        self._special = (-1, -1)
        # Bytes from the start of each line to the end of the input: git's tests of "how
        # much is left" decide where a header may start.
        self.left: list[int] = []
        total = len(raw)
        for line in self.lines:
            self.left.append(total)
            total -= len(line)
        # Names of a header git skipped (nothing recognised after it) carry over to the next
        # header of the same search, as they do in git.
        self.carried: tuple[str | None, str | None] | None = None
        self.carried_git: tuple[str | None, str | None] = (None, None)
        # git guesses -p0 after a plain diff whose names have no directory; its name checks
        # then differ from ours, so they are left to git.
        self.names_exact = True

    def _next_special(self, pos: int) -> int:
        """Index of the next quote, backslash or NUL at or after ``pos`` (or the end).

        Asked in increasing order of ``pos``, so one remembered answer keeps every search
        over the input linear."""
        asked, found = self._special
        if asked <= pos <= found:
            return found
        m = _SPECIAL_RE.search(self.raw, pos)
        found = m.start() if m else len(self.raw)
        self._special = (pos, found)
        return found

    def git_name(self, j: int, skip: int, strip: int, *, tab_ends: bool) -> str | None:
        """git's name from line ``j`` after ``skip`` bytes. git unquotes over the whole
        input, not one line: an unclosed quote runs on to the next quote of a later line."""
        start = len(self.raw) - self.left[j] + skip
        if self.raw[start : start + 1] == b'"':
            name = self._git_unquote(start + 1)
            for _ in range(strip):
                if name is None:
                    break
                slash = name.find(b"/")
                name = None if slash < 0 else name[slash + 1 :]
            if name is not None:
                return _clean(name.decode("utf-8", "surrogateescape"))
        text = self.lines[j][skip:].decode("utf-8", "surrogateescape")
        return _git_name(text, strip, tab_ends=tab_ends)

    def _git_unquote(self, pos: int) -> bytes | None:
        raw = self.raw
        out = bytearray()
        while True:
            stop = self._next_special(pos)
            out += raw[pos:stop]
            ch = raw[stop : stop + 1]
            if ch == b'"':
                return bytes(out)
            if ch != b"\\":
                return None
            esc = raw[stop + 1 : stop + 2]
            if esc and esc in b"0123":
                digits = raw[stop + 1 : stop + 4]
                if len(digits) < 3 or any(d not in b"01234567" for d in digits):
                    return None
                out.append(int(digits, 8))
                pos = stop + 4
            elif esc and esc in b'abtnvfr"\\':
                out.append(_C_ESCAPES[esc.decode()])
                pos = stop + 2
            else:
                return None

    def fail(self, line: int, what: str) -> InputError:
        return InputError(f"{self.name}: line {line + 1}: {what}")

    def find_header(self, i: int) -> tuple[_FileBlock, int] | None:
        """The next file section from line ``i``: its block and the line after its header."""
        lines, n = self.lines, len(self.lines)
        self.carried = None
        self.carried_git = (None, None)
        k = i
        while k < n:
            line = lines[k]
            size = self.left[k]
            if len(line) < 6:
                k += 1
                continue
            if line.startswith(b"@@ -"):
                if _HUNK_RE.match(line) and line.endswith(b"\n"):
                    raise self.fail(
                        k,
                        "a hunk outside any file section; the hunk line counts are wrong or"
                        " the file header is missing (regenerate the patch with git diff)",
                    )
                k += 1
                continue
            if size < len(line) + 6:
                return None
            if line.startswith(_DIFF_GIT):
                found = self.git_header(k)
                if found is not None:
                    return found
                k += 1
                continue
            if (
                line.startswith(b"--- ")
                and k + 2 < n
                and lines[k + 1].startswith(b"+++ ")
                and size >= len(lines[k + 1]) + 14
                and lines[k + 2].startswith(b"@@ -")
            ):
                return self.traditional_header(k), k + 2
            k += 1
        return None

    def traditional_header(self, k: int) -> _FileBlock:
        first = self.lines[k][4:].decode("utf-8", "surrogateescape")
        second = self.lines[k + 1][4:].decode("utf-8", "surrogateescape")
        old_raw, new_raw = _line_name(first, tab_ends=True), _line_name(second, tab_ends=True)
        old, new = _strip_prefix(old_raw), _strip_prefix(new_raw)
        if "/" not in old_raw or "/" not in new_raw:
            self.names_exact = False
        if not old and not new:
            if old_raw == new_raw == "/dev/null":
                new = "dev/null"  # what git names it
            else:
                raise self.fail(k, "the ---/+++ lines name no file; regenerate the patch")
        block = _FileBlock(old_path=old or None, new_path=new or None)
        block.is_new = old_raw == "/dev/null"
        block.is_delete = not block.is_new and new_raw == "/dev/null"
        return block

    def git_header(self, k: int) -> tuple[_FileBlock, int] | None:
        """Parse ``diff --git`` and its header lines; None when no header line follows it.

        Two readings run side by side: ours names the file for the report, git's (one
        leading component stripped, names checked against each other) decides, as in git,
        whether the header is refused.
        """
        lines, n = self.lines, len(self.lines)
        text = lines[k].decode("utf-8", "surrogateescape")
        default = _header_name(text[len("diff --git ") :])
        git_default = _skip_component(default) if default is not None else None
        git_old, git_new = self.carried_git
        block = _FileBlock()
        dev_null = copied = renamed = False
        j = k + 1
        while j < n and lines[j].endswith(b"\n"):
            t = lines[j].decode("utf-8", "surrogateescape")
            if t.startswith("@@ -"):
                break
            if t.startswith(("--- ", "+++ ")):
                path = _line_name(t[4:], tab_ends=True)
                dev_null = dev_null or path == "/dev/null"
                stripped = _strip_prefix(path) or None
                old_side = t.startswith("--- ")
                if old_side:
                    block.old_path = stripped
                else:
                    block.new_path = stripped
                known, null = (git_old, block.is_new) if old_side else (git_new, block.is_delete)
                if known is None and not null:
                    found = self.git_name(j, 4, 1, tab_ends=True)
                    if old_side:
                        git_old = found
                    else:
                        git_new = found
                elif known is not None and (null or _git_name(t[4:], 1, tab_ends=True) != known):
                    raise self.fail(
                        j, "this file name contradicts the header above it; regenerate the patch"
                    )
                elif known is None and not _is_dev_null(t[4:]):
                    raise self.fail(
                        j, "a new or deleted file needs /dev/null here; regenerate the patch"
                    )
            elif t.startswith(("new file mode ", "deleted file mode ")):
                if t.startswith("new"):
                    block.is_new = True
                    block.status = FileStatus.ADDED
                    git_new = git_default
                else:
                    block.is_delete = True
                    block.status = FileStatus.REMOVED
                    git_old = git_default
                if _bad_mode(t.split(" ", 3)[3]):
                    raise self.fail(j, "an invalid file mode; regenerate the patch")
            elif t.startswith(("old mode ", "new mode ")):
                if _bad_mode(t[9:]):
                    raise self.fail(j, "an invalid file mode; regenerate the patch")
            elif t.startswith(("rename from ", "rename old ", "copy from ")):
                block.old_path = _line_name(t.split(" ", 2)[2], tab_ends=False) or None
                git_old = self.git_name(j, len(t) - len(t.split(" ", 2)[2]), 0, tab_ends=False)
                block.status = FileStatus.RENAMED
                copied = copied or t.startswith("copy")
                renamed = renamed or t.startswith("rename")
            elif t.startswith(("rename to ", "rename new ", "copy to ")):
                block.new_path = _line_name(t.split(" ", 2)[2], tab_ends=False) or None
                git_new = self.git_name(j, len(t) - len(t.split(" ", 2)[2]), 0, tab_ends=False)
                block.status = FileStatus.RENAMED
                copied = copied or t.startswith("copy")
                renamed = renamed or t.startswith("rename")
            elif t.startswith(("similarity index ", "dissimilarity index ")):
                digits = t.split(" ", 2)[2].lstrip()
                num = digits[: len(digits) - len(digits.lstrip("0123456789"))]
                if num and int(num) <= 100:
                    block.similarity = int(num)
            elif t.startswith("index "):
                if _bad_index_mode(t[6:]):
                    raise self.fail(j, "an invalid file mode; regenerate the patch")
            else:
                break
            if block.is_new + block.is_delete + renamed + copied > 1:
                raise self.fail(j, "header lines that contradict each other; regenerate the patch")
            j += 1
        if self.names_exact:
            if git_old is None and git_new is None:
                if git_default is None:
                    raise self.fail(
                        k,
                        "the diff --git header names no file git can read (quoting, escapes"
                        " or paths that differ); regenerate the patch with git diff",
                    )
                git_old = git_new = git_default
            if (git_new is None and not block.is_delete) or (git_old is None and not block.is_new):
                raise self.fail(k, "the file header lacks a file name; regenerate the patch")
        if copied:
            # A copy is a new file for the reader; keep the new path.
            block.old_path = None
            block.status = FileStatus.ADDED
        fallback = _strip_prefix(default) if default is not None else None
        if block.is_new and block.new_path is None:
            block.new_path = fallback
        if block.is_delete and block.old_path is None:
            block.old_path = fallback
        if block.old_path is None and block.new_path is None:
            if fallback is not None:
                block.old_path = block.new_path = fallback
            elif self.carried is not None:
                block.old_path, block.new_path = self.carried
            elif dev_null:
                block.old_path = block.new_path = "dev/null"  # what git names it
        if block.is_new:
            block.old_path = None
        if block.is_delete:
            block.new_path = None
        if block.old_path is None and block.new_path is None:
            raise self.fail(
                k,
                "the diff --git header names no file git can read (quoting, escapes or"
                " paths that differ); regenerate the patch with git diff",
            )
        if j == k + 1:
            self.carried = (block.old_path, block.new_path)
            self.carried_git = (git_old, git_new)
            return None
        return block, j

    def hunks(self, block: _FileBlock, j: int) -> int:
        """Read the hunks of ``block`` from line ``j``; returns the line after them."""
        lines, n = self.lines, len(self.lines)
        while j < n and self.left[j] > 4 and lines[j].startswith(b"@@ -"):
            j = self.hunk(block, j)
        if block.is_new and block.old_lines:
            raise self.fail(j - 1, "a new file whose hunks need old lines; the patch is edited")
        if block.is_delete and block.new_lines:
            raise self.fail(j - 1, "a deleted file whose hunks keep lines; the patch is edited")
        return j

    def hunk(self, block: _FileBlock, j: int) -> int:
        lines, n = self.lines, len(self.lines)
        header = lines[j]
        m = _HUNK_RE.match(header)
        if m is None or not header.endswith(b"\n"):
            raise self.fail(j, "a malformed hunk header; regenerate the patch with git diff")
        old_left = int(m.group(2)) if m.group(2) is not None else 1
        new_left = int(m.group(4)) if m.group(4) is not None else 1
        block.old_lines += old_left
        block.new_lines += new_left
        body = [header]
        added = deleted = 0
        k = j + 1
        while k < n and (old_left or new_left):
            line = lines[k]
            if not line.endswith(b"\n"):
                raise self.fail(
                    k,
                    "the last line has no newline; the patch is truncated (regenerate it with"
                    " git diff)",
                )
            first = line[:1]
            if first == b" " or first == b"\n":
                old_left -= 1
                new_left -= 1
                body.append(line if first == b" " else b" " + line)
            elif first == b"-":
                deleted += 1
                old_left -= 1
                body.append(line)
            elif first == b"+":
                added += 1
                new_left -= 1
                body.append(line)
            elif first == b"\\" and len(line) >= 12 and line.startswith(b"\\ "):
                body.append(line)
            else:
                raise self.fail(
                    k,
                    "the hunk ends before the line counts of its header (line"
                    f" {j + 1}) are reached; the patch is truncated or edited (regenerate it"
                    " with git diff)",
                )
            k += 1
        if old_left or new_left:
            raise self.fail(
                j,
                "this hunk is cut short; the patch is truncated or its line counts are wrong"
                " (regenerate it with git diff)",
            )
        if not added and not deleted:
            raise self.fail(j, "this hunk changes no line; the patch is edited (regenerate it)")
        if k < n and self.left[k] > 12 and lines[k].startswith(b"\\ "):
            body.append(lines[k])
            k += 1
        block.hunks.extend(body)
        block.additions += added
        block.deletions += deleted
        return k

    def binary(self, block: _FileBlock, j: int) -> int:
        """After a section's header, a binary marker or payload; returns the line after it."""
        lines, n = self.lines, len(self.lines)
        if j >= n:
            return j
        line = lines[j]
        if line == b"GIT binary patch\n":
            block.binary = True
            k = self.binary_hunk(j + 1, required=True)
            return self.binary_hunk(k, required=False)
        if line.endswith(b" differ\n") and line.startswith((b"Binary files ", b"Files ")):
            block.binary = True
            return j + 1
        return j

    def binary_hunk(self, k: int, *, required: bool) -> int:
        """One ``literal``/``delta`` part of a binary payload, checked as git checks it."""
        lines, n = self.lines, len(self.lines)
        method = lines[k] if k < n else b""
        m = re.match(rb"(?:literal|delta) (\d*)", method)
        if m is None:
            if required:
                raise self.fail(k, "a binary patch without its payload; regenerate it")
            return k
        size = int(m.group(1) or 0)
        data = bytearray()
        k += 1
        while True:
            line = lines[k] if k < n else b""
            if line == b"\n":
                break
            body = line[1:-1]
            lead = line[:1]
            want = (
                ord(lead) - ord("A") + 1
                if b"A" <= lead <= b"Z"
                else ord(lead) - ord("a") + 27
                if b"a" <= lead <= b"z"
                else -1
            )
            most = len(body) // 5 * 4
            try:
                if len(line) < 7 or len(body) % 5 or not most - 4 < want <= most:
                    raise ValueError
                data += base64.b85decode(body)[:want]
            except ValueError:
                raise self.fail(
                    k, "a corrupt binary patch; regenerate it with git diff --binary"
                ) from None
            k += 1
        try:
            inflated = zlib.decompressobj()
            out = inflated.decompress(bytes(data), size + 1)
            ok = inflated.eof and len(out) == size
        except (zlib.error, binascii.Error):
            ok = False
        if not ok:
            raise self.fail(k, "a corrupt binary patch; regenerate it with git diff --binary")
        return k + 1


def parse_patch(
    data: bytes | str, *, name: str = "patch", max_patch_bytes: int = DEFAULT_MAX_PATCH_BYTES
) -> list[FileChange]:
    """Parse unified diff text into file changes; raises :class:`InputError` when it holds none."""
    raw = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    reader = _Reader(raw, name)
    files: list[FileChange] = []
    i = 0
    while i < len(reader.lines):
        found = reader.find_header(i)
        if found is None:
            break
        block, j = found
        k = reader.hunks(block, j)
        if k == j:
            k = reader.binary(block, j)
        files.append(_finish(block, max_patch_bytes))
        i = k
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
