"""Shared fixtures: real git repositories in temp folders, and the location of ../shared."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
REFERENCE = SHARED / "reference" / "000_b10c9de956213888.txt"
ANCHORS = SHARED / "anchor-reports"


def need_shared(path: Path) -> Path:
    """Skip the test when the shared data is absent (a user's fresh clone has none)."""
    if not path.exists():
        pytest.skip(f"{path} is absent: shared reference data is not available here")
    return path


class Repo:
    """A real git repository in a temp folder, with deterministic commit dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, when: str | None = None) -> str:
        env = dict(os.environ)
        env.update(
            GIT_AUTHOR_NAME="T",
            GIT_AUTHOR_EMAIL="t@example.invalid",
            GIT_COMMITTER_NAME="T",
            GIT_COMMITTER_EMAIL="t@example.invalid",
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
        )
        if when:
            env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
        out = subprocess.run(
            ["git", "-C", str(self.path), *args], check=True, capture_output=True, env=env
        )
        return out.stdout.decode("utf-8", "replace")

    def write(self, rel: str, content: str | bytes) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()

    def commit(self, message: str, when: str = "2025-05-21T10:00:00+00:00") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, when=when)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    yield Repo(tmp_path / "repo")


@pytest.fixture(scope="session")
def anchor_reports() -> Path:
    return need_shared(ANCHORS)


@pytest.fixture(scope="session")
def reference_report() -> Path:
    return need_shared(REFERENCE)
