"""Real git repositories for tests: commits with chosen dates, bare copies as remotes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from diffinsight._gitrun import run_git


def git(repo: Path, *args: str, date: str | None = None) -> str:
    """Run git in ``repo``, blind to user config; ``date`` (ISO 8601) sets author and committer dates."""
    return run_git(repo, *args, name="Ann Writer", email="ann@example.com", when=date).strip()


def init_repo(path: Path, branch: str = "main") -> Path:
    """An empty repository on ``branch``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    return path


def commit_files(repo: Path, files: Mapping[str, str | None], message: str, date: str) -> str:
    """Write (or, for None, delete) files and commit them at ``date``; the new sha."""
    for name, text in files.items():
        p = repo / name
        if text is None:
            p.unlink()
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


def publish(repo: Path, root: Path, owner_repo: str) -> Path:
    """Push ``repo``'s branches to a bare ``root/OWNER/REPO.git`` (created when absent)."""
    bare = root / f"{owner_repo}.git"
    if not bare.exists():
        bare.parent.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "--bare", str(bare))
        git(bare, "config", "uploadpack.allowFilter", "true")
    git(repo, "push", "-q", "--force", "--all", str(bare))
    return bare
