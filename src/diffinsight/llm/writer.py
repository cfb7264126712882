"""The LLM writer: per-file entries and report sections written by a chat model, grounded on facts.

Language-independent work (facts, selection, compression, batching) is done once per report;
each call writes every requested language at once, so an extra language costs only its output.
Anything the model gets wrong after one repair round is written by the offline engine instead,
and marked so: no file is ever dropped.
"""

from __future__ import annotations

import json
import logging
import posixpath
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pydantic import ValidationError

from diffinsight.errors import ConfigError
from diffinsight.grounding import Evidence, evidence_for
from diffinsight.llm import checks, prompts
from diffinsight.llm.cache import CallCache, request_key
from diffinsight.llm.compress import compress, estimate_tokens, is_trivial
from diffinsight.llm.settings import LLMSettings
from diffinsight.models import FileReport, FileStatus, Highlights, Report, Usage
from diffinsight.providers.base import (
    ChatRequest,
    ChatResult,
    Provider,
    ProviderError,
    TransientProviderError,
)
from diffinsight.providers.base import Usage as CallUsage
from diffinsight.writers.base import AnalyzedFile, ReportRequest
from diffinsight.writers.offline import OfflineWriter, ReportComposer, describe

log = logging.getLogger(__name__)

MAX_BATCH_FILES = 8
#: Output tokens allowed per file and language (a title and up to four sentences, JSON-wrapped).
OUTPUT_PER_FILE_LANG = 300
OUTPUT_OVERHEAD = 200
#: Output tokens allowed for the report sections, per language.
REPORT_OUTPUT_PER_LANG = 700
MAX_FACT_LINES = 12
#: Per-file entries shown in full to the report call before it sees titles only.
REPORT_INPUT_TOKENS = 8000
_TITLE_LIMIT_CJK = 30
_TITLE_LIMIT = 60


class BudgetExceeded(Exception):
    """The next call would take the run past ``--max-cost`` or the token budget."""


class _Truncated(Exception):
    """The model stopped at ``max_tokens`` (``finish_reason: length``)."""


# -- accounting -----------------------------------------------------------------------------


class Meter:
    """Usage of one report (all its languages), safe to update from worker threads."""

    def __init__(self, settings: LLMSettings, languages: list[str]) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self.usage = Usage(languages=list(languages))
        self._priced = True

    def record(self, result: ChatResult) -> None:
        """Count one answer (cached answers count as hits and cost nothing)."""
        with self._lock:
            if result.model and result.model not in self.usage.models:
                self.usage.models.append(result.model)
            if result.cached:
                self.usage.cache_hits += 1
                return
            self.usage.calls += 1
            self.usage.input_tokens += result.usage.input_tokens
            self.usage.output_tokens += result.usage.output_tokens
            price = self._settings.price(result.model)
            if price is None:
                self._priced = False
            elif self.usage.estimated_cost_usd is not None:
                self.usage.estimated_cost_usd += (
                    result.usage.input_tokens * price.input
                    + result.usage.output_tokens * price.output
                ) / 1e6
            if not self._priced:
                self.usage.estimated_cost_usd = None

    def retry(self) -> None:
        """Count one retried attempt."""
        with self._lock:
            self.usage.retries += 1

    def done(self) -> Usage:
        """The final figures (cost rounded to micro-dollars)."""
        u = self.usage.model_copy()
        if u.estimated_cost_usd is not None:
            u.estimated_cost_usd = round(u.estimated_cost_usd, 6)
        return u


class Budget:
    """Money and tokens a whole run may spend; calls reserve before they go out."""

    def __init__(self, settings: LLMSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self.spent_usd = 0.0
        self.spent_tokens = 0
        self._reserved_usd = 0.0
        self._reserved_tokens = 0

    def _cost(self, model: str, tokens_in: int, tokens_out: int) -> float:
        price = self._settings.price(model)
        if price is None:
            return 0.0
        return (tokens_in * price.input + tokens_out * price.output) / 1e6

    def reserve(self, model: str, tokens_in: int, tokens_out: int) -> tuple[float, int]:
        """Hold the worst case of one call; :class:`BudgetExceeded` if it does not fit."""
        cost = self._cost(model, tokens_in, tokens_out)
        tokens = tokens_in + tokens_out
        s = self._settings
        with self._lock:
            if s.max_cost is not None and self.spent_usd + self._reserved_usd + cost > s.max_cost:
                raise BudgetExceeded(f"max cost ${s.max_cost:g} reached")
            if (
                s.max_tokens is not None
                and self.spent_tokens + self._reserved_tokens + tokens > s.max_tokens
            ):
                raise BudgetExceeded(f"token budget {s.max_tokens} reached")
            self._reserved_usd += cost
            self._reserved_tokens += tokens
        return cost, tokens

    def settle(self, held: tuple[float, int], model: str, result: ChatResult | None) -> None:
        """Replace a reservation with what the call really cost (nothing if it failed)."""
        with self._lock:
            self._reserved_usd -= held[0]
            self._reserved_tokens -= held[1]
            if result is not None:
                u = result.usage
                self.spent_usd += self._cost(model, u.input_tokens, u.output_tokens)
                self.spent_tokens += u.input_tokens + u.output_tokens


# -- per-file work --------------------------------------------------------------------------


@dataclass
class _Unit:
    """One file sent to the model."""

    index: int
    af: AnalyzedFile
    id: str = ""
    block: str = ""
    tokens: int = 0
    evidence: Evidence | None = None
    parts: list[str] = field(default_factory=list)
    clipped: bool = False


@dataclass
class _Outcome:
    """What became of one file: the model's texts, or why it fell back to the offline engine."""

    texts: dict[str, prompts.FileText] | None = None
    fallback: str | None = None
    unsupported: list[str] = field(default_factory=list)


@dataclass
class _Checked:
    hard: list[str] = field(default_factory=list)  # problems that disqualify the answer
    soft: list[str] = field(default_factory=list)  # problems worth one repair, tolerated after
    unsupported: list[str] = field(default_factory=list)
    texts: dict[str, prompts.FileText] | None = None


@dataclass
class _Sections:
    """Report-level sections as checked: texts, problems, values the evidence lacks."""

    texts: dict[str, prompts.ReportText] | None = None
    hard: list[str] = field(default_factory=list)
    soft: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    def better_than(self, other: _Sections | None) -> bool:
        """Whether to prefer these sections (after a repair) over ``other``."""
        if self.texts is None or self.hard:
            return False
        return other is None or bool(other.hard) or len(self.soft) <= len(other.soft)


@dataclass
class _Combined:
    """A report small enough for one call: the file entries and the sections together."""

    overview: list[str]
    evidence: Evidence
    sections: _Sections | None = None


def _title_limit(lang: str) -> int:
    return _TITLE_LIMIT_CJK if lang[:2] in ("zh", "ja", "ko") else _TITLE_LIMIT


def _visible(text: str) -> int:
    return len(text.replace("`", ""))


def _fact_counts(af: AnalyzedFile) -> Counter[str]:
    """Each distinct fact line with how often it occurs, in order."""
    return Counter(prompts.fact_line(f) for f in af.facts)


def _facts_text(af: AnalyzedFile) -> list[str]:
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


def _offline_counts(af: AnalyzedFile) -> list[str]:
    """The numbers the offline engine states about a file: counted from its facts, so supported."""
    fr = describe(af, "en_US")
    return [t for t in checks.tokens(f"{fr.modification_title}\n{fr.explanation}") if t.isdigit()]


def _overview_lines(files: list[AnalyzedFile]) -> list[str]:
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


def _report_counts(request: ReportRequest) -> list[str]:
    """The numbers the offline composer states about the whole report (counted, so supported)."""
    report = OfflineWriter().write_one(request, "en_US")
    texts = [report.summary, report.highlights.text, *report.insights]
    texts += [*report.highlights.new_features, *report.highlights.breaking_changes]
    texts += report.highlights.other_updates
    return [t for t in checks.tokens("\n".join(texts)) if t.isdigit()]


class LLMWriter:
    """Writes reports with a chat model; the offline engine covers whatever the model cannot."""

    name = "llm"

    def __init__(
        self,
        provider: Provider,
        settings: LLMSettings,
        *,
        model: str,
        file_model: str | None = None,
        cache: CallCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.model = model
        self.file_model = file_model or model
        self.cache = cache
        self.budget = Budget(settings)
        self._sleep = sleep
        if settings.max_cost is not None:
            for m in {self.model, self.file_model}:
                if settings.price(m) is None:
                    raise ConfigError(
                        f"--max-cost: no price known for model {m!r}; add llm.prices.{m} (USD per 1M tokens)"
                    )
        self._system_tokens = estimate_tokens(prompts.FILE_SYSTEM)
        self._announced = False

    # -- calls ------------------------------------------------------------------------------

    def _call(self, req: ChatRequest, purpose: str, meter: Meter) -> tuple[ChatResult, str]:
        """One answer: from the cache, or from the provider with retries honouring Retry-After."""
        key = request_key(req)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                meter.record(hit)
                self.cache.log(key, self.provider.name, purpose, req, hit, None, 0.0)
                return hit, key
        est_in = sum(estimate_tokens(m["content"]) for m in req.messages)
        if req.schema is not None and self.provider.supports_schema:
            est_in += estimate_tokens(json.dumps(req.schema, separators=(",", ":")))
        held = self.budget.reserve(req.model, est_in, req.max_tokens)
        attempt = 0
        while True:
            t0 = time.monotonic()
            try:
                result = self.provider.complete(req)
            except TransientProviderError as exc:
                self._log(key, purpose, req, None, str(exc), t0)
                if attempt >= self.settings.retries:
                    self.budget.settle(held, req.model, None)
                    raise ProviderError(f"{exc} (gave up after {attempt + 1} attempts)") from exc
                wait = exc.retry_after
                if wait is None:
                    wait = min(8.0, 0.5 * 2**attempt) * (0.5 + random.random() / 2)
                wait = min(wait, self.settings.max_retry_wait)
                log.debug("%s call failed (%s); retrying in %.2fs", purpose, exc, wait)
                meter.retry()
                attempt += 1
                self._sleep(wait)
                continue
            except ProviderError as exc:
                self._log(key, purpose, req, None, str(exc), t0)
                self.budget.settle(held, req.model, None)
                raise
            break
        if not result.usage.input_tokens and not result.usage.output_tokens:
            # Some compatible servers omit usage; count with the same estimate the budget uses.
            result.usage = CallUsage(est_in, estimate_tokens(result.content))
        if not result.model:
            result.model = req.model
        self.budget.settle(held, req.model, result)
        meter.record(result)
        self._log(key, purpose, req, result, None, t0)
        if self.cache is not None and result.finish_reason == "stop" and not result.refusal:
            self.cache.put(key, result)
        return result, key

    def _log(
        self,
        key: str,
        purpose: str,
        req: ChatRequest,
        result: ChatResult | None,
        error: str | None,
        t0: float,
    ) -> None:
        if self.cache is not None:
            self.cache.log(
                key, self.provider.name, purpose, req, result, error, time.monotonic() - t0
            )

    def _forget(self, keys: list[str]) -> None:
        if self.cache is not None:
            for k in keys:
                self.cache.forget(k)

    # -- planning ---------------------------------------------------------------------------

    def _plan(self, request: ReportRequest) -> tuple[list[_Unit], dict[int, str]]:
        """Files worth a model call (compressed once), and the rest with the reason they are not."""
        units: list[_Unit] = []
        offline: dict[int, str] = {}
        all_paths = [p for af in request.files for p in (af.change.path, af.change.old_path) if p]
        per_file = min(
            self.settings.file_tokens, self.settings.call_tokens - self._system_tokens - 200
        )
        for i, af in enumerate(request.files):
            c = af.change
            if c.binary:
                offline[i] = "binary"
                continue
            if c.status is not FileStatus.REMOVED and not (c.patch or "").strip():
                offline[i] = "no-text-change"
                continue
            if is_trivial(c):
                offline[i] = "trivial"
                continue
            comp = compress(c, per_file)
            facts = _facts_text(af)
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
                    *(f"- {ln}" for ln in facts),
                    "changes:",
                    comp.text,
                ]
            )
            parts = evidence_for(
                c, af.facts, extra=[*all_paths, *_derived_counts(af), *_offline_counts(af)]
            )
            units.append(
                _Unit(
                    index=i,
                    af=af,
                    block=block,
                    tokens=estimate_tokens(block),
                    evidence=Evidence(parts),
                    parts=parts,
                    clipped=comp.clipped,
                )
            )
        return units, offline

    def _batches(self, units: list[_Unit], n_langs: int) -> list[list[_Unit]]:
        """Small files packed several to a call, within the input and output budgets."""
        per_call_out = max(
            1,
            (self.settings.max_output_tokens - OUTPUT_OVERHEAD) // (OUTPUT_PER_FILE_LANG * n_langs),
        )
        cap = min(MAX_BATCH_FILES, per_call_out)
        room = self.settings.call_tokens - self._system_tokens - 100
        batches: list[list[_Unit]] = []
        cur: list[_Unit] = []
        used = 0
        for u in units:
            if cur and (used + u.tokens > room or len(cur) >= cap):
                batches.append(cur)
                cur, used = [], 0
            cur.append(u)
            used += u.tokens
        if cur:
            batches.append(cur)
        return batches

    # -- per-file calls -----------------------------------------------------------------------

    def _files_request(
        self,
        batch: list[_Unit],
        langs: list[str],
        extra: list[dict[str, str]] | None = None,
        combined: _Combined | None = None,
    ) -> ChatRequest:
        for n, u in enumerate(batch, start=1):
            u.id = str(n)
        body = "\n\n".join(f"### file id={u.id}\n{u.block}" for u in batch)
        head = [prompts.languages_line(langs)]
        system = prompts.FILE_SYSTEM
        shape = prompts.FILES_SHAPE
        if combined is not None:
            head += combined.overview
            system = f"{prompts.FILE_SYSTEM}\n\n{prompts.COMBINED_ADDON}"
            shape = prompts.COMBINED_SHAPE
        if not self.provider.supports_schema:
            system = f"{system}\n{shape}"
        user = "\n".join(head) + "\n\n" + body
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
            *(extra or []),
        ]
        return ChatRequest(
            model=self.model if combined is not None else self.file_model,
            messages=messages,
            schema=prompts.files_schema(langs, with_report=combined is not None),
            schema_name="report_entries" if combined is not None else "file_entries",
            json_mode=True,
            max_tokens=self._output_tokens(len(batch), len(langs), combined is not None),
            temperature=self.settings.temperature,
            timeout=self.settings.timeout,
        )

    def _output_tokens(self, n_files: int, n_langs: int, with_report: bool) -> int:
        out = OUTPUT_OVERHEAD + OUTPUT_PER_FILE_LANG * n_files * n_langs
        if with_report:
            out += REPORT_OUTPUT_PER_LANG * n_langs
        return min(self.settings.max_output_tokens, out)

    def _check_file(
        self, u: _Unit, texts: dict[str, prompts.FileText], langs: list[str]
    ) -> _Checked:
        ck = _Checked(texts=texts)
        name = u.af.change.path
        for lang in langs:
            t = texts.get(lang)
            if t is None or not t.title.strip() or not t.explanation.strip():
                ck.hard.append(f"file id={u.id} ({name}): missing or empty {lang} text")
                continue
            t.title = t.title.strip().rstrip("。.")
            t.explanation = t.explanation.strip()
            leaks = checks.artefacts(t.title, title=True) + checks.artefacts(t.explanation)
            if leaks:
                ck.hard.append(
                    f"file id={u.id} ({name}), {lang}: remove {', '.join(sorted(set(leaks)))}"
                )
            if not checks.language_ok(f"{t.title}. {t.explanation}", lang):
                ck.hard.append(
                    f"file id={u.id} ({name}): the {lang} text is not in {prompts.language_name(lang)}"
                )
            if _visible(t.title) > _title_limit(lang):
                ck.soft.append(
                    f"file id={u.id} ({name}): {lang} title longer than {_title_limit(lang)} characters"
                )
            assert u.evidence is not None
            for tok in checks.unsupported(f"{t.title}\n{t.explanation}", u.evidence):
                if tok not in ck.unsupported:
                    ck.unsupported.append(tok)
        if ck.unsupported:
            ck.soft.append(
                f"file id={u.id} ({name}): these values are not in the input; remove them or"
                f" use the input's exact values: {', '.join(ck.unsupported)}"
            )
        return ck

    def _parse_files(
        self,
        result: ChatResult,
        batch: list[_Unit],
        langs: list[str],
        combined: _Combined | None = None,
    ) -> tuple[dict[str, _Checked], list[str], _Sections | None]:
        """Per-unit checks of one answer, problems of the answer as a whole, checked sections."""
        try:
            answer = prompts.FilesAnswer.model_validate_json(result.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            problem = (
                f"the answer is not valid JSON of the requested shape: {where}: {first['msg']}"
            )
            return {}, [problem], None
        by_id = {u.id: u for u in batch}
        out: dict[str, _Checked] = {}
        for entry in answer.files:
            u = by_id.get(entry.id)
            if u is None:
                log.debug("model named file id %r, not in this call; ignored", entry.id)
                continue
            if entry.id not in out:
                out[entry.id] = self._check_file(u, entry.texts, langs)
        problems = [
            f"file id={u.id} ({u.af.change.path}): missing from the answer"
            for u in batch
            if u.id not in out
        ]
        sections = None
        if combined is not None:
            if answer.report is None:
                sections = _Sections(hard=["report: missing"])
            else:
                sections = self._check_sections(answer.report, langs, combined.evidence)
            problems += [f"report: {p}" for p in sections.hard + sections.soft]
        return out, problems, sections

    def _ask_files(
        self,
        batch: list[_Unit],
        langs: list[str],
        meter: Meter,
        combined: _Combined | None = None,
    ) -> dict[int, _Outcome]:
        req = self._files_request(batch, langs, combined=combined)
        result, key = self._call(req, "files+report" if combined else "files", meter)
        keys = [key]
        if result.refusal or result.finish_reason == "content_filter":
            self._forget(keys)
            return {u.index: _Outcome(fallback="llm-refused") for u in batch}
        if result.finish_reason == "length":
            raise _Truncated()
        first, problems, sections = self._parse_files(result, batch, langs, combined)
        all_problems = problems + [p for c in first.values() for p in c.hard + c.soft]
        chosen = dict(first)
        if all_problems:
            repair = [
                {"role": "assistant", "content": result.content},
                {
                    "role": "user",
                    "content": prompts.REPAIR.format(
                        problems="\n".join(f"- {p}" for p in all_problems)
                    ),
                },
            ]
            req2 = self._files_request(batch, langs, repair, combined)
            second: dict[str, _Checked] = {}
            try:
                result2, key2 = self._call(req2, "repair", meter)
                keys.append(key2)
                if not result2.refusal and result2.finish_reason == "stop":
                    second, _, sections2 = self._parse_files(result2, batch, langs, combined)
                    if sections2 is not None and sections2.better_than(sections):
                        sections = sections2
            except (ProviderError, BudgetExceeded) as exc:
                log.debug("repair call failed: %s", exc)
            for uid, ck in second.items():
                old = chosen.get(uid)
                if (
                    old is None
                    or (old.hard and not ck.hard)
                    or (not ck.hard and len(ck.soft) <= len(old.soft))
                ):
                    chosen[uid] = ck
        if combined is not None:
            combined.sections = sections
        outcomes: dict[int, _Outcome] = {}
        failed = False
        for u in batch:
            got = chosen.get(u.id)
            if got is None or got.hard or got.texts is None:
                why = got.hard[0] if got is not None and got.hard else "no usable answer"
                outcomes[u.index] = _Outcome(fallback=f"llm-invalid: {why}")
                failed = True
            else:
                outcomes[u.index] = _Outcome(texts=got.texts, unsupported=got.unsupported)
        if failed or (sections is not None and (sections.hard or sections.texts is None)):
            self._forget(keys)
        return outcomes

    def _run_batch(
        self,
        batch: list[_Unit],
        langs: list[str],
        meter: Meter,
        combined: _Combined | None = None,
    ) -> dict[int, _Outcome]:
        """One batch's outcomes; never raises, so no file is lost."""
        try:
            return self._ask_files(batch, langs, meter, combined)
        except _Truncated:
            if len(batch) > 1:
                half = len(batch) // 2
                out = self._run_batch(batch[:half], langs, meter)
                out.update(self._run_batch(batch[half:], langs, meter))
                return out
            return {batch[0].index: _Outcome(fallback="llm-truncated: answer cut at max_tokens")}
        except BudgetExceeded as exc:
            return {u.index: _Outcome(fallback=f"llm-budget: {exc}") for u in batch}
        except ProviderError as exc:
            log.warning("model call failed for %d file(s): %s", len(batch), exc)
            return {u.index: _Outcome(fallback=f"llm-error: {exc}") for u in batch}
        except Exception as exc:  # a bug must cost a file its prose, never the file
            log.exception("LLM writer failed on %d file(s)", len(batch))
            return {u.index: _Outcome(fallback=f"llm-error: {type(exc).__name__}") for u in batch}

    # -- report-level call ------------------------------------------------------------------

    def _report_request(
        self,
        request: ReportRequest,
        files: list[FileReport],
        langs: list[str],
        extra: list[dict[str, str]] | None = None,
    ) -> ChatRequest:
        afs = request.files
        lines = [
            prompts.languages_line(langs),
            f"Category: {request.category}; repository: {request.changeset.repo or '-'}",
            *_overview_lines(afs),
            "Files (path | status | type | +added -deleted | title | explanation or facts):",
        ]
        used = sum(estimate_tokens(ln) for ln in lines)
        shown = 0
        for fr, af in zip(files, afs, strict=True):
            head = (
                f"- {fr.path} | {fr.status.value} | {fr.modification_type.value} |"
                f" +{fr.additions} -{fr.deletions} | {fr.modification_title}"
            )
            detail = fr.explanation if fr.engine == "llm" else "; ".join(_facts_text(af)[:4])
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
                    if self.provider.supports_schema
                    else f"{prompts.REPORT_SYSTEM}\n{prompts.REPORT_SHAPE}",
                },
                {"role": "user", "content": "\n".join(lines)},
                *(extra or []),
            ],
            schema=prompts.report_schema(langs),
            schema_name="report_sections",
            json_mode=True,
            max_tokens=out,
            temperature=self.settings.temperature,
            timeout=self.settings.timeout,
        )

    def _check_sections(
        self, texts: dict[str, prompts.ReportText], langs: list[str], evidence: Evidence
    ) -> _Sections:
        """Checks of report sections: presence, artefacts, language, faithfulness."""
        out = _Sections(texts=texts)
        for lang in langs:
            t = texts.get(lang)
            if t is None or not t.summary.strip():
                out.hard.append(f"missing {lang} text")
                continue
            parts = [
                t.summary,
                t.highlights,
                *t.new_features,
                *t.breaking_changes,
                *t.other_updates,
                *t.insights,
            ]
            joined = "\n".join(parts)
            leaks = [a for p in parts for a in checks.artefacts(p)]
            if leaks:
                out.hard.append(f"{lang}: remove {', '.join(sorted(set(leaks)))}")
            if not checks.language_ok(joined, lang):
                out.hard.append(f"the {lang} text is not in {prompts.language_name(lang)}")
            for tok in checks.unsupported(joined, evidence):
                if tok not in out.unsupported:
                    out.unsupported.append(tok)
        if out.unsupported:
            out.soft.append(
                "these values are not in the input; remove them or use the input's exact values: "
                + ", ".join(out.unsupported)
            )
        return out

    def _check_report(self, result: ChatResult, langs: list[str], evidence: Evidence) -> _Sections:
        """Checked sections of a report call's answer."""
        if result.refusal or result.finish_reason != "stop":
            return _Sections(hard=[f"answer ended with {result.finish_reason}"])
        try:
            answer = prompts.ReportAnswer.model_validate_json(result.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return _Sections(
                hard=[
                    f"the answer is not valid JSON of the requested shape: {where}: {first['msg']}"
                ]
            )
        return self._check_sections(answer.texts, langs, evidence)

    def _ask_report(
        self,
        request: ReportRequest,
        files: list[FileReport],
        langs: list[str],
        evidence: Evidence,
        meter: Meter,
    ) -> tuple[_Sections | None, str | None]:
        """Report sections, or None and why (the offline composer then writes them)."""
        try:
            req = self._report_request(request, files, langs)
            result, key = self._call(req, "report", meter)
            keys = [key]
            sections = self._check_report(result, langs, evidence)
            if sections.hard or sections.soft:
                repair = [
                    {"role": "assistant", "content": result.content},
                    {
                        "role": "user",
                        "content": prompts.REPAIR.format(
                            problems="\n".join(f"- {p}" for p in sections.hard + sections.soft)
                        ),
                    },
                ]
                result2, key2 = self._call(
                    self._report_request(request, files, langs, repair), "report-repair", meter
                )
                keys.append(key2)
                second = self._check_report(result2, langs, evidence)
                if second.better_than(sections):
                    sections = second
            if sections.hard or sections.texts is None:
                self._forget(keys)
                return None, f"llm-invalid: {sections.hard[0] if sections.hard else 'no answer'}"
            return sections, None
        except BudgetExceeded as exc:
            return None, f"llm-budget: {exc}"
        except ProviderError as exc:
            log.warning("report call failed: %s", exc)
            return None, f"llm-error: {exc}"

    # -- the Writer interface ---------------------------------------------------------------

    def write(self, request: ReportRequest) -> list[Report]:
        """One report per language of ``request``; every file present in every report."""
        langs = list(request.languages)
        if not self._announced:
            self._announced = True
            log.info(
                "writing with %s (%s for files, %s for the report)",
                self.provider.name,
                self.file_model,
                self.model,
            )
        meter = Meter(self.settings, langs)
        units, offline = self._plan(request)
        outcomes: dict[int, _Outcome] = {
            i: _Outcome(fallback=f"offline: {why}") for i, why in offline.items()
        }
        evidence = Evidence(
            [p for u in units for p in u.parts]
            + [
                p
                for i in offline
                for p in evidence_for(request.files[i].change, request.files[i].facts)
            ]
            + _overview_lines(request.files)
            + _report_counts(request)
        )
        batches = self._batches(units, len(langs))
        combined: _Combined | None = None
        if (
            len(batches) == 1
            and OUTPUT_OVERHEAD
            + len(langs) * (OUTPUT_PER_FILE_LANG * len(batches[0]) + REPORT_OUTPUT_PER_LANG)
            <= self.settings.max_output_tokens
        ):
            # Everything fits one call: write the sections with the entries, saving a call.
            others = [
                f"- {af.change.path} | {af.change.status.value} | {af.modification_type.value}"
                f" | written without the model: {'; '.join(_facts_text(af)[:2]) or offline[i]}"
                for i, af in enumerate(request.files)
                if i in offline
            ]
            overview = _overview_lines(request.files)
            if others:
                overview += ["Other files in this report:", *others[:40]]
            combined = _Combined(overview=overview, evidence=evidence)
        workers = max(1, min(self.settings.concurrency, len(batches)))
        if batches:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm") as pool:
                for result in pool.map(
                    lambda b: self._run_batch(b, langs, meter, combined), batches
                ):
                    outcomes.update(result)
        clipped = {u.index for u in units if u.clipped}
        per_lang: dict[str, list[FileReport]] = {lang: [] for lang in langs}
        n_llm = n_unsupported = 0
        for i, af in enumerate(request.files):
            oc = outcomes.get(i) or _Outcome(fallback="llm-error: no outcome")
            if oc.texts is not None:
                n_llm += 1
                n_unsupported += len(oc.unsupported)
            for lang in langs:
                fr = describe(af, lang)
                if oc.texts is not None:
                    t = oc.texts[lang]
                    fr.modification_title = t.title
                    fr.explanation = t.explanation
                    fr.engine = "llm"
                    fr.unsupported_tokens = list(oc.unsupported)
                    if i in clipped:
                        fr.notes.append("llm-input-clipped")
                elif oc.fallback and not oc.fallback.startswith("offline: "):
                    fr.notes.append(oc.fallback)
                per_lang[lang].append(fr)
        sections: _Sections | None = None
        report_note: str | None = None
        if (
            combined is not None
            and combined.sections is not None
            and combined.sections.better_than(None)
        ):
            sections = combined.sections
        if sections is None and units:
            sections, report_note = self._ask_report(
                request, per_lang[langs[0]], langs, evidence, meter
            )
        report_unsupported = sections.unsupported if sections else []
        usage = meter.done()
        usage.files_llm = n_llm
        usage.files_offline = len(request.files) - n_llm
        usage.unsupported_tokens = n_unsupported + len(report_unsupported)
        log.info(
            "llm %s: %d calls, %d cache hits, %d input + %d output tokens, est. %s; %d of %d files by the model",
            request.category,
            usage.calls,
            usage.cache_hits,
            usage.input_tokens,
            usage.output_tokens,
            "unknown cost"
            if usage.estimated_cost_usd is None
            else f"${usage.estimated_cost_usd:.4f}",
            n_llm,
            len(request.files),
        )
        reports: list[Report] = []
        for lang in langs:
            composer = ReportComposer(lang)
            report = composer.compose(request, lang, per_lang[lang])
            report.engine = "llm" if n_llm or sections is not None else "offline"
            report.usage = usage
            if sections is not None and sections.texts is not None:
                s = sections.texts[lang]
                report.summary = s.summary
                report.highlights = Highlights(
                    text=s.highlights,
                    new_features=s.new_features,
                    breaking_changes=s.breaking_changes,
                    other_updates=s.other_updates,
                )
                report.insights = s.insights[:3]
                if report_unsupported:
                    report.notes.append("unsupported-tokens: " + ", ".join(report_unsupported))
            elif report_note:
                report.notes.append(f"report sections by the offline engine ({report_note})")
            reports.append(report)
        return reports
