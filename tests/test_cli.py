"""The command line end to end, as a user runs it: real repos, files on disk, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import cli
from conftest import Repo
from diffinsight.render.reference.read import parse_report


@pytest.fixture
def docs(repo: Repo) -> Repo:
    repo.write(
        "articles/openai/a.md", "---\nms.date: 01/01/2025\n---\n\n# A\n\nVersion `2024-12-17`.\n"
    )
    repo.write("articles/search/b.md", "# B\n\ntext\n")
    repo.write("README.md", "# readme\n")
    repo.commit("base", when="2025-05-20T10:00:00+00:00")
    repo.git("tag", "base")
    repo.write(
        "articles/openai/a.md",
        "---\nms.date: 05/21/2025\n---\n\n# A\n\nVersion `2025-04-01-preview`.\n",
    )
    repo.write("articles/search/c.md", "# C\n\n## Part\n\nnew\n")
    repo.write("README.md", "# readme\n\nmore\n")
    repo.commit("change", when="2025-05-21T10:00:00+00:00")
    (repo.path.parent / "cfg.yml").write_text(
        "categories:\n  openai: {paths: [articles/openai]}\n  search: {paths: [articles/search]}\n"
    )
    return repo


def test_report_markdown_per_category_and_language(docs: Repo, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = cli(
        "report",
        str(docs.path),
        "base...main",
        "--config",
        str(tmp_path / "cfg.yml"),
        "--lang",
        "en_US",
        "--lang",
        "zh_CN",
        "--output",
        str(out / "%Y%m/{lang}/report-%Y%m%d-{category}.md"),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md"))
    assert files == [
        f"202505/{lang}/report-20250521-{cat}.md"
        for lang in ("en_US", "zh_CN")
        for cat in ("misc", "openai", "search")
    ]
    parsed = parse_report((out / "202505/zh_CN/report-20250521-openai.md").read_text(), "x")
    assert parsed.title == "[zh_CN] Diff Insight Report - openai"
    assert [(row.name, row.additions, row.deletions) for row in parsed.table] == [("a.md", 2, 2)]
    assert (
        "`2024-12-17`" in parsed.files[0].explanation
        and "`2025-04-01-preview`" in parsed.files[0].explanation
    )
    assert not list(out.rglob("*.tmp"))


def test_report_json_fields(docs: Repo, tmp_path: Path) -> None:
    r = cli("report", str(docs.path), "base..main", "--format", "json", "--stdout", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    for key in (
        "date",
        "language",
        "category",
        "permalink",
        "base",
        "head",
        "summary",
        "highlights",
        "insights",
        "files",
    ):
        assert key in data
    assert set(data["highlights"]) >= {"new_features", "breaking_changes", "other_updates", "text"}
    f = {x["path"]: x for x in data["files"]}["articles/search/c.md"]
    assert f["status"] == "added" and f["additions"] == 5 and f["changes"] == 5
    assert f["modification_type"] == "new feature"
    assert {
        "path",
        "old_path",
        "status",
        "additions",
        "deletions",
        "changes",
        "modification_type",
        "modification_title",
        "explanation",
        "facts",
        "reason",
    } <= set(f)
    assert data["date"] == "2025-05-21"


def test_patch_from_stdin(docs: Repo, tmp_path: Path) -> None:
    patch = docs.git("diff", "base", "main").encode()
    r = cli(
        "report",
        "-",
        "--stdout",
        "--lang",
        "ja_JP",
        "--date",
        "2025-05-22",
        cwd=tmp_path,
        stdin=patch,
    )
    assert r.returncode == 0, r.stderr
    parsed = parse_report(r.stdout, "stdin")
    assert parsed.language == "ja_JP" and str(parsed.date) == "2025-05-22"
    assert len(parsed.table) == 3


def test_date_window(docs: Repo, tmp_path: Path) -> None:
    r = cli(
        "report",
        str(docs.path),
        "--since",
        "2025-05-21",
        "--until",
        "2025-05-21",
        "--stdout",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["files"]) == 3


def test_empty_range_says_so_and_writes_nothing(docs: Repo, tmp_path: Path) -> None:
    r = cli(
        "report",
        str(docs.path),
        "main..main",
        "--output",
        str(tmp_path / "o/{lang}-{category}.md"),
        cwd=tmp_path,
    )
    assert r.returncode == 0
    assert "Nothing to report" in r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{repo}", "nope..main"], "nope: unknown revision"),
        (["{tmp}", "a..b"], "not a git repository"),
        (["{repo}", "base..main", "--config", "{tmp}/missing.yml"], "cannot read the config file"),
        (
            [
                "{repo}",
                "base..main",
                "--lang",
                "en_US",
                "--lang",
                "ja_JP",
                "--output",
                "{tmp}/o/x.md",
            ],
            "several languages need {lang}",
        ),
        (["{repo}", "base..main", "--lang", "xx_XX"], "--lang xx_XX: no message catalogue"),
        (["{repo}", "base..main", "--since", "2025-13-01"], "--since 2025-13-01: not a date"),
        (["{repo}", "base..main", "--output", "{tmp}/o/{lang}-%Q{bad}.md"], "bad placeholder"),
        (["{tmp}/bad.patch"], "no file changes found"),
    ],
)
def test_bad_input_one_line_error_no_output(
    docs: Repo, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "bad.patch").write_text("not a diff\n")
    argv = [a.format(repo=docs.path, tmp=tmp_path, lang="{lang}", bad="{bad}") for a in args]
    before = sorted(tmp_path.rglob("*"))
    r = cli("report", *argv, cwd=tmp_path)
    assert r.returncode != 0
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert sorted(tmp_path.rglob("*")) == before


def test_category_names_cannot_escape_the_output_folder(repo: Repo, tmp_path: Path) -> None:
    repo.write("x/a.md", "a\n")
    repo.commit("one")
    repo.write("x/a.md", "b\n")
    repo.commit("two")
    (tmp_path / "cfg.yml").write_text("categories:\n  '../../evil': {paths: [x]}\n")
    out = tmp_path / "out"
    r = cli(
        "report",
        str(repo.path),
        "HEAD~1..HEAD",
        "--config",
        str(tmp_path / "cfg.yml"),
        "--output",
        str(out / "{lang}/{category}.md"),
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    written = [p for p in tmp_path.rglob("*.md") if "repo" not in p.parts]
    assert len(written) == 1 and out in written[0].parents


def test_example_command_builds_reports(tmp_path: Path) -> None:
    r = cli("example", str(tmp_path / "ex"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    md = sorted(p.relative_to(tmp_path / "ex").as_posix() for p in (tmp_path / "ex").rglob("*.md"))
    assert "202505/zh_CN/report-20250521-openai.md" in md
    assert len(md) == 9 and len(list((tmp_path / "ex").rglob("*.json"))) == 9
    # One read, one write logged (not one per format), then what to do next.
    assert r.stderr.count("changed file(s)") == 1 and r.stderr.count("wrote ") == 1, r.stderr
    assert "Next steps:" in r.stderr and f"diffinsight site build {tmp_path / 'ex'}" in r.stderr
    assert "diffinsight site serve _site" in r.stderr


def test_json_on_stdout_for_several_reports_is_one_array(docs: Repo, tmp_path: Path) -> None:
    r = cli(
        "report",
        str(docs.path),
        "base..main",
        "--format",
        "json",
        "--stdout",
        "--lang",
        "en_US",
        "--lang",
        "ko_KR",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [d["language"] for d in data] == ["en_US", "ko_KR"]
