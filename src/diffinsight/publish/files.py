"""Output paths from templates, and atomic writes."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import date
from pathlib import Path

from diffinsight.errors import InputError

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


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


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file and a rename: readers see old or new, never half."""
    write_all([(path, text)])


def write_all(files: list[tuple[Path, str]]) -> None:
    """Write several files so that a failure leaves none of them changed.

    Every file is first written next to its target; only when all are on disk are they renamed.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
