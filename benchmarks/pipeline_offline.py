"""Benchmark: the offline engine end to end, on real patches and on generated repositories.

Cases (each runs in a fresh Python process, so peak RSS and import cost are its own):

* ``corpus``: every anchor report (``--corpus``; real GitHub patches,
  patch-only mode), facts + offline writing + Markdown for three languages;
* ``files:N``: a generated documentation repository (front matter, headings, tables, links,
  code fences) with N changed files, read from git with whole documents, one language;
* ``large:K:SIZE``: five documents of SIZE bytes each, K edited regions per document;

For each: CPU and wall seconds (CPU counts this process and the git it runs), files/s, MB/s (of
patch), peak RSS, the top hotspots (cProfile, a separate run) and a digest of the output (every
report rendered as Markdown and JSON), with ``git diff -p`` on the same range beside it.

    python benchmarks/pipeline_offline.py --corpus ../shared/anchor-reports
    python benchmarks/pipeline_offline.py --files 100 1000 10000 --large
    python benchmarks/pipeline_offline.py --digest          # output digests only, quick
    python benchmarks/pipeline_offline.py --corpus ... --repeat 3 --against COMMIT
    python benchmarks/pipeline_offline.py ... --write       # update docs/BENCHMARKS.md

With ``--against COMMIT`` every case also runs on the code of COMMIT (a temporary git
worktree), its runs alternating with this code's, so both are measured in the same minutes
(this machine's CPU seconds drift by a fifth within an hour).
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

T_START = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
#: The code measured: this checkout's, or (in a case process of --against) another commit's.
SRC = Path(os.environ.get("PIPELINE_BENCH_SRC") or ROOT / "src")
sys.path.insert(0, str(SRC))
LANGS = ["en_US", "ja_JP", "zh_CN"]
DAY = date(2025, 5, 21)

DOC = """---
title: Page {i}
description: How to use the models of page {i}.
ms.date: 04/10/2025
ms.topic: how-to
---

# Page {i}

Intro for page {i} with API version `2024-12-17`. See [the overview](overview.md) first.

## Models

| Model | Regions | Version |
|---|---|---|
| `gpt-4o` | East US2 | 2024-11-20 |
{rows}
## Call the API

Send a request with the version in the query string:

```http
POST https://example.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-12-17
```

> [!NOTE]
> Quotas apply per region and per model.

- Create a resource.
- Deploy a model.
- Call the endpoint.

## Limits

Each deployment of page {i} has its own quota of tokens per minute. When a request goes over the
quota, the service answers with HTTP 429 and a `retry-after-ms` header; wait that long before you
send the request again. Quotas are assigned per subscription, per region and per model, so two
deployments of the same model in one region share one quota.

You can raise a quota from the portal. Requests for more than the default need a business
justification and are reviewed within two working days.

### Rate limits

| Tier | Tokens per minute | Requests per minute |
|---|---|---|
| Standard | 450,000 | 2,700 |
| Provisioned | 1,000,000 | 6,000 |

## Troubleshooting

If a call fails with `401 Unauthorized`, check that the key belongs to the resource of the
endpoint you call. A `404 Not Found` usually means the deployment name in the path is wrong:
deployment names are chosen when you deploy a model and need not match the model name.

```bash
az cognitiveservices account deployment list --name my-resource --resource-group my-group
```

## Next steps

* [Quotas](quotas.md)
* [Regions](regions.md)
"""


# ---------------------------------------------------------------- generated repositories


def _git_env() -> dict[str, str]:
    return dict(
        os.environ,
        GIT_AUTHOR_NAME="b",
        GIT_AUTHOR_EMAIL="b@x",
        GIT_COMMITTER_NAME="b",
        GIT_COMMITTER_EMAIL="b@x",
        GIT_CONFIG_GLOBAL=os.devnull,
    )


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """Run git in ``repo``; raise on failure."""
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env=_git_env(),
        input=stdin,
    ).stdout


def _import_commits(repo: Path, commits: list[tuple[str, dict[str, bytes | None]]]) -> None:
    """Write commits (message, {path: bytes, or None to delete}) with ``git fast-import``."""
    out: list[bytes] = []
    for n, (msg, files) in enumerate(commits, start=1):
        out.append(b"commit refs/heads/main\n")
        out.append(f"committer b <b@x> {1747800000 + n * 60} +0000\n".encode())
        out.append(f"data {len(msg)}\n{msg}\n".encode())
        for path, data in files.items():
            if data is None:
                out.append(f"D {path}\n".encode())
            else:
                out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
                out.append(data + b"\n")
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "fast-import", "--quiet", stdin=b"".join(out))
    git(repo, "repack", "-adq")


def _page(i: int | str, rows: int) -> str:
    body = "".join(
        f"| `model-{i}-{r}` | Region {r} | 2024-0{1 + r % 9}-01 |\n" for r in range(rows)
    )
    return DOC.format(i=i, rows=body)


def make_files_repo(repo: Path, n: int) -> None:
    """A repository whose last commit changes ``n`` documentation files in typical ways."""
    base: dict[str, bytes | None] = {}
    change: dict[str, bytes | None] = {}
    kept = n - n // 10 - n // 10  # the rest: removed pages, and added ones
    for i in range(kept + n // 10):
        path = f"articles/{i // 1000:02d}/p{i:05d}.md"
        text = _page(i, 20)
        base[path] = text.encode()
        if i >= kept:
            change[path] = None  # removed page
            continue
        new = text.replace("04/10/2025", "05/21/2025")
        if i % 3 == 0:
            new = new.replace("2024-12-17", "2025-04-01-preview")
        if i % 4 == 0:
            new = new.replace(
                "| `gpt-4o` | East US2 | 2024-11-20 |\n",
                "| `gpt-4o` | East US2 | 2024-11-20 |\n| `o4-mini` | Sweden Central | 2025-04-16 |\n",
            )
        if i % 5 == 0:
            new = new.replace(
                "See [the overview](overview.md) first.",
                "Read [the overview](concepts/overview.md) before you start.",
            )
        if i % 7 == 0:
            new = new.replace(
                "- Deploy a model.\n", "- Deploy a model.\n- Assign a role to your identity.\n"
            )
        change[path] = new.encode()
    for i in range(n // 10):
        change[f"articles/new/n{i:05d}.md"] = _page(f"new {i}", 3).encode()
    _import_commits(repo, [("base", base), ("change", change)])


def _large_doc(size: int, seed: int) -> list[str]:
    """About ``size`` bytes of Markdown: sections of prose, tables, lists and code fences."""
    lines = [
        "---",
        f"title: Large page {seed}",
        "ms.date: 04/10/2025",
        "---",
        "",
        f"# Large page {seed}",
        "",
    ]
    n = 0
    total = sum(len(x) + 1 for x in lines)
    while total < size:
        sec = [
            f"## Section {n}",
            "",
            f"Section {n} explains how the service handles request {n} and why the limits of region {n % 40} apply here.",
            "",
            "| Setting | Value | Notes |",
            "|---|---|---|",
            *(f"| `setting-{n}-{r}` | {r * 10} | Applies to tier {r % 3}. |" for r in range(6)),
            "",
            f"- Step one of section {n}.",
            f"- Step two of section {n}, with [a link](section-{n}.md).",
            "",
            "```json",
            f'{{"section": {n}, "api-version": "2024-12-17"}}',
            "```",
            "",
        ]
        lines += sec
        total += sum(len(x) + 1 for x in sec)
        n += 1
    return lines


def make_large_repo(repo: Path, regions: int, size: int, docs: int = 5) -> None:
    """``docs`` documents of ``size`` bytes; ``regions`` spread-out prose/table edits in each."""
    base: dict[str, bytes | None] = {}
    change: dict[str, bytes | None] = {}
    for d in range(docs):
        lines = _large_doc(size, d)
        path = f"articles/large{d}.md"
        base[path] = ("\n".join(lines) + "\n").encode()
        secs = [k for k, ln in enumerate(lines) if ln.startswith("## Section ")]
        step = max(1, len(secs) // max(regions, 1))
        new = list(lines)
        for r, k in enumerate(secs[::step][:regions]):
            if r % 2 == 0:
                new[k + 2] = new[k + 2].replace("apply here.", "apply here, per subscription.")
            else:
                new[k + 6] = new[k + 6].replace("| 0 |", "| 5 |")
        change[path] = ("\n".join(new) + "\n").encode()
    _import_commits(repo, [("base", base), ("change", change)])


# ---------------------------------------------------------------- the anchor corpus


def corpus_changesets(folder: Path) -> list[tuple[Any, date]]:
    """(change set, day) of every anchor report, patch-only (its files, statuses and counts)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from facts_eval import to_changes

    from diffinsight.models import ChangeSet
    from diffinsight.render.reference.read import parse_report_file

    out = []
    for p in sorted(folder.rglob("report-*.md")):
        report = parse_report_file(p)
        files = [c for c, _, _ in to_changes(report)]
        cs = ChangeSet(repo="anchor", permalink=report.permalink, files=files)
        out.append((cs, report.date or date(2025, 1, 1)))
    return out


# ---------------------------------------------------------------- one case, in this process


def _rss_mb() -> float:
    """This process's own peak RSS in MB.

    Linux's ru_maxrss survives exec: a case process would report at least what the driver
    held when it spawned it (the driver builds whole repositories in memory). The peak of the
    process's own memory map (VmHWM) starts afresh at exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case: str, data: Path, profile: bool) -> dict[str, Any]:
    """Run one case on prepared data (a repository, or the corpus folder) and measure it."""
    t_imp = time.perf_counter()
    from diffinsight.pipeline import build_reports
    from diffinsight.render import get_renderer
    from diffinsight.sources import GitSource

    imports = time.perf_counter() - t_imp
    md = get_renderer("markdown")
    res: dict[str, Any] = {"case": case, "imports_s": round(imports, 3)}
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    texts: list[str] = []
    reports: list[Any] = []
    c0, w0 = time.process_time(), time.perf_counter()
    if case == "corpus":
        sets = corpus_changesets(data)
        c1, w1 = time.process_time(), time.perf_counter()
        res["read_cpu_s"], res["read_wall_s"] = c1 - c0, w1 - w0
        if prof:
            prof.enable()
        for cs, day in sets:
            from diffinsight.config import Config

            reports.extend(build_reports(cs, config=Config(), languages=LANGS, day=day))
        files = [f for cs, _ in sets for f in cs.files]
        res["reports_in"] = len(sets)
        res["languages"] = len(LANGS)
    else:
        if prof:
            prof.enable()
        cs = GitSource(data, "HEAD~1..HEAD").changeset()
        c1, w1 = time.process_time(), time.perf_counter()
        res["read_cpu_s"], res["read_wall_s"] = c1 - c0, w1 - w0
        # (Counted before the run: the offline engine lets the documents go once analysed.)
        res["doc_mb"] = sum(len(f.new_text or "") + len(f.old_text or "") for f in cs.files) / 1e6
        reports = build_reports(cs, languages=LANGS[:1], day=DAY)
        files = cs.files
        res["languages"] = 1
    c2, w2 = time.process_time(), time.perf_counter()
    texts = [md.render(r) for r in reports]
    c3, w3 = time.process_time(), time.perf_counter()
    if prof:
        prof.disable()
    res["analyse_write_cpu_s"], res["analyse_write_wall_s"] = c2 - c1, w2 - w1
    res["render_cpu_s"], res["render_wall_s"] = c3 - c2, w3 - w2
    res["cpu_s"] = c3 - c0
    res["wall_s"] = w3 - w0
    res["peak_rss_mb"] = _rss_mb()
    res["files"] = len(files)
    res["patch_mb"] = sum(len((f.patch or "").encode()) for f in files) / 1e6
    js = get_renderer("json")
    h = hashlib.sha256()
    for r, t in zip(reports, texts, strict=True):
        h.update(t.encode())
        h.update(js.render(r).encode())
    res["digest"] = h.hexdigest()[:16]
    # The digest renders every report as JSON too: a check of this benchmark, not part of a
    # run (about a sixth of the corpus case's CPU). The parent takes it off the process's CPU.
    res["check_cpu_s"] = time.process_time() - c3
    res["check_wall_s"] = time.perf_counter() - w3
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    res["commit"] = rev.stdout.strip() or "-"
    if prof:
        import pstats

        st = pstats.Stats(prof)
        rows = sorted(st.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
        total = sum(v[2] for _, v in rows) or 1.0
        res["hotspots"] = [
            f"{Path(fn).name}:{ln}({name}) {v[2] / total:.0%}" for (fn, ln, name), v in rows[:5]
        ]
    return res


# ---------------------------------------------------------------- the driver

RESULTS = ROOT / "benchmarks" / "results" / "pipeline_offline.json"
#: The commit the side-by-side table compares with, and what its corpus case measured over
#: this stop (named in the section's text).
AGAINST = "e5ee850"
DRIFT = "18.7-28.3 s in five sets of runs between 14:55 and 16:25 UTC"
CALLGRIND = (
    "6.39 G at e5ee850, 5.97 G now (e01ec68, with the facts and writer changes below): "
    "-6.6%; 8.55 G and 8.13 G with imports and reading"
)
#: The same cases measured once before the speed work (commit f7bd99d), kept for comparison.
BEFORE = ROOT / "benchmarks" / "results" / "pipeline_offline_before.json"


def _child(case: str, data: Path, profile: bool, src: Path | None = None) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    cmd = [sys.executable, __file__, "--run-case", case, "--data", str(data)]
    if profile:
        cmd.append("--profile")
    env = {**os.environ, "PIPELINE_BENCH_SRC": str(src)} if src else None
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    res: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    res["proc_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    res["proc_wall_s"] = wall
    # The run itself: the whole process (start, imports, git, analysis, writing, Markdown)
    # without the digest check after it.
    res["run_cpu_s"] = res["proc_cpu_s"] - res.get("check_cpu_s", 0.0)
    res["run_wall_s"] = wall - res.get("check_wall_s", 0.0)
    return res


def git_diff_cost(repo: Path) -> tuple[float, float]:
    """CPU and wall seconds of ``git diff -p -M`` on the same range (output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.run(
            ["git", "-C", str(repo), "diff", "-p", "-M", "HEAD~1", "HEAD"], check=True, stdout=null
        )
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), wall


#: (short commit, its src folder) of the code --against measures.
Against = tuple[str, Path]


def measure(
    case: str,
    data: Path,
    profile: bool,
    repo: Path | None,
    repeat: int = 1,
    against: Against | None = None,
) -> dict[str, Any]:
    """Time a case in ``repeat`` fresh processes and keep the run of median CPU; then, when
    asked, profile it in another. With ``against``, each run is followed by one on that
    commit's code."""
    runs: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for _ in range(repeat):
        runs.append(_child(case, data, profile=False))
        if against:
            others.append(_child(case, data, profile=False, src=against[1]))
    runs.sort(key=_cpu)
    res = runs[len(runs) // 2]
    if repeat > 1:
        res["cpu_runs_s"] = [round(_cpu(r), 2) for r in runs]
    if against:
        others.sort(key=_cpu)
        mid = others[len(others) // 2]
        res["against"] = {
            "commit": against[0],
            "cpu_s": _cpu(mid),
            "cpu_runs_s": [round(_cpu(r), 2) for r in others],
            "digest": mid["digest"],
            "peak_rss_mb": mid["peak_rss_mb"],
        }
    # What else the machine ran meanwhile: CPU time, too, grows with contention.
    res["load_avg_1min"] = round(os.getloadavg()[0], 1)
    if profile:
        res["hotspots"] = _child(case, data, profile=True)["hotspots"]
    if repo is not None:
        res["git_cpu_s"], res["git_wall_s"] = git_diff_cost(repo)
    return res


def _cpu(res: dict[str, Any]) -> float:
    """The run's CPU without the digest check (with it, for rows saved before it was measured)."""
    return float(res.get("run_cpu_s", res["proc_cpu_s"]))


def _fmt(res: dict[str, Any]) -> str:
    mb = res["patch_mb"]
    line = (
        f"{res['case']}: {res['files']} files, {mb:.1f} MB patch, {res['languages']} lang: "
        f"CPU {res['run_cpu_s']:.2f} s, wall {res['run_wall_s']:.2f} s "
        f"(with the digest check {res['proc_cpu_s']:.2f} s, {res['proc_wall_s']:.2f} s) "
        f"(imports {res['imports_s']:.2f}, read {res['read_cpu_s']:.2f}, "
        f"analyse+write {res['analyse_write_cpu_s']:.2f}, render {res['render_cpu_s']:.2f} s CPU), "
        f"{res['files'] / res['run_cpu_s']:.0f} files/s, {mb / res['run_cpu_s']:.2f} MB/s, "
        f"peak {res['peak_rss_mb']:.0f} MB, digest {res['digest']}"
    )
    if "git_cpu_s" in res:
        line += f"; git diff -p: CPU {res['git_cpu_s']:.2f} s, wall {res['git_wall_s']:.2f} s"
    if "against" in res:
        a = res["against"]
        line += (
            f"; at {a['commit']}, alternating: CPU {a['cpu_s']:.2f} s "
            f"(runs {', '.join(f'{x:.2f}' for x in a['cpu_runs_s'])}; this code "
            f"{', '.join(f'{x:.2f}' for x in res.get('cpu_runs_s', [_cpu(res)]))}), "
            f"digest {a['digest']}"
        )
    for h in res.get("hotspots", []):
        line += f"\n    {h}"
    return line


def _spread(r: dict[str, Any]) -> str:
    """ ", median of N runs: a-b s" for a row measured more than once."""
    runs = r.get("cpu_runs_s") or []
    if len(runs) < 2:
        return ""
    return f", median of {len(runs)} runs: {min(runs):.2f}-{max(runs):.2f} s"


def _load(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {r["case"]: r for r in data} if isinstance(data, list) else dict(data)


def _name(case: str) -> str:
    if case == "corpus":
        return "anchor corpus, 3 languages"
    if case.startswith("files:"):
        return f"{int(case.split(':')[1]):,} changed files"
    _, regions, size = case.split(":")
    return f"5 documents of {int(size) / 1e6:.1f} MB, {regions} edits each"


def _order(case: str) -> tuple[int, int, int]:
    parts = case.split(":")
    if parts[0] == "corpus":
        return (0, 0, 0)
    if parts[0] == "files":
        return (1, int(parts[1]), 0)
    return (2, int(parts[2]), int(parts[1]))


def render_section(now: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]]) -> str:
    """The "Offline pipeline" section of docs/BENCHMARKS.md."""
    machine = f"{os.cpu_count()} cores, 24 GiB, Python {platform.python_version()}"
    loads = [r["load_avg_1min"] for r in now.values() if "load_avg_1min" in r]
    load = (
        f" (1-minute load average {min(loads):.1f}-{max(loads):.1f} as the rows that record it "
        "finished)"
        if loads
        else ""
    )
    out = [
        "Commands (from the repository root): "
        "`python benchmarks/pipeline_offline.py --corpus ../shared/anchor-reports "
        f"--files 100 1000 10000 --large --repeat 3 --against {AGAINST} --write` (each case "
        "three times, the run of median CPU kept, the spread beside it; each run followed by "
        f"one on the code of {AGAINST}, main at the start of this stop, for the side-by-side "
        "table below), and once "
        "`python benchmarks/pipeline_offline.py --files 50000 --no-profile --write`. "
        f"Machine: {machine}{load}. On this machine the CPU seconds of one unchanged commit "
        "drift by up to a fifth within an hour even with nothing else running (the corpus "
        f"case of {AGAINST} measured {DRIFT} on 2026-12-03), so compare inside the "
        "side-by-side table, or by instruction counts (below), not across rows measured at "
        "different times. Each case runs in a fresh process (imports "
        "included, from compiled bytecode as an installed package has it); raw figures in "
        "`benchmarks/results/`. CPU and wall now are the run (start, imports, reading, "
        "analysis, writing, Markdown) without the digest check the benchmark adds after it "
        "(rendering every report as JSON too and hashing: 3-4 s of the corpus case), which "
        "is in brackets; CPU before is the same script on the code before the speed work "
        "(commit f7bd99d), digest check included. The facts and the writer grew on main "
        "between the columns (and between rows measured at different commits): each row is "
        "the engine of its commit.",
        "",
        "Cases: the anchor corpus is every anchor report (patch-only, as the reports hold "
        "only patches) written in en_US, ja_JP and zh_CN; the generated repositories are "
        "documentation pages (front matter, headings, tables, links, code fences, lists) with "
        "date bumps, version edits, added rows and list items, new, removed and renamed pages, "
        "read from git with whole documents, one language.",
        "",
        "| case | files | patch | CPU before | CPU now (with the digest check) | wall now "
        "| files/s | MB/s of patch "
        "| peak RSS before | peak RSS now | `git diff -p` CPU | output digest now | measured at |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for case in sorted(now, key=_order):
        r, b = now[case], before.get(case, {})
        cpu = _cpu(r)
        cpu_b = f"{b['proc_cpu_s']:.2f} s" if b else "-"
        rss_b = f"{b['peak_rss_mb']:.0f} MB" if b else "-"
        git_s = f"{r['git_cpu_s']:.2f} s" if "git_cpu_s" in r else "-"
        out.append(
            f"| {_name(case)} | {r['files']:,} | {r['patch_mb'] * 1000:,.0f} KB "
            f"| {cpu_b} | {cpu:.2f} s ({r['proc_cpu_s']:.2f} s){_spread(r)} "
            f"| {r.get('run_wall_s', r['proc_wall_s']):.2f} s "
            f"| {r['files'] / cpu:,.0f} "
            f"| {r['patch_mb'] / cpu:.2f} | {rss_b} | {r['peak_rss_mb']:.0f} MB | {git_s} "
            f"| `{r['digest']}` | {r.get('commit', '-')} |"
        )
    side = [(c, now[c]) for c in sorted(now, key=_order) if "against" in now[c]]
    if side:
        out += [
            "",
            "Side by side in the same minutes (`--against COMMIT`: each run of this code is "
            "followed by one on the code of that commit, in fresh processes; CPU without the "
            "digest check, median, every run shown):",
            "",
            "| case | CPU now (runs) | commit | CPU there (runs) | now / there | same output |",
            "|---|---:|---|---:|---:|---|",
        ]
        for case, r in side:
            a = r["against"]
            mine = ", ".join(f"{x:.2f}" for x in r.get("cpu_runs_s", [_cpu(r)]))
            theirs = ", ".join(f"{x:.2f}" for x in a["cpu_runs_s"])
            out.append(
                f"| {_name(case)} | {_cpu(r):.2f} s ({mine}) | {a['commit']} "
                f"| {a['cpu_s']:.2f} s ({theirs}) | {_cpu(r) / a['cpu_s']:.2f} "
                f"| {'yes' if a['digest'] == r['digest'] else 'no: ' + a['digest']} |"
            )
    out += ["", "Where the time goes now (cProfile, own time, top 5):", ""]
    for case in sorted(now, key=_order):
        if now[case].get("hotspots"):
            spots = "; ".join(f"`{h}`" for h in now[case]["hotspots"])
            out.append(f"- {_name(case)}: {spots}")
    curve = sorted(
        (r for c, r in now.items() if c.startswith("large:") and c.endswith(":1900000")),
        key=lambda r: _order(r["case"]),
    )
    if curve:
        a, b = now.get("large:20:1900000"), now.get("large:20:2500000")
        cliff = f"{a['run_cpu_s'] / b['run_cpu_s']:.1f}x" if a and b else "-"
        out += [
            "",
            "Cost against changed bytes (five 1.9 MB documents, more and more edits; "
            "analysis and writing CPU, without imports and git):",
            "",
            "| edits per document | patch | analysis + writing CPU | per KB of patch |",
            "|---:|---:|---:|---:|",
        ]
        for r in curve:
            kb = r["patch_mb"] * 1000
            out.append(
                f"| {r['case'].split(':')[1]} | {kb:,.0f} KB | {r['analyse_write_cpu_s']:.2f} s "
                f"| {r['analyse_write_cpu_s'] / kb * 1000:.1f} ms |"
            )
        out += [
            "",
            "Up to about 100 edits per document the cost is the line scan of the 9.5 MB of "
            "documents (reading them from git, finding chunk boundaries and headings), the same "
            "whatever the edits; beyond, it grows with the changed bytes. Documents above "
            "`MAX_CONTENT_BYTES` (2 MB) are read from their patch only: before, five 1.9 MB "
            f"documents cost 25x what five 2.5 MB ones did; now {cliff}. At 50,000 files git "
            "skips exhaustive rename detection (its `diff.renameLimit`), for `git diff -p` "
            "beside it too.",
        ]
    out += [
        "",
        "The output did not change: after each step and each merge of main, "
        "`python benchmarks/pipeline_offline.py --digest` (every report of the corpus, of 1,000 "
        "files and of the large documents, rendered as Markdown and JSON, hashed) gave the "
        "same digests as in a checkout of main at that moment. (Digests before differ from now "
        "because the report writer itself changed on main meanwhile.) What the engine does:",
        "",
        "- Markdown structure: markdown-it runs its block rules only (inline tokens were never "
        "read), and a whole document is cut into chunks at lines where the block parser is "
        "certainly at the top level with nothing open (column 0 after a blank line, outside "
        "top-level fenced code and HTML blocks of types 1-5); only chunks holding changed lines "
        "are parsed, the rest is scanned for the ATX headings of section paths. An opener the "
        "scan cannot place (an indented fence that may sit in a list item) is settled by "
        "parsing the chunk before it. `tests/test_structure_window.py` checks this against the "
        "whole-document parse on generated documents (setext headings, HTML blocks of every "
        "type, fences in lists, tables that swallow lines, tabs, CRLF) and on anchor reports.",
        "- Hunk sides (patch-only mode) that hold only paragraph text, ATX headings, simple "
        "bullet lists (an item at column 0 whose text is paragraph text, with lazy or "
        "indented continuation lines), table rows whose header is above the hunk and "
        "`:::` lines are read by a scan of first characters instead of markdown-it: 43% of "
        "the corpus's 42,832 hunk sides, with the same roles on every one of them (checked "
        "against the parse on the whole corpus, and in `tests/test_structure_fast.py` on "
        "generated fragments: setext underlines, headings in items, nested and indented "
        "bullets, delimiter rows, reference definitions, thematic breaks, fences, HTML, odd "
        "whitespace). Anything subtler goes to the parse, which goes straight to the block "
        "parser when markdown-it's core rules have nothing to do (no CR or NUL).",
        "- GFM tables are read by markdown-it's own table rule reduced to its table_open and "
        "table_close tokens (the same acceptance and the same end line; its tokens for every "
        "row and cell and its per-character cell split were never read); "
        "`tests/test_structure_fast.py` compares its tokens with markdown-it's on tricky "
        "tables (escaped pipes, ragged rows, tables in lists and quotes, what ends a table).",
        "- Line pairing and in-line edits: `cydifflib` (difflib's own algorithm compiled: the "
        "same ratios and opcodes; `difflib` where it does not install), and candidates whose "
        "`real_quick_ratio`/`quick_ratio` bound cannot beat the best pair are skipped. "
        "`rapidfuzz` was not taken: its Indel ratio is an LCS measure, so pairs would change.",
        "- YAML through libyaml's safe loader when PyYAML has it; links of a line read once; "
        "numbers formatted once per catalogue.",
        "- Git blobs streamed one at a time from `cat-file --batch` instead of one buffer of "
        "every document.",
        "- With a writer that does not read whole documents (the offline one; the LLM writer "
        "does and keeps them), each file's old and new contents are let go as soon as its "
        "facts are taken, and every 1,000 files their heap pages are handed back to the "
        "system (glibc `malloc_trim`: the facts and reports allocated afterwards, small "
        "objects in Python's own arenas, could not reuse them). Peak RSS at 10,000 files "
        "245 -> 204 MB, at 50,000 files 1,003 -> 803 MB (measured in the table).",
        "- The writer normalises a file's facts once for every language (they do not depend "
        "on it) and the composer keeps each file's normalised facts and rank for all its "
        "sorts and filters (13 normalisations per file before, 2 now); the chunk scan keeps "
        "'nothing open' as a flag and skips blank lines first.",
        "- What each step of this round saved, in instructions (callgrind, which load does "
        "not move; every 40th anchor report in three languages, 2.24 G of them imports and "
        "reading): main before this round 9.10 G; prose and heading scan with the lean table "
        "rule 8.62 G; writer and chunk scan 8.26 G; bullet lists 8.15 G; table rows, `:::` "
        "lines and the direct block parse 8.02 G. Analysis and writing: 6.87 -> 5.78 G "
        "(-16%). The CPU seconds of the corpus moved more than that between runs of the "
        "same code (21.8-33.0 s within an hour), so the table's CPU is one sample of a noisy "
        "machine.",
        "- The cyclic garbage collector runs every 50,000 allocations instead of 700 while "
        "reports are built (it rescanned every live object of a large change set on each full "
        "pass: about a tenth of the CPU); the threshold is restored afterwards.",
        "- Fact ranks read from a dict by kind value; front matter YAML that can hold neither "
        "an alias (no `*`) nor 65 nested collections skips the event pre-scan; the chunk scan "
        "steps only lines that can open a fence or HTML block; heading and cell text cleaned "
        "once per distinct text; plural forms cached per count; no regex scan of patches "
        "without a fence or of texts too short to hold a long quote.",
        "- Without a terminal (cron, CI), a run logs `analyse: done/total done, rate/s, about N s "
        "left` every 10 s.",
        "- Added in the last stop (output byte-identical, digests checked after each): a line "
        "whose every `[` outside code spans opens a plain link or image is read by a scan "
        "instead of markdown-it's inline parse (84% of the distinct changed lines with links "
        "in the corpus; destinations through markdown-it's own normalizeLink and validateLink; "
        "`tests/test_links_fast.py` holds the scan to the parse on every corpus line, on "
        "20,000 random hostile lines and on named cases); line pairing builds each added "
        "line's matcher once per run of lines and takes difflib's length bound before building "
        "any; a line's tokens are cached (a changed line was split 2.9 times); the Summary "
        "JSON is built around json's C string encoder (`indent=4` ran its pure-Python "
        "encoder); a patch's fence is found once for all languages; glibc's `malloc_trim` runs "
        "only when documents were let go (each of the corpus's 816 `build_reports` calls ran "
        f"it). Instructions (`python benchmarks/instructions.py --against {AGAINST}`: "
        "callgrind on a driver that reads every 40th anchor report, then analyses it, writes "
        "it in three languages and renders it as Markdown, less a run that only reads): "
        f"{CALLGRIND}.",
        "- Then the output changed on purpose (5c2b50e, 1111859, e01ec68: misread fences, "
        "rewrites and cells, variable renames ranked below sections, rows changed alike told "
        "once; see the quality section). The digests in the table are those of that code; the "
        "side-by-side table says where its output differs from the commit it is compared "
        "with. Every row was measured again after e01ec68, which changed the large "
        "documents' output too.",
    ]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--corpus", type=Path, help="the anchor reports folder")
    ap.add_argument("--files", type=int, nargs="*", default=[], help="synthetic ranges of N files")
    ap.add_argument("--large", action="store_true", help="five 1.9 MB documents, and the curve")
    ap.add_argument(
        "--digest", action="store_true", help="only output digests: corpus, 1,000 files, large"
    )
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile runs")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run each case N times and keep the run of median CPU (the spread is shown)",
    )
    ap.add_argument(
        "--save",
        type=Path,
        default=RESULTS,
        help="merge the results (by case) into this JSON file (default: %(default)s)",
    )
    ap.add_argument(
        "--write", action="store_true", help="update docs/BENCHMARKS.md from the saved results"
    )
    ap.add_argument(
        "--against",
        metavar="COMMIT",
        help="also run every case on the code of COMMIT, alternating with this code's runs",
    )
    ap.add_argument("--run-case", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_case:
        print(json.dumps(run_case(args.run_case, args.data, args.profile)))
        return 0
    profile = not args.no_profile and not args.digest
    # Imports are timed from compiled bytecode, as an installed package has it: a checkout run
    # with PYTHONDONTWRITEBYTECODE would otherwise compile every module again in each case.
    compileall.compile_dir(SRC / "diffinsight", quiet=1)
    if not args.against:
        return _run(args, profile, None)
    from _worktree import checkout

    with checkout(args.against) as against:
        return _run(args, profile, against)


def _run(args: argparse.Namespace, profile: bool, against: Against | None) -> int:
    results: list[dict[str, Any]] = []
    corpus = args.corpus
    if args.digest:
        corpus = corpus or ROOT / ".." / "shared" / "anchor-reports"
        args.files = args.files or [1000]
        args.large = True
    if corpus is not None:
        if not corpus.is_dir():
            print(
                f"skipped corpus: {corpus} not found (the anchor reports are not beside this clone)"
            )
        else:
            results.append(measure("corpus", corpus, profile, None, args.repeat, against))
            print(_fmt(results[-1]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.files:
            repo = Path(tmp) / f"files{n}"
            make_files_repo(repo, n)
            results.append(
                measure(f"files:{n}", repo, profile and n <= 1000, repo, args.repeat, against)
            )
            print(_fmt(results[-1]), flush=True)
        if args.large:
            cases = (
                [(20, 1_900_000)]
                if args.digest
                else [
                    (20, 1_900_000),
                    (20, 100_000),
                    (20, 2_500_000),
                    (1, 1_900_000),
                    (10, 1_900_000),
                    (100, 1_900_000),
                    (1000, 1_900_000),
                ]
            )
            for regions, size in cases:
                repo = Path(tmp) / f"large{regions}-{size}"
                make_large_repo(repo, regions, size)
                prof = profile and (regions, size) == (20, 1_900_000)
                results.append(
                    measure(f"large:{regions}:{size}", repo, prof, repo, args.repeat, against)
                )
                print(_fmt(results[-1]), flush=True)
    if args.digest:
        return 0
    saved = _load(args.save)
    saved.update({r["case"]: r for r in results})
    args.save.parent.mkdir(parents=True, exist_ok=True)
    args.save.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n")
    if args.write:
        from _benchdoc import update_section

        update_section("Offline pipeline", render_section(saved, _load(BEFORE)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
