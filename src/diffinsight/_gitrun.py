"""Git for repositories this package creates itself (the example, and tests): blind to user config.

A user's ``~/.gitconfig`` may turn on commit signing or point ``core.hooksPath`` at hooks that
refuse commits; neither must break a repository we build from known content. Reading a user's
own repositories (``sources/``) deliberately keeps their config.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["isolated_env", "run_git"]


def isolated_env(name: str, email: str, when: str | None = None) -> dict[str, str]:
    """The environment with global and system git config switched off and a fixed identity.

    ``when`` (ISO 8601) sets both the author and the committer date.
    """
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME=name,
        GIT_AUTHOR_EMAIL=email,
        GIT_COMMITTER_NAME=name,
        GIT_COMMITTER_EMAIL=email,
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return env


def run_git(repo: Path, *args: str, name: str, email: str, when: str | None = None) -> str:
    """Run ``git -C repo ARGS`` isolated from user config; its stdout (raises on failure)."""
    out = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env=isolated_env(name, email, when),
    )
    return out.stdout.decode("utf-8", "replace")
