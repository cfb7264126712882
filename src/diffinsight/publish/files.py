"""Output paths from templates, and atomic writes."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from diffinsight.errors import InputError, OutputError

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
#: Names :func:`write_all` stages under: ``.<target>.<mkstemp's 8 characters>.tmp``.
_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
#: Called with the name of each point a write passes (``mid-write``: a file is staged, none is
#: renamed yet), so that a test can kill the process exactly there.
Checkpoint = Callable[[str], None]


def remove_stale_temps(folder: Path, started: float) -> list[Path]:
    """Delete our staged files under ``folder`` last touched before ``started``; those removed.

    A killed run leaves its staged ``.name.XXXXXXXX.tmp`` files behind. The run holding the
    lock calls this with its own start time: no writer it excludes can own an older one.
    Hidden folders (``.git``, the state's) are not entered; symlinks are never followed.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if not _TEMP_NAME.match(name):
                continue
            p = Path(root) / name
            try:
                st = p.lstat()
                if stat.S_ISREG(st.st_mode) and st.st_mtime < started:
                    p.unlink()
                    removed.append(p)
            except OSError:
                continue  # gone already, or not ours to remove: leave it
    return removed


def safe_component(name: str) -> str:
    """A single, harmless path component (no separators, no leading dots)."""
    cleaned = _UNSAFE.sub("-", name).strip("-").lstrip(".")
    return cleaned or "_"


def _static_root(template: str) -> Path:
    parts = Path(template).parts
    root: list[str] = []
    for part in parts[:-1]:
        if "%" in part or "{" in part:
            break
        root.append(part)
    return Path(*root) if root else Path(".")


def output_path(
    template: str, day: date, lang: str, category: str, *, suffix: str | None = None
) -> Path:
    """The file for one report: strftime codes of ``day`` plus ``{lang}`` and ``{category}``.

    Values are made into safe path components, and the result must stay below the template's
    fixed leading folders, so a category name can never write elsewhere.
    """
    try:
        text = day.strftime(template).format(
            lang=safe_component(lang), category=safe_component(category)
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise InputError(
            f"--output {template}: bad placeholder ({exc}); use strftime codes, {{lang}} and {{category}}"
        ) from exc
    path = Path(text)
    if suffix and path.suffix == ".md" and suffix != ".md":
        path = path.with_suffix(suffix)
    root = _static_root(template).resolve()
    if not path.resolve().is_relative_to(root):
        raise InputError(f"--output {template}: resolves outside {root}; remove '..' from it")
    return path


def check_writable(template: str) -> None:
    """Refuse, before any work, an output template whose fixed folders cannot hold files."""
    folder = _static_root(template)
    p = folder
    while not p.exists() and p != p.parent:
        p = p.parent
    if not p.is_dir():
        raise OutputError(
            f"--output {template}: {p} is a file, not a folder; choose another folder"
        )
    # Really try (root passes os.access checks on /proc and /sys): make and drop an empty folder.
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".diffinsight-check-", dir=p))
    except OSError as exc:
        raise OutputError(
            f"--output {template}: cannot write in {p} ({exc.strerror}); choose another folder"
        ) from None


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename: readers see old or new, never half."""
    write_all([(path, text)])


def file_mode() -> int:
    """The mode a new file gets under the current umask (0644 under 022), as ``open`` would give."""
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _make_parents(folder: Path, created: list[Path]) -> None:
    """``mkdir -p folder``, noting each folder it made (outermost first) so a failure can undo it."""
    missing: list[Path] = []
    p = folder
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir()
        created.append(d)


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        blocker = next((p for p in path.parents if p.is_file()), path.parent)
        reason = f"{blocker} is a file, not a folder"
    else:
        reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return OutputError(f"{path}: cannot write ({reason}); free space there and run again")
    return OutputError(f"{path}: cannot write ({reason}); choose another output folder")


def write_all(files: list[tuple[Path, str]], *, checkpoint: Checkpoint | None = None) -> None:
    """Write several files so that a failure leaves none of them changed (and no new folders).

    Every file is first written next to its target; only when all are on disk are they renamed.
    New files get the umask's mode, like any file a command-line tool creates.
    """
    staged: list[tuple[str, Path]] = []
    created: list[Path] = []
    mode = file_mode()
    current: Path | None = None
    try:
        for path, text in files:
            current = path
            _make_parents(path.parent, created)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                os.fchmod(fd, mode)  # mkstemp makes 0600 files, whatever the umask says
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            if checkpoint is not None:
                checkpoint("mid-write")
        for tmp, path in staged:
            current = path
            os.replace(tmp, path)
    except BaseException as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        for d in reversed(created):
            with contextlib.suppress(OSError):
                d.rmdir()
        if isinstance(exc, OSError) and current is not None:
            raise _cannot_write(current, exc) from exc
        raise
