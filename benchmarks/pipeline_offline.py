"""Benchmark: the offline pipeline end to end on a generated documentation repository.

Builds a real git repository with N changed Markdown files (date bumps, table rows, version edits,
new and removed pages), then times source -> facts -> offline writer -> Markdown for three languages.

    python benchmarks/pipeline_offline.py [--files 1000] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from diffinsight.pipeline import build_reports  # noqa: E402
from diffinsight.render import MarkdownRenderer  # noqa: E402
from diffinsight.sources import GitSource  # noqa: E402

DOC = """---
title: Page {i}
ms.date: 04/10/2025
---

# Page {i}

Intro for page {i} with API version `2024-12-17`.

## Models

| Model | Regions |
|---|---|
| `gpt-4o` | East US2 |
{rows}
## Next steps

* [Quotas](quotas.md)
"""


def git(repo: Path, *args: str) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="b",
        GIT_AUTHOR_EMAIL="b@x",
        GIT_COMMITTER_NAME="b",
        GIT_COMMITTER_EMAIL="b@x",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def make_repo(repo: Path, n: int) -> None:
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for i in range(n):
        rows = "".join(f"| `model-{i}-{r}` | Region {r} |\n" for r in range(20))
        (repo / f"articles/p{i:05d}.md").parent.mkdir(parents=True, exist_ok=True)
        (repo / f"articles/p{i:05d}.md").write_text(DOC.format(i=i, rows=rows))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for i in range(n):
        p = repo / f"articles/p{i:05d}.md"
        if i % 10 == 9:
            p.unlink()
            continue
        text = p.read_text().replace("04/10/2025", "05/21/2025")
        if i % 3 == 0:
            text = text.replace("`2024-12-17`", "`2025-04-01-preview`")
        if i % 4 == 0:
            text = text.replace(
                "| `gpt-4o` | East US2 |\n",
                "| `gpt-4o` | East US2 |\n| `o4-mini` | Sweden Central |\n",
            )
        p.write_text(text)
    for i in range(n // 10):
        (repo / f"articles/new{i:04d}.md").write_text(DOC.format(i=f"new {i}", rows=""))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        make_repo(repo, args.files)
        t0 = time.perf_counter()
        cs = GitSource(repo, "HEAD~1..HEAD").changeset()
        t1 = time.perf_counter()
        reports = build_reports(cs, languages=["en_US", "ja_JP", "zh_CN"], day=date(2025, 5, 21))
        t2 = time.perf_counter()
        texts = [MarkdownRenderer().render(r) for r in reports]
        t3 = time.perf_counter()
    files = len(cs.files)
    patch_mb = sum(len((f.patch or "").encode()) for f in cs.files) / 1e6
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"- changed files: {files} ({patch_mb:.1f} MB of patch), 3 languages, {sum(len(t) for t in texts) / 1e6:.1f} MB of Markdown",
        f"- read from git (diff, numstat, full old/new documents): {t1 - t0:.2f} s",
        f"- facts + classification + offline writing, 3 languages: {t2 - t1:.2f} s ({files / (t2 - t1):.0f} files/s)",
        f"- Markdown rendering: {t3 - t2:.2f} s",
        f"- total: {t3 - t0:.2f} s; peak RSS {rss:.0f} MiB",
    ]
    print("\n".join(lines))
    if args.write:
        from _benchdoc import update_section

        machine = (
            f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"
        )
        update_section(
            "Offline pipeline",
            f"Command: `python benchmarks/pipeline_offline.py --files {args.files} --write` ({machine}).\n\n"
            + "\n".join(lines),
        )


if __name__ == "__main__":
    main()
