"""LLM writer fed a real model's words: the existing tool's GPT-4o texts, replayed by a local server.

An OpenAI-compatible server on 127.0.0.1 answers each file of a per-file request with the
existing tool's real title and explanation for that path, in each requested language, from the
anchor reports of the same range (en_US, zh_CN, ja_JP where they exist), and each report call
with that report's real summary, highlights and insights. Repairs are answered by a
``--stubborn`` model (it repeats its first answer) or a ``--compliant`` one (it deletes exactly
the values and artefacts the repair names, as a model that does what it is told would).

Over every anchor range that exists in en_US and zh_CN (196 ranges, category by category) it
reports: file entries kept from the model, texts holding a value the evidence lacks before and
after the sentence guard (after: must be 0), sentences removed, fallbacks to the offline text,
artefacts caught, prompt and answer tokens against the existing tool's design (costed as in
``benchmarks/llm_tokens.py``), calls, and calls made when the same run is repeated from the
cache (must be 0).

Usage: ``python benchmarks/llm_replay.py [--stubborn | --compliant] [--limit N] [--write]``
(both modes when neither is named).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from _benchdoc import update_section  # noqa: E402
from llm_tokens import (  # noqa: E402
    ANCHORS,
    FILE_MODEL,
    REPORT_MODEL,
    changeset_of,
    old_design,
    prompt_tokens,
    read,
    request_of,
)

from diffinsight.grounding import Evidence  # noqa: E402
from diffinsight.models import Report  # noqa: E402
from diffinsight.providers.registry import create, resolve  # noqa: E402
from diffinsight.render.reference.read import ParsedReport, parse_report  # noqa: E402
from diffinsight.writers.base import ReportRequest  # noqa: E402
from diffinsight.writers.llm import checks  # noqa: E402
from diffinsight.writers.llm.cache import CallCache  # noqa: E402
from diffinsight.writers.llm.compress import estimate_tokens  # noqa: E402
from diffinsight.writers.llm.settings import LLMSettings  # noqa: E402
from diffinsight.writers.llm.writer import LLMWriter  # noqa: E402
from llm_server import ChatServer, Reply, Seen, completion, files_in, languages  # noqa: E402

LANGS = ("en_US", "zh_CN", "ja_JP")
#: What a second language may cost at most, as a multiple of the first one's tokens.
SECOND_TARGET = 1.6
_PROBLEM = re.compile(r"^- (?:file id=\S+ \((?P<path>[^)]+)\)(?:, (?P<lang>\w+))?: )?(?P<what>.*)$")
_ARTEFACT = re.compile(r"</?[^>]+>|[(（\[]?\s*Locale\b.*|\[?[a-z]{2}[_-][A-Z]{2}\]?")


def ranges(limit: int | None) -> list[dict[str, Path]]:
    """Anchor reports of one range and category, by language: those with en_US and zh_CN."""
    by: dict[tuple[str, str], dict[str, Path]] = defaultdict(dict)
    for lang in LANGS:
        for path in sorted((ANCHORS / lang).glob("*/*.md")):
            head = path.read_text(encoding="utf-8")[:3000]
            m = re.search(r"^permalink:\s*['\"]?(\S+?)['\"]?$", head, re.MULTILINE)
            if m:
                by[(m.group(1), path.stem.rsplit("-", 1)[-1])][lang] = path
    out = [v for _, v in sorted(by.items()) if "en_US" in v and "zh_CN" in v]
    if limit and limit < len(out):
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    return out


def _sections(parsed: ParsedReport) -> dict[str, Any]:
    h = parsed.highlights.to_model()
    return {
        "summary": parsed.summary,
        "highlights": h.text,
        "new_features": h.new_features,
        "breaking_changes": h.breaking_changes,
        "other_updates": h.other_updates,
        "insights": parsed.insights,
    }


def _delete(text: str, values: list[str]) -> str:
    for v in sorted(values, key=len, reverse=True):
        text = re.sub(r"`?" + re.escape(v) + r"`?", "", text)
    return re.sub(r"[ \t]{2,}", " ", text)


class Replay:
    """The replaying model for one range at a time; records what it served last."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.lock = threading.Lock()
        self.files: dict[tuple[str, str], tuple[str, str]] = {}
        self.sections: dict[str, dict[str, Any]] = {}
        self.served_files: dict[tuple[str, str], tuple[str, str]] = {}
        self.served_sections: dict[str, dict[str, Any]] = {}

    def use(self, reports: dict[str, ParsedReport]) -> None:
        """Answer from these reports (one per language) from now on."""
        with self.lock:
            self.files = {
                (lang, fs.path): (fs.modification_title, fs.explanation)
                for lang, parsed in reports.items()
                for fs in parsed.files
            }
            self.sections = {lang: _sections(parsed) for lang, parsed in reports.items()}
            self.served_files, self.served_sections = {}, {}

    def _named(self, seen: Seen) -> dict[str, list[str]]:
        """Values and artefacts a repair request names, by path ("" for the report)."""
        named: dict[str, list[str]] = defaultdict(list)
        for line in seen.body["messages"][-1]["content"].splitlines():
            m = _PROBLEM.match(line)
            if not m:
                continue
            what = m.group("what").removeprefix("report: ")
            what = re.sub(r"^\w{2}_\w{2}: ", "", what)
            if "exact values: " in what:
                named[m.group("path") or ""] += what.split("exact values: ", 1)[1].split(", ")
            elif what.startswith("remove "):
                named[m.group("path") or ""] += what[len("remove ") :].split(", ")
        return named

    def content(self, seen: Seen) -> dict[str, Any]:
        langs = languages(seen)
        compliant = seen.is_repair and self.mode == "compliant"
        named = self._named(seen) if compliant else {}
        with self.lock:
            if seen.is_report or seen.is_combined:
                texts = {}
                for lang in langs:
                    t = dict(self.sections[lang])
                    if compliant:
                        t = {
                            k: _delete(v, named[""])
                            if isinstance(v, str)
                            else [_delete(i, named[""]) for i in v]
                            for k, v in self.served_sections.get(lang, t).items()
                        }
                    self.served_sections[lang] = t
                    texts[lang] = t
                if seen.is_report:
                    return {"texts": texts}
            out = []
            for fid, path in files_in(seen):
                entries = {}
                for lang in langs:
                    title, expl = self.files[(lang, path)]
                    if compliant:
                        title, expl = self.served_files.get((lang, path), (title, expl))
                        title, expl = _delete(title, named[path]), _delete(expl, named[path])
                    self.served_files[(lang, path)] = (title, expl)
                    entries[lang] = {"title": title, "explanation": expl}
                out.append({"id": fid, "texts": entries})
        if seen.is_combined:
            return {"files": out, "report": texts}
        return {"files": out}

    def __call__(self, seen: Seen) -> Reply:
        text = json.dumps(self.content(seen), ensure_ascii=False)
        prompt = prompt_tokens(seen.body)
        return Reply(
            body=completion(
                text,
                model=seen.body["model"],
                prompt_tokens=prompt,
                completion_tokens=estimate_tokens(text),
            )
        )


def writer_for(srv: ChatServer, cache: CallCache | None = None) -> LLMWriter:
    settings = LLMSettings(provider="openai", base_url=srv.url + "/v1", cache="off")
    env = {"OPENAI_API_KEY": "bench", "DIFFINSIGHT_MODEL": REPORT_MODEL}
    resolved = resolve(settings, {**env, "DIFFINSIGHT_FILE_MODEL": FILE_MODEL})
    assert resolved is not None
    return LLMWriter(
        create(resolved, settings),
        settings,
        model=resolved.model,
        file_model=resolved.file_model,
        cache=cache,
    )


@dataclass
class Tally:
    """Figures of one mode, summed over the ranges."""

    ranges: int = 0
    entries: int = 0
    sent: int = 0
    kept: int = 0
    guard_fallbacks: int = 0
    other_fallbacks: int = 0
    texts: int = 0
    bad_before: int = 0
    bad_after: int = 0
    offline_flagged: int = 0
    sentences_removed: int = 0
    artefacts: int = 0
    section_fallbacks: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    tokens: Counter[str] = field(default_factory=Counter)
    rerun_calls: int = 0
    second_ratios: list[float] = field(default_factory=list)
    #: Files of each range, beside its ratio in ``second_ratios``.
    second_files: list[int] = field(default_factory=list)
    #: The range a second language cost most on: (ratio, report, files, en_US tokens, added).
    worst: tuple[float, str, int, int, int] = (0.0, "", 0, 0, 0)
    largest: tuple[int, float] = (0, 0.0)


def _section_texts(t: dict[str, Any]) -> list[str]:
    return [
        t["summary"],
        t["highlights"],
        *t["new_features"],
        *t["breaking_changes"],
        *t["other_updates"],
        *t["insights"],
    ]


def _report_texts(r: Report) -> list[str]:
    h = r.highlights
    texts = [r.summary, h.text, *h.new_features, *h.breaking_changes, *h.other_updates]
    return [t for t in texts + r.insights if t]


def _bad(text: str, evidence: Evidence) -> bool:
    return bool(checks.unsupported(text, evidence))


def measure(
    tally: Tally, replay: Replay, srv: ChatServer, request: ReportRequest, rerun: bool
) -> list[Report]:
    """Write ``request`` and add its figures to ``tally`` (and repeat it from a cache)."""
    cache = CallCache(":memory:") if rerun else None
    w = writer_for(srv, cache)
    srv.requests.clear()
    reports = w.write(request)
    for s in srv.requests:
        tally.calls["repair" if s.is_repair else "first"] += 1
    prep = w.prepare(request)
    ev_of = {u.af.change.path: u.evidence for u in prep.units}
    if rerun:
        assert cache is not None
        again = writer_for(srv, cache).write(request)
        assert again[0].usage is not None
        tally.rerun_calls += again[0].usage.calls
    for r in reports:
        lang = r.language
        for f in r.files:
            tally.entries += 1
            ev = ev_of.get(f.path)
            if ev is None:
                continue
            tally.sent += 1
            served = replay.served_files.get((lang, f.path))
            if served is not None:
                tally.texts += 2
                tally.bad_before += sum(_bad(t, ev) for t in served)
            if f.engine == "llm":
                tally.kept += 1
                tally.bad_after += _bad(f.modification_title, ev) + _bad(f.explanation, ev)
            else:
                tally.offline_flagged += _bad(f.modification_title, ev) + _bad(f.explanation, ev)
                if any(n.startswith("llm-guard") for n in f.notes):
                    tally.guard_fallbacks += 1
                else:
                    tally.other_fallbacks += 1
            for item in f.removed_claims:
                tally.artefacts += bool(_ARTEFACT.fullmatch(item))
                tally.sentences_removed += not _ARTEFACT.fullmatch(item)
        served_sections = replay.served_sections.get(lang)
        if served_sections is not None:
            texts = [t for t in _section_texts(served_sections) if t]
            tally.texts += len(texts)
            tally.bad_before += sum(_bad(t, prep.evidence) for t in texts)
        guarded = any(n.startswith("llm-guard") for n in r.notes)
        tally.section_fallbacks += guarded
        if served_sections is not None:
            tally.bad_after += sum(_bad(t, prep.evidence) for t in _report_texts(r))
        for item in r.removed_claims:
            tally.artefacts += bool(_ARTEFACT.fullmatch(item))
            tally.sentences_removed += not _ARTEFACT.fullmatch(item)
    return reports


def run(mode: str, limit: int | None) -> Tally:
    tally = Tally()
    replay = Replay(mode)
    with ChatServer(replay) as srv:
        for group in ranges(limit):
            parsed = {lang: read(p) for lang, p in group.items()}
            # The model's words as it wrote them, prompt-leak artefacts included: the guard
            # must meet them (the reader strips them when importing reports).
            raw = {
                lang: parse_report(p.read_text(encoding="utf-8"), str(p), keep_leaks=True)
                for lang, p in group.items()
            }
            en = parsed["en_US"]
            # Files every language's report explains (reports cut off mid-way lack some).
            paths = set.intersection(*({fs.path for fs in p.files} for p in parsed.values()))
            cs = changeset_of(en)
            cs.files = [f for f in cs.files if f.path in paths]
            if not cs.files:
                continue
            replay.use(raw)
            t0 = time.perf_counter()
            one = measure(Tally(), replay, srv, request_of(cs, en, ["en_US"]), False)[0].usage
            two = measure(Tally(), replay, srv, request_of(cs, en, ["en_US", "zh_CN"]), False)
            all_langs = [lang for lang in LANGS if lang in parsed]
            measure(tally, replay, srv, request_of(cs, en, all_langs), True)
            assert one is not None and two[0].usage is not None
            old = old_design(cs, en, "en_US")
            tally.ranges += 1
            tally.tokens["ours_in"] += one.input_tokens
            tally.tokens["ours_out"] += one.output_tokens
            tally.tokens["old_in"] += old.input
            tally.tokens["old_out"] += old.output
            tally.tokens["two_total"] += two[0].usage.input_tokens + two[0].usage.output_tokens
            tally.tokens["ours_calls"] += one.calls
            tally.tokens["old_calls"] += len(old.calls)
            if one.input_tokens and len(cs.files) > tally.largest[0]:
                tally.largest = (len(cs.files), one.input_tokens / old.input)
            total_one = one.input_tokens + one.output_tokens
            if total_one:
                total_two = two[0].usage.input_tokens + two[0].usage.output_tokens
                ratio = total_two / total_one
                tally.second_ratios.append(ratio)
                tally.second_files.append(len(cs.files))
                if ratio > tally.worst[0]:
                    name = group["en_US"].name
                    tally.worst = (ratio, name, len(cs.files), total_one, total_two - total_one)
            print(
                f"{mode}: {group['en_US'].name} {len(cs.files)} files"
                f" {time.perf_counter() - t0:.1f}s",
                file=sys.stderr,
            )
    return tally


def pct(a: float, b: float) -> str:
    return f"{100 * a / b:.1f}%" if b else "n/a"


def lines_for(mode: str, t: Tally) -> list[str]:
    tk = t.tokens
    one_total = tk["ours_in"] + tk["ours_out"]
    ratios = sorted(t.second_ratios)
    median = ratios[len(ratios) // 2] if ratios else 0.0
    over = [n for r, n in zip(t.second_ratios, t.second_files, strict=True) if r > SECOND_TARGET]
    return [
        f"**{mode}** model ({t.ranges} ranges; every language each range has: en_US + zh_CN,"
        " and ja_JP where it exists):",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| file entries (files x languages) | {t.entries:,} |",
        f"| entries sent to the model | {t.sent:,} |",
        f"| entries kept from the model | {t.kept:,} ({pct(t.kept, t.sent)}) |",
        f"| entries written offline by the guard (too little left) | {t.guard_fallbacks:,} |",
        f"| entries written offline for other reasons (invalid answer) | {t.other_fallbacks:,} |",
        f"| report sections left to the offline engine by the guard | {t.section_fallbacks:,} |",
        f"| model texts checked (titles, explanations, sections) | {t.texts:,} |",
        f"| texts with an unsupported value, before the guard | {t.bad_before:,} |",
        f"| texts with an unsupported value, published | **{t.bad_after}** |",
        f"| sentences removed | {t.sentences_removed:,} |",
        f"| artefacts cut (tags, `Locale:`, locale codes) | {t.artefacts:,} |",
        f"| calls (all languages): first / repair | {t.calls['first']:,} / {t.calls['repair']:,} |",
        f"| calls when re-run from the cache | **{t.rerun_calls}** |",
        f"| input tokens, en_US, ours / existing design | {tk['ours_in']:,} / {tk['old_in']:,}"
        f" = **{pct(tk['ours_in'], tk['old_in'])}** |",
        f"| output tokens, en_US, ours / existing design | {tk['ours_out']:,} / {tk['old_out']:,}"
        f" = {pct(tk['ours_out'], tk['old_out'])} |",
        f"| calls, en_US, ours / existing design | {tk['ours_calls']:,} / {tk['old_calls']:,} |",
        f"| input tokens of the largest range ({t.largest[0]} files) / existing design"
        f" | {100 * t.largest[1]:.1f}% |",
        f"| tokens (in + out) with a second language (zh_CN), x of en_US alone | "
        f"**x{tk['two_total'] / one_total:.2f}** in all, median x{median:.2f},"
        f" worst x{ratios[-1] if ratios else 0:.2f} |",
        f"| the worst range: report, files, en_US tokens (in + out), added by zh_CN | "
        f"{t.worst[1]}, {t.worst[2]}, {t.worst[3]:,}, +{t.worst[4]:,} |",
        f"| ranges a second language costs more than x{SECOND_TARGET} on, and their files | "
        f"{len(over)} of {len(ratios)}, {min(over, default=0)} to {max(over, default=0)} files |",
        "",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--stubborn", action="store_true", help="repairs repeat the first answer")
    group.add_argument("--compliant", action="store_true", help="repairs delete what is named")
    ap.add_argument("--limit", type=int, default=None, help="at most N ranges")
    ap.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    args = ap.parse_args()
    if not ANCHORS.is_dir():
        print(f"anchor reports not found at {ANCHORS} (../shared is absent); nothing to measure")
        return
    modes = ["stubborn"] if args.stubborn else ["compliant"] if args.compliant else []
    modes = modes or ["stubborn", "compliant"]
    t0 = time.perf_counter()
    body: list[str] = []
    for mode in modes:
        body += lines_for(mode, run(mode, args.limit))
    flags = "".join(f" --{m}" for m in modes if len(modes) == 1)
    cmd = f"python benchmarks/llm_replay.py{flags}" + (
        f" --limit {args.limit}" if args.limit else ""
    )
    head = [
        f"Command: `{cmd} --write` (2 cores, 24 GiB, Python {platform.python_version()};"
        f" took {time.perf_counter() - t0:.0f} s). A local Chat Completions server replays the"
        " existing tool's real GPT-4o/GPT-4o-mini texts from the anchor reports: per file its"
        " title and explanation in each language, per report its summary, highlights and"
        " insights; a stubborn model repeats itself in repairs, a compliant one deletes exactly"
        " what the repair names. Tokens are counted with the writer's estimate for both designs"
        " (see the LLM writer section).",
        "",
    ]
    text = "\n".join(head + body).rstrip() + "\n"
    print(text)
    if args.write:
        which = f", {modes[0]} model" if len(modes) == 1 else ""
        update_section(f"LLM writer on a real model's words (replay{which})", text)


if __name__ == "__main__":
    main()
