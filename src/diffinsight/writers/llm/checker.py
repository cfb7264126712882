"""The answer checker: schema, language, artefacts, grounding, then the sentence guard.

Checking finds the problems a repair round may fix (:func:`check_entry`, :func:`check_sections`);
after that round, :func:`guard_entry` and :func:`guard_sections` take out whatever is still
wrong, so nothing the evidence does not support is published, whatever the model does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from diffinsight.grounding import Evidence
from diffinsight.providers.base import ChatResult
from diffinsight.writers.llm import checks, prompts
from diffinsight.writers.llm.guard import carries_change, first_sentence, guard

_TITLE_LIMIT_CJK = 30
_TITLE_LIMIT = 60


def title_limit(lang: str) -> int:
    """Characters a title may have in ``lang``."""
    return _TITLE_LIMIT_CJK if lang[:2] in ("zh", "ja", "ko") else _TITLE_LIMIT


def _visible(text: str) -> int:
    return len(text.replace("`", ""))


@dataclass
class LangCheck:
    """One file's entry in one language, as checked."""

    text: prompts.FileText | None = None
    #: Problems that make the text unusable (missing, empty).
    hard: list[str] = field(default_factory=list)
    #: Problems worth a repair round; the guard deals with what is left after it.
    soft: list[str] = field(default_factory=list)
    #: Style problems fixed when a repair happens anyway, never a reason for one (a long title).
    minor: list[str] = field(default_factory=list)
    #: Whether the guard alone would lose the change (the text, or its first sentence): only
    #: then is a repair worth its tokens; other faults the guard removes exactly.
    worth_repair: bool = False

    def rank(self) -> tuple[bool, int, int]:
        """Smaller is better."""
        return (bool(self.hard) or self.text is None, len(self.soft), len(self.minor))


@dataclass
class Checked:
    """One file's entry in every language, as checked."""

    langs: dict[str, LangCheck] = field(default_factory=dict)
    #: Problems of the whole entry (missing from the answer, an answer that is not JSON).
    hard: list[str] = field(default_factory=list)

    def failed(self, langs: list[str]) -> list[str]:
        """The languages worth a repair (all of them when the entry itself is unusable)."""
        if self.hard:
            return list(langs)
        return [
            lang
            for lang in langs
            if lang not in self.langs or self.langs[lang].hard or self.langs[lang].worth_repair
        ]

    def problems(self, langs: list[str]) -> list[str]:
        """What a repair of ``langs`` is told to fix."""
        out = list(self.hard)
        for lang in langs:
            lc = self.langs.get(lang)
            if lc is not None:
                out += lc.hard + lc.soft + lc.minor
        return out

    def merged(self, repair: Checked, langs: list[str]) -> Checked:
        """This entry with each of ``langs`` taken from ``repair`` where that is no worse."""
        if repair.hard:
            return self
        out = Checked(langs=dict(self.langs))
        for lang in langs:
            new = repair.langs.get(lang)
            old = None if self.hard else self.langs.get(lang)
            if new is not None and (old is None or new.rank() <= old.rank()):
                out.langs[lang] = new
        if self.hard and any(lang not in out.langs for lang in langs):
            out.hard = list(self.hard)
        return out


@dataclass
class CheckedSections:
    """Report-level sections as checked, language by language."""

    texts: dict[str, prompts.ReportText] | None = None
    #: Problems of the whole answer (not JSON, cut off).
    hard: list[str] = field(default_factory=list)
    #: Problems per language ("missing" among them), told to a repair.
    problems: dict[str, list[str]] = field(default_factory=dict)
    #: Languages whose sections are missing or would lose their summary to the guard.
    redo: list[str] = field(default_factory=list)
    #: Languages without sections.
    missing: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Whether every language has sections (the guard then deals with the rest)."""
        return self.texts is not None and not self.hard and not self.missing

    @property
    def clean(self) -> bool:
        """No problem at all."""
        return self.usable and not any(self.problems.values())

    def merged(self, repair: CheckedSections, langs: list[str]) -> CheckedSections:
        """These sections with each of ``langs`` taken from ``repair`` where that is no worse."""
        if repair.hard or repair.texts is None:
            return self
        if self.hard or self.texts is None:
            return repair
        texts = dict(self.texts)
        out = CheckedSections(texts=texts, problems=dict(self.problems), missing=list(self.missing))
        for lang in langs:
            if lang not in repair.texts or lang in repair.missing:
                continue
            new = repair.problems.get(lang, [])
            if lang in out.missing or len(new) <= len(self.problems.get(lang, [])):
                texts[lang] = repair.texts[lang]
                out.problems[lang] = new
                out.missing = [m for m in out.missing if m != lang]
        return out


def _text_problems(text: str, lang: str, *, title: bool = False) -> list[str]:
    out = []
    leaks = checks.artefacts(text, title=title)
    if leaks:
        out.append(f"remove {', '.join(sorted(set(leaks)))}")
    if not checks.language_ok(text, lang):
        out.append(f"the {lang} text is not in {prompts.language_name(lang)}")
    return out


def _unsupported_problem(values: list[str]) -> str:
    return (
        "these values are not in the input; remove them or use the input's exact values: "
        + ", ".join(values)
    )


def check_entry(
    fid: str, path: str, texts: dict[str, prompts.FileText], langs: list[str], evidence: Evidence
) -> Checked:
    """Problems of one file's entry, language by language."""
    ck = Checked()
    where = f"file id={fid} ({path})"
    for lang in langs:
        t = texts.get(lang)
        if t is None or not t.title.strip() or not t.explanation.strip():
            ck.langs[lang] = LangCheck(hard=[f"{where}: missing or empty {lang} text"])
            continue
        t.title = t.title.strip().rstrip("。.")
        t.explanation = t.explanation.strip()
        lc = LangCheck(text=t)
        problems = _text_problems(t.title, lang, title=True) + _text_problems(t.explanation, lang)
        lc.soft += [f"{where}, {lang}: {p}" for p in dict.fromkeys(problems)]
        if _visible(t.title) > title_limit(lang):
            lc.minor.append(f"{where}: {lang} title longer than {title_limit(lang)} characters")
        bad = checks.unsupported(f"{t.title}\n{t.explanation}", evidence)
        if bad:
            lc.soft.append(f"{where}, {lang}: {_unsupported_problem(bad)}")
        if lc.soft:
            lc.worth_repair = _loses_change(t, lang, evidence)
        ck.langs[lang] = lc
    return ck


def _loses_change(t: prompts.FileText, lang: str, evidence: Evidence) -> bool:
    g = guard_entry(prompts.FileText(title=t.title, explanation=t.explanation), lang, evidence)
    return g.text is None or _first_sentence_removed(t.explanation, g.removed)


def _first_sentence_removed(text: str, removed: list[str]) -> bool:
    first = first_sentence(text)
    return bool(first) and first in removed


def _section_parts(t: prompts.ReportText) -> list[str]:
    return [
        t.summary,
        t.highlights,
        *t.new_features,
        *t.breaking_changes,
        *t.other_updates,
        *t.insights,
    ]


def check_sections(
    texts: dict[str, prompts.ReportText], langs: list[str], evidence: Evidence
) -> CheckedSections:
    """Checks of report sections: presence, artefacts, language, faithfulness."""
    out = CheckedSections(texts=texts)
    for lang in langs:
        t = texts.get(lang)
        if t is None or not t.summary.strip():
            out.problems[lang] = [f"missing {lang} text"]
            out.missing.append(lang)
            out.redo.append(lang)
            continue
        joined = "\n".join(_section_parts(t))
        problems = [f"{lang}: {p}" for p in _text_problems(joined, lang)]
        bad = checks.unsupported(joined, evidence)
        if bad:
            problems.append(f"{lang}: {_unsupported_problem(bad)}")
        out.problems[lang] = problems
        if problems:
            g = guard_sections(t, lang, evidence)
            if g.fallbacks or _first_sentence_removed(t.summary, g.removed):
                out.redo.append(lang)
    return out


def _invalid(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"the answer is not valid JSON of the requested shape: {where}: {first['msg']}"


def parse_files(content: str) -> tuple[prompts.FilesAnswer | None, str | None]:
    """A per-file answer, or None and why it is unusable."""
    try:
        return prompts.FilesAnswer.model_validate_json(content), None
    except ValidationError as exc:
        return None, _invalid(exc)


def check_report_answer(
    result: ChatResult, langs: list[str], evidence: Evidence
) -> CheckedSections:
    """Checked sections of a report call's answer."""
    if result.refusal or result.finish_reason != "stop":
        return CheckedSections(hard=[f"answer ended with {result.finish_reason}"])
    try:
        answer = prompts.ReportAnswer.model_validate_json(result.content)
    except ValidationError as exc:
        return CheckedSections(hard=[_invalid(exc)])
    return check_sections(answer.texts, langs, evidence)


# -- the guard, after the repair round ------------------------------------------------------------


@dataclass
class GuardedEntry:
    """One file's entry in one language after the guard; ``text`` None: use the offline one."""

    text: prompts.FileText | None
    removed: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    why: str = ""


def guard_entry(t: prompts.FileText, lang: str, evidence: Evidence) -> GuardedEntry:
    """The entry without unsupported sentences and artefacts, or None when too little is left."""
    title = guard(t.title, lang, evidence, title=True)
    expl = guard(t.explanation, lang, evidence)
    out = GuardedEntry(
        text=None,
        removed=title.removed + expl.removed,
        unsupported=list(dict.fromkeys(title.unsupported + expl.unsupported)),
    )
    new_title = title.text.rstrip("。.")
    if not new_title:
        out.why = "title removed (" + "; ".join(title.reasons or ["empty"]) + ")"
    elif not expl.text or (expl.removed and not carries_change(expl.text, lang)):
        out.why = (
            "explanation too short after removals (" + "; ".join(expl.reasons or ["empty"]) + ")"
        )
    else:
        out.text = prompts.FileText(title=new_title, explanation=expl.text)
    return out


@dataclass
class GuardedSections:
    """Report sections in one language after the guard; None fields: use the offline ones."""

    summary: str | None
    highlights: str | None
    new_features: list[str]
    breaking_changes: list[str]
    other_updates: list[str]
    insights: list[str] | None
    removed: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    @property
    def fallbacks(self) -> list[str]:
        """The sections left to the offline engine."""
        names = {"summary": self.summary, "highlights": self.highlights, "insights": self.insights}
        return [k for k, v in names.items() if v is None]


def guard_sections(t: prompts.ReportText, lang: str, evidence: Evidence) -> GuardedSections:
    """The sections without unsupported sentences and artefacts (per section, per bullet)."""
    removed: list[str] = []
    unsupported: list[str] = []

    def one(text: str) -> str:
        g = guard(text, lang, evidence)
        removed.extend(g.removed)
        unsupported.extend(v for v in g.unsupported if v not in unsupported)
        return g.text

    def many(items: list[str]) -> list[str]:
        return [kept for kept in (one(i) for i in items) if kept]

    summary = one(t.summary)
    highlights = one(t.highlights)
    groups = [many(t.new_features), many(t.breaking_changes), many(t.other_updates)]
    insights = many(t.insights)
    had_bullets = any([t.new_features, t.breaking_changes, t.other_updates])
    # With bullets, they are the section (a lead paragraph is optional, as in the existing
    # tool's reports); without, the lead is.
    highlights_ok = any(groups) if had_bullets else bool(highlights)
    return GuardedSections(
        summary=summary if summary == t.summary.strip() or carries_change(summary, lang) else None,
        highlights=highlights if highlights_ok else None,
        new_features=groups[0],
        breaking_changes=groups[1],
        other_updates=groups[2],
        insights=insights if insights or not t.insights else None,
        removed=removed,
        unsupported=unsupported,
    )
