"""View Diff links for local repositories whose remote is on GitHub or GitHub Enterprise."""

from __future__ import annotations

from pathlib import Path

import pytest

from clirun import cli
from conftest import Repo
from diffinsight.sources.git import github_web_of_url


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("https://github.com/MicrosoftDocs/azure-ai-docs.git", {}, "https://github.com"),
        ("https://github.com/MicrosoftDocs/azure-ai-docs", {}, "https://github.com"),
        ("git@github.com:MicrosoftDocs/azure-ai-docs.git", {}, "https://github.com"),
        ("ssh://git@github.com/MicrosoftDocs/azure-ai-docs.git", {}, "https://github.com"),
        ("https://user:tok@github.com/MicrosoftDocs/azure-ai-docs/", {}, "https://github.com"),
        (
            "git@github.contoso.com:MicrosoftDocs/azure-ai-docs.git",
            {},
            "https://github.contoso.com",
        ),
        ("https://contoso.ghe.com/MicrosoftDocs/azure-ai-docs.git", {}, "https://contoso.ghe.com"),
        (
            "https://code.contoso.example:8443/MicrosoftDocs/azure-ai-docs.git",
            {"GITHUB_SERVER_URL": "https://code.contoso.example:8443"},
            "https://code.contoso.example:8443",
        ),
        ("https://gitlab.com/MicrosoftDocs/azure-ai-docs.git", {}, None),
        ("/srv/git/azure-ai-docs.git", {}, None),
        ("https://github.com/only-owner", {}, None),
    ],
)
def test_remote_urls(url: str, env: dict[str, str], expected: str | None) -> None:
    found = github_web_of_url(url, env={"GH_CONFIG_DIR": "/nonexistent", **env})
    if expected is None:
        assert found is None
    else:
        assert found == (expected, "MicrosoftDocs/azure-ai-docs")


def test_gh_cli_hosts_count_as_github_enterprise(tmp_path: Path) -> None:
    (tmp_path / "hosts.yml").write_text(
        "github.com:\n    user: me\ncode.corp.example:\n    user: me\n    git_protocol: ssh\n"
    )
    env = {"GH_CONFIG_DIR": str(tmp_path)}
    assert github_web_of_url("git@code.corp.example:docs/site.git", env) == (
        "https://code.corp.example",
        "docs/site",
    )
    assert github_web_of_url("git@other.corp.example:docs/site.git", env) is None


@pytest.fixture
def cloned(repo: Repo) -> Repo:
    repo.write("a.md", "# A\n\none\n")
    repo.write("b.md", "# B\n\none\n")
    repo.commit("one", when="2025-05-20T10:00:00+00:00")
    repo.write("a.md", "# A\n\ntwo\n")
    repo.write("b.md", "# B\n\ntwo\n")
    repo.commit("two", when="2025-05-21T10:00:00+00:00")
    repo.git("remote", "add", "origin", "https://github.com/MicrosoftDocs/azure-ai-docs.git")
    repo.git("remote", "add", "corp", "git@github.contoso.com:docs/site.git")
    repo.git("remote", "add", "lab", "https://gitlab.com/docs/site.git")
    return repo


def test_report_links_to_the_compare_view_of_origin_or_remote(cloned: Repo, tmp_path: Path) -> None:
    base = cloned.git("rev-parse", "--short=7", "HEAD~1").strip()
    head = cloned.git("rev-parse", "--short=7", "HEAD").strip()
    r = cli("report", str(cloned.path), "HEAD~1..HEAD", "--stdout", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    url = (
        "https://github.com/MicrosoftDocs/azure-ai-docs/compare/"
        f"MicrosoftDocs:{base}...MicrosoftDocs:{head}"
    )
    assert f"permalink: {url}\n" in r.stdout
    assert f'[View Diff on GitHub]({url}){{target="_blank"}}' in r.stdout
    r = cli(
        "report", str(cloned.path), "HEAD~1..HEAD", "--stdout", "--remote", "corp", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    corp = f"https://github.contoso.com/docs/site/compare/docs:{base}...docs:{head}"
    assert f"permalink: {corp}\n" in r.stdout and f"[View Diff on GitHub]({corp})" in r.stdout
    r = cli("report", str(cloned.path), "HEAD~1..HEAD", "--stdout", "--remote", "lab", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("error: --remote lab:") and r.stdout == ""


def test_no_github_remote_no_link_line(cloned: Repo, tmp_path: Path) -> None:
    cloned.git("remote", "remove", "origin")
    r = cli("report", str(cloned.path), "HEAD~1..HEAD", "--stdout", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "permalink: ''" in r.stdout and "View Diff" not in r.stdout
