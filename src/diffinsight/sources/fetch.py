"""A shallow, blob-filtered fetch of a few commits into a cache folder, for diffing locally.

Used when a hosted API cannot give the whole comparison: only the two commits (and their
trees) are fetched; blobs arrive on demand when ``git diff`` reads them, so a comparison of
thousands of files costs two trees plus the changed blobs, not the repository's history.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from diffinsight.errors import SourceError

log = logging.getLogger(__name__)


def cache_root() -> Path:
    """``$DIFFINSIGHT_CACHE_DIR``, else ``$XDG_CACHE_HOME/diffinsight``, else ``~/.cache/diffinsight``."""
    explicit = os.environ.get("DIFFINSIGHT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "diffinsight"


def _git_env(auth: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    env.update(auth or {})
    return env


def _git(
    args: list[str], *, cwd: Path | None = None, what: str, auth: dict[str, str] | None = None
) -> str:
    env = _git_env(auth)
    try:
        proc = subprocess.run(
            ["git", "-c", "core.hooksPath=/dev/null", *args],
            cwd=cwd,
            capture_output=True,
            env=env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise SourceError("git: not found on PATH; install git") from exc
    if proc.returncode != 0:
        lines = [
            ln
            for ln in proc.stderr.decode("utf-8", "replace").strip().splitlines()
            if not ln.startswith("warning:")
        ]
        detail = lines[-1] if lines else f"exit {proc.returncode}"
        command = next((a for a in args if not a.startswith("-")), "")
        raise SourceError(f"{what}: git {command} failed: {detail}")
    return proc.stdout.decode("utf-8", "replace")


def auth_env(url: str, token: str | None) -> dict[str, str]:
    """Environment giving git a header with the token, for ``url``'s origin only.

    Not ``-c`` (argv is world-readable in /proc), not the URL (logged), not the repo's config
    (kept on disk): ``GIT_CONFIG_COUNT`` entries, scoped by git's ``http.<url>.*`` matching so a
    redirect to another host carries nothing.
    """
    parts = urlsplit(url)
    if not token or parts.scheme not in ("https", "http") or not parts.hostname:
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    # Entries the caller's environment already declares keep their numbers.
    try:
        n = max(0, int(os.environ.get("GIT_CONFIG_COUNT", "0")))
    except ValueError:
        n = 0
    return {
        "GIT_CONFIG_COUNT": str(n + 1),
        f"GIT_CONFIG_KEY_{n}": f"http.{parts.scheme}://{parts.netloc}/.extraHeader",
        f"GIT_CONFIG_VALUE_{n}": f"Authorization: Basic {basic}",
    }


def cache_repo_path(clone_url: str, root: Path | None = None) -> Path:
    """The cache folder for one remote: a readable, collision-free name below the cache root."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", re.sub(r"^[a-z+]+://", "", clone_url)).strip("_")
    return (root or cache_root()) / "repos" / (name.removesuffix(".git") + ".git")


def fetch_commits(
    clone_url: str, shas: list[str], *, token: str | None = None, root: Path | None = None
) -> Path:
    """Fetch ``shas`` (depth 1, blobs on demand) from ``clone_url`` into a cache repo; its path.

    Servers that do not allow filters get a plain shallow fetch (git says so and goes on).
    """
    repo = cache_repo_path(clone_url, root)
    if not (repo / "HEAD").exists():
        repo.parent.mkdir(parents=True, exist_ok=True)
        _git(["init", "--quiet", "--bare", str(repo)], what=str(repo))
        _git(["remote", "add", "origin", clone_url], cwd=repo, what=str(repo))
        # Marking the remote as a promisor lets git fetch missing blobs lazily while diffing.
        _git(["config", "remote.origin.promisor", "true"], cwd=repo, what=str(repo))
        _git(["config", "remote.origin.partialclonefilter", "blob:none"], cwd=repo, what=str(repo))
    else:
        _git(["remote", "set-url", "origin", clone_url], cwd=repo, what=str(repo))
    missing = [s for s in shas if not _has_commit(repo, s)]
    if missing:
        log.info("fetching %d commit(s) from %s into %s", len(missing), clone_url, repo)
        _git(
            [
                "fetch",
                "--quiet",
                "--no-tags",
                "--depth=1",
                "--filter=blob:none",
                "origin",
                *missing,
            ],
            cwd=repo,
            what=clone_url,
            auth=auth_env(clone_url, token),
        )
    return repo


def _has_commit(repo: Path, sha: str) -> bool:
    proc = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "-e", f"{sha}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def prefetch_blobs(
    repo: Path, base: str, head: str, *, clone_url: str, token: str | None = None
) -> int:
    """Fetch, in one request, the blobs ``git diff base head`` will read; how many were missing.

    Git would fetch them lazily anyway, but without the token and one batch per command;
    doing it here keeps the token out of the cache repo's config.
    """
    raw = _git(["diff", "--raw", "--no-abbrev", "-z", base, head], cwd=repo, what=str(repo))
    wanted = {
        oid
        for field in raw.split("\0")
        if field.startswith(":")
        for oid in field.split()[2:4]
        if oid.strip("0")
    }
    listing = _git(
        ["rev-list", "--objects", "--missing=print", "--no-walk", base, head],
        cwd=repo,
        what=str(repo),
    )
    missing = sorted({ln[1:].strip() for ln in listing.splitlines() if ln.startswith("?")} & wanted)
    if not missing:
        return 0
    proc = subprocess.run(
        [
            "git",
            "-c",
            "core.hooksPath=/dev/null",
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            "--filter=blob:none",
            "origin",
            "--stdin",
        ],
        cwd=repo,
        input="\n".join(missing).encode() + b"\n",
        capture_output=True,
        env=_git_env(auth_env(clone_url, token)),
        check=False,
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(
            f"{clone_url}: git fetch of {len(missing)} blob(s) failed: "
            f"{detail[-1] if detail else proc.returncode}"
        )
    return len(missing)
