"""The shipped workflow, cron recipe and example watch list are real and consistent."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from diffinsight.watchlist import parse_watchlist

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples" / "github-actions" / "diffinsight-daily.yml"
DOC = ROOT / "docs" / "automation.md"
_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\d+(-\d+)?))*$")


def _valid_cron(expr: str) -> bool:
    fields = expr.split()
    limits = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
    if len(fields) != 5:
        return False
    for field, (lo, hi) in zip(fields, limits, strict=True):
        if not _CRON_FIELD.match(field):
            return False
        if any(not lo <= int(n) <= hi for n in re.findall(r"\d+", field.split("/")[0])):
            return False
    return True


def _run_commands(workflow: dict[str, Any]) -> list[str]:
    return [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]


def test_workflow_schedules_runs_commits_and_builds_the_site() -> None:
    wf = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = wf[True]  # YAML 1.1 reads the key `on` as true
    assert "workflow_dispatch" in triggers
    crons = [c["cron"] for c in triggers["schedule"]]
    assert crons and all(_valid_cron(c) for c in crons)
    assert wf["permissions"]["contents"] == "write"
    assert wf["concurrency"]["cancel-in-progress"] is False
    runs = _run_commands(wf)
    daily = next(r for r in runs if "diffinsight run" in r)
    argv = shlex.split(daily.replace('${BACKFILL:+--backfill "$BACKFILL"}', ""))
    assert argv[:4] == ["diffinsight", "run", "--config", "diffinsight-watch.yml"]
    assert any(re.search(r"diffinsight site build reports --out \S+", r) for r in runs)
    assert any("git commit" in r and "git push" in r for r in runs)
    step = next(s for s in wf["jobs"]["report"]["steps"] if "diffinsight run" in s.get("run", ""))
    assert "secrets.OPENAI_API_KEY" in step["env"]["OPENAI_API_KEY"]
    assert "GITHUB_TOKEN" in step["env"]
    # The site job runs only after the reports are pushed.
    assert wf["jobs"]["site"]["needs"] == "report"


def test_docs_name_the_workflow_and_a_valid_cron_line() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "examples/github-actions/diffinsight-daily.yml" in text
    block = re.search(r"```crontab\n(.*?)```", text, re.S)
    assert block
    jobs = [ln for ln in block.group(1).splitlines() if ln and not re.match(r"^[A-Z_]+=", ln)]
    assert len(jobs) == 1
    fields = jobs[0].split(None, 5)
    assert _valid_cron(" ".join(fields[:5]))
    assert "diffinsight run --config diffinsight-watch.yml" in fields[5]
    assert "%" not in fields[5]  # cron would cut the command at an unescaped %


def test_example_and_documented_watch_lists_are_valid() -> None:
    example = parse_watchlist(
        (ROOT / "examples" / "diffinsight-watch.yml").read_text("utf-8"), "example"
    )
    assert [r.display for r in example.repositories] == ["azure-ai-docs", "handbook"]
    doc = DOC.read_text(encoding="utf-8")
    documented = re.search(r"```yaml\n(.*?)```", doc, re.S)
    assert documented
    cfg = parse_watchlist(documented.group(1), "docs/automation.md")
    repo = cfg.repositories[0]
    assert (repo.kind, repo.location) == ("github", "MicrosoftDocs/azure-ai-docs")
