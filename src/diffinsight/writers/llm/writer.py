"""The LLM writer: per-file entries and report sections written by a chat model, grounded on facts.

It joins the parts: the :class:`~diffinsight.writers.llm.planner.Planner` (units, batches, requests), the
:class:`~diffinsight.writers.llm.client.ModelClient` (cache, budget, retries, log) and the
:mod:`~diffinsight.writers.llm.checker` (checks, then the sentence guard). One repair round carries only
what failed; after it, the guard removes every sentence the evidence does not support, and a text
left too short is written by the offline engine instead, marked so. No file is ever dropped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from diffinsight.errors import ConfigError
from diffinsight.grounding import Evidence, evidence_for
from diffinsight.models import FileReport, Highlights, Report, Usage
from diffinsight.providers.base import Provider, ProviderError
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.compose import ReportComposer
from diffinsight.writers.llm import checker, prompts
from diffinsight.writers.llm.cache import CallCache
from diffinsight.writers.llm.client import BudgetExceeded, Meter, ModelClient
from diffinsight.writers.llm.guard import GUARD_VERSION
from diffinsight.writers.llm.planner import (
    Planner,
    Unit,
    answer_json,
    counted_numbers,
    overview_lines,
    report_texts,
)
from diffinsight.writers.llm.settings import LLMSettings
from diffinsight.writers.offline import describe

log = logging.getLogger(__name__)


class _Truncated(Exception):
    """The model stopped at ``max_tokens`` (``finish_reason: length``)."""


@dataclass
class _Outcome:
    """What became of one file: the model's checked texts, or why the offline engine writes it."""

    #: The languages the model's text is usable in (the others fall back, for ``fallback``).
    texts: dict[str, prompts.FileText] = field(default_factory=dict)
    fallback: str | None = None


@dataclass
class _Combined:
    """A report small enough for one call: the file entries and the sections together."""

    overview: list[str]
    evidence: Evidence
    sections: checker.CheckedSections | None = None
    #: The sections' own answer, shown again if they need a repair.
    answer: str = ""
    keys: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    """What :meth:`LLMWriter.prepare` computes once per report."""

    #: The offline engine's entries, per language: fallbacks for the model's texts.
    offline: dict[str, list[FileReport]]
    units: list[Unit]
    #: Files written without the model, with the reason.
    skipped: dict[int, str]
    #: Evidence for report-level texts (each unit carries its file's own).
    evidence: Evidence


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
        if settings.max_cost is not None:
            for m in {self.model, self.file_model}:
                if settings.price(m) is None:
                    raise ConfigError(
                        f"--max-cost: no price known for model {m!r}; add llm.prices.{m} (USD per 1M tokens)"
                    )
        self.client = ModelClient(
            provider, settings, cache=cache, key_salt=GUARD_VERSION, sleep=sleep
        )
        self.planner = Planner(
            settings,
            model=self.model,
            file_model=self.file_model,
            supports_schema=provider.supports_schema,
        )
        self._announced = False
        #: The usage of this writer's last report that reached no model, if any did.
        self.unreached: Usage | None = None

    # -- per-file calls -----------------------------------------------------------------------

    def _ask_files(
        self,
        batch: list[Unit],
        langs: list[str],
        meter: Meter,
        combined: _Combined | None = None,
    ) -> dict[int, _Outcome]:
        req = self.planner.files_request(
            batch, langs, overview=combined.overview if combined else None
        )
        result, key = self.client.call(req, "files+report" if combined else "files", meter)
        keys = [key]
        if result.refusal or result.finish_reason == "content_filter":
            self.client.forget(keys)
            return {u.index: _Outcome(fallback="llm-refused") for u in batch}
        if result.finish_reason == "length":
            raise _Truncated()
        chosen, raw = self._check_files(result.content, batch, langs, combined)
        failed = [u for u in batch if chosen[u.id].failed(langs)]
        if failed:
            # Only the files and languages that failed, each with its own input, answer and
            # problems: nothing that passed is sent or written again.
            wanted = {lang for u in failed for lang in chosen[u.id].failed(langs)}
            redo = [lang for lang in langs if lang in wanted]
            problems = [p for u in failed for p in chosen[u.id].problems(redo)]
            ids = {u.id for u in failed}
            shown = [
                {"id": e["id"], "texts": {k: v for k, v in e["texts"].items() if k in wanted}}
                for e in raw
                if e["id"] in ids
            ]
            previous = answer_json({"files": shown}) if raw else result.content
            req2 = self.planner.files_request(failed, redo, repair=(previous, problems))
            try:
                result2, key2 = self.client.call(req2, "repair", meter)
                keys.append(key2)
                if not result2.refusal and result2.finish_reason == "stop":
                    second, _ = self._check_files(result2.content, failed, redo, None)
                    for u in failed:
                        chosen[u.id] = chosen[u.id].merged(second[u.id], redo)
            except (ProviderError, BudgetExceeded) as exc:
                log.debug("repair call failed: %s", exc)
        outcomes: dict[int, _Outcome] = {}
        unusable = False
        for u in batch:
            got = chosen[u.id]
            texts = {
                lang: lc.text
                for lang, lc in got.langs.items()
                if lc.text is not None and not lc.hard and not got.hard
            }
            why = next(
                iter(got.hard + [p for lc in got.langs.values() for p in lc.hard]),
                "no usable answer",
            )
            outcomes[u.index] = _Outcome(texts=texts, fallback=f"llm-invalid: {why}")
            unusable = unusable or len(texts) < len(langs)
        if unusable:
            self.client.forget(keys)
        elif combined is not None:
            combined.keys = keys
        return outcomes

    def _check_files(
        self, content: str, batch: list[Unit], langs: list[str], combined: _Combined | None
    ) -> tuple[dict[str, checker.Checked], list[dict[str, Any]]]:
        """Each unit's checked entry and the raw entries; sets ``combined.sections`` if asked."""
        answer, problem = checker.parse_files(content)
        if answer is None:
            bad = checker.Checked(hard=[problem or "no answer"])
            if combined is not None:
                combined.sections = checker.CheckedSections(hard=[problem or "no answer"])
            return {u.id: bad for u in batch}, []
        by_id = {u.id: u for u in batch}
        out: dict[str, checker.Checked] = {}
        raw: list[dict[str, Any]] = []
        for entry in answer.files:
            u = by_id.get(entry.id)
            if u is None:
                log.debug("model named file id %r, not in this call; ignored", entry.id)
                continue
            if entry.id not in out:
                raw.append(entry.model_dump())
                out[entry.id] = checker.check_entry(
                    u.id, u.af.change.path, entry.texts, langs, u.evidence
                )
        for u in batch:
            if u.id not in out:
                out[u.id] = checker.Checked(
                    hard=[f"file id={u.id} ({u.af.change.path}): missing from the answer"]
                )
        if combined is not None:
            if answer.report is None:
                combined.sections = checker.CheckedSections(hard=["report: missing"])
            else:
                combined.sections = checker.check_sections(answer.report, langs, combined.evidence)
                combined.answer = answer_json(
                    {"texts": {k: v.model_dump() for k, v in answer.report.items()}}
                )
        return out, raw

    def _run_batch(
        self,
        batch: list[Unit],
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

    def _ask_report(
        self,
        request: ReportRequest,
        files: list[FileReport],
        langs: list[str],
        evidence: Evidence,
        meter: Meter,
        earlier: _Combined | None = None,
    ) -> tuple[checker.CheckedSections | None, str | None]:
        """Report sections, or None and why (the offline composer then writes them).

        ``earlier``: sections a one-call answer got wrong; this is then their repair round.
        """
        try:
            keys: list[str] = []
            sections = earlier.sections if earlier is not None else None
            answer = earlier.answer if earlier is not None else ""
            if sections is None:
                req = self.planner.report_request(request, files, langs)
                result, key = self.client.call(req, "report", meter)
                keys.append(key)
                sections = checker.check_report_answer(result, langs, evidence)
                answer = result.content
            redo = list(langs) if sections.hard else sections.redo
            if redo:
                # Only the languages the guard could not save, with the report's own input.
                repair = (_sections_json(answer, redo), sections.hard + _told(sections, redo))
                req2 = self.planner.report_request(request, files, redo, repair=repair)
                result2, key2 = self.client.call(req2, "report-repair", meter)
                keys.append(key2)
                second = checker.check_report_answer(result2, redo, evidence)
                sections = sections.merged(second, redo)
            if not sections.usable:
                self.client.forget(keys)
                why = (sections.hard or [f"no {', '.join(sections.missing)} text"])[0]
                return None, f"llm-invalid: {why}"
            return sections, None
        except BudgetExceeded as exc:
            return None, f"llm-budget: {exc}"
        except ProviderError as exc:
            log.warning("report call failed: %s", exc)
            return None, f"llm-error: {exc}"

    # -- the Writer interface ---------------------------------------------------------------

    def prepare(self, request: ReportRequest) -> Prepared:
        """The language-independent work of one report: offline entries, units, evidence."""
        langs = list(request.languages)
        # The offline entries, once per file and language: fallbacks, and counted numbers.
        offline = {lang: [describe(af, lang) for af in request.files] for lang in langs}
        per_file = [[offline[lang][i] for lang in langs] for i in range(len(request.files))]
        units, skipped = self.planner.plan(request, per_file)
        first = ReportComposer(langs[0]).compose(request, langs[0], offline[langs[0]])
        evidence = Evidence(
            [p for u in units for p in u.parts]
            + [
                p
                for i in skipped
                for p in evidence_for(request.files[i].change, request.files[i].facts)
            ]
            + overview_lines(request.files)
            + counted_numbers(report_texts(first))
        )
        return Prepared(offline, units, skipped, evidence)

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
        meter = Meter(self.settings, langs, self.provider.name)
        prep = self.prepare(request)
        offline, units, skipped, evidence = prep.offline, prep.units, prep.skipped, prep.evidence
        outcomes: dict[int, _Outcome] = {
            i: _Outcome(fallback=f"offline: {why}") for i, why in skipped.items()
        }
        batches = self.planner.batches(units, len(langs))
        combined: _Combined | None = None
        if self.planner.fits_one_call(batches, len(langs)):
            # Everything fits one call: write the sections with the entries, saving a call.
            combined = _Combined(
                overview=self.planner.combined_overview(request, skipped), evidence=evidence
            )
        workers = max(1, min(self.settings.concurrency, len(batches)))
        if batches:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm") as pool:
                for result in pool.map(
                    lambda b: self._run_batch(b, langs, meter, combined), batches
                ):
                    outcomes.update(result)
        by_index = {u.index: u for u in units}
        per_lang: dict[str, list[FileReport]] = {lang: [] for lang in langs}
        n_llm = n_unsupported = n_removed = 0
        for i in range(len(request.files)):
            oc = outcomes.get(i) or _Outcome(fallback="llm-error: no outcome")
            file_llm = False
            for lang in langs:
                fr = offline[lang][i]
                if lang in oc.texts:
                    g = checker.guard_entry(oc.texts[lang], lang, by_index[i].evidence)
                    fr.removed_claims = g.removed
                    fr.unsupported_tokens = g.unsupported
                    n_removed += len(g.removed)
                    n_unsupported += len(g.unsupported)
                    if g.text is None:
                        fr.notes.append(f"llm-guard: {g.why}; written by the offline engine")
                    else:
                        fr.modification_title = g.text.title
                        fr.explanation = g.text.explanation
                        fr.engine = "llm"
                        file_llm = True
                        if by_index[i].clipped:
                            fr.notes.append("llm-input-clipped")
                elif oc.fallback and not oc.fallback.startswith("offline: "):
                    fr.notes.append(oc.fallback)
                per_lang[lang].append(fr)
            n_llm += file_llm
        sections: checker.CheckedSections | None = None
        report_note: str | None = None
        if combined is not None and combined.sections is not None:
            if combined.sections.usable and not combined.sections.redo:
                sections = combined.sections
            elif units and combined.keys:
                # Only the sections failed: their repair is a report call, not the whole batch.
                sections, report_note = self._ask_report(
                    request, per_lang[langs[0]], langs, evidence, meter, earlier=combined
                )
        if sections is None and report_note is None and units:
            sections, report_note = self._ask_report(
                request, per_lang[langs[0]], langs, evidence, meter
            )
        reports: list[Report] = []
        for lang in langs:
            report = ReportComposer(lang).compose(request, lang, per_lang[lang])
            report.engine = "llm" if n_llm or sections is not None else "offline"
            if sections is not None and sections.texts is not None:
                removed, unsupported = _apply_sections(report, sections.texts[lang], lang, evidence)
                n_removed += removed
                n_unsupported += unsupported
            elif report_note:
                report.notes.append(f"report sections by the offline engine ({report_note})")
            reports.append(report)
        usage = meter.done()
        usage.files_llm = n_llm
        usage.files_offline = len(request.files) - n_llm
        usage.unsupported_tokens = n_unsupported
        usage.claims_removed = n_removed
        if usage.unreached:
            self.unreached = usage
            note = f"llm-unreached: {usage.provider}: {usage.last_error}"
            for report in reports:
                report.engine = "offline"
                report.notes.append(note)
        for report in reports:
            report.usage = usage
        log.info(
            "llm %s: %d calls, %d cache hits, %d input + %d output tokens, est. %s;"
            " %d of %d files by the model, %d claims removed",
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
            n_removed,
        )
        return reports


def _sections_json(answer: str, langs: list[str]) -> str:
    """An earlier report answer cut to ``langs`` (as it was, when it is not JSON)."""
    try:
        data = json.loads(answer)
        texts = data["texts"] if "texts" in data else data.get("report", {})
        return answer_json({"texts": {k: v for k, v in texts.items() if k in langs}})
    except (ValueError, AttributeError, TypeError):
        return answer or "{}"


def _told(sections: checker.CheckedSections, langs: list[str]) -> list[str]:
    return [p for lang in langs for p in sections.problems.get(lang, [])]


def _apply_sections(
    report: Report, t: prompts.ReportText, lang: str, evidence: Evidence
) -> tuple[int, int]:
    """Guarded sections into ``report`` (offline ones where too little is left); counts removed."""
    g = checker.guard_sections(t, lang, evidence)
    if g.summary is not None:
        report.summary = g.summary
    if g.highlights is not None:
        report.highlights = Highlights(
            text=g.highlights,
            new_features=g.new_features,
            breaking_changes=g.breaking_changes,
            other_updates=g.other_updates,
        )
    if g.insights is not None:
        report.insights = g.insights[:3]
    report.removed_claims = g.removed
    if g.fallbacks:
        report.notes.append(
            f"llm-guard: {', '.join(g.fallbacks)} written by the offline engine"
            " (too little left after removing unsupported sentences)"
        )
    return len(g.removed), len(g.unsupported)
