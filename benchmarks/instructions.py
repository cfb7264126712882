"""Benchmark: instructions the offline engine executes on a sample of the anchor corpus.

CPU seconds on a shared machine drift by a fifth within an hour; instruction counts
(valgrind's callgrind) do not. A driver reads every Nth anchor report, then analyses it,
writes it in three languages and renders it as Markdown; a second run of the same driver
only reads. The difference is the engine's work.

    python benchmarks/instructions.py                      # this checkout, every 40th report
    python benchmarks/instructions.py --against e5ee850    # and another commit's code

Needs ``valgrind`` (Debian package ``valgrind``) and the anchor reports beside the clone.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = ROOT / ".." / "shared" / "anchor-reports"

# Run with PYTHONPATH at the code measured; facts_eval (next to this script) turns a parsed
# report into the change set the corpus case of pipeline_offline.py builds too.
_DRIVER = r"""
import sys
from datetime import date
from pathlib import Path
sys.path.insert(1, sys.argv[1])
from facts_eval import to_changes
from diffinsight.config import Config
from diffinsight.models import ChangeSet
from diffinsight.pipeline import build_reports
from diffinsight.render import get_renderer
from diffinsight.render.reference.read import parse_report_file
folder, step, read_only = Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
sets = []
for p in sorted(folder.rglob("report-*.md"))[::step]:
    report = parse_report_file(p)
    files = [c for c, _, _ in to_changes(report)]
    sets.append((ChangeSet(repo="anchor", permalink=report.permalink, files=files),
                 report.date or date(2025, 1, 1)))
if not read_only:
    md = get_renderer("markdown")
    for cs, day in sets:
        for r in build_reports(cs, config=Config(), languages=["en_US", "ja_JP", "zh_CN"], day=day):
            md.render(r)
"""


def collected(src: Path, step: int, read_only: bool) -> int:
    """Instructions callgrind counted for one run of the driver on the code in ``src``."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-c",
            _DRIVER,
            str(ROOT / "benchmarks"),
            str(ANCHOR),
            str(step),
            "1" if read_only else "0",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(src)},
        check=True,
    )
    m = re.search(r"Collected : (\d+)", done.stderr)
    if m is None:
        raise SystemExit(f"valgrind printed no instruction count: {done.stderr[-300:]}")
    return int(m.group(1))


def engine(src: Path, step: int) -> tuple[int, int]:
    """(instructions of the whole run, of the engine alone) for the code in ``src``, compiled."""
    total = collected(src, step, read_only=False)
    return total, total - collected(src, step, read_only=True)


def _line(name: str, src: Path, step: int) -> str:
    total, work = engine(src, step)
    return (
        f"{name}: {total / 1e9:.3f} G instructions in all, {work / 1e9:.3f} G of analysis, "
        f"writing and Markdown (every {step}th report, 3 languages)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--step", type=int, default=40, help="every Nth anchor report (default 40)")
    ap.add_argument("--against", metavar="COMMIT", help="also count the code of COMMIT")
    args = ap.parse_args()
    if not ANCHOR.is_dir():
        print(f"skipped: {ANCHOR} not found (the anchor reports are not beside this clone)")
        return 0
    # Compiled first, as an installed package is (checkout() compiles the other code).
    compileall.compile_dir(ROOT / "src" / "diffinsight", quiet=1)
    print(_line("this checkout", ROOT / "src", args.step), flush=True)
    if args.against:
        from _worktree import checkout

        with checkout(args.against) as (name, src):
            print(_line(name, src, args.step), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
