"""The offline engine: reports written from facts through message catalogues, no model, no network.

Every value it prints is copied from a fact, and every fact is copied from the diff.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict

from diffinsight.i18n import Catalog, catalog
from diffinsight.models import (
    Fact,
    FileReport,
    FileStatus,
    Highlights,
    ModificationType,
    Report,
)
from diffinsight.writers.base import AnalyzedFile, ReportRequest

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".ico")
MAX_EXPLANATION_SENTENCES = 4
MAX_BULLETS = 7

# Which fact best names a file's change, most telling first.
_TITLE_PRIORITY = [
    "file.added",
    "file.removed",
    "file.renamed",
    "binary.added",
    "binary.removed",
    "binary.changed",
    "section.added",
    "section.removed",
    "text.replaced",
    "text.inserted",
    "text.deleted",
    "lines.added",
    "lines.removed",
    "line.rewritten",
    "whitespace.changed",
    "newline.eof",
]


def code(value: str) -> str:
    """``value`` as a Markdown code span that survives backticks inside it."""
    value = value.replace("\n", " ")
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def _title_limit(lang: str) -> int:
    return 30 if lang[:2] in ("zh", "ja", "ko") else 60


def _visible_len(text: str) -> int:
    return len(text.replace("`", ""))


def _is_date_key(fact: Fact) -> bool:
    key = str(fact.detail.get("key") or "")
    return key.endswith("date") or key.endswith("Date")


def _sections(fact: Fact) -> list[str]:
    return [str(h) for h in fact.detail.get("headings", [])]


def _normalise(facts: list[Fact]) -> list[Fact]:
    """Present heading-carrying line facts as section facts, the way a reader thinks of them."""
    out: list[Fact] = []
    for f in facts:
        if f.kind == "lines.added" and _sections(f):
            out.extend(Fact(kind="section.added", new=h, where=f.where) for h in _sections(f))
        elif f.kind == "lines.removed" and _sections(f):
            out.extend(Fact(kind="section.removed", old=h, where=f.where) for h in _sections(f))
        else:
            out.append(f)
    return out


def _group(facts: list[Fact]) -> list[tuple[Fact, int]]:
    """Identical statements once, with how often they occur (order kept)."""
    counts: Counter[tuple[str, str | None, str | None, str | None]] = Counter()
    first: dict[tuple[str, str | None, str | None, str | None], Fact] = {}
    for f in facts:
        k = (f.kind, f.old, f.new, str(f.detail.get("key") or ""))
        counts[k] += 1
        first.setdefault(k, f)
    return [(first[k], counts[k]) for k in first]


class FileWriter:
    """Titles and explanations of single files in one language."""

    def __init__(self, lang: str) -> None:
        self.cat: Catalog = catalog(lang)
        self.lang = lang

    def _where(self, fact: Fact) -> str:
        return self.cat.t("where.in", section=fact.where) if fact.where else ""

    def sentence(self, fact: Fact, times: int, change: AnalyzedFile) -> str:
        """One sentence stating ``fact``."""
        t = self.cat.t
        path = change.change.path
        name = posixpath.basename(path)
        k = fact.kind
        where = self._where(fact)
        if k == "file.added":
            heads = [h for h in _sections(fact) if h != fact.new][:4]
            s = (
                t("fact.file_added", title=fact.new, count=int(fact.detail.get("lines", 0)))
                if fact.new
                else t(
                    "fact.file_added_untitled",
                    name=code(name),
                    count=int(fact.detail.get("lines", 0)),
                )
            )
            if len(heads) > 1:
                s += t("fact.sections_listed", sections=self.cat.join([f"“{h}”" for h in heads]))
            return s
        if k == "file.removed":
            if fact.old:
                return t(
                    "fact.file_removed", title=fact.old, count=int(fact.detail.get("lines", 0))
                )
            return t(
                "fact.file_removed_untitled",
                name=code(name),
                count=int(fact.detail.get("lines", 0)),
            )
        if k == "file.renamed":
            sim = fact.detail.get("similarity")
            s = t("fact.file_renamed", old=code(fact.old or ""), new=code(fact.new or ""))
            if sim is not None:
                s += t("fact.similarity", similarity=sim)
            return s
        if k in ("binary.added", "binary.removed", "binary.changed"):
            kind = "image" if path.lower().endswith(IMAGE_SUFFIXES) else "binary"
            return t(f"fact.{k.replace('.', '_')}_{kind}", name=code(name))
        if k == "section.added":
            return t("fact.section_added", section=fact.new)
        if k == "section.removed":
            return t("fact.section_removed", section=fact.old)
        if k == "text.replaced":
            key = fact.detail.get("key")
            if key:
                s = t(
                    "fact.key_changed",
                    key=code(str(key)),
                    old=code(fact.old or ""),
                    new=code(fact.new or ""),
                )
            else:
                s = t(
                    "fact.text_replaced",
                    old=code(fact.old or ""),
                    new=code(fact.new or ""),
                    where=where,
                )
            return s + (t("fact.times", count=times) if times > 1 else "")
        if k == "text.inserted":
            return t("fact.text_inserted", new=code(fact.new or ""), where=where) + (
                t("fact.times", count=times) if times > 1 else ""
            )
        if k == "text.deleted":
            return t("fact.text_deleted", old=code(fact.old or ""), where=where) + (
                t("fact.times", count=times) if times > 1 else ""
            )
        if k == "lines.added":
            return t("fact.lines_added", count=int(fact.detail.get("count", 0)), where=where)
        if k == "lines.removed":
            return t("fact.lines_removed", count=int(fact.detail.get("count", 0)), where=where)
        if k == "line.rewritten":
            return t("fact.lines_rewritten", count=int(fact.detail.get("count", 1)), where=where)
        if k == "whitespace.changed":
            return t("fact.whitespace")
        if k == "newline.eof":
            return t("fact.eof_added" if fact.detail.get("added") else "fact.eof_removed")
        return t("fact.other", count=1)

    def title(self, af: AnalyzedFile, facts: list[Fact]) -> str:
        """A one-line title (no trailing period, within the language's length limit)."""
        t = self.cat.t
        name = posixpath.basename(af.change.path)
        limit = _title_limit(self.lang)
        primary = _primary(facts)
        candidates: list[str] = []
        if primary is not None:
            k = primary.kind
            if k == "file.added":
                candidates = [t("title.page_added", title=primary.new)] if primary.new else []
                candidates.append(t("title.file_added", name=name))
            elif k == "file.removed":
                candidates = [t("title.page_removed", title=primary.old)] if primary.old else []
                candidates.append(t("title.file_removed", name=name))
            elif k == "file.renamed":
                candidates = [
                    t("title.renamed", new=posixpath.basename(primary.new or "")),
                    t("title.renamed_short"),
                ]
            elif k.startswith("binary."):
                kind = "image" if af.change.path.lower().endswith(IMAGE_SUFFIXES) else "binary"
                candidates = [t(f"title.{k.replace('.', '_')}_{kind}", name=name)]
            elif k == "section.added":
                candidates = [
                    t("title.section_added", section=primary.new),
                    t("title.sections_added"),
                ]
            elif k == "section.removed":
                candidates = [
                    t("title.section_removed", section=primary.old),
                    t("title.sections_removed"),
                ]
            elif k == "text.replaced":
                key = primary.detail.get("key")
                if key and _is_date_key(primary):
                    candidates = [
                        t("title.date_updated", key=code(str(key)), new=code(primary.new or ""))
                    ]
                elif key:
                    candidates = [
                        t("title.key_changed", key=code(str(key)), new=code(primary.new or ""))
                    ]
                candidates += [
                    t(
                        "title.value_changed",
                        old=code(primary.old or ""),
                        new=code(primary.new or ""),
                    ),
                    t("title.value_to", new=code(primary.new or "")),
                    t("title.values_updated"),
                ]
            elif k == "text.inserted":
                candidates = [
                    t("title.text_inserted", new=code(primary.new or "")),
                    t("title.text_edited"),
                ]
            elif k == "text.deleted":
                candidates = [
                    t("title.text_deleted", old=code(primary.old or "")),
                    t("title.text_edited"),
                ]
            elif k in ("lines.added", "lines.removed", "line.rewritten"):
                candidates = [
                    t(f"title.{k.replace('.', '_')}_in", section=primary.where)
                    if primary.where
                    else "",
                    t(f"title.{k.replace('.', '_')}", count=int(primary.detail.get("count", 1))),
                ]
            elif k in ("whitespace.changed", "newline.eof"):
                candidates = [t("title.formatting")]
        candidates.append(t("title.updated", name=name))
        for c in candidates:
            if c and _visible_len(c) <= limit:
                return c.rstrip("。.")
        return t("title.updated_short")

    def explanation(self, af: AnalyzedFile, facts: list[Fact]) -> str:
        """One to four sentences, the first carrying the main change."""
        grouped = _group(facts)
        primary = _primary(facts)
        grouped.sort(key=lambda g: 0 if g[0] is primary else 1)
        shown = grouped
        if len(grouped) > MAX_EXPLANATION_SENTENCES:
            shown = grouped[: MAX_EXPLANATION_SENTENCES - 1]
        sentences = [self.sentence(f, n, af) for f, n in shown]
        if len(shown) < len(grouped):
            sentences.append(self.cat.t("fact.more_edits", count=len(grouped) - len(shown)))
        if not sentences:
            sentences = [
                self.cat.t("fact.counts_only", adds=af.change.additions, dels=af.change.deletions)
            ]
        if "patch-clipped" in af.change.notes:
            sentences.append(self.cat.t("note.patch_clipped"))
        return self.cat.t("sep.sentence").join(sentences)

    def file_report(self, af: AnalyzedFile) -> FileReport:
        """The per-file entry of a report."""
        facts = _normalise(af.facts)
        c = af.change
        return FileReport(
            path=c.path,
            old_path=c.old_path,
            status=c.status,
            additions=c.additions,
            deletions=c.deletions,
            changes=c.changes,
            binary=c.binary,
            modification_type=af.modification_type,
            modification_title=self.title(af, facts),
            explanation=self.explanation(af, facts),
            facts=af.facts,
            reason=af.reason,
            engine="offline",
            notes=list(c.notes),
            patch=c.patch,
        )


def _primary(facts: list[Fact]) -> Fact | None:
    best: Fact | None = None
    best_rank = len(_TITLE_PRIORITY) + 1
    for f in facts:
        rank = _TITLE_PRIORITY.index(f.kind) if f.kind in _TITLE_PRIORITY else len(_TITLE_PRIORITY)
        if f.kind == "text.replaced" and _is_date_key(f):
            rank = _TITLE_PRIORITY.index("line.rewritten")  # a date bump says little
        if rank < best_rank:
            best, best_rank = f, rank
    return best


class OfflineWriter:
    """The default writer: deterministic, grounded, in every catalogued language."""

    name = "offline"

    def write(self, request: ReportRequest) -> list[Report]:
        """One report per language of ``request``."""
        return [self.write_one(request, lang) for lang in request.languages]

    def write_one(self, request: ReportRequest, lang: str) -> Report:
        """The report in one language."""
        fw = FileWriter(lang)
        files = [fw.file_report(af) for af in request.files]
        composer = ReportComposer(lang)
        return composer.compose(request, lang, files)


class ReportComposer:
    """Report-level sections (summary, highlights, insights) from the per-file entries."""

    def __init__(self, lang: str) -> None:
        self.cat = catalog(lang)
        self.lang = lang

    def compose(self, request: ReportRequest, lang: str, files: list[FileReport]) -> Report:
        """Assemble the report around ``files``."""
        cs = request.changeset
        return Report(
            date=request.date,
            language=lang,
            category=request.category,
            title=request.title(lang),
            repo=cs.repo,
            permalink=cs.permalink,
            base=cs.base,
            head=cs.head,
            summary=self.summary(request, files),
            highlights=self.highlights(request, files),
            insights=self.insights(request, files),
            files=files,
            engine="offline",
        )

    def _status_counts(self, files: list[FileReport]) -> str:
        counts = Counter(f.status for f in files)
        parts = [
            self.cat.t(f"status.{s.value}", count=counts[s])
            for s in (FileStatus.ADDED, FileStatus.MODIFIED, FileStatus.REMOVED, FileStatus.RENAMED)
            if counts[s]
        ]
        return self.cat.join(parts)

    def _type_counts(self, files: list[FileReport]) -> str:
        counts = Counter(f.modification_type for f in files)
        parts = [
            self.cat.t(f"type_count.{m.name.lower()}", count=counts[m])
            for m in ModificationType
            if counts[m]
        ]
        return self.cat.join(parts)

    def summary(self, request: ReportRequest, files: list[FileReport]) -> str:
        """The front matter ``summary``: counts by status and type."""
        t = self.cat.t
        adds = sum(f.additions for f in files)
        dels = sum(f.deletions for f in files)
        s = t(
            "summary.files",
            count=len(files),
            category=request.category,
            statuses=self._status_counts(files),
            adds=self.cat.num(adds),
            dels=self.cat.num(dels),
        )
        return s + t("sep.sentence") + t("summary.types", types=self._type_counts(files))

    def highlights(self, request: ReportRequest, files: list[FileReport]) -> Highlights:
        """Highlights: an opening line and the three bullet groups."""
        t = self.cat.t
        commits = len(request.changeset.commits)
        text = t("highlights.intro", count=len(files), statuses=self._status_counts(files))
        if commits:
            text += t("sep.sentence") + t("highlights.commits", count=commits)
        by_type: dict[ModificationType, list[FileReport]] = defaultdict(list)
        for f in files:
            by_type[f.modification_type].append(f)
        new = self._bullets(by_type[ModificationType.NEW_FEATURE])
        breaking = self._bullets(by_type[ModificationType.BREAKING_CHANGE])
        other = self._grouped_bullets(
            by_type[ModificationType.BUG_FIX] + by_type[ModificationType.MINOR_UPDATE], files
        )
        return Highlights(
            text=text,
            new_features=new,
            breaking_changes=breaking,
            other_updates=other,
        )

    def _bullet(self, f: FileReport) -> str:
        return self.cat.t("highlights.bullet", title=f.modification_title, name=code(f.basename))

    def _bullets(self, files: list[FileReport]) -> list[str]:
        out = [self._bullet(f) for f in files[:MAX_BULLETS]]
        if len(files) > MAX_BULLETS:
            out[-1] = self.cat.t("highlights.more_files", count=len(files) - MAX_BULLETS + 1)
        return out

    def _grouped_bullets(self, files: list[FileReport], all_files: list[FileReport]) -> list[str]:
        """Facts shared by several files become one bullet with a count."""
        shared: dict[tuple[str, str | None, str | None, str], list[FileReport]] = defaultdict(list)
        for f in files:
            seen = set()
            for fact in f.facts:
                if fact.kind not in ("text.replaced", "text.inserted", "text.deleted"):
                    continue
                fkey = (fact.kind, fact.old, fact.new, str(fact.detail.get("key") or ""))
                if fkey not in seen:
                    seen.add(fkey)
                    shared[fkey].append(f)
        bullets: list[str] = []
        covered: set[str] = set()
        for (kind, old, new, key), group in sorted(shared.items(), key=lambda kv: -len(kv[1])):
            if len(group) < 2 or len(bullets) >= MAX_BULLETS - 1:
                continue
            group = [g for g in group if g.path not in covered] or group
            bullets.append(self._shared_bullet(kind, old, new, key, group))
            covered.update(g.path for g in group)
        rest = [f for f in files if f.path not in covered]
        room = MAX_BULLETS - len(bullets)
        for f in rest[:room]:
            bullets.append(self._bullet(f))
        if len(rest) > room and bullets:
            bullets[-1] = self.cat.t("highlights.more_files", count=len(rest) - room + 1)
        return bullets

    def _shared_bullet(
        self, kind: str, old: str | None, new: str | None, key: str, group: list[FileReport]
    ) -> str:
        t = self.cat.t
        n = len(group)
        if kind == "text.replaced" and key:
            return t("highlights.shared_key", key=code(key), new=code(new or ""), count=n)
        if kind == "text.replaced":
            return t(
                "highlights.shared_replaced", old=code(old or ""), new=code(new or ""), count=n
            )
        if kind == "text.inserted":
            return t("highlights.shared_inserted", new=code(new or ""), count=n)
        return t("highlights.shared_deleted", old=code(old or ""), count=n)

    def insights(self, request: ReportRequest, files: list[FileReport]) -> list[str]:
        """Up to three short paragraphs, each grounded in several files' facts or counts."""
        t = self.cat.t
        paras: list[str] = []
        if not files:
            return paras
        folders = Counter(posixpath.dirname(f.path) or "." for f in files)
        top = folders.most_common(3)
        if len(files) > 1:
            paras.append(
                t(
                    "insights.folders",
                    folders=self.cat.join(
                        [t("insights.folder", folder=code(d), count=n) for d, n in top]
                    ),
                )
            )
        biggest = max(files, key=lambda f: f.changes)
        if biggest.changes:
            paras.append(
                t(
                    "insights.biggest",
                    name=code(biggest.path),
                    adds=self.cat.num(biggest.additions),
                    dels=self.cat.num(biggest.deletions),
                    title=biggest.modification_title,
                )
            )
        attention = [f for f in files if f.modification_type is ModificationType.BREAKING_CHANGE]
        if attention:
            paras.append(
                t(
                    "insights.breaking",
                    count=len(attention),
                    names=self.cat.join([code(f.basename) for f in attention[:5]]),
                )
            )
        return paras[:3]


def describe(af: AnalyzedFile, lang: str) -> FileReport:
    """The offline engine's entry for one file (the LLM writer's fallback)."""
    return FileWriter(lang).file_report(af)
