"""Mutation fuzzing of the patch parser and the report reader on real data.

Reads the anchor reports (``<repo>/../shared/anchor-reports``), takes their patches and their
texts, and mutates them: dropped, doubled and swapped lines, stray carriage returns, raw
Latin-1 bytes, broken quotes and escapes in the ``diff --git`` and ``---``/``+++`` lines,
extended header lines that contradict the names, hunk counts off by one to three, truncation;
for reports, YAML alias bombs, deep nesting, impossible dates and lone surrogates. Every case
runs under a 10 s CPU-time alarm. Counted: crashes (any exception but the one-line
``InputError``), hangs, peak memory (the whole run's maximum RSS, so a bound for every case),
and for patches the comparison with ``git apply --numstat``: +/- counts per file where both
read the patch, patches git accepts and we refuse, patches git refuses and we read.

The reader follows git's reading, so the last two should be zero; the one deliberate
difference (a corrupt ``GIT binary patch`` payload, which git reports and then drops with the
rest of the input while exiting 0) is refused here and is not among the mutations.

    PYTHONPATH=src python benchmarks/fuzz.py [--patches 10000] [--reports 10000] [--seed 1] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _benchdoc import update_section

from diffinsight.errors import InputError
from diffinsight.render.reference.read import parse_report, parse_report_file
from diffinsight.sources.patch import parse_patch

ROOT = Path(__file__).resolve().parents[1]
ANCHORS = ROOT / ".." / "shared" / "anchor-reports"
HANG_SECONDS = 10


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang()


def load_corpus(limit: int) -> tuple[list[bytes], list[str]]:
    """(git-style patches, report texts) from the anchor reports."""
    patches: list[bytes] = []
    reports: list[str] = []
    for p in sorted(ANCHORS.glob("**/*.md"))[:limit]:
        if p.name == "README.md":
            continue
        text = p.read_text(encoding="utf-8")
        reports.append(text)
        try:
            rep = parse_report_file(p)
        except InputError:
            continue
        for f in rep.files:
            if f.patch and f.path and "@@" in f.patch:
                head = f"diff --git a/{f.path} b/{f.path}\n--- a/{f.path}\n+++ b/{f.path}\n"
                body = f.patch if f.patch.endswith("\n") else f.patch + "\n"
                patches.append((head + body).encode("utf-8"))
    return patches, reports


def mutate_patch(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(11)
        i = rng.randrange(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            k = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:k] + b"\r" + lines[i][k:]
        elif op == 4:
            k = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:k] + bytes([rng.randint(0x80, 0xFF)]) + lines[i][k:]
        elif op == 5:  # hunk counts off
            hunks = [n for n, ln in enumerate(lines) if ln.startswith(b"@@ -")]
            if hunks:
                n = rng.choice(hunks)
                delta = rng.choice([-3, -2, -1, 1, 2, 3])
                lines[n] = _shift_count(lines[n], delta, rng.random() < 0.5)
        elif op == 6:  # broken quoting in the header
            bad = rng.choice(
                [
                    b'"a/x b/x',
                    b'a/x "b/x',
                    b'"a/\\3x" "b/\\3x"',
                    b'"a/\\777" "b/\\777"',
                    b'"a/caf\xe9.md" "b/caf\xe9.md"',
                    b"a/caf\xe9.md b/caf\xe9.md",
                ]
            )
            lines[0] = b"diff --git " + bad
        elif op == 7:
            lines[i] = lines[i] + b"\r"
        elif op == 8:  # broken quoting or raw bytes in a ---/+++ line
            heads = [n for n, ln in enumerate(lines[:6]) if ln.startswith((b"--- ", b"+++ "))]
            if heads:
                n = rng.choice(heads)
                side = lines[n][:4]
                lines[n] = side + rng.choice(
                    [b'"a/x', b'"b/\\3x"', b'"a/\\777"', b'"b/caf\xe9.md"', b"b/caf\xe9.md\t", b""]
                )
        elif op == 9:  # extended header lines git checks against the names
            lines.insert(
                1,
                rng.choice(
                    [
                        b"new file mode 100644",
                        b"deleted file mode 100644",
                        b"old mode 100644",
                        b"new mode 10x755",
                        b"rename from x.md",
                        b"copy to y.md",
                        b"index 0123abc..4567def 100644",
                        b"similarity index 250%",
                    ]
                ),
            )
        else:
            del lines[max(1, i) :]
    return b"\n".join(lines)


def _shift_count(header: bytes, delta: int, old_side: bool) -> bytes:
    m = re.match(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$", header)
    if not m:
        return header
    a, b, c, d, rest = m.groups()
    b = b or b"1"
    d = d or b"1"
    if old_side:
        b = str(max(0, int(b) + delta)).encode()
    else:
        d = str(max(0, int(d) + delta)).encode()
    return b"@@ -" + a + b"," + b + b" +" + c + b"," + d + b" @@" + rest


BOMB = "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\nsummary: [*d, *d, *d, *d, *d, *d, *d, *d]\n"


def mutate_report(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(11)
        i = rng.randrange(len(lines))
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines.insert(1, BOMB)
        elif op == 4:
            depth = rng.choice([70, 500, 5000, 50_000])
            lines.insert(1, "nested: " + "[" * depth + "]" * depth)
        elif op == 5:
            lines.insert(
                1, "date: " + rng.choice(["2025-02-30", "2025-13-01", "0000-00-00", "2025-04-31"])
            )
        elif op == 6:
            k = rng.randint(0, len(lines[i]))
            # Lone surrogates as characters, and as the JSON escape that decodes to one.
            bad = rng.choice(["\ud800", "\udfff", "\x00", "\r", "\\ud800"])
            lines[i] = lines[i][:k] + bad + lines[i][k:]
        elif op == 7:
            lines[i] = lines[i] * rng.randint(2, 50)
        elif op == 8:
            lines.insert(i, "```json\n" + "[" * rng.choice([100, 5000, 50_000]) + "\n```")
        elif op == 9:  # a JSON string of a ### Summary block holding an escaped lone surrogate
            keys = [n for n, ln in enumerate(lines) if '"modification_title": "' in ln]
            if keys:
                n = rng.choice(keys)
                escape = rng.choice(["\\ud800", "\\udfff", "\\udc80x"])
                lines[n] = lines[n].replace('": "', '": "' + escape, 1)
        else:
            del lines[max(1, i) :]
    return "\n".join(lines)


def _cause(exc: Exception) -> str:
    """An exception's message with its numbers (positions, line numbers) left out, to group by."""
    return re.sub(r"\d+", "N", str(exc))[:60]


def git_numstat(data: bytes, cwd: str) -> list[tuple[int, int]] | None:
    """git's +/- counts, summed per file as our reader merges a file's sections."""
    proc = subprocess.run(
        ["git", "apply", "--numstat", "-z", "-"], input=data, cwd=cwd, capture_output=True
    )
    if proc.returncode != 0:
        return None
    per_file: dict[bytes, tuple[int, int]] = {}
    for rec in proc.stdout.split(b"\0"):
        if not rec:
            continue
        a, d, path = rec.split(b"\t", 2)
        add = int(a) if a != b"-" else 0
        dele = int(d) if d != b"-" else 0
        prev = per_file.get(path, (0, 0))
        per_file[path] = (prev[0] + add, prev[1] + dele)
    return list(per_file.values())


def run(n_patches: int, n_reports: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    patches, reports = load_corpus(10_000)
    signal.signal(signal.SIGPROF, _alarm)
    res: dict[str, object] = {"anchors_patches": len(patches), "anchors_reports": len(reports)}
    crashes: Counter[str] = Counter()
    hangs = 0
    slowest = 0.0
    agree = disagree = we_refuse_git_accepts = git_refuses_we_accept = both_refuse = 0
    t0 = time.process_time()
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(n_patches):
            data = mutate_patch(rng, rng.choice(patches))
            signal.setitimer(signal.ITIMER_PROF, HANG_SECONDS)
            t = time.process_time()
            ours: list[tuple[int, int]] | None
            try:
                files = parse_patch(data, name="fuzz.patch")
                ours = [(f.additions, f.deletions) for f in files]
                for f in files:
                    f.model_dump_json().encode("utf-8")
            except InputError as exc:
                ours = None
                if "\n" in str(exc):
                    crashes["patch InputError over several lines"] += 1
            except Hang:
                hangs += 1
                ours = None
            except Exception as exc:
                crashes[f"patch {type(exc).__name__}: {_cause(exc)}"] += 1
                ours = None
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
            slowest = max(slowest, time.process_time() - t)
            theirs = git_numstat(data, cwd)
            if theirs is not None and ours is not None:
                if sorted(theirs) == sorted(ours):
                    agree += 1
                else:
                    disagree += 1
            elif theirs is not None:
                we_refuse_git_accepts += 1
            elif ours is not None:
                git_refuses_we_accept += 1
            else:
                both_refuse += 1
    res.update(
        patches=n_patches,
        patch_seconds=round(time.process_time() - t0, 1),
        patch_slowest=round(slowest, 3),
        agree=agree,
        disagree=disagree,
        we_refuse_git_accepts=we_refuse_git_accepts,
        git_refuses_we_accept=git_refuses_we_accept,
        both_refuse=both_refuse,
    )
    rhangs = 0
    rslowest = 0.0
    refused = 0
    t0 = time.process_time()
    for _ in range(n_reports):
        text = mutate_report(rng, rng.choice(reports))
        signal.setitimer(signal.ITIMER_PROF, HANG_SECONDS)
        t = time.process_time()
        try:
            rep = parse_report(text, source="fuzz.md")
            # As a page or feed holds it: every string must be encodable as UTF-8.
            json.dumps(rep.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
        except InputError as exc:
            refused += 1
            if "\n" in str(exc):
                crashes["report InputError over several lines"] += 1
        except Hang:
            rhangs += 1
        except Exception as exc:
            crashes[f"report {type(exc).__name__}: {_cause(exc)}"] += 1
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        rslowest = max(rslowest, time.process_time() - t)
    res.update(
        reports=n_reports,
        report_seconds=round(time.process_time() - t0, 1),
        report_slowest=round(rslowest, 3),
        report_refused=refused,
        hangs=hangs,
        report_hangs=rhangs,
        crashes=dict(crashes),
        peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )
    return res


def render(r: dict[str, object], command: str) -> str:
    crashes = r["crashes"]
    assert isinstance(crashes, dict)
    crash_text = ", ".join(f"{k} ({v})" for k, v in crashes.items()) or "none"
    patch_crashes = sum(v for k, v in crashes.items() if k.startswith("patch"))
    report_crashes = sum(v for k, v in crashes.items() if k.startswith("report"))
    accepted = r["agree"] + r["disagree"] + r["we_refuse_git_accepts"]  # type: ignore[operator]
    return f"""Mutated real patches and reports ({r["anchors_patches"]:,} patches and {r["anchors_reports"]} reports
of the anchor corpus; dropped/doubled/swapped lines, stray CRs, raw Latin-1 bytes, broken
quoting and escapes in `diff --git` and `---`/`+++` lines, extended header lines that
contradict the names, hunk counts off by 1-3, truncation; for reports also YAML alias bombs,
nesting up to 50,000 levels, impossible dates, lone surrogates (as characters and as JSON
escapes), NULs); a report read must serialise as UTF-8. Each case runs under a
{HANG_SECONDS} s CPU-time alarm; patches are compared with `git apply --numstat` (git 2.39),
+/- counts summed per file.

| | patches | reports |
| --- | --- | --- |
| cases | {r["patches"]:,} | {r["reports"]:,} |
| crashes (anything but a one-line refusal) | {patch_crashes} | {report_crashes} |
| hangs over {HANG_SECONDS} s | {r["hangs"]} | {r["report_hangs"]} |
| slowest case (CPU) | {r["patch_slowest"]} s | {r["report_slowest"]} s |
| CPU time of our reader, all cases | {r["patch_seconds"]} s | {r["report_seconds"]} s |

Patches git accepts: {accepted:,}; our +/- counts agree on {r["agree"]:,}, disagree on
**{r["disagree"]}**, and we refuse **{r["we_refuse_git_accepts"]}**. Patches git refuses:
{r["both_refuse"]:,}; we refuse them too, in one line, except **{r["git_refuses_we_accept"]}**.
Reports refused in one line: {r["report_refused"]:,}. Peak memory of the whole run (max RSS,
so a bound for every case): {r["peak_mb"]} MB. Crashes: {crash_text}.

The reader follows `git apply`'s reading (see `sources/patch.py`); the one deliberate
difference, a corrupt `GIT binary patch` payload, is refused here where git reports it, keeps
the files before it, drops the rest of the input and exits 0.

Command: `{command}` (from the repository root; {r["date"]}, commit `{r["commit"]}`);
machine: 2 cores, 24 GiB, Python {platform.python_version()}, shared with other jobs (load
average {r["load"]} at the start: the times are CPU times).
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patches", type=int, default=10_000)
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    load = os.getloadavg()[0]
    res = run(a.patches, a.reports, a.seed)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    res.update(date=time.strftime("%Y-%m-%d", time.gmtime()), commit=commit, load=f"{load:.1f}")
    text = render(
        res,
        "PYTHONPATH=src python benchmarks/fuzz.py" + (f" --seed {a.seed}" if a.seed != 1 else ""),
    )
    print(text)
    if not a.no_write:
        update_section("Fuzzing: mutated patches and reports", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
