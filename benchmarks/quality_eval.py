"""How offline reports read, measured on real patches, per language.

Reads the anchor reports (``<repo>/../shared/anchor-reports``: real GitHub patches of a
documentation repository, labelled and explained by an existing LLM-based tool). Every compare
range is analysed once (a range published in several languages is one set of patches) and
written by the offline engine in every catalogued language. Measures, per language:

*counts only*
    Share of file sections whose explanation names no concrete content: after the file's own
    names (path, base name, old path) and the section names it is located in (every fact's
    ``where``) are removed, the explanation holds no code span, no quotation (the language's
    quote marks, as its catalogue's ``quote`` message writes them) and no changed value a fact
    carries (old/new values, link texts, keys, rows, cells). "6 lines added", "A code example
    was edited in “Getting started” (+4/−4 lines)" and "Wording updated." all count. Denominator:
    text files with a patch, not removed, whose facts are not all formatting (a whitespace-only
    or end-of-file change is told completely without a value).
*generic title*
    Share of titles that name nothing beyond the file: the title is one of the catalogue's
    ``title.*`` messages whose fields are only ``{name}`` (any code span) and ``{count}`` (a
    number), or that has no fields ("Update `x.md`", "File updated", 「新增文件」,
    "6 lines added"). Denominator: non-binary files with a patch (a file whose diff shows no
    line, such as a mode change or an empty new file, has nothing a title could name) whose
    facts are not all formatting.
    *location only* titles (fields only ``{section}``: "Additions in “Prerequisites”") are
    shown separately and are not counted as generic. *generic where English is specific*: the
    same file's title is specific in en_US and generic in the language.
*quotes over 80 characters*
    Code spans and quotations (per-file and report-level text) whose content is longer than 80
    characters; shown as sections (or reports) with at least one.
*repeated list items*
    Lists (code spans or quotations joined only by the language's list separators, from CLDR)
    that hold the same item twice, in per-file and report-level text.
*wording noise*
    Doubled conjunctions ("X, Y, and Z and others"), など twice in one sentence or 「などなど」,
    「等等」, doubled Japanese/Chinese particles (のの, にに, をを, はは, がが, 的的), a Chinese count
    word left dangling before a conjunction (「新增1个和修改2个」), the same quotation three times
    in one explanation, and a highlight bullet that repeats the file name its title already
    holds ("Renamed to `x.md` (`x.md`)").
*unsupported tokens*
    ``grounding.unsupported_tokens`` of per-file text against the file's evidence and of
    report-level text against ``report_evidence`` (must be 0).
*type agreement*
    Our type against the existing tool's label, per anchor language (its labels are another
    model's judgement, not truth).
*report level*
    Summaries naming no change by content (no code span, quotation or fact value: statistics
    only); reports with more than 7 highlight bullets in all; reports where a new build or
    plumbing file (``.gitignore``, ``SECURITY.md``, ``TOC.yml``, ``docfx.json``, other YAML/JSON
    or dot files) heads the new-features bullets while a new content page is also among them;
    reports with no insight.

Then prints 20 file sections drawn at random (seeded) beside the existing tool's text for a
person to read.

    PYTHONPATH=src python benchmarks/quality_eval.py [--limit N] [--langs en_US,ja_JP]
        [--seed 9] [--write LABEL]

``--write LABEL`` stores the table as the section "Offline report quality: LABEL" of
``docs/BENCHMARKS.md``.
"""

from __future__ import annotations

import argparse
import platform
import posixpath
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from _benchdoc import update_section
from babel.lists import format_list
from facts_eval import ANCHORS, ROOT, fact_values, to_changes

from diffinsight.analysis import AnalyzedFile, analyze
from diffinsight.grounding import Evidence, evidence_for, report_evidence, unsupported_tokens
from diffinsight.i18n import available_languages, catalog
from diffinsight.models import ChangeSet, Fact, FileChange, FileReport, FileStatus, Report
from diffinsight.render.reference.read import ParsedReport, parse_report_file
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.offline import OfflineWriter

FORMATTING_KINDS = {"whitespace.changed", "newline.eof", "text.punctuation", "table.reformatted"}
PLUMBING_NAMES = {
    ".gitignore",
    ".gitattributes",
    "security.md",
    "license",
    "license.md",
    "license-code",
    "code_of_conduct.md",
    "contributing.md",
    "codeowners",
    "toc.yml",
    "docfx.json",
    "zone-pivot-groups.yml",
    "breadcrumb.yml",
    "index.yml",
}
CODE_SPAN_RE = re.compile(r"(`+)\s?(.+?)\s?\1(?!`)", re.DOTALL)
NUMBER = r"[0-9][0-9.,\u00a0\u202f ]*"
MAX_QUOTE = 80
MAX_BULLETS = 7
SAMPLES = 20


def is_formatting(facts: list[Fact]) -> bool:
    """Whether every fact is a formatting-only kind (nothing to name beyond "formatting")."""
    return bool(facts) and all(
        f.kind in FORMATTING_KINDS or "formatting" in f.kind or "whitespace" in f.kind
        for f in facts
    )


def is_target(value: str) -> bool:
    """A URL or path quoted as a link target (verbatim by rule, measured apart from quotes)."""
    return not re.search(r"\s", value) and ("/" in value or "://" in value)


def is_plumbing(path: str) -> bool:
    """Build, policy and TOC files: least important on any day."""
    base = posixpath.basename(path).lower()
    return (
        base in PLUMBING_NAMES or base.startswith(".") or base.endswith((".json", ".yml", ".yaml"))
    )


class Lang:
    """What the measures need to know about one language's text."""

    def __init__(self, lang: str) -> None:
        cat = catalog(lang)
        self.lang = lang
        opening, closing = cat.t("quote", text="\x00").split("\x00")
        self.quote_re = re.compile(re.escape(opening) + r"(.+?)" + re.escape(closing))
        self.quote = lambda s: cat.t("quote", text=s)
        three = format_list(["\x01", "\x02", "\x03"], locale=lang)
        two = format_list(["\x01", "\x02"], locale=lang)
        seps = set(re.findall(r"\x01(.*?)\x02", three)) | set(re.findall(r"\x02(.*?)\x03", three))
        seps |= set(re.findall(r"\x01(.*?)\x02", two))
        self.seps = {s.strip() for s in seps}
        final = re.findall(r"\x01(.*?)\x02", two)[0].strip()
        more_tail = cat.t("and_more", items="\x00").split("\x00")[1].strip()
        # "X, Y, and Z and others": the list's own conjunction, then the "and others" one.
        self.doubled_conj = (
            re.compile(
                rf"\b{re.escape(final)}\s+\S+\s+{re.escape(more_tail)}"
                if final.isalpha() and more_tail.split()[0] == final
                else r"(?!x)x"
            )
            if more_tail
            else re.compile(r"(?!x)x")
        )
        forms = []
        for key in ("report.more", "report.more_all"):
            more = cat.templates(key).get(key)
            forms += list(more.values()) if isinstance(more, dict) else ([more] if more else [])
        #: The "…and more" line closing a highlights group is no bullet of its own.
        self.more_line = [self._pattern(str(f).replace("{count}", "{count}")) for f in forms]
        self.generic: list[re.Pattern[str]] = []
        self.location: list[re.Pattern[str]] = []
        for key, msg in {**cat.templates("title."), **cat.templates("titles.")}.items():
            for form in msg.values() if isinstance(msg, dict) else [msg]:
                fields = set(re.findall(r"\{(\w+)\}", form))
                if fields <= {"name", "count"}:
                    self.generic.append(self._pattern(form))
                elif fields == {"section"}:
                    self.location.append(self._pattern(form))
            del key

    @staticmethod
    def _pattern(form: str) -> re.Pattern[str]:
        parts = re.split(r"(\{\w+\})", form.rstrip("。."))
        out = []
        for p in parts:
            if p == "{name}":
                out.append(r"`+[^`]+`+")
            elif p == "{count}":
                out.append(NUMBER)
            elif p == "{section}":
                out.append(r".+")
            else:
                out.append(re.escape(p))
        return re.compile("".join(out))

    def is_generic(self, title: str) -> bool:
        t = title.strip().rstrip("。.")
        return any(p.fullmatch(t) for p in self.generic)

    def is_location_only(self, title: str) -> bool:
        t = title.strip().rstrip("。.")
        return any(p.fullmatch(t) for p in self.location)

    def items(self, text: str) -> list[tuple[int, int, str]]:
        """Code spans and quotations: (start, end, content)."""
        found = [(m.start(), m.end(), m.group(2)) for m in CODE_SPAN_RE.finditer(text)]
        rest = CODE_SPAN_RE.sub(lambda m: " " * len(m.group(0)), text)
        found += [(m.start(), m.end(), m.group(1)) for m in self.quote_re.finditer(rest)]
        return sorted(found)

    def lists(self, text: str) -> list[list[str]]:
        """Runs of two or more items joined only by list separators."""
        runs: list[list[str]] = []
        run: list[str] = []
        last_end = -1
        for start, end, content in self.items(text):
            if run and text[last_end:start].strip() in self.seps:
                run.append(content)
            else:
                if len(run) > 1:
                    runs.append(run)
                run = [content]
            last_end = end
        if len(run) > 1:
            runs.append(run)
        return runs

    def has_repeat(self, text: str) -> bool:
        return any(len({i.strip().casefold() for i in r}) < len(r) for r in self.lists(text))

    def long_quotes(self, text: str) -> list[str]:
        return [c for _, _, c in self.items(text) if len(c) > MAX_QUOTE and not is_target(c)]

    def noise(self, text: str) -> list[str]:
        """Which wording-noise patterns ``text`` shows."""
        found = []
        if self.doubled_conj.search(text):
            found.append("doubled conjunction")
        if "などなど" in text or any(s.count("など") > 1 for s in re.split(r"[。.]", text)):
            found.append("など twice")
        if "等等" in text:
            found.append("等等")
        if re.search(r"(の|に|を|は|が|的)\1", text) and self.lang[:2] in ("ja", "zh"):
            found.append("doubled particle")
        if self.lang.startswith("zh") and re.search(r"\d+个[和、，]", text):
            found.append("dangling count word")
        counts = Counter(c for _, _, c in self.items(text))
        if any(n >= 3 for n in counts.values()):
            found.append("same quotation 3 times")
        return found


def strip_locations(text: str, change: FileChange, facts: list[Fact], lang: Lang) -> str:
    """``text`` without the file's own names and the section names facts are located in."""
    names = {change.path, change.basename, change.old_path or ""}
    values = {v for f in facts for v in (f.old, f.new) if v}
    # A section a fact adds or renames is content, even where other facts are located in it.
    wheres = {f.where for f in facts if f.where and f.where not in values}
    for w in sorted(wheres, key=len, reverse=True):
        text = text.replace(lang.quote(w), " ").replace(w, " ")
    for n in sorted((n for n in names if n), key=len, reverse=True):
        text = re.sub(r"`+\s?" + re.escape(n) + r"\s?`+", " ", text)
    return text


def counts_only(text: str, change: FileChange, facts: list[Fact], lang: Lang) -> bool:
    """The explanation names no concrete content (see the module docstring)."""
    rest = strip_locations(text, change, facts, lang)
    if lang.items(rest):
        return False
    skip = {change.path, change.basename, change.old_path or ""}
    for v in fact_values(facts):
        v = v.strip()
        if len(v) >= 3 and v not in skip and not change.path.endswith(v) and v in rest:
            return False
    return True


@dataclass
class Range:
    """One compare range: the patches once, the existing tool's text per anchor language."""

    key: str
    report: ParsedReport
    files: list[tuple[FileChange, str, str]]
    theirs: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)


def load(limit: int | None) -> list[Range]:
    """Anchor reports grouped by compare range (permalink and category)."""
    ranges: dict[str, Range] = {}
    for p in sorted(ANCHORS.rglob("report-*.md"))[:limit]:
        rep = parse_report_file(p)
        lang = rep.language or "ja_JP"
        key = f"{rep.permalink}|{rep.category}"
        triples = to_changes(rep)
        rng = ranges.get(key)
        # The English report's patches stand for the range when there is one.
        if rng is None or (lang == "en_US" and "en_US" not in rng.theirs):
            old = rng.theirs if rng else {}
            rng = ranges[key] = Range(key, rep, triples, old)
        rng.theirs[lang] = {c.path: (t, x) for c, t, x in triples}
    return list(ranges.values())


def run(limit: int | None, langs: list[str], seed: int) -> dict[str, object]:
    ranges = load(limit)
    writer = OfflineWriter()
    L = {lang: Lang(lang) for lang in langs}
    s: dict[str, Counter[str]] = {lang: Counter() for lang in langs}
    agree: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, dict[str, list[str]]] = {lang: defaultdict(list) for lang in langs}
    pool: list[tuple[str, str, FileReport, str, str, FileChange]] = []
    t_facts = t_write = 0.0
    for rng in ranges:
        t0 = time.perf_counter()
        analysed: list[AnalyzedFile] = []
        for change, _, _ in rng.files:
            try:
                analysed.append(analyze(change))
            except Exception as exc:  # counted, never hidden
                print(f"CRASH {rng.key} {change.path}: {exc!r}", file=sys.stderr)
                for lang in langs:
                    s[lang]["crashed"] += 1
        t_facts += time.perf_counter() - t0
        request = ReportRequest(
            changeset=ChangeSet(
                repo="anchor", permalink=rng.report.permalink, files=[a.change for a in analysed]
            ),
            category=rng.report.category or "misc",
            date=rng.report.date or date(2025, 1, 1),
            languages=langs,
            files=analysed,
        )
        t0 = time.perf_counter()
        outs = {lang: writer.write_one(request, lang) for lang in langs}
        t_write += time.perf_counter() - t0
        rep_ev = Evidence(
            report_evidence(
                [(a.change, a.facts) for a in analysed],
                labels=[f.modification_type.value for f in outs[langs[0]].files],
                extra=[request.category],
            )
        )
        en_generic: list[bool] | None = None
        if "en_US" in outs:
            en_generic = [L["en_US"].is_generic(f.modification_title) for f in outs["en_US"].files]
        for anchor_lang, theirs in rng.theirs.items():
            for af, fr in zip(analysed, outs[langs[0]].files, strict=True):
                label = theirs.get(af.change.path, ("", ""))[0]
                if label:
                    agree[anchor_lang]["labelled"] += 1
                    agree[anchor_lang]["agree"] += label == fr.modification_type.value
        for lang in langs:
            measure_report(
                outs[lang], analysed, L[lang], s[lang], examples[lang], rep_ev, en_generic
            )
            for af, fr in zip(analysed, outs[lang].files, strict=True):
                their = rng.theirs.get(lang, {}).get(af.change.path)
                if their and their[1]:
                    pool.append((lang, rng.key, fr, their[0], their[1], af.change))
    rnd = random.Random(seed)
    sample = rnd.sample(pool, min(SAMPLES, len(pool)))
    return {
        "ranges": len(ranges),
        "reports": sum(len(r.theirs) for r in ranges),
        "stats": s,
        "agree": agree,
        "examples": examples,
        "sample": sample,
        "t_facts": t_facts,
        "t_write": t_write,
    }


def measure_report(
    out: Report,
    analysed: list[AnalyzedFile],
    lang: Lang,
    s: Counter[str],
    ex: dict[str, list[str]],
    rep_ev: Evidence,
    en_generic: list[bool] | None,
) -> None:
    """Add one report's figures to ``s`` (and a few examples of each defect to ``ex``)."""

    once: set[str] = set()

    def note(metric: str, text: str) -> None:
        # Report-level measures count reports, not pieces of text.
        if metric.endswith("_report"):
            if metric in once:
                return
            once.add(metric)
        s[metric] += 1
        if len(ex[metric]) < 3:
            ex[metric].append(text)

    s["reports"] += 1
    for i, (af, fr) in enumerate(zip(analysed, out.files, strict=True)):
        c = af.change
        s["files"] += 1
        text = f"{fr.modification_title}\n{fr.explanation}"
        fmt = is_formatting(af.facts)
        if not c.binary and not fmt and c.patch:
            s["title_den"] += 1
            if lang.is_generic(fr.modification_title):
                note("generic", f"{c.path}: {fr.modification_title}")
                if en_generic is not None and not en_generic[i]:
                    note("generic_en_specific", f"{c.path}: {fr.modification_title}")
            elif lang.is_location_only(fr.modification_title):
                note("location", f"{c.path}: {fr.modification_title}")
            if c.patch and c.status is not FileStatus.REMOVED:
                s["counts_den"] += 1
                if counts_only(fr.explanation, c, af.facts, lang):
                    note("counts_only", f"{c.path}: {fr.explanation}")
        if lang.long_quotes(text):
            note("long_quote", f"{c.path}: {lang.long_quotes(text)[0][:120]}")
        if any(len(x) > MAX_QUOTE and is_target(x) for _, _, x in lang.items(text)):
            s["long_target"] += 1
        if lang.has_repeat(fr.modification_title) or lang.has_repeat(fr.explanation):
            note("repeat", f"{c.path}: {text}")
        for n in lang.noise(fr.explanation) + lang.noise(fr.modification_title):
            note("noise", f"{n} — {c.path}: {text}")
        ev = Evidence(evidence_for(c, af.facts))
        bad = unsupported_tokens(text, ev)
        s["unsupported"] += len(bad)
        if bad:
            note("unsupported_files", f"{c.path}: {bad} in {text}")
    h = out.highlights
    bullets = [*h.new_features, *h.breaking_changes, *h.other_updates]
    rep_text = "\n".join([out.summary, h.text, *bullets, *out.insights])
    bad = unsupported_tokens(rep_text, rep_ev)
    s["unsupported"] += len(bad)
    if bad:
        note("unsupported_reports", f"{bad}")
    for piece in [out.summary, h.text, *bullets, *out.insights]:
        if lang.long_quotes(piece):
            note("long_quote_report", piece[:160])
        if lang.has_repeat(piece):
            note("repeat_report", piece)
        for n in lang.noise(piece):
            note("noise_report", f"{n} — {piece}")
    by_base = {fr.basename: fr for fr in out.files}
    for b in bullets:
        m = re.search(r"\(`([^`]+)`\)$|（`([^`]+)`）$", b.strip())
        if m:
            name = m.group(1) or m.group(2)
            head = b[: m.start()]
            if f"`{name}`" in head:
                note("noise_report", f"name echoed — {b}")
    summary_rest = out.summary
    values = [v for a in analysed for v in fact_values(a.facts) if len(v) >= 3]
    if not lang.items(summary_rest) and not any(v in summary_rest for v in values):
        note("summary_stats", out.summary)
    n_bullets = sum(
        1 for b in bullets if not any(p.fullmatch(b.strip().rstrip("。.")) for p in lang.more_line)
    )
    if n_bullets > MAX_BULLETS:
        note("over_7", f"{n_bullets} bullets")
    if not out.insights:
        s["no_insight"] += 1
    # The new-features group: a build file first while a real page is among them.
    firsts = []
    for b in h.new_features:
        m = re.search(r"`([^`]+)`\)?）?$", b.strip())
        fr = by_base.get(m.group(1)) if m else None
        firsts.append(fr)
    known = [f for f in firsts if f is not None]
    if known and any(f.path.endswith(".md") and not is_plumbing(f.path) for f in known):
        s["new_with_page"] += 1
        if is_plumbing(known[0].path):
            note("plumbing_first", f"{known[0].path} first: {h.new_features[:3]}")


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f}%" if b else "n/a"


ROWS = [
    ("file sections", "files", None),
    ("counts only (target < 3%)", "counts_only", "counts_den"),
    ("generic titles (target < 5%)", "generic", "title_den"),
    ("generic where en_US is specific (target 0)", "generic_en_specific", "title_den"),
    ("location-only titles", "location", "title_den"),
    ("sections with a quote over 80 characters (target 0)", "long_quote", "files"),
    ("sections quoting a link target over 80 characters", "long_target", "files"),
    ("sections with a repeated list item (target 0)", "repeat", "files"),
    ("sections with wording noise", "noise", "files"),
    ("unsupported tokens (must be 0)", "unsupported", None),
    ("reports", "reports", None),
    ("summaries with statistics only", "summary_stats", "reports"),
    ("reports with more than 7 highlight bullets", "over_7", "reports"),
    (
        "build file heads the new features while a new page is there",
        "plumbing_first",
        "new_with_page",
    ),
    ("reports without insights", "no_insight", "reports"),
    ("report-level text with a quote over 80 characters", "long_quote_report", "reports"),
    ("report-level text with a repeated list item", "repeat_report", "reports"),
    ("report-level wording noise", "noise_report", "reports"),
]


def render(res: dict[str, object], langs: list[str], command: str, label: str) -> str:
    s: dict[str, Counter[str]] = res["stats"]  # type: ignore[assignment]
    agree: dict[str, Counter[str]] = res["agree"]  # type: ignore[assignment]
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    lines = [
        f"Command: `{command}` (from the repository root; {date.today().isoformat()}, commit "
        f"`{head}`, Python {platform.python_version()}, 2 cores, 24 GiB, shared with other jobs).",
        "",
        f"Data: {res['reports']} anchor reports, {res['ranges']} distinct compare ranges (a range "
        "published in several languages is analysed once and written in every language below). "
        "Patch-only mode. Definitions of each measure: the docstring of "
        "`benchmarks/quality_eval.py`.",
        "",
        "| measure | " + " | ".join(langs) + " |",
        "|---|" + "---:|" * len(langs),
    ]
    for name, key, den in ROWS:
        cells = []
        for lang in langs:
            a = s[lang][key]
            cells.append(f"{a}" if den is None else f"{a}/{s[lang][den]} ({pct(a, s[lang][den])})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Type agreement with the existing tool's labels, by the language it wrote in: "
        + ", ".join(
            f"{lang} {c['agree']}/{c['labelled']} ({pct(c['agree'], c['labelled'])})"
            for lang, c in sorted(agree.items())
        )
        + ".",
        "",
        f"Time: facts {res['t_facts']:.1f} s, writing {len(langs)} languages "
        f"{res['t_write']:.1f} s.",
    ]
    del label
    return "\n".join(lines)


def show_examples(res: dict[str, object], langs: list[str]) -> None:
    ex: dict[str, dict[str, list[str]]] = res["examples"]  # type: ignore[assignment]
    for lang in langs:
        for metric, items in sorted(ex[lang].items()):
            for it in items:
                print(f"[{lang}] {metric}: {it[:300]}")


def show_sample(res: dict[str, object]) -> None:
    sample: list[tuple[str, str, FileReport, str, str, FileChange]] = res["sample"]  # type: ignore[assignment]
    for i, (lang, key, fr, their_type, their_text, change) in enumerate(sample, 1):
        changed = [
            ln
            for ln in (change.patch or "").splitlines()
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))
        ]
        print(
            f"\n=== {i}. [{lang}] {change.path} ({change.status.value}, "
            f"+{change.additions}/−{change.deletions}) — {key.split('|')[0]}"
        )
        for ln in changed[:8]:
            print("    " + ln[:160])
        if len(changed) > 8:
            print(f"    … {len(changed) - 8} more changed lines")
        print(f"  ours   [{fr.modification_type.value}] {fr.modification_title}")
        print(f"         {fr.explanation}")
        print(f"  theirs [{their_type}] {their_text[:600]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N anchor reports")
    ap.add_argument("--langs", default=",".join(available_languages()))
    ap.add_argument("--seed", type=int, default=9, help="seed of the sample of sections")
    ap.add_argument("--write", metavar="LABEL", help="store as docs/BENCHMARKS.md section")
    ap.add_argument("--examples", action="store_true", help="print examples of each defect")
    args = ap.parse_args()
    if not ANCHORS.is_dir():
        print(f"skipped: anchor reports not found at {ANCHORS} (../shared is absent)")
        return 0
    langs = [x for x in args.langs.split(",") if x]
    unknown = [x for x in langs if x not in available_languages()]
    if unknown:
        print(
            f"--langs: no catalogue for {', '.join(unknown)}; choose from "
            + ", ".join(available_languages()),
            file=sys.stderr,
        )
        return 2
    res = run(args.limit, langs, args.seed)
    command = "PYTHONPATH=src python benchmarks/quality_eval.py" + (
        f" --limit {args.limit}" if args.limit else ""
    )
    if args.write:
        command += f' --write "{args.write}"'
    text = render(res, langs, command, args.write or "")
    show_sample(res)
    if args.examples:
        show_examples(res, langs)
    print()
    print(text)
    if args.write:
        update_section(f"Offline report quality: {args.write}", text)
    s: dict[str, Counter[str]] = res["stats"]  # type: ignore[assignment]
    return 1 if any(s[lang]["unsupported"] or s[lang]["crashed"] for lang in langs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
