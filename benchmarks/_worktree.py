"""Another commit's code beside this checkout, for benchmarks that compare the two."""

from __future__ import annotations

import compileall
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def short(commit: str) -> str:
    """The abbreviated hash of ``commit`` (a failing git says which name it did not know)."""
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@contextmanager
def checkout(commit: str) -> Iterator[tuple[str, Path]]:
    """(short commit, its src folder, compiled) in a temporary detached worktree, removed after."""
    name = short(commit)
    with tempfile.TemporaryDirectory(prefix="di-bench-") as tmp:
        other = Path(tmp) / "against"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(other), commit],
            check=True,
            capture_output=True,
        )
        try:
            # Compiled as an installed package is: a run would otherwise compile it anew.
            compileall.compile_dir(other / "src" / "diffinsight", quiet=1)
            yield name, other / "src"
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)],
                capture_output=True,
            )
