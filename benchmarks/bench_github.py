"""Time the GitHub source (compare API vs. local-diff fallback) and a month's backfill.

Everything runs on this machine: a 127.0.0.1 server answering from real bare repositories
(tests/github_server.py) and file:// clones. Run: ``PYTHONPATH=src python benchmarks/bench_github.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from diffinsight.daily import parse_backfill, run_watchlist  # noqa: E402
from diffinsight.pipeline import run  # noqa: E402
from diffinsight.sources.github import CompareSpec, GitHubSource  # noqa: E402
from diffinsight.watchlist import parse_watchlist  # noqa: E402
from github_server import FakeGitHub  # noqa: E402
from gitutil import commit_files, init_repo, publish  # noqa: E402


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    print(f"{label}: {time.perf_counter() - t:.2f} s")
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        server_root = t / "server"
        server_root.mkdir()
        fake = FakeGitHub(root=server_root).start()
        os.environ.update(
            GITHUB_API_URL=fake.base_url,
            GITHUB_SERVER_URL=f"file://{server_root}",
            GITHUB_TOKEN="bench",
            DIFFINSIGHT_CACHE_DIR=str(t / "cache"),
        )
        repo = init_repo(t / "repo")
        base = commit_files(repo, {"README.md": "# r\n"}, "start", "2025-05-01T00:00:00+00:00")
        small = commit_files(
            repo,
            {f"a/s{i}.md": f"# {i}\n\ntext {i}\n" for i in range(250)},
            "250",
            "2025-05-01T01:00:00+00:00",
        )
        big = commit_files(
            repo,
            {f"b/t{i:04d}.md": f"# {i}\n\ntext {i}\n" for i in range(1000)},
            "1000",
            "2025-05-01T02:00:00+00:00",
        )
        publish(repo, server_root, "Bench/docs")
        for label, spec in [
            ("250 files, compare API", CompareSpec("Bench/docs", base, small)),
            ("1000 files, fallback (fetch + local diff)", CompareSpec("Bench/docs", small, big)),
            (
                "1000 files, fallback again (cached commits, 304s)",
                CompareSpec("Bench/docs", small, big),
            ),
        ]:
            n = len(fake.requests)
            src = GitHubSource(spec)
            cs = timed(f"{label}: changeset", src.changeset)
            print(
                f"  path={src.path_taken} files={len(cs.files)} requests={len(fake.requests) - n}"
            )
        timed(
            "1000 files: full offline report (1 language)",
            lambda: run(GitHubSource(CompareSpec("Bench/docs", small, big)), write=False),
        )

        month = init_repo(t / "month")
        for day in range(1, 32):
            for k in range(3):
                commit_files(
                    month,
                    {
                        f"docs/d{day:02d}-{k}.md": f"# Day {day}\n\nItem {k}.\n",
                        f"api/a{k}.md": f"v{day}\n",
                    },
                    f"d{day}-{k}",
                    f"2025-05-{day:02d}T0{k + 1}:00:00+00:00",
                )
        watch = parse_watchlist(
            "output_dir: out\nlanguages: [en_US, ja_JP]\ncategories:\n  docs: {paths: [docs]}\n"
            "  api: {paths: [api]}\nrepositories:\n  - path: month\n",
            "bench",
            base=t,
        )
        days = parse_backfill("2025-05-01..2025-05-31")
        s = timed(
            "backfill of 31 active days x 2 categories x 2 languages (local repo)",
            lambda: run_watchlist(watch, backfill=days),
        )
        print(f"  reports written={len(s.written)}")
        s = timed(
            "same backfill again (all days skipped)", lambda: run_watchlist(watch, backfill=days)
        )
        print(f"  reports written={len(s.written)}")
        fake.stop()


if __name__ == "__main__":
    main()
