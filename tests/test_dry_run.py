"""``report --dry-run``: what a run would write and what the model would cost, with nothing
written and no call made; the estimate is checked against a real run on a local server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clirun import cli
from diffinsight.example import EXAMPLE_CONFIG, EXAMPLE_RANGE, build_example_repo
from llm_server import ChatServer


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("dry-run")
    build_example_repo(where / "docs")
    (where / "cfg.yml").write_text(EXAMPLE_CONFIG, encoding="utf-8")
    return where


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_offline_dry_run_lists_files_categories_and_reports(example: Path) -> None:
    before = tree(example)
    r = cli(
        "report",
        "docs",
        EXAMPLE_RANGE,
        *("--config", "cfg.yml", "--lang", "en_US", "--lang", "ja", "--dry-run"),
        cwd=example,
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert re.search(r"^category openai: \d+ file\(s\)$", out, re.M)
    assert "category speech: 1 file(s)" in out and "category misc:" in out
    assert "added    +" in out and "articles/openai/reinforcement-fine-tuning.md" in out
    assert "would write 6 report(s) dated 2025-05-21:" in out
    assert "reports/202505/ja_JP/report-20250521-openai.md\tja_JP\topenai" in out
    assert "engine: offline (no model calls, no cost)" in out
    assert tree(example) == before


def test_llm_dry_run_calls_nothing_and_estimates_the_real_run(example: Path) -> None:
    with ChatServer() as srv:
        env = {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": srv.url + "/v1",
            "DIFFINSIGHT_MODEL": "gpt-4o",
            "DIFFINSIGHT_FILE_MODEL": "gpt-4o-mini",
            "XDG_CACHE_HOME": str(example / "cache"),
        }
        args = ("report", "docs", EXAMPLE_RANGE, "--config", "cfg.yml", "--lang", "zh_CN")
        r = cli(*args, "--dry-run", cwd=example, env=env)
        assert r.returncode == 0, r.stderr
        assert srv.requests == []
        assert not (example / "cache").exists() and not (example / "reports").exists()
        m = re.search(r"^  (\d+) model calls; (\d+) files to the model", r.stdout, re.M)
        assert m, r.stdout
        calls = int(m.group(1))
        tokens = re.search(r"up to ([\d,]+) output tokens", r.stdout)
        assert tokens, r.stdout
        planned_output = int(tokens.group(1).replace(",", ""))
        assert "engine: llm (gpt-4o-mini for files, gpt-4o for reports)" in r.stdout
        cost = re.search(r"estimated cost: about \$(\d+\.\d+) at most", r.stdout)
        assert cost, r.stdout
        # The real run makes exactly the calls planned (no answer here needs a repair), each
        # capped at the output the estimate counted.
        r = cli(*args, "--format", "json", "--output", "out/{category}.json", cwd=example, env=env)
        assert r.returncode == 0, r.stderr
        assert len(srv.requests) == calls
        caps = sum(
            s.body.get("max_completion_tokens") or s.body.get("max_tokens") or 0
            for s in srv.requests
        )
        assert caps == planned_output and float(cost.group(1)) > 0
