"""Benchmark of the command line's start-up, next to ``git --version`` and a bare interpreter.

Run from the repository root, with the package installed (``pip install -e .``)::

    python benchmarks/startup.py [--runs 15] [--write]

Each command runs ``--runs`` times as a fresh process; the table shows the median and the
fastest run (the machine is shared, so the fastest is the least disturbed). The report is a real
one: a two-file repository built in a temp folder, offline engine, printed to stdout. With
``--write`` the results replace the ``## Start-up`` section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchdoc import update_section


def _git(repo: Path, *args: str) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="B",
        GIT_AUTHOR_EMAIL="b@example.invalid",
        GIT_COMMITTER_NAME="B",
        GIT_COMMITTER_EMAIL="b@example.invalid",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def two_file_repo(where: Path) -> Path:
    """A repository whose last commit changes two Markdown files."""
    repo = where / "docs"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "a.md").write_text("# A\n\nVersion `2024-12-17`.\n")
    (repo / "b.md").write_text("# B\n\n| k | v |\n|---|---|\n| x | 1 |\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "one")
    (repo / "a.md").write_text("# A\n\nVersion `2025-04-01-preview`.\n")
    (repo / "b.md").write_text("# B\n\n| k | v |\n|---|---|\n| x | 2 |\n| y | 3 |\n")
    _git(repo, "commit", "-qam", "two")
    return repo


def timed(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float, float]:
    """(median wall, fastest wall, median CPU) seconds of ``argv`` as a fresh process.

    CPU is the child's user + system time: on a shared machine it moves far less with load
    than the wall clock does.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), min(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = ap.parse_args()
    script = Path(sys.executable).with_name("diffinsight")
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "diffinsight"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    git = shutil.which("git") or "git"
    with tempfile.TemporaryDirectory() as tmp:
        repo = two_file_repo(Path(tmp))
        rows = [
            ("`git --version`", [git, "--version"]),
            ("`python -c pass` (the interpreter alone)", [sys.executable, "-c", "pass"]),
            ("`diffinsight --version`", [*cli, "--version"]),
            ("`diffinsight --help`", [*cli, "--help"]),
            ("`diffinsight report --help`", [*cli, "report", "--help"]),
            ("`python -c 'import diffinsight'`", [sys.executable, "-c", "import diffinsight"]),
            (
                "imports of a report run (pipeline, sources, writers, engine selection)",
                [
                    sys.executable,
                    "-c",
                    "import diffinsight.cli, diffinsight.pipeline, diffinsight.sources,"
                    " diffinsight.writers.llm.engine, diffinsight.render",
                ],
            ),
            (
                "`diffinsight report REPO HEAD~1..HEAD --stdout` (2 files, offline)",
                [*cli, "report", str(repo), "HEAD~1..HEAD", "--stdout", "-q"],
            ),
        ]
        results = [(label, *timed(argv, args.runs, env)) for label, argv in rows]
    lines = [
        f"Command: `python benchmarks/startup.py --runs {args.runs} --write` (2 cores, 24 GiB,"
        f" Python {platform.python_version()}, {platform.machine()}; shared machine, other work"
        f" running: load average {os.getloadavg()[0]:.1f} at the end). Each command is a fresh"
        " process; wall time median and fastest of the runs, and the median CPU time (user +"
        " system) of the process, which the other work on the machine disturbs least.",
        "",
        "| command | wall, median | wall, fastest | CPU, median |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {label} | {med:.3f} s | {best:.3f} s | {cpu:.3f} s |"
        for label, med, best, cpu in results
    ]
    lines += [
        "",
        "The command line imports only typer at start; the report, site, LLM and provider stacks"
        " (pydantic models, jinja, feeds, search, openai, httpx) load when a command needs them."
        " A command's own help (`report --help`) costs more than the top-level one because typer"
        " builds pydantic validators for that command's options.",
    ]
    body = "\n".join(lines)
    print(body)
    if args.write:
        update_section("Start-up", body)


if __name__ == "__main__":
    main()
