"""Mistakes a user can make on the command line: each is one line, a documented exit code, and
nothing written. Plus the conventions of git-like tools: -h, -V, completion, umask, log lines."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from clirun import cli
from conftest import Repo


@pytest.fixture
def docs(repo: Repo) -> Repo:
    repo.write("articles/a.md", "# A\n\nVersion `2024-12-17`.\n")
    repo.write("README.md", "# readme\n")
    repo.commit("base", when="2025-05-20T10:00:00+00:00")
    repo.git("tag", "base")
    repo.write("articles/a.md", "# A\n\nVersion `2025-04-01-preview`.\n")
    repo.commit("change", when="2025-05-21T10:00:00+00:00")
    return repo


def tree(root: Path) -> list[tuple[str, int]]:
    """Every path below ``root`` with its size: a write anywhere changes it."""
    return sorted(
        (p.relative_to(root).as_posix(), p.stat().st_size if p.is_file() else -1)
        for p in root.rglob("*")
    )


def assert_one_line_error(stderr: str, message: str) -> None:
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and message in lines[0], stderr


CASES = [
    # (arguments, exit code, part of the message)
    (["report", "{repo}", "base..main", "--tz", "Nowhere/City"], 2, "--tz Nowhere/City: unknown"),
    (
        ["report", "{repo}", "--since", "2025-05-21", "--tz", "Nowhere/City"],
        2,
        "--tz Nowhere/City: unknown time zone",
    ),
    (
        ["report", "{repo}", "base..main", "--config", "{tmp}/tz.yml"],
        2,
        "tz.yml: line 2: timezone: unknown time zone 'Nowhere/City'",
    ),
    (
        ["report", "{repo}", "base..main", "--config", "{tmp}/title.yml"],
        2,
        "title.yml: line 1: title: unknown field {nope}; a title may use {lang}",
    ),
    (
        ["report", "{repo}", "base..main", "--config", "{tmp}/langs.yml"],
        2,
        "langs.yml: line 1: languages: language xx: no message catalogue",
    ),
    (
        ["report", "{repo}", "base..main", "--output", "/proc/diffinsight-test/{lang}.md"],
        4,
        "cannot write in /proc",
    ),
    (["report", "{repo}", "base..main", "--output", "/sys/x.md"], 4, "cannot write in /sys"),
    (
        ["report", "{repo}", "base..main", "--output", "{tmp}/afile/sub/x.md"],
        4,
        "afile is a file, not a folder",
    ),
    (["report", "{repo}", "base..main", "--max-cost", "-5"], 2, "'--max-cost'"),
    (["report", "{repo}", "base..main", "--concurrency", "0"], 2, "'--concurrency'"),
    (["report", "{repo}", "base..main", "--lang", "zh"], 2, "--lang zh: several catalogues fit"),
    (["report", "{repo}", "base..main", "-v", "-q"], 2, "--verbose and --quiet: choose one"),
    (["report", "{repo}", "base..main", "--nope"], 2, "No such option: --nope"),
    (["report"], 2, "Missing argument 'SOURCE'; see 'diffinsight report --help'"),
    (["report", "{repo}", "base..main", "--format", "xml"], 2, "'--format'"),
    (["site", "build", "{tmp}/reports", "--out", "{tmp}/afile"], 4, "afile is a file"),
    (["site", "build", "{tmp}/reports", "--locale", "xx_XX"], 2, "--locale xx_XX: the site has"),
    (["site", "build", "{tmp}/reports", "--jobs", "-1"], 2, "'--jobs'"),
    (["site", "serve", "{tmp}", "--port", "70000"], 2, "'--port'"),
    (["site", "serve", "{tmp}", "--port", "-1"], 2, "'--port'"),
    (["config", "check", "{tmp}/title.yml"], 2, "title: unknown field {nope}"),
    (["example", "{tmp}/afile"], 4, "afile is a file, not a folder"),
]


@pytest.mark.parametrize(("args", "code", "message"), CASES, ids=lambda v: str(v)[:40])
def test_mistake_is_one_line_and_writes_nothing(
    docs: Repo, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    (tmp_path / "tz.yml").write_text("languages: [en_US]\ntimezone: Nowhere/City\n")
    (tmp_path / "title.yml").write_text('title: "{nope} report"\n')
    (tmp_path / "langs.yml").write_text("languages: [ja, xx]\n")
    (tmp_path / "afile").write_text("a file\n")
    (tmp_path / "reports").mkdir()
    argv = [a.replace("{repo}", str(docs.path)).replace("{tmp}", str(tmp_path)) for a in args]
    before = tree(tmp_path)
    r = cli(*argv, cwd=tmp_path)
    assert r.returncode == code, r.stderr
    assert_one_line_error(r.stderr, message)
    assert r.stdout == ""
    assert tree(tmp_path) == before
    assert not Path("/proc/diffinsight-test").exists()


def test_reversed_range_warns_and_says_how_to_swap(docs: Repo, tmp_path: Path) -> None:
    r = cli("report", str(docs.path), "main..base", "--stdout", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "main..base: no commits lead from base to head" in r.stderr
    assert "swap the range: base..main" in r.stderr
    r = cli("report", str(docs.path), "main...base", "--stdout", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "swap the range: base...main" in r.stderr and "Nothing to report" in r.stderr
    # The right way round: no warning.
    r = cli("report", str(docs.path), "base..main", "--stdout", cwd=tmp_path)
    assert "swap" not in r.stderr


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_report_files_honour_the_umask(docs: Repo, tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        r = cli("report", str(docs.path), "base..main", "--output", "out/{lang}.md", cwd=tmp_path)
    finally:
        os.umask(old)
    assert r.returncode == 0, r.stderr
    written = tmp_path / "out" / "en_US.md"
    assert stat.S_IMODE(written.stat().st_mode) == mode
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_run_where_every_repository_failed_leaves_no_files(tmp_path: Path) -> None:
    (tmp_path / "watch.yml").write_text(
        "output_dir: site\nrepositories:\n  - path: nowhere\n  - path: elsewhere\n"
    )
    before = tree(tmp_path)
    r = cli("run", "--config", str(tmp_path / "watch.yml"), cwd=tmp_path)
    assert r.returncode == 2
    assert "2 of 2 repositories failed" in r.stderr and "Traceback" not in r.stderr
    assert tree(tmp_path) == before  # no site/, no index.json, no state.sqlite


def test_log_lines_are_plain_and_quiet_silences_them(docs: Repo, tmp_path: Path) -> None:
    r = cli("report", str(docs.path), "base..main", "--stdout", cwd=tmp_path)
    read = [ln for ln in r.stderr.splitlines() if "changed file(s)" in ln]
    assert read == [read[0]] and read[0].startswith("diffinsight: INFO: read 1 changed file(s)")
    # In a terminal (rich forced on): the level once, then the bare message.
    r = cli(
        "report", str(docs.path), "base..main", "--stdout", cwd=tmp_path, env={"FORCE_COLOR": "1"}
    )
    assert r.returncode == 0, r.stderr
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", r.stderr)
    line = next(ln for ln in plain.splitlines() if "changed file(s)" in ln)
    assert re.match(r"^INFO +read 1 changed file\(s\)", line), line
    assert "diffinsight.pipeline" not in plain and line.count("INFO") == 1
    r = cli("report", str(docs.path), "base..main", "--stdout", "-q", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == "" and "# Highlights" in r.stdout
    r = cli("report", str(docs.path), "base..main", "--stdout", "-v", cwd=tmp_path)
    assert "DEBUG" in r.stderr or "INFO" in r.stderr


def test_version_help_and_completion(tmp_path: Path) -> None:
    from diffinsight import __version__

    for flag in ("--version", "-V"):
        r = cli(flag, cwd=tmp_path)
        assert r.returncode == 0 and r.stdout == f"diffinsight {__version__}\n"
    for argv in (
        ["-h"],
        ["report", "-h"],
        ["run", "-h"],
        ["site", "build", "-h"],
        ["config", "-h"],
    ):
        r = cli(*argv, cwd=tmp_path)
        assert r.returncode == 0 and r.stdout.startswith("Usage: diffinsight"), r.stderr
        # No Python type names in help.
        assert not re.search(r"<(str|bool|int|float|path|list\[\w+\])>", r.stdout), r.stdout
    r = cli("-h", cwd=tmp_path)
    assert "Exit codes: 0 done, 2 bad option" in " ".join(r.stdout.split())
    r = cli("report", "--help", cwd=tmp_path)
    flat = " ".join(r.stdout.split())
    for lang in ("en_US", "ja_JP", "zh_CN", "zh_TW", "ko_KR", "fr_FR", "de_DE", "es_ES"):
        assert lang in flat
    assert "--stdout Print" in flat and "--lang LANG" in flat and "-q, --quiet" in flat
    r = cli("--show-completion", "bash", cwd=tmp_path)
    assert r.returncode == 0 and "_diffinsight_completion" in r.stdout
    r = cli(
        cwd=tmp_path,
        env={
            "_DIFFINSIGHT_COMPLETE": "complete_bash",
            "COMP_WORDS": "diffinsight report x --lang zh",
            "COMP_CWORD": "4",
        },
    )
    assert r.stdout.split() == ["zh_CN", "zh_TW"]


def test_language_aliases_are_normalised(docs: Repo, tmp_path: Path) -> None:
    r = cli(
        "report",
        str(docs.path),
        "base..main",
        *("--lang", "zh-CN", "--lang", "ja", "--lang", "ko_kr"),
        *("--output", "o/{lang}.md"),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "ja_JP.md",
        "ko_KR.md",
        "zh_CN.md",
    ]
    assert "title: '[ja_JP] Diff Insight Report" in (tmp_path / "o/ja_JP.md").read_text()


def test_help_language_list_matches_the_catalogues() -> None:
    from diffinsight.cli import LANGUAGE_CODES
    from diffinsight.i18n import available_languages

    assert sorted(LANGUAGE_CODES) == available_languages()


def test_config_check_prints_what_it_resolved(tmp_path: Path) -> None:
    (tmp_path / "cfg.yml").write_text(
        "categories:\n  openai: {paths: [articles/openai]}\nlanguages: [zh-cn, ja]\n"
        "timezone: Asia/Tokyo\n"
    )
    key = "sk-test-0123456789abcdefWXYZ"
    r = cli("config", "check", "cfg.yml", cwd=tmp_path, env={"OPENAI_API_KEY": key})
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("cfg.yml: valid report config\n")
    assert "openai (articles/openai)" in out and "zh_CN, ja_JP" in out and "Asia/Tokyo" in out
    assert "provider:" in out and "openai at api.openai.com" in out and "gpt-4o" in out
    assert "sk-...WXYZ" in out and key not in out
    r = cli("config", "check", "cfg.yml", cwd=tmp_path)
    assert "engine:" in r.stdout and "offline" in r.stdout
    (tmp_path / "docs").mkdir()
    (tmp_path / "watch.yml").write_text(
        "output_dir: site\nlanguages: [en_US]\nrepositories:\n  - path: docs\n"
        "  - github: MicrosoftDocs/azure-ai-docs\n    languages: [ko]\n"
    )
    r = cli("config", "check", "watch.yml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("watch.yml: valid watch list\n")
    assert "docs (HEAD), MicrosoftDocs/azure-ai-docs (HEAD)" in r.stdout
    assert "languages ko_KR" in r.stdout
    assert not (tmp_path / "site").exists()
