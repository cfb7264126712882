"""The planner: which files go to the model, how they are batched, and the requests that carry them.

Language-independent work (compression, evidence) is done once per report; every request names
all its languages, so an extra language costs only its output. Repair requests carry only the
files (or report sections) that failed, with their own input and answer.
"""

from __future__ import annotations

import json
import posixpath
from collections import Counter
from dataclasses import dataclass, field

from diffinsight.analysis import AnalyzedFile
from diffinsight.grounding import Evidence, evidence_for
from diffinsight.models import FileReport, FileStatus, Report
from diffinsight.providers.base import ChatRequest
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.llm import checks, prompts
from diffinsight.writers.llm.compress import compress, estimate_tokens, is_trivial
from diffinsight.writers.llm.settings import LLMSettings

MAX_BATCH_FILES = 8
#: Output tokens allowed per file and language (a title and up to four sentences, JSON-wrapped).
OUTPUT_PER_FILE_LANG = 300
OUTPUT_OVERHEAD = 200
#: Output tokens allowed for the report sections, per language.
REPORT_OUTPUT_PER_LANG = 700
MAX_FACT_LINES = 12
#: Per-file entries shown in full to the report call before it sees titles only.
REPORT_INPUT_TOKENS = 8000


@dataclass
class Unit:
    """One file sent to the model."""

    index: int
    af: AnalyzedFile
    id: str = ""
    block: str = ""
    tokens: int = 0
    evidence: Evidence = field(default_factory=lambda: Evidence(""))
    parts: list[str] = field(default_factory=list)
    clipped: bool = False


def _fact_counts(af: AnalyzedFile) -> Counter[str]:
    """Each distinct fact line with how often it occurs, in order."""
    return Counter(prompts.fact_line(f) for f in af.facts)


def facts_text(af: AnalyzedFile) -> list[str]:
    """The file's facts as prompt lines, repeats counted, at most :data:`MAX_FACT_LINES`."""
    counts = _fact_counts(af)
    lines = [f"{line} (x{n})" if n > 1 else line for line, n in counts.items()]
    if len(lines) > MAX_FACT_LINES:
        lines = [*lines[: MAX_FACT_LINES - 1], f"(+{len(lines) - MAX_FACT_LINES + 1} more facts)"]
    return lines


def _derived_counts(af: AnalyzedFile) -> list[str]:
    """Counts a writer may state that the diff holds only implicitly (occurrences, edits)."""
    counts = _fact_counts(af)
    distinct = len(counts)
    out = {str(n) for n in counts.values()}
    out |= {str(len(af.facts)), str(distinct)}
    # "N more edits" after the ones spelled out.
    out |= {str(distinct - k) for k in range(1, 5) if distinct - k > 0}
    return sorted(out)


def counted_numbers(texts: list[str]) -> list[str]:
    """The numbers the offline engine states in ``texts``: counted from facts, so supported."""
    return sorted({t for t in checks.tokens("\n".join(texts)) if t.isdigit()})


def offline_texts(entries: list[FileReport]) -> list[str]:
    """Titles and explanations of one file's offline entries (one per language)."""
    return [t for fr in entries for t in (fr.modification_title, fr.explanation)]


def report_texts(report: Report) -> list[str]:
    """Every report-level text of ``report``."""
    h = report.highlights
    return [
        report.summary,
        h.text,
        *report.insights,
        *h.new_features,
        *h.breaking_changes,
        *h.other_updates,
    ]


def overview_lines(files: list[AnalyzedFile]) -> list[str]:
    """Totals by status, type and folder: what a report may count across files."""
    status = Counter(af.change.status.value for af in files)
    types = Counter(af.modification_type.value for af in files)
    folders = Counter(posixpath.dirname(af.change.path) or "." for af in files)
    adds = sum(af.change.additions for af in files)
    dels = sum(af.change.deletions for af in files)
    by_status = ", ".join(f"{status[s.value]} {s.value}" for s in FileStatus if status[s.value])
    return [
        # Counts as words: "-65" would not support "65" in the faithfulness check.
        f"Changes: {len(files)} files ({by_status}); {adds} lines added, {dels} deleted",
        "By type: " + ", ".join(f"{n} {t}" for t, n in types.most_common()),
        "Top folders: " + ", ".join(f"{d} ({n})" for d, n in folders.most_common(5)),
    ]


class Planner:
    """Builds the units, batches and requests of one writer's calls."""

    def __init__(
        self, settings: LLMSettings, *, model: str, file_model: str, supports_schema: bool
    ) -> None:
        self.settings = settings
        self.model = model
        self.file_model = file_model
        self.supports_schema = supports_schema
        self._system_tokens = estimate_tokens(prompts.FILE_SYSTEM)

    def plan(
        self, request: ReportRequest, offline: list[list[FileReport]]
    ) -> tuple[list[Unit], dict[int, str]]:
        """Files worth a model call (compressed once), and the rest with the reason they are not.

        ``offline[i]`` holds file ``i``'s offline entries (one per language): the numbers they
        state are counted from the facts, so the model may state them too.
        """
        units: list[Unit] = []
        skipped: dict[int, str] = {}
        all_paths = [p for af in request.files for p in (af.change.path, af.change.old_path) if p]
        per_file = min(
            self.settings.file_tokens, self.settings.call_tokens - self._system_tokens - 200
        )
        for i, af in enumerate(request.files):
            c = af.change
            if c.binary:
                skipped[i] = "binary"
                continue
            if c.status is not FileStatus.REMOVED and not (c.patch or "").strip():
                skipped[i] = "no-text-change"
                continue
            if is_trivial(c):
                skipped[i] = "trivial"
                continue
            comp = compress(c, per_file)
            head = f"path={c.path} status={c.status.value} +{c.additions} -{c.deletions}"
            if c.old_path:
                head += f" from={c.old_path}"
            block = "\n".join(
                [
                    head,
                    f"type={af.modification_type.value} ({af.reason})"
                    if af.reason
                    else f"type={af.modification_type.value}",
                    "facts:",
                    *(f"- {ln}" for ln in facts_text(af)),
                    "changes:",
                    comp.text,
                ]
            )
            extra = [*all_paths, *_derived_counts(af), *counted_numbers(offline_texts(offline[i]))]
            parts = evidence_for(c, af.facts, extra=extra)
            units.append(
                Unit(
                    index=i,
                    af=af,
                    block=block,
                    tokens=estimate_tokens(block),
                    evidence=Evidence(parts),
                    parts=parts,
                    clipped=comp.clipped,
                )
            )
        return units, skipped

    def batches(self, units: list[Unit], n_langs: int) -> list[list[Unit]]:
        """Small files packed several to a call, within the input and output budgets.

        Each unit gets its id within its batch here, once: repairs name files by the same ids.
        """
        per_call_out = max(
            1,
            (self.settings.max_output_tokens - OUTPUT_OVERHEAD) // (OUTPUT_PER_FILE_LANG * n_langs),
        )
        cap = min(MAX_BATCH_FILES, per_call_out)
        room = self.settings.call_tokens - self._system_tokens - 100
        batches: list[list[Unit]] = []
        cur: list[Unit] = []
        used = 0
        for u in units:
            if cur and (used + u.tokens > room or len(cur) >= cap):
                batches.append(cur)
                cur, used = [], 0
            cur.append(u)
            used += u.tokens
        if cur:
            batches.append(cur)
        for batch in batches:
            for n, u in enumerate(batch, start=1):
                u.id = str(n)
        return batches

    def fits_one_call(self, batches: list[list[Unit]], n_langs: int) -> bool:
        """Whether the entries and the report sections fit one answer."""
        return len(batches) == 1 and OUTPUT_OVERHEAD + n_langs * (
            OUTPUT_PER_FILE_LANG * len(batches[0]) + REPORT_OUTPUT_PER_LANG
        ) <= (self.settings.max_output_tokens)

    def _output_tokens(self, n_files: int, n_langs: int, with_report: bool) -> int:
        out = OUTPUT_OVERHEAD + OUTPUT_PER_FILE_LANG * n_files * n_langs
        if with_report:
            out += REPORT_OUTPUT_PER_LANG * n_langs
        return min(self.settings.max_output_tokens, out)

    def files_request(
        self,
        batch: list[Unit],
        langs: list[str],
        *,
        overview: list[str] | None = None,
        repair: tuple[str, list[str]] | None = None,
    ) -> ChatRequest:
        """Entries of ``batch`` (and the report sections when ``overview`` is given).

        ``repair`` is (the earlier answer for these files only, its problems): the request then
        continues that exchange.
        """
        with_report = overview is not None
        body = "\n\n".join(f"### file id={u.id}\n{u.block}" for u in batch)
        head = [prompts.languages_line(langs), *(overview or [])]
        system = prompts.FILE_SYSTEM
        shape = prompts.FILES_SHAPE
        if with_report:
            system = f"{prompts.FILE_SYSTEM}\n\n{prompts.COMBINED_ADDON}"
            shape = prompts.COMBINED_SHAPE
        if not self.supports_schema:
            system = f"{system}\n{shape}"
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": "\n".join(head) + "\n\n" + body},
            *_repair_turns(repair),
        ]
        return ChatRequest(
            model=self.model if with_report else self.file_model,
            messages=messages,
            schema=prompts.files_schema(langs, with_report=with_report),
            schema_name="report_entries" if with_report else "file_entries",
            json_mode=True,
            max_tokens=self._output_tokens(len(batch), len(langs), with_report),
            temperature=self.settings.temperature,
            timeout=self.settings.timeout,
        )

    def report_request(
        self,
        request: ReportRequest,
        files: list[FileReport],
        langs: list[str],
        *,
        repair: tuple[str, list[str]] | None = None,
    ) -> ChatRequest:
        """The report sections, from the per-file entries (never the raw diff)."""
        afs = request.files
        lines = [
            prompts.languages_line(langs),
            f"Category: {request.category}; repository: {request.changeset.repo or '-'}",
            *overview_lines(afs),
            "Files (path | status | type | +added -deleted | title | explanation or facts):",
        ]
        used = sum(estimate_tokens(ln) for ln in lines)
        shown = 0
        for fr, af in zip(files, afs, strict=True):
            head = (
                f"- {fr.path} | {fr.status.value} | {fr.modification_type.value} |"
                f" +{fr.additions} -{fr.deletions} | {fr.modification_title}"
            )
            detail = fr.explanation if fr.engine == "llm" else "; ".join(facts_text(af)[:4])
            line = f"{head} | {detail}"
            cost = estimate_tokens(line)
            if used + cost > REPORT_INPUT_TOKENS:
                cost = estimate_tokens(head)
                if used + cost > REPORT_INPUT_TOKENS:
                    break
                line = head
            lines.append(line)
            used += cost
            shown += 1
        if shown < len(files):
            lines.append(f"[clipped: {len(files) - shown} more files not listed]")
        out = min(self.settings.max_output_tokens, 300 + REPORT_OUTPUT_PER_LANG * len(langs))
        return ChatRequest(
            model=self.model,
            messages=[
                {
                    "role": "system",
                    "content": prompts.REPORT_SYSTEM
                    if self.supports_schema
                    else f"{prompts.REPORT_SYSTEM}\n{prompts.REPORT_SHAPE}",
                },
                {"role": "user", "content": "\n".join(lines)},
                *_repair_turns(repair),
            ],
            schema=prompts.report_schema(langs),
            schema_name="report_sections",
            json_mode=True,
            max_tokens=out,
            temperature=self.settings.temperature,
            timeout=self.settings.timeout,
        )

    def combined_overview(self, request: ReportRequest, skipped: dict[int, str]) -> list[str]:
        """What a one-call report sees besides the files it writes: totals and the other files."""
        others = [
            f"- {af.change.path} | {af.change.status.value} | {af.modification_type.value}"
            f" | written without the model: {'; '.join(facts_text(af)[:2]) or skipped[i]}"
            for i, af in enumerate(request.files)
            if i in skipped
        ]
        overview = overview_lines(request.files)
        if others:
            overview += ["Other files in this report:", *others[:40]]
        return overview


def _repair_turns(repair: tuple[str, list[str]] | None) -> list[dict[str, str]]:
    if repair is None:
        return []
    answer, problems = repair
    return [
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": prompts.REPAIR.format(problems="\n".join(f"- {p}" for p in problems)),
        },
    ]


def answer_json(data: object) -> str:
    """Compact JSON of an earlier answer (or a part of it), as the model is shown it again."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
