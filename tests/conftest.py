"""Shared fixtures: real git repositories in temp folders, and the location of ../shared."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from diffinsight._gitrun import run_git

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
REFERENCE = SHARED / "reference" / "000_b10c9de956213888.txt"
ANCHORS = SHARED / "anchor-reports"


#: Fixtures that read ../shared; a test using one (even through another fixture) is ``shared``.
SHARED_FIXTURES = frozenset({"anchor_reports", "reference_report"})


def need_shared(path: Path) -> Path:
    """Skip the test when the shared data is absent (a user's fresh clone has none)."""
    if not path.exists():
        pytest.skip(
            f"{path} is absent: put the shared data folder (reference/, anchor-reports/) "
            f"at {SHARED} beside this checkout to run the shared tests"
        )
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Run the whole suite under a global git config that signs commits with a failing gpg.

    Every repository a test builds goes through :func:`~diffinsight._gitrun.run_git`, which
    switches global and system config off; a test (or library code) that commits with plain
    git fails here, as it would for a user with ``commit.gpgsign = true`` in ``~/.gitconfig``.
    """
    folder = Path(tempfile.mkdtemp(prefix="diffinsight-tests-git-"))
    hostile = folder / "gitconfig"
    hostile.write_text("[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n", "utf-8")
    os.environ["GIT_CONFIG_GLOBAL"] = str(hostile)
    # Caches (the site's search texts, HTTP, clones) go to a temp folder, never the user's.
    os.environ["XDG_CACHE_HOME"] = str(folder / "cache")
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reaches ../shared through a fixture, so ``-m "not shared"`` works."""
    for item in items:
        if SHARED_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.shared)


class Repo:
    """A real git repository in a temp folder, with deterministic commit dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, when: str | None = None) -> str:
        return run_git(self.path, *args, name="T", email="t@example.invalid", when=when)

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
