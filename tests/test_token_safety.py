"""The token goes to the configured API origin only, and never onto a command line."""

from __future__ import annotations

import base64
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from diffinsight.errors import SourceError
from diffinsight.sources.fetch import auth_env
from diffinsight.sources.git import GitSource
from diffinsight.sources.github import CompareSpec, GitHubSource
from git_http import GitHTTPServer
from github_server import FakeGitHub
from gitutil import commit_files, init_repo, publish

TOKEN = "ghp_canary_5f1e0c9a7b3d2e8f"
BASIC = base64.b64encode(f"x-access-token:{TOKEN}".encode())


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    root = tmp_path / "server"
    root.mkdir()
    server = FakeGitHub(root=root, token=TOKEN).start()
    monkeypatch.setenv("GITHUB_API_URL", server.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("DIFFINSIGHT_CACHE_DIR", str(tmp_path / "cache"))
    yield server
    server.stop()


def _docs(tmp_path: Path, api: FakeGitHub) -> tuple[Path, list[str]]:
    repo = init_repo(tmp_path / "work")
    shas = [
        commit_files(repo, {"a.md": "# A\n\nOld.\n"}, "one", "2025-05-01T10:00:00+00:00"),
        commit_files(
            repo, {"a.md": "# A\n\nNew.\n", "b.md": "# B\n"}, "two", "2025-05-02T10:00:00+00:00"
        ),
    ]
    publish(repo, api.root, "Contoso/docs")
    return repo, shas


def test_next_page_link_to_another_host_is_refused(tmp_path: Path, api: FakeGitHub) -> None:
    evil_root = tmp_path / "evil"
    evil_root.mkdir()
    evil = FakeGitHub(root=evil_root).start()
    try:
        repo = init_repo(tmp_path / "many")
        first = commit_files(repo, {"a.md": "0\n"}, "c0", "2025-05-01T00:00:00+00:00")
        for i in range(1, 103):
            commit_files(
                repo, {"a.md": f"{i}\n"}, f"c{i}", f"2025-05-01T01:{i // 60:02d}:{i % 60:02d}+00:00"
            )
        publish(repo, api.root, "Contoso/many")
        # Same host, another port: another origin.
        api.link_base = evil.base_url
        with pytest.raises(SourceError) as exc:
            GitHubSource(CompareSpec("Contoso/many", first, "main")).changeset()
        msg = str(exc.value)
        assert "refusing to send the token" in msg and evil.base_url in msg
        assert "\n" not in msg and TOKEN not in msg
        assert evil.requests == []
    finally:
        evil.stop()


def test_auth_env_is_scoped_to_the_remote_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_COUNT", "2")
    env = auth_env("https://git.example.com:8443/o/r.git", TOKEN)
    assert env["GIT_CONFIG_COUNT"] == "3"
    assert env["GIT_CONFIG_KEY_2"] == "http.https://git.example.com:8443/.extraHeader"
    assert env["GIT_CONFIG_VALUE_2"] == f"Authorization: Basic {BASIC.decode()}"
    assert auth_env("/srv/git/r.git", TOKEN) == {} and auth_env("https://h/r.git", None) == {}


class _ProcWatch:
    """Reads every process's command line over and over while a fetch runs."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.git_seen: set[bytes] = set()
        self.leaks: list[bytes] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as fh:
                        cmd = fh.read()
                except OSError:
                    continue
                if b"git" in cmd:
                    self.git_seen.add(cmd)
                if TOKEN.encode() in cmd or BASIC in cmd:
                    self.leaks.append(cmd)
            time.sleep(0.001)

    def __enter__(self) -> _ProcWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _wrap_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``git`` first on PATH that records its own /proc/PID/cmdline, then becomes git."""
    real = shutil.which("git")
    assert real
    log = tmp_path / "git-cmdlines.log"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "git"
    wrapper.write_text(
        f"#!/bin/sh\ntr '\\0' ' ' < /proc/$$/cmdline >> '{log}'\necho >> '{log}'\nexec '{real}' \"$@\"\n"
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return log


def test_fallback_fetch_keeps_the_token_off_every_command_line(
    tmp_path: Path, api: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, shas = _docs(tmp_path, api)
    git_http = GitHTTPServer(root=api.root, token=TOKEN).start()
    try:
        monkeypatch.setenv("GITHUB_SERVER_URL", git_http.url)
        log = _wrap_git(tmp_path, monkeypatch)
        api.patch_limit = 10  # every patch "too large": the local diff after a fetch
        src = GitHubSource(CompareSpec("Contoso/docs", shas[0], shas[1]))
        with _ProcWatch() as watch:
            cs = src.changeset()
    finally:
        git_http.stop()
    assert src.path_taken == "local"
    local = GitSource(repo, f"{shas[0]}...{shas[1]}").changeset()
    assert [(f.path, f.patch) for f in cs.files] == [(f.path, f.patch) for f in local.files]
    # The token reached the git server (it serves nothing without it; the 401s it counts are
    # git's own presence checks, which carry no credentials at all) ...
    assert git_http.served > 0
    # ... and no command line of any process ever held it.
    children = log.read_text().splitlines()
    assert any(" fetch " in ln for ln in children)
    assert not [ln for ln in children if TOKEN in ln or BASIC.decode() in ln or "extraHeader" in ln]
    assert any(b"fetch" in c for c in watch.git_seen)
    assert watch.leaks == []


def test_refused_fetch_names_the_command_not_its_options(
    tmp_path: Path, api: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repo, shas = _docs(tmp_path, api)
    git_http = GitHTTPServer(root=api.root, token="another-token").start()
    try:
        monkeypatch.setenv("GITHUB_SERVER_URL", git_http.url)
        api.patch_limit = 10
        with pytest.raises(SourceError) as exc:
            GitHubSource(CompareSpec("Contoso/docs", shas[0], shas[1])).changeset()
    finally:
        git_http.stop()
    msg = str(exc.value)
    assert "git fetch failed" in msg and "git -c" not in msg
    assert TOKEN not in msg and BASIC.decode() not in msg
