"""Benchmark of the report site: full build of the anchor reports, then rebuilds.

Run from the repository root::

    python benchmarks/site_build.py [--runs 3] [--write]

Copies ``../shared/anchor-reports`` to a temporary folder (the data never enters the
repository) and measures, taking the median of ``--runs``:

1. a full build of all reports into an empty folder, in one process and with ``--jobs``
   workers;
2. a rebuild with nothing changed;
3. a rebuild after one report is removed, then one after it is added back (only its
   page and its translations' pages are rendered again, plus the list, feed and search
   files).

With ``--against COMMIT`` the full build (one process), the no-op rebuild and the two
rebuilds after a change are also measured on the code of COMMIT (checked out in a temporary
git worktree), in fresh processes that alternate with the same steps on this code, so that
both see the same machine at the same moment.

With ``--write`` the results replace the ``## Site`` section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from _benchdoc import update_section  # noqa: E402  (next to this script)

from diffinsight.site import SiteBuildResult, build_site  # noqa: E402

ANCHOR = ROOT / ".." / "shared" / "anchor-reports"
HELD_BACK = "zh_CN/202504/report-20250430-openai.md"
COMMAND = "python benchmarks/site_build.py --runs 3 --write"

# One process per measurement of the steps that --against compares, run on either code
# (the code of the commit given has no cache_dir before the search-texts cache).
_DRIVER = r"""
import inspect, json, os, shutil, sys
from pathlib import Path
from diffinsight.site import build_site
reports, work, held = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
params = inspect.signature(build_site).parameters
kw = {"cache_dir": work / "cache"} if "cache_dir" in params else {}
out = work / "site"
shutil.rmtree(out, ignore_errors=True)
rows = {}
def step(label):
    t = os.times()
    build_site(reports, out, "https://example.org/", jobs=1, **kw)
    u = os.times()
    rows[label] = (u.user + u.system + u.children_user + u.children_system) - (
        t.user + t.system + t.children_user + t.children_system)
step("full build, 1 process")
step("rebuild, nothing changed")
path = reports / held
data = path.read_bytes()
path.unlink()
try:
    step("rebuild after removing 1 report")
finally:
    path.write_bytes(data)
step("rebuild after adding 1 report")
print(json.dumps(rows))
"""


def against(commit: str, runs: int) -> tuple[str, dict[str, tuple[float, float]]]:
    """CPU seconds per step, median of ``runs``: (this code, the code of ``commit``)."""
    from _worktree import checkout

    # Both codes compiled first, so that neither run pays for compiling its modules.
    compileall.compile_dir(ROOT / "src" / "diffinsight", quiet=1)
    with checkout(commit) as (name, other), tempfile.TemporaryDirectory(prefix="di-bench-") as tmp:
        reports = Path(tmp) / "reports"
        shutil.copytree(ANCHOR, reports)
        found: dict[str, tuple[list[float], list[float]]] = {}
        for _ in range(runs):
            for k, src in enumerate((ROOT / "src", other)):
                work = Path(tmp) / f"work-{k}"
                done = subprocess.run(
                    [sys.executable, "-c", _DRIVER, str(reports), str(work), HELD_BACK],
                    check=True,
                    capture_output=True,
                    text=True,
                    env={**os.environ, "PYTHONPATH": str(src)},
                )
                for label, cpu in json.loads(done.stdout.splitlines()[-1]).items():
                    found.setdefault(label, ([], []))[k].append(cpu)
    return name, {
        label: (statistics.median(a), statistics.median(b)) for label, (a, b) in found.items()
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(fn: Callable[[], SiteBuildResult]) -> tuple[float, float, SiteBuildResult]:
    """Wall time, CPU time (this process and its workers) and the build's result."""
    wall, cpu = time.perf_counter(), _cpu()
    result = fn()
    return time.perf_counter() - wall, _cpu() - cpu, result


def run(runs: int, jobs: int) -> list[tuple[str, float, float, SiteBuildResult]]:
    rows: dict[str, list[tuple[float, float, SiteBuildResult]]] = {}
    base = "https://example.org/"

    def measure(label: str, reports: Path, out: Path, n: int) -> None:
        # The search texts' cache sits beside the site, as a user's does (never inside it).
        cache = out.parent / "cache"
        rows.setdefault(label, []).append(
            _timed(lambda: build_site(reports, out, base, jobs=n, cache_dir=cache))
        )

    with tempfile.TemporaryDirectory(prefix="di-bench-") as tmp:
        reports = Path(tmp) / "reports"
        shutil.copytree(ANCHOR, reports)
        held = reports / HELD_BACK
        held_text = held.read_bytes()
        for _ in range(runs):
            for n in (1, jobs):
                out = Path(tmp) / f"site-{n}"
                shutil.rmtree(out, ignore_errors=True)
                label = "full build, 1 process" if n == 1 else f"full build, --jobs {n}"
                measure(label, reports, out, n)
            out = Path(tmp) / f"site-{jobs}"
            measure("rebuild, nothing changed", reports, out, jobs)
            held.unlink()
            measure("rebuild after removing 1 report", reports, out, jobs)
            held.write_bytes(held_text)
            measure("rebuild after adding 1 report", reports, out, jobs)
    return [
        (
            label,
            statistics.median(w for w, _, _ in values),
            statistics.median(c for _, c, _ in values),
            values[-1][2],
        )
        for label, values in rows.items()
    ]


ARCHIVE = 1457
QUERIES = ["更新", "微调模型", "realtime-audio-websockets.md", "provisioned throughput quota"]


def _gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def search_sizes(site: Path) -> dict[str, Any]:
    """Gzipped bytes of the search files, and what each sample query fetches."""
    from diffinsight.site.search import INDEX, shard_of, tokenize

    first = _gz(site / INDEX)
    terms = {int(p.stem.split("-")[1]): _gz(p) for p in (site / "search").glob("terms-*.json")}
    fetched = {
        q: first + sum(terms[k] for k in {shard_of(t) for t in tokenize(q)}) for q in QUERIES
    }
    return {"first": first, "terms": sum(terms.values()), "max": max(terms.values()), "q": fetched}


def archive_sizes() -> tuple[int, dict[str, Any]]:
    """Search sizes for a 1,457-report archive: the anchor reports and as many of them
    again (other permalinks, so they are not read as translations) as make up the count."""
    with tempfile.TemporaryDirectory(prefix="di-bench-") as tmp:
        reports = Path(tmp) / "reports"
        shutil.copytree(ANCHOR, reports / "a")
        extra = sorted(ANCHOR.rglob("report-*.md"))[
            : ARCHIVE - len(list(ANCHOR.rglob("report-*.md")))
        ]
        for path in extra:
            target = reports / "b" / path.relative_to(ANCHOR)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text(encoding="utf-8")
            target.write_text(text.replace("https://github.com/", "https://github.com/copy/", 1))
        result = build_site(
            reports,
            Path(tmp) / "site",
            "https://example.org/",
            jobs=os.cpu_count() or 1,
            cache_dir=Path(tmp) / "cache",
        )
        return result.reports, search_sizes(Path(tmp) / "site")


def _size_rows(label: str, sizes: dict[str, Any]) -> str:
    queries = ", ".join(f"`{q}` {n / 1e3:.0f} kB" for q, n in sizes["q"].items())
    return (
        f"| {label} | {sizes['first'] / 1e3:.0f} kB | {sizes['terms'] / 1e3:.0f} kB "
        f"| {sizes['max'] / 1e3:.0f} kB | {queries} |"
    )


def markdown(
    results: list[tuple[str, float, float, SiteBuildResult]],
    runs: int,
    load: float,
    sizes: list[tuple[str, dict[str, Any]]],
    compared: tuple[str, dict[str, tuple[float, float]]] | None = None,
) -> str:
    full = results[0][3]
    assert full.reports == sum(1 for _ in ANCHOR.rglob("report-*.md"))
    lines = [
        "## Site",
        "",
        f"`diffinsight site build` over the {full.reports} anchor reports "
        f"({', '.join(f'{k} {v}' for k, v in full.languages.items())}; "
        f"{sum(1 for _ in ANCHOR.rglob('report-*.md'))} files, "
        f"{sum(p.stat().st_size for p in ANCHOR.rglob('*.md')) / 1e6:.0f} MB of Markdown).",
        "",
        f"Command: `{COMMAND}` (median of {runs} runs).",
        "",
        f"Machine: {os.cpu_count()} cores ({_cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; the machine was shared with other jobs, "
        f"so wall times vary (load average {load:.1f} when the run started); CPU time "
        "(this process and its workers) is steadier.",
        "",
        "| step | wall time | CPU time | report pages rendered | reports parsed | files written |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, wall, cpu, res in results:
        lines.append(
            f"| {label} | {wall:.2f} s | {cpu:.2f} s | {res.report_pages_rendered} "
            f"| {res.reports_parsed} | {res.files_written} |"
        )
    lines += [
        "",
        "A rebuild hashes every input, parses only new or changed reports, and re-renders a "
        "report page only when its input, its translations (same permalink and category) or "
        f"the templates changed; the removed and re-added report (`{HELD_BACK}`) is the zh_CN "
        "translation of an en_US/ja_JP pair, so its siblings' language switchers change too. "
        "The home, language, month and category lists, the feeds, the file histories and the "
        "search index depend on every report: after a change they are regenerated and written "
        "only where their bytes changed (the index takes the explanations of unchanged reports "
        "from the search-texts cache beside the site, so only new or changed reports are "
        "parsed); with nothing changed they are left as they are. With `--jobs` the index is "
        "written by a forked process while the pages render.",
        "",
        "Search files (gzipped, as a server sends them): the first file every search loads, "
        "all terms files together and the largest one, and what a query fetches in all "
        "(the first file and the terms files of its tokens).",
        "",
        "| reports | first file | terms files | largest terms file | fetched per query |",
        "|---|---:|---:|---:|---|",
        *(_size_rows(label, s) for label, s in sizes),
        "",
        f"The {ARCHIVE}-report archive is the anchor reports plus {ARCHIVE - full.reports} "
        "of them again under other permalinks (the size of the existing tool's public "
        "archives; its words are the anchor reports' own).",
        "",
    ]
    if compared is not None:
        name, steps = compared
        lines += [
            f"Against commit {name} (`{COMMAND} --against {name}`): each step in fresh "
            f"processes, this code and {name}'s alternating, CPU time, median of {runs} runs "
            "each (one process; the same steps as above).",
            "",
            f"| step | this code | {name} | ratio |",
            "|---|---:|---:|---:|",
            *(
                f"| {label} | {a:.2f} s | {b:.2f} s | {a / b:.2f} |"
                for label, (a, b) in steps.items()
            ),
            "",
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--write", action="store_true", help="replace the '## Site' section of docs/BENCHMARKS.md"
    )
    parser.add_argument(
        "--against", metavar="COMMIT", help="also measure the main steps on the code of COMMIT"
    )
    args = parser.parse_args()
    if not ANCHOR.is_dir():
        print(f"skipped: anchor reports not found at {ANCHOR} (../shared is absent)")
        return 0
    load = os.getloadavg()[0]
    results = run(args.runs, args.jobs)
    with tempfile.TemporaryDirectory(prefix="di-bench-") as tmp:
        anchor = build_site(
            ANCHOR, Path(tmp) / "site", "https://example.org/", jobs=args.jobs, cache_dir=Path(tmp)
        )
        sizes = [(f"{anchor.reports} (anchor reports)", search_sizes(Path(tmp) / "site"))]
    count, archive = archive_sizes()
    sizes.append((f"{count} (archive)", archive))
    compared = against(args.against, args.runs) if args.against else None
    section = markdown(results, args.runs, load, sizes, compared)
    print(section)
    if args.write:
        update_section("Site", section.removeprefix("## Site\n"))
        print("wrote the Site section of docs/BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
