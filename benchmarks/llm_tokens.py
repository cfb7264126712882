"""LLM writer: tokens, calls and wall time of our prompts versus the existing tool's prompt design.

Both designs are measured side by side on the same files: each anchor report's change set is
rebuilt from its patches (``diffinsight.render.reference.read.parse_report``).

* **Ours**: the real :class:`LLMWriter` against a local Chat Completions server
  (``tests/llm_server.py``). The server answers with grounded texts of realistic length (the
  offline engine's entries and sections in the requested language, i.e. what a good model is asked
  to write) and reports usage counted with the same estimator as below; the writer's own usage
  accounting (``Report.usage``) is what is summed.
* **Existing design, replayed**: per file, a system prompt, the last two exchanges as history and
  the Python repr of the GitHub compare API's file object (sha, URLs, patch), the tool's real
  answer for that file (from the anchor report in that language) as output; then one report call
  over all explanations and one summary call over the report, all of it once per language. Its
  system prompts are paraphrased here at their original length and structure.

Tokens are counted with ``diffinsight.writers.llm.compress.estimate_tokens`` for both designs (tiktoken's
encodings are not available offline; when one is cached locally it is used instead), plus 4 tokens
of framing per message.

Usage: ``python benchmarks/llm_tokens.py [--limit N] [--skip-wall] [--write]``
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import openai  # noqa: E402
from _benchdoc import update_section  # noqa: E402

from diffinsight.analysis import AnalyzedFile, analyze  # noqa: E402
from diffinsight.models import ChangeSet, FileChange, FileStatus, Report  # noqa: E402
from diffinsight.providers.registry import create, resolve  # noqa: E402
from diffinsight.render.reference.read import ParsedReport, parse_report  # noqa: E402
from diffinsight.writers.base import ReportRequest  # noqa: E402
from diffinsight.writers.llm import checks  # noqa: E402
from diffinsight.writers.llm.compress import estimate_tokens  # noqa: E402
from diffinsight.writers.llm.settings import LLMSettings  # noqa: E402
from diffinsight.writers.llm.writer import LLMWriter  # noqa: E402
from diffinsight.writers.offline import IMAGE_SUFFIXES, OfflineWriter, describe  # noqa: E402
from llm_server import ChatServer, Reply, Seen, completion, files_in, languages  # noqa: E402

ANCHORS = ROOT / ".." / "shared" / "anchor-reports"
REPO = "MicrosoftDocs/azure-ai-docs"
PER_MESSAGE = 4


def prompt_tokens(body: dict[str, Any]) -> int:
    """Estimated prompt tokens of a Chat Completions request: its messages and its JSON schema."""
    prompt = sum(estimate_tokens(m["content"]) + PER_MESSAGE for m in body["messages"])
    if "response_format" in body:
        prompt += estimate_tokens(json.dumps(body["response_format"], separators=(",", ":")))
    return prompt


FILE_MODEL, REPORT_MODEL = "gpt-4o-mini", "gpt-4o"

# Paraphrases of the existing tool's system prompts, at their original length and structure.
OLD_FILE_SYSTEM = """\
You are a technical writer.
You speak many languages. Write your report in the language of the user's locale.

## Styles
- Summary: give a short summary of the change.
- Overview: give an overview of the change.
- Detailed: give a detailed explanation of the change.

## Output Format
Write your explanation in the format below.
Leave out the `<format>` tags.

<format>
### Summary

```json
{
    "filename": "{full path of the file}",
    "modification_type": "{why the file changed. One of: \
        'new feature', 'breaking change', 'bug fix', 'minor update'}",
    "modification_title": "{A short title of the change. Locale: %s }"
}
```

### Explanation
{explanation}
</format>
"""
OLD_REPORT_SYSTEM = """\
You are a technical writer.

## Styles
- Summary: give a short summary of the change.
- Overview: give an overview of the change.
- Detailed: give a detailed explanation of the change.

## Output Format
Write your explanation in the format below.
Leave out the `<format>` tags.

<format>
# Highlights
{Sum up the highlights of the diff.
  Focus on new features and breaking changes.}

## New features

## Breaking changes

## Other updates

# Insights
{Your insights from the diff.
  Do not only summarise the diff.
  Readers want to know what changed and why.
  Write it as a technical article.
}
</format>
"""
OLD_SUMMARY_SYSTEM = """\
You are a technical writer.
You speak many languages. Write your report in the language of the user's locale.

## Styles
- Summary: give a short summary of the change.
- Overview: give an overview of the change.
- Detailed: give a detailed explanation of the change.
"""


def tokens_of(messages: list[str]) -> int:
    """Input tokens of a call whose messages have these contents."""
    return sum(estimate_tokens(m) + PER_MESSAGE for m in messages)


# -- rebuilding change sets -------------------------------------------------------------------


def changeset_of(parsed: ParsedReport, limit: int | None = None) -> ChangeSet:
    """The report's files as a change set (status and counts from its summary table)."""
    rows = {r.anchor: r for r in parsed.table}
    files: list[FileChange] = []
    for fs in parsed.files[:limit]:
        row = rows.get(fs.anchor)
        status = (
            FileStatus(row.status)
            if row and row.status in FileStatus._value2member_map_
            else (FileStatus.MODIFIED)
        )
        binary = fs.patch is None and fs.path.lower().endswith(IMAGE_SUFFIXES)
        files.append(
            FileChange(
                path=fs.path,
                status=status,
                additions=row.additions if row else 0,
                deletions=row.deletions if row else 0,
                binary=binary,
                patch=fs.patch,
            )
        )
    return ChangeSet(repo=REPO, permalink=parsed.permalink, files=files)


def pairs(limit: int | None) -> list[tuple[Path, Path]]:
    """(en_US, zh_CN) anchor reports of the same range, in name order."""
    out = []
    for en in sorted((ANCHORS / "en_US").glob("*/*.md")):
        zh = ANCHORS / "zh_CN" / en.relative_to(ANCHORS / "en_US")
        if zh.is_file():
            out.append((en, zh))
    if limit and limit < len(out):
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    return out


def read(path: Path) -> ParsedReport:
    return parse_report(path.read_text(encoding="utf-8"), str(path))


# -- the existing design, replayed --------------------------------------------------------------


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def github_file(change: FileChange, head: str) -> dict[str, Any]:
    """What the GitHub compare API returns for one file (the existing tool's prompt payload)."""
    p = quote(change.path)
    d: dict[str, Any] = {
        "sha": _sha(change.path + head),
        "filename": change.path,
        "status": change.status.value,
        "additions": change.additions,
        "deletions": change.deletions,
        "changes": change.changes,
        "blob_url": f"https://github.com/{REPO}/blob/{head}/{p}",
        "raw_url": f"https://github.com/{REPO}/raw/{head}/{p}",
        "contents_url": f"https://api.github.com/repos/{REPO}/contents/{p}?ref={head}",
    }
    if change.patch is not None:
        d["patch"] = change.patch
    return d


def old_file_output(parsed: ParsedReport, path: str) -> str:
    """The existing tool's real answer for one file, as it wrote it."""
    for fs in parsed.files:
        if fs.path == path:
            summary = fs.summary_raw or json.dumps(fs.summary, ensure_ascii=False, indent=4)
            return f"### Summary\n\n```json\n{summary}\n```\n\n### Explanation\n{fs.explanation}"
    return ""


def old_report_output(parsed: ParsedReport) -> str:
    h = parsed.highlights
    parts = ["# Highlights", h.text]
    for g in (h.new_features, h.breaking_changes, h.other_updates):
        parts += [f"## {g.heading}", g.text, *(f"- {i}" for i in g.items)]
    parts += ["# Insights", *parsed.insights]
    return "\n\n".join(p for p in parts if p)


@dataclass
class Calls:
    """Messages of each call of one run, and the answer each got."""

    calls: list[tuple[list[str], str]]

    @property
    def input(self) -> int:
        return sum(tokens_of(m) for m, _ in self.calls)

    @property
    def output(self) -> int:
        return sum(estimate_tokens(o) for _, o in self.calls)


def old_design(cs: ChangeSet, parsed: ParsedReport, lang: str) -> Calls:
    """Every call the existing design makes for one report in one language."""
    head = _sha(cs.permalink or "head")
    calls: list[tuple[list[str], str]] = []
    history: list[str] = []
    explanation = ""
    for change in cs.files:
        user = (
            f"Locale: {lang}\n Explain the following code diff in a overview manner:\n"
            f"{github_file(change, head)!r}"
        )
        answer = old_file_output(parsed, change.path)
        calls.append(([OLD_FILE_SYSTEM % lang, *history, user], answer))
        history = [*history, user, answer][-4:]
        explanation += f"### {change.path}\n\n{answer}\n\n"
    report_user = (
        f"Locale: ${lang}\nWrite a report to explain the following code diff in a detailed"
        " manner:\nYou are multilingual. Your report must be written the language according"
        f" to user's locale.\n<diff>\n{explanation}\n</diff>\n"
    )
    report = old_report_output(parsed)
    calls.append(([OLD_REPORT_SYSTEM, report_user], report))
    summary_user = (
        f"Locale: {lang}\nExplain the following report in a summary manner:\n"
        f"<document>\n{report}\n</document>\n"
    )
    calls.append(([OLD_SUMMARY_SYSTEM, summary_user], parsed.summary))
    return Calls(calls)


# -- our design ---------------------------------------------------------------------------------


class Answers:
    """The local server's model: grounded answers for whatever report is being written."""

    def __init__(self) -> None:
        self.files: dict[str, AnalyzedFile] = {}
        self.request: ReportRequest | None = None
        self._sections: dict[str, Report] = {}
        self.lock = threading.Lock()
        #: Probability of each injected fault (fault run only).
        self.faults: dict[str, float] = {}
        self.rng = random.Random(7)

    def use(self, request: ReportRequest) -> None:
        self.files = {af.change.path: af for af in request.files}
        self.request = request
        self._sections = {}

    def _report(self, lang: str) -> Report:
        with self.lock:
            if lang not in self._sections:
                assert self.request is not None
                self._sections[lang] = OfflineWriter().write_one(self.request, lang)
            return self._sections[lang]

    def sections(self, langs: list[str]) -> dict[str, Any]:
        texts = {}
        for lang in langs:
            r = self._report(lang)
            texts[lang] = {
                "summary": r.summary,
                "highlights": r.highlights.text,
                "new_features": r.highlights.new_features,
                "breaking_changes": r.highlights.breaking_changes,
                "other_updates": r.highlights.other_updates,
                "insights": r.insights,
            }
        return texts

    def content(self, seen: Seen) -> dict[str, Any]:
        langs = languages(seen)
        if seen.is_report:
            return {"texts": self.sections(langs)}
        out = []
        for fid, path in files_in(seen):
            entries = {}
            for lang in langs:
                fr = describe(self.files[path], lang)
                entries[lang] = {"title": fr.modification_title, "explanation": fr.explanation}
            out.append({"id": fid, "texts": entries})
        if seen.is_combined:
            return {"files": out, "report": self.sections(langs)}
        return {"files": out}

    def __call__(self, seen: Seen) -> Reply:
        fault = self._fault()
        if fault == "http500":
            return Reply(500, {"error": {"message": "injected"}})
        if fault == "http429":
            return Reply(429, {"error": {"message": "injected"}}, headers={"retry-after": "0"})
        body = self.content(seen)
        if fault == "wrong_language" and not seen.is_report:
            for f in body["files"]:
                for lang in f["texts"]:
                    f["texts"][lang] = {
                        "title": "Page update",
                        "explanation": "The page was revised in several places by the writers.",
                    }
        if fault == "leak" and not seen.is_report:
            for f in body["files"]:
                for t in f["texts"].values():
                    t["title"] = "<format>Locale: en_US " + t["title"]
        text = json.dumps(body, ensure_ascii=False)
        finish = "stop"
        if fault == "malformed":
            text = text[: len(text) // 2]
        elif fault == "length":
            text, finish = text[: len(text) // 3], "length"
        prompt = prompt_tokens(seen.body)
        return Reply(
            body=completion(
                text,
                finish_reason=finish,
                model=seen.body["model"],
                prompt_tokens=prompt,
                completion_tokens=estimate_tokens(text),
            )
        )

    def _fault(self) -> str | None:
        if not self.faults:
            return None
        with self.lock:
            x = self.rng.random()
        for name, p in self.faults.items():
            if x < p:
                return name
            x -= p
        return None


def our_writer(srv: ChatServer, concurrency: int = 8, fast_retries: bool = False) -> LLMWriter:
    settings = LLMSettings(
        provider="openai", base_url=srv.url + "/v1", concurrency=concurrency, cache="off"
    )
    resolved = resolve(
        settings,
        {
            "OPENAI_API_KEY": "bench",
            "DIFFINSIGHT_MODEL": REPORT_MODEL,
            "DIFFINSIGHT_FILE_MODEL": FILE_MODEL,
        },
    )
    assert resolved is not None
    return LLMWriter(
        create(resolved, settings),
        settings,
        model=resolved.model,
        file_model=resolved.file_model,
        sleep=(lambda s: None) if fast_retries else time.sleep,
    )


def request_of(cs: ChangeSet, parsed: ParsedReport, langs: list[str]) -> ReportRequest:
    from datetime import date

    return ReportRequest(
        changeset=cs,
        category=parsed.category or "misc",
        date=parsed.date or date(2025, 1, 1),
        languages=langs,
        files=[analyze(f) for f in cs.files],
    )


def ours(srv: ChatServer, answers: Answers, request: ReportRequest, **kw: Any) -> list[Report]:
    answers.use(request)
    return our_writer(srv, **kw).write(request)


# -- the run ----------------------------------------------------------------------------------


def pct(a: float, b: float) -> str:
    return f"{100 * a / b:.1f}%" if b else "n/a"


def token_figures(limit: int | None) -> tuple[list[str], dict[str, Any]]:
    answers = Answers()
    rows: list[dict[str, Any]] = []
    repair_log: list[bool] = []
    with ChatServer(answers) as srv:
        for en_path, zh_path in pairs(limit):
            en, zh = read(en_path), read(zh_path)
            cs = changeset_of(en)
            if not cs.files:
                continue
            t0 = time.perf_counter()
            one = ours(srv, answers, request_of(cs, en, ["en_US"]))[0].usage
            two = ours(srv, answers, request_of(cs, en, ["en_US", "zh_CN"]))[0].usage
            assert one is not None and two is not None
            old_en, old_zh = old_design(cs, en, "en_US"), old_design(cs, zh, "zh_CN")
            repair_log += [s.is_repair for s in srv.requests]
            print(f"tokens: {en_path.name} {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            srv.requests.clear()
            rows.append(
                {
                    "files": len(cs.files),
                    "one": one,
                    "two": two,
                    "old_en": old_en,
                    "old_zh": old_zh,
                }
            )
    n = len(rows)
    o1_in = sum(r["one"].input_tokens for r in rows)
    o1_out = sum(r["one"].output_tokens for r in rows)
    o2_in = sum(r["two"].input_tokens for r in rows)
    o2_out = sum(r["two"].output_tokens for r in rows)
    x1_in = sum(r["old_en"].input for r in rows)
    x1_out = sum(r["old_en"].output for r in rows)
    x2_in = x1_in + sum(r["old_zh"].input for r in rows)
    x2_out = x1_out + sum(r["old_zh"].output for r in rows)
    ratios = [r["one"].input_tokens / r["old_en"].input for r in rows if r["old_en"].input]
    over = [
        r for r in rows if r["old_en"].input and r["one"].input_tokens > 0.25 * r["old_en"].input
    ]
    small = sum(1 for r in over if r["files"] <= 2)
    extra = [
        (
            r["two"].input_tokens
            + r["two"].output_tokens
            - r["one"].input_tokens
            - r["one"].output_tokens
        )
        / (r["one"].input_tokens + r["one"].output_tokens)
        for r in rows
        if r["one"].input_tokens
    ]
    repairs = sum(1 for s in repair_log if s)
    calls1 = sum(r["one"].calls for r in rows)
    calls2 = sum(r["two"].calls for r in rows)
    old_calls1 = sum(len(r["old_en"].calls) for r in rows)
    files = sum(r["files"] for r in rows)
    llm_files = sum(r["one"].files_llm for r in rows)
    lines = [
        f"Reports: {n} anchor ranges that exist in en_US and zh_CN ({files} files; "
        f"{llm_files} sent to the model, the rest trivial or binary and written offline).",
        "",
        "| per report, summed over all reports | ours | existing design | ours / existing |",
        "|---|---:|---:|---:|",
        f"| input tokens, 1 language (en_US) | {o1_in:,} | {x1_in:,} | {pct(o1_in, x1_in)} |",
        f"| output tokens, 1 language | {o1_out:,} | {x1_out:,} | {pct(o1_out, x1_out)} |",
        f"| input tokens, 2 languages (+zh_CN) | {o2_in:,} | {x2_in:,} | {pct(o2_in, x2_in)} |",
        f"| output tokens, 2 languages | {o2_out:,} | {x2_out:,} | {pct(o2_out, x2_out)} |",
        f"| calls, 1 language | {calls1:,} | {old_calls1:,} | {pct(calls1, old_calls1)} |",
        f"| calls, 2 languages | {calls2:,} | {2 * old_calls1:,} | {pct(calls2, 2 * old_calls1)} |",
        "",
        f"Of our {calls1 + calls2:,} calls, {repairs} were repair rounds (answers the checks"
        " rejected: a language or a value they could not confirm).",
        "",
        f"- Input tokens per report, ours / existing, 1 language: median {pct(statistics.median(ratios), 1)},"
        f" worst {pct(max(ratios), 1)} (target: at most 25%). Above 25%: {len(over)} of {n}"
        f" reports, {small} of them with 1 or 2 files, where the fixed instructions and answer"
        " schema (about 700 tokens) outweigh the existing design's three short calls.",
        f"- Second language adds (input + output tokens, ours): {pct(o2_in + o2_out - o1_in - o1_out, o1_in + o1_out)}"
        f" of the first language's in total; per report median {pct(statistics.median(extra), 1)},"
        f" worst {pct(max(extra), 1)} (target: at most 60%; the existing design: 100%).",
    ]
    return lines, {"rows": n}


def wall_figures() -> list[str]:
    """One 100-file report against a server that answers after 1 s."""
    biggest = max(
        (read(p) for p in sorted((ANCHORS / "en_US").glob("*/*.md"))), key=lambda r: len(r.files)
    )
    cs = changeset_of(biggest, limit=100)
    answers = Answers()
    out: list[str] = []
    with ChatServer(answers, latency=1.0) as srv:
        timings = {}
        for label, conc in (("ours, 8 concurrent calls", 8), ("ours, sequential", 1)):
            t0 = time.perf_counter()
            (r,) = ours(srv, answers, request_of(cs, biggest, ["en_US"]), concurrency=conc)
            timings[label] = (time.perf_counter() - t0, r.usage.calls if r.usage else 0)
        # The existing design: one call per file, then the report and the summary, in sequence.
        old = old_design(cs, biggest, "en_US")
        client = openai.OpenAI(api_key="bench", base_url=srv.url + "/v1", max_retries=0)
        fixed = Reply(body=completion("x"))
        t0 = time.perf_counter()
        for messages, _ in old.calls:
            srv.script(fixed)
            client.chat.completions.create(
                model=FILE_MODEL,
                messages=[{"role": "user", "content": m} for m in messages],
                max_tokens=1000,
            )
        timings["existing design (sequential)"] = (time.perf_counter() - t0, len(old.calls))
    out.append(
        f"One report of {len(cs.files)} files (the first 100 of `{biggest.source and Path(biggest.source).name}`),"
        " server latency 1 s per call, en_US:"
    )
    out.append("")
    out.append("| writer | calls | wall time |")
    out.append("|---|---:|---:|")
    for label, (secs, calls) in timings.items():
        out.append(f"| {label} | {calls} | {secs:.1f} s |")
    out.append("")
    out.append("Target: under 15 s for ours.")
    return out


def fault_figures(limit: int | None) -> list[str]:
    """Reports written while the server injects faults: no file may be lost, no artefact kept."""
    answers = Answers()
    answers.faults = {
        "malformed": 0.08,
        "http500": 0.06,
        "http429": 0.06,
        "length": 0.04,
        "wrong_language": 0.04,
        "leak": 0.04,
    }
    files = lost = offline = leaks = 0
    with ChatServer(answers) as srv:
        for en_path, _ in pairs(limit):
            en = read(en_path)
            cs = changeset_of(en)
            if not cs.files:
                continue
            reports = ours(srv, answers, request_of(cs, en, ["en_US", "zh_CN"]), fast_retries=True)
            for r in reports:
                files += len(cs.files)
                lost += len({f.path for f in cs.files} - {f.path for f in r.files})
                offline += sum(
                    1
                    for f in r.files
                    if f.engine == "offline" and f.notes and f.notes[-1].startswith("llm-")
                )
                texts = [r.summary, r.highlights.text, *r.insights]
                texts += [t for f in r.files for t in (f.modification_title, f.explanation)]
                leaks += sum(1 for t in texts if checks.artefacts(t))
    total = sum(answers.faults.values())
    return [
        f"Same reports, en_US + zh_CN, with {100 * total:.0f}% of calls answered by an injected fault"
        " (malformed JSON 8%, HTTP 500 6%, 429 6%, `finish_reason: length` 4%, wrong language 4%,"
        " `<format>`/`Locale:` leak 4%; retries without waiting):",
        "",
        f"- files in the reports: {files:,}; files lost: {lost}; written offline after a fault: {offline};"
        f" texts with prompt-leak artefacts: {leaks}.",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="at most N report pairs")
    ap.add_argument("--skip-wall", action="store_true", help="skip the 1 s latency timing")
    ap.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    args = ap.parse_args()
    if not ANCHORS.is_dir():
        print(f"anchor reports not found at {ANCHORS} (../shared is absent); nothing to measure")
        return
    t0 = time.perf_counter()
    lines, _ = token_figures(args.limit)
    lines += ["", *fault_figures(args.limit)]
    if not args.skip_wall:
        lines += ["", *wall_figures()]
    cmd = (
        "python benchmarks/llm_tokens.py"
        + (f" --limit {args.limit}" if args.limit else "")
        + " --write"
    )
    head = [
        f"Command: `{cmd}` (2 cores, Python {platform.python_version()}, {platform.machine()};"
        f" took {time.perf_counter() - t0:.0f} s). Tokens are estimated with the same calibrated"
        " estimate for both designs (no tokenizer file is available offline). Our figures come from"
        " the writer's own `usage` accounting against a local Chat Completions server that answers"
        " with grounded texts; the existing design's are its prompt design replayed on the same"
        " files with its real answers from the anchor reports (see the script's docstring).",
        "",
    ]
    body = "\n".join(head + lines)
    print(body)
    if args.write:
        update_section("LLM writer", body)


if __name__ == "__main__":
    main()
