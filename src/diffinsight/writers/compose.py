"""Report-level sections of the offline engine: summary, highlights and insights.

Everything here is ordered by one ranking (:func:`file_rank`, built on the fact ranks the
titles use), so the summary, the order of the bullets and the insights agree on what
mattered most on the day.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict

from diffinsight.facts.kinds import UNKNOWN_RANK, FactKind, spec
from diffinsight.facts.kinds import fact_rank as _rank
from diffinsight.facts.kinds import is_date_key as _is_date_key
from diffinsight.i18n import catalog
from diffinsight.models import (
    Fact,
    FileReport,
    FileStatus,
    Highlights,
    ModificationType,
    Report,
)
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.quoting import clip_quotes
from diffinsight.writers.titles import code, shorten

MAX_BULLETS = 7


def sections(fact: Fact) -> list[str]:
    return [str(h) for h in fact.detail.get("headings", [])]


def normalise(facts: list[Fact]) -> list[Fact]:
    """Present heading-carrying line facts as section facts, the way a reader thinks of them."""
    out: list[Fact] = []
    for f in facts:
        if f.kind == FactKind.LINES_ADDED and sections(f):
            out.extend(Fact(kind=FactKind.HEADING_ADDED, new=h, where=f.where) for h in sections(f))
        elif f.kind == FactKind.LINES_REMOVED and sections(f):
            out.extend(
                Fact(kind=FactKind.HEADING_REMOVED, old=h, where=f.where) for h in sections(f)
            )
        else:
            out.append(f)
    return out


#: Build, policy and table-of-contents files: told last on any day.
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
}
#: Fact kinds too slight to be a theme of the day or an item of the summary.
MINOR_THEME_KINDS: set[str] = {
    FactKind.FRONTMATTER_DATE_CHANGED,
    FactKind.FRONTMATTER_CHANGED,
    FactKind.LINK_ADDED,
    FactKind.TEXT_MOVED,
    FactKind.WHITESPACE_CHANGED,
    FactKind.NEWLINE_EOF,
    FactKind.TEXT_PUNCTUATION,
}
#: Page titles that say a page is an entry point: named first among a new area's pages.
_ENTRY_PAGE_RE = re.compile(
    r"migrat|overview|quickstart|get(ting)? started|what is|introduc|concepts?\b", re.IGNORECASE
)
_RETIREMENT_RE = re.compile(r"\b(retire[ds]?|retirement|deprecat\w*)\b", re.IGNORECASE)
MIN_AREA_PAGES = 3
MIN_DOC_SET_PAGES = 5
MAX_SUMMARY_ITEMS = 3
MAX_INSIGHTS = 3
MAX_QUOTED_TITLE = 60

SharedKey = tuple[str, str | None, str | None, str]


def is_plumbing(path: str) -> bool:
    """Whether ``path`` is a build, policy or TOC file rather than a page."""
    base = posixpath.basename(path).lower()
    return base in PLUMBING_NAMES or base.startswith(".") or base.endswith(".json")


def _is_page(path: str) -> bool:
    return path.lower().endswith((".md", ".markdown")) and not is_plumbing(path)


def file_rank(f: FileReport) -> tuple[int, int, int, int, str]:
    """How much a file matters (smaller first): pages before plumbing, then its main fact, then
    real pages before included fragments, then size."""
    facts = normalise(f.facts)
    main = min((_rank(x) for x in facts), default=UNKNOWN_RANK)
    return (int(is_plumbing(f.path)), main, int("/includes/" in f.path), -f.changes, f.path)


def _page_title(f: FileReport) -> str | None:
    for fact in f.facts:
        if fact.kind == FactKind.FILE_ADDED and fact.new:
            return fact.new
        if fact.kind == FactKind.FILE_REMOVED and fact.old:
            return fact.old
    return None


def _folder_of_most(paths: list[str], minimum: int) -> tuple[str, list[str]] | None:
    """The deepest folder holding most of ``paths`` (at least ``minimum`` of them)."""
    under: dict[str, list[str]] = defaultdict(list)
    for p in paths:
        parts = p.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            under["/".join(parts[:depth])].append(p)
    best: tuple[str, list[str]] | None = None
    for folder, members in under.items():
        if len(members) < minimum:
            continue
        # More pages win; among equals the deeper folder names the area more precisely.
        if best is None or (len(members), folder.count("/")) > (len(best[1]), best[0].count("/")):
            best = (folder, members)
    return best


class ReportComposer:
    """Report-level sections (summary, highlights, insights) from the per-file entries.

    Everything is ordered by one ranking (:func:`file_rank`, built on the fact ranks the
    titles use): the summary names the first one to three changes, the highlights show the
    first seven bullets, the insights tell themes that span several files.
    """

    def __init__(self, lang: str) -> None:
        self.cat = catalog(lang)
        self.lang = lang

    def compose(self, request: ReportRequest, lang: str, files: list[FileReport]) -> Report:
        """Assemble the report around ``files``."""
        cs = request.changeset
        h = self.highlights(request, files)
        # Every quote of the report-level text within 80 characters, like the files' text.
        h = Highlights(
            text=self._clip(h.text),
            new_features=[self._clip(b) for b in h.new_features],
            breaking_changes=[self._clip(b) for b in h.breaking_changes],
            other_updates=[self._clip(b) for b in h.other_updates],
        )
        return Report(
            date=request.date,
            language=lang,
            category=request.category,
            title=request.title(lang),
            repo=cs.repo,
            permalink=cs.permalink,
            base=cs.base,
            head=cs.head,
            summary=self._clip(self.summary(request, files)),
            highlights=h,
            insights=[self._clip(p) for p in self.insights(request, files)],
            files=files,
            engine="offline",
        )

    # -- shared building blocks ----------------------------------------------------------

    def _clip(self, text: str) -> str:
        return clip_quotes(text, self.cat)

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

    def _quote_title(self, title: str) -> str:
        return self.cat.t("quote", text=shorten(title, MAX_QUOTED_TITLE))

    def _names(self, values: list[str], limit: int = 3, counted: bool = False) -> str:
        """``values`` once each, at most ``limit``; "and others" for the rest unless the
        sentence already gives the count ("57 pages, including a, b and c")."""
        unique = list(dict.fromkeys(values))
        return self.cat.join(unique[:limit], more=len(unique) > limit and not counted)

    def _bullet(self, f: FileReport) -> str:
        # A title that already names the file needs no "(name)" after it.
        if code(f.basename) in f.modification_title:
            return f.modification_title
        return self.cat.t("highlights.bullet", title=f.modification_title, name=code(f.basename))

    def _shared(self, files: list[FileReport]) -> list[tuple[SharedKey, list[FileReport]]]:
        """Facts that several files share, most important first."""
        shared: dict[SharedKey, list[FileReport]] = defaultdict(list)
        rank: dict[SharedKey, int] = {}
        for f in files:
            seen: set[SharedKey] = set()
            for fact in f.facts:
                # The same reworded span (old -> new) in several files is one change too.
                wording = fact.kind == FactKind.TEXT_WORDING and bool(fact.old and fact.new)
                if not (_shareable(fact.kind) or wording) or not (fact.old or fact.new):
                    continue
                key = str(fact.detail.get("key") or fact.detail.get("param") or "")
                # A date bump is shared whatever each file's old date was.
                old = None if _is_date_key(fact) else fact.old
                fkey = (fact.kind, old, fact.new, key)
                if fkey not in seen:
                    seen.add(fkey)
                    shared[fkey].append(f)
                    rank[fkey] = _rank(fact)
        out = [(k, v) for k, v in shared.items() if len(v) >= 2]
        out.sort(key=lambda kv: (rank[kv[0]], -len(kv[1])))
        return out

    def _shared_bullet(self, kind: str, old: str | None, new: str | None, key: str, n: int) -> str:
        t = self.cat.t
        if key and new and (old is None or kind.startswith("frontmatter.")):
            return t("highlights.shared_key", key=code(key), new=code(new), count=n)
        if kind == FactKind.LINK_RETARGETED and old and new:
            return t("highlights.shared_link", old=code(old), new=code(new), count=n)
        if kind == FactKind.LINK_ADDED and new:
            return t("highlights.shared_link_added", new=code(new), count=n)
        if old and new:
            return t("highlights.shared_replaced", old=code(old), new=code(new), count=n)
        if new:
            return t("highlights.shared_inserted", new=code(new), count=n)
        return t("highlights.shared_deleted", old=code(old or ""), count=n)

    def _doc_set(self, files: list[FileReport]) -> tuple[str, list[FileReport]] | None:
        """A folder where a whole set of new pages arrived today."""
        added = [f for f in files if f.status is FileStatus.ADDED and _is_page(f.path)]
        found = _folder_of_most([f.path for f in added], MIN_DOC_SET_PAGES)
        if found is None:
            return None
        members = set(found[1])
        return found[0], [f for f in added if f.path in members]

    def _area_titles(self, pages: list[FileReport], limit: int) -> str:
        """Names of an area's pages, entry points (overview, migration guide) first."""
        pages = sorted(
            pages,
            key=lambda f: (not _ENTRY_PAGE_RE.search(_page_title(f) or f.path), file_rank(f)),
        )
        names = [
            self._quote_title(title) if (title := _page_title(f)) else code(f.basename)
            for f in pages
        ]
        return self._names(names, limit, counted=True)

    # -- sections ------------------------------------------------------------------------

    def summary(self, request: ReportRequest, files: list[FileReport]) -> str:
        """The front matter ``summary``: the day's most important changes, then the size."""
        t = self.cat.t
        items: list[str] = []
        told: set[str] = set()
        doc_set = self._doc_set(files)
        if doc_set:
            folder, pages = doc_set
            items.append(
                t(
                    "report.doc_set",
                    folder=code(folder),
                    count=len(pages),
                    titles=self._area_titles(pages, 2),
                )
            )
            told.update(f.path for f in pages)
        for (kind, old, new, key), group in self._shared(files)[:1]:
            if kind not in MINOR_THEME_KINDS and not _is_date_key(
                Fact(kind=kind, detail={"key": key})
            ):
                items.append(self._shared_bullet(kind, old, new, key, len(group)))
                told.update(f.path for f in group)
        for f in sorted(files, key=file_rank):
            if len(items) >= MAX_SUMMARY_ITEMS:
                break
            if f.path in told or is_plumbing(f.path) or self._is_minor_file(f):
                continue
            if self._bullet(f) in items:
                continue
            items.append(self._bullet(f))
            told.add(f.path)
        adds = sum(f.additions for f in files)
        dels = sum(f.deletions for f in files)
        stats = t(
            "report.stats", count=len(files), adds=self.cat.num(adds), dels=self.cat.num(dels)
        )
        if not items:
            return stats + t("sep.sentence") + t("summary.types", types=self._type_counts(files))
        lead = t("report.lead", items=t("report.items_sep").join(items[:MAX_SUMMARY_ITEMS]))
        return lead + t("sep.sentence") + stats

    @staticmethod
    def _is_minor_file(f: FileReport) -> bool:
        facts = normalise(f.facts)
        return not facts or all(x.kind in MINOR_THEME_KINDS for x in facts)

    def highlights(self, request: ReportRequest, files: list[FileReport]) -> Highlights:
        """Highlights: an opening line and at most seven bullets, most important first."""
        t = self.cat.t
        commits = len(request.changeset.commits)
        text = t("highlights.intro", count=len(files), statuses=self._status_counts(files))
        if commits:
            text += t("sep.sentence") + t("highlights.commits", count=commits)
        by_type: dict[ModificationType, list[FileReport]] = defaultdict(list)
        for f in files:
            by_type[f.modification_type].append(f)
        Item = tuple[tuple[int, int, int, int, str], str]
        groups: list[list[Item]] = [
            [(file_rank(f), self._bullet(f)) for f in by_type[m]]
            for m in (ModificationType.BREAKING_CHANGE, ModificationType.NEW_FEATURE)
        ]
        groups.append(
            self._other_items(
                by_type[ModificationType.BUG_FIX] + by_type[ModificationType.MINOR_UPDATE], files
            )
        )
        for i, g in enumerate(groups):
            g.sort(key=lambda it: it[0])
            # Two files with one name and one title read as a repeated bullet: told once.
            unique: dict[str, Item] = {}
            for it in g:
                unique.setdefault(it[1], it)
            groups[i] = list(unique.values())
        # Every non-empty group is shown (breaking changes always); the other slots go to the
        # most important bullets whichever group they are in.
        taken = [min(1, len(g)) for g in groups]
        room = MAX_BULLETS - sum(taken)
        while room > 0:
            best = None
            for i, g in enumerate(groups):
                if taken[i] < len(g) and (
                    best is None or g[taken[i]][0] < groups[best][taken[best]][0]
                ):
                    best = i
            if best is None:
                break
            taken[best] += 1
            room -= 1
        out: list[list[str]] = []
        for g, n in zip(groups, taken, strict=True):
            bullets = [b for _, b in g[:n]]
            if len(g) > n:
                bullets.append(t("report.more", count=len(files)))
            out.append(bullets)
        return Highlights(
            text=text, new_features=out[1], breaking_changes=out[0], other_updates=out[2]
        )

    def _other_items(
        self, files: list[FileReport], all_files: list[FileReport]
    ) -> list[tuple[tuple[int, int, int, int, str], str]]:
        """Shared facts as one bullet with the count of files, then the remaining files."""
        mine = {f.path for f in files}
        items: list[tuple[tuple[int, int, int, int, str], str]] = []
        covered: set[str] = set()
        for (kind, old, new, key), everywhere in self._shared(all_files):
            group = [g for g in everywhere if g.path in mine]
            if len(group) < 2 or all(g.path in covered for g in group):
                continue
            rank = _rank(Fact(kind=kind, old=old, new=new, detail={"key": key}))
            # The count is of every file of the report sharing the fact: one checkable number.
            text = self._shared_bullet(kind, old, new, key, len(everywhere))
            items.append(((0, rank, 0, -sum(g.changes for g in group), kind), text))
            covered.update(g.path for g in group)
        items += [(file_rank(f), self._bullet(f)) for f in files if f.path not in covered]
        return items

    def insights(self, request: ReportRequest, files: list[FileReport]) -> list[str]:
        """Themes that span files: a new area, removed pages, a moved folder, one change in
        many files, retirement notices. Nothing when there is no theme."""
        t = self.cat.t
        paras: list[str] = []
        added = [f for f in files if f.status is FileStatus.ADDED and _is_page(f.path)]
        area = _folder_of_most([f.path for f in added], MIN_AREA_PAGES)
        if area:
            members = set(area[1])
            pages = [f for f in added if f.path in members]
            paras.append(
                t(
                    "report.new_area",
                    folder=code(area[0]),
                    count=len(pages),
                    titles=self._area_titles(pages, 3),
                )
            )
        removed = [f for f in files if f.status is FileStatus.REMOVED and _is_page(f.path)]
        gone = _folder_of_most([f.path for f in removed], MIN_AREA_PAGES)
        if gone:
            members = set(gone[1])
            pages = [f for f in removed if f.path in members]
            paras.append(
                t(
                    "report.removed_area",
                    folder=code(gone[0]),
                    count=len(pages),
                    titles=self._area_titles(pages, 3),
                )
            )
        moves: Counter[tuple[str, str]] = Counter()
        for f in files:
            if f.old_path:
                old_dir, new_dir = posixpath.dirname(f.old_path), posixpath.dirname(f.path)
                if old_dir != new_dir:
                    moves[(old_dir or ".", new_dir or ".")] += 1
        for (old_dir, new_dir), n in moves.most_common(1):
            if n >= 2:
                paras.append(t("report.moved", count=n, old=code(old_dir), new=code(new_dir)))
        for (kind, old, new, key), group in self._shared(files):
            if len(paras) >= MAX_INSIGHTS:
                break
            if kind in MINOR_THEME_KINDS or _is_date_key(Fact(kind=kind, detail={"key": key})):
                continue
            change = self._shared_bullet(kind, old, new, key, len(group))
            paras.append(t("report.same_change", change=change))
            break
        retiring = [
            f
            for f in sorted(files, key=file_rank)
            if any(
                _RETIREMENT_RE.search(str(x.new or ""))
                for x in f.facts
                if x.kind not in (FactKind.LINK_ADDED, FactKind.LINK_RETARGETED)
            )
        ]
        if retiring:
            paras.append(
                t("report.retirement", names=self._names([code(f.basename) for f in retiring]))
            )
        return paras[:MAX_INSIGHTS]


def _shareable(kind: str) -> bool:
    s = spec(kind)
    return s is not None and s.shareable
