"""Report-level sections of the offline engine: summary, highlights and insights.

Everything here is ordered by one ranking (:func:`file_rank`, built on the fact ranks the
titles use), so the summary, the order of the bullets and the insights agree on what
mattered most on the day.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from diffinsight.facts.kinds import UNKNOWN_RANK, FactKind, SharedKey, Tier, share_key
from diffinsight.facts.kinds import fact_rank as _kind_rank
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


#: Kinds that say a name, value or word changed: one short plain word for another is the
#: least of them.
_NAME_KINDS = {
    FactKind.NAME_REPLACED,
    FactKind.TEXT_REPLACED,
    FactKind.CODE_RENAMED,
    FactKind.CODE_VALUE_CHANGED,
    FactKind.TEXT_WORDING,
    FactKind.TEXT_TYPO,
}
_PLAIN_WORD = re.compile(r"[a-z']{1,6}")
#: Where a slight value change ranks: after every change of content, before metadata.
SLIGHT_RANK = Tier.METADATA - 1


def slight_value(old: str | None, new: str | None) -> bool:
    """Whether ``old`` -> ``new`` is wording rather than a name: only the case changed, or one
    short plain word replaced another ("a" -> "an", "will" -> "'ll", "cacehd" -> "cached")."""
    if not old or not new:
        return False
    if old.casefold() == new.casefold():
        return True
    return bool(_PLAIN_WORD.fullmatch(old) and _PLAIN_WORD.fullmatch(new))


def weight(fact: Fact) -> int:
    """How much ``fact`` matters (smaller first): the one ranking of titles, the order of
    sentences and bullets, and the summary. Its kind's rank, except that a slight value
    change ranks after every change of content."""
    rank = _kind_rank(fact)
    if fact.kind in _NAME_KINDS and rank < SLIGHT_RANK and slight_value(fact.old, fact.new):
        return SLIGHT_RANK
    return rank


#: Page titles that name no page: the template text of an included fragment's front matter.
_PLACEHOLDER_TITLE_RE = re.compile(r"(?:include|include file|includes?)", re.IGNORECASE)


def is_placeholder_title(title: str | None) -> bool:
    """Whether a page's ``title:`` is a template's placeholder ("include file")."""
    return bool(title) and bool(_PLACEHOLDER_TITLE_RE.fullmatch(str(title).strip()))


#: An empty HTML anchor before a heading's words (``<a name="logging"></a> Add logging``).
_ANCHOR_RE = re.compile(r"<a\s+(?:name|id)=[^>]*>\s*</a>\s*", re.IGNORECASE)
_HEADING_KINDS = {FactKind.HEADING_ADDED, FactKind.HEADING_REMOVED, FactKind.HEADING_RENAMED}


def _unanchored(f: Fact) -> Fact:
    """``f`` with empty HTML anchors gone from the section names it carries: the reader sees
    the heading's words, which the diff holds verbatim too."""
    update: dict[str, str | None] = {}
    if f.where and "<a" in f.where:
        update["where"] = _ANCHOR_RE.sub("", f.where)
    if f.kind in _HEADING_KINDS:
        for side in ("old", "new"):
            value = getattr(f, side)
            if value and "<a" in value:
                update[side] = _ANCHOR_RE.sub("", value) or value
    return f.model_copy(update=update) if update else f


def normalise(facts: list[Fact]) -> list[Fact]:
    """Present heading-carrying line facts as section facts, the way a reader thinks of them;
    a page whose title is a placeholder ("include file") is named by its file instead; empty
    HTML anchors are left out of section names."""
    out: list[Fact] = []
    for f in map(_unanchored, facts):
        if f.kind == FactKind.FILE_ADDED and is_placeholder_title(f.new):
            out.append(f.model_copy(update={"new": None}))
        elif f.kind == FactKind.FILE_REMOVED and is_placeholder_title(f.old):
            out.append(f.model_copy(update={"old": None}))
        elif f.kind == FactKind.LINES_ADDED and sections(f):
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
    FactKind.TEXT_TYPO,
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


def is_plumbing(path: str) -> bool:
    """Whether ``path`` is a build, policy or TOC file rather than a page."""
    base = posixpath.basename(path).lower()
    return base in PLUMBING_NAMES or base.startswith(".") or base.endswith(".json")


def _is_page(path: str) -> bool:
    return path.lower().endswith((".md", ".markdown")) and not is_plumbing(path)


RankKey = tuple[int, int, int, int, int, str]


def file_rank(f: FileReport, facts: list[Fact] | None = None) -> RankKey:
    """How much a file matters (smaller first): pages before plumbing, then its main fact, then
    Markdown pages before other files (a new page before a new YAML file), real pages before
    included fragments, then size. ``facts``: ``normalise(f.facts)`` when known already."""
    if facts is None:
        facts = normalise(f.facts)
    main = min((weight(x) for x in facts), default=UNKNOWN_RANK)
    return (
        int(is_plumbing(f.path)),
        main,
        int(not _is_page(f.path)),
        int("/includes/" in f.path),
        -f.changes,
        f.path,
    )


def _page_title(f: FileReport, facts: list[Fact] | None = None) -> str | None:
    for fact in normalise(f.facts) if facts is None else facts:
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
        #: The shared changes of the last list of files (summary, highlights and insights
        #: all ask for them).
        self._shared_of: tuple[list[FileReport], list[Shared]] | None = None
        # Each file's normalised facts and rank, by identity (the file is kept with them, so
        # its id stays its own): every section sorts and filters the same files again, and
        # normalising them each time was a tenth of the writer.
        self._normal: dict[int, tuple[FileReport, list[Fact]]] = {}
        self._ranks: dict[int, tuple[FileReport, RankKey]] = {}

    def _facts(self, f: FileReport) -> list[Fact]:
        hit = self._normal.get(id(f))
        if hit is None or hit[0] is not f:
            hit = self._normal[id(f)] = (f, normalise(f.facts))
        return hit[1]

    def _rank(self, f: FileReport) -> RankKey:
        hit = self._ranks.get(id(f))
        if hit is None or hit[0] is not f:
            hit = self._ranks[id(f)] = (f, file_rank(f, self._facts(f)))
        return hit[1]

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
        return self._titled(f.modification_title, [f])

    def _titled(self, title: str, files: list[FileReport]) -> str:
        """A bullet: ``title`` and the files it is about (two, then "and others")."""
        bases = list(dict.fromkeys(f.basename for f in files))
        # A title that already names the file needs no "(name)" after it.
        if len(bases) == 1 and _names_file(title, bases[0]):
            return title
        names = [code(b) for b in bases]
        return self.cat.t("highlights.bullet", title=title, name=self._names(names, 2))

    def _by_title(self, files: list[FileReport]) -> list[tuple[RankKey, str, list[FileReport]]]:
        """Files with one title told once (most important first): "`#services` removed from
        the metadata" in 28 files is one item, not 28."""
        groups: dict[str, list[FileReport]] = defaultdict(list)
        for f in sorted(files, key=self._rank):
            groups[f.modification_title].append(f)
        return [(self._rank(g[0]), self._titled(title, g), g) for title, g in groups.items()]

    def _shared(self, files: list[FileReport]) -> list[Shared]:
        """Changes that several files share (one :func:`share_key`), most important first."""
        if self._shared_of is not None and self._shared_of[0] is files:
            return self._shared_of[1]
        shared: dict[SharedKey, list[FileReport]] = defaultdict(list)
        rank: dict[SharedKey, int] = {}
        kinds: dict[SharedKey, set[str]] = defaultdict(set)
        for f in files:
            seen: set[SharedKey] = set()
            for fact in f.facts:
                fkey = share_key(fact)
                if fkey is None:
                    continue
                kinds[fkey].add(fact.kind)
                rank[fkey] = min(rank.get(fkey, UNKNOWN_RANK), weight(fact))
                if fkey not in seen:
                    seen.add(fkey)
                    shared[fkey].append(f)
        out = [
            Shared(*k, files=v, rank=rank[k], minor=_minor_theme(kinds[k], k[1], k[2], k[3]))
            for k, v in shared.items()
            if len(v) >= 2
        ]
        out.sort(key=lambda sh: (sh.rank, -len(sh.files)))
        self._shared_of = (files, out)
        return out

    def _told(self, sh: Shared, count: int | None = None) -> str:
        n = len(sh.files) if count is None else count
        return self._shared_bullet(sh.kind, sh.old, sh.new, sh.key, n)

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
            key=lambda f: (
                not _ENTRY_PAGE_RE.search(_page_title(f, self._facts(f)) or f.path),
                self._rank(f),
            ),
        )
        names = [
            self._quote_title(title)
            if (title := _page_title(f, self._facts(f)))
            else code(f.basename)
            for f in pages
        ]
        return self._names(names, limit, counted=True)

    # -- sections ------------------------------------------------------------------------

    def summary(self, request: ReportRequest, files: list[FileReport]) -> str:
        """The front matter ``summary``: the day's most important changes, then the size.

        On a slight day (only dates, metadata or plumbing) the most important of those is
        still named by its content: a summary of statistics alone tells the reader nothing.
        """
        t = self.cat.t
        # (rank, text): one ranking decides the order, whichever kind of item it is.
        items: list[tuple[int, str]] = []
        told: set[str] = set()
        doc_set = self._doc_set(files)
        if doc_set:
            folder, pages = doc_set
            text = t(
                "report.doc_set",
                folder=code(folder),
                count=len(pages),
                titles=self._area_titles(pages, 2),
            )
            items.append((0, text))
            told.update(f.path for f in pages)
        shared = self._shared(files)
        for sh in shared:
            if not sh.minor:
                items.append((sh.rank, self._told(sh)))
                told.update(f.path for f in sh.files)
                break
        major = [f for f in files if not (is_plumbing(f.path) or self._is_minor_file(f))]
        self._add_items(items, told, major)
        if not items:
            # Nothing but slight changes: the most important of them, by content.
            for sh in shared[:1]:
                items.append((0, self._told(sh)))
                told.update(f.path for f in sh.files)
            self._add_items(items, told, files, limit=2)
        adds = sum(f.additions for f in files)
        dels = sum(f.deletions for f in files)
        stats = t(
            "report.stats", count=len(files), adds=self.cat.num(adds), dels=self.cat.num(dels)
        )
        if not items:
            return stats
        items.sort(key=lambda it: it[0])
        texts = [text for _, text in items[:MAX_SUMMARY_ITEMS]]
        lead = t("report.lead", items=t("report.items_sep").join(texts))
        return lead + t("sep.sentence") + stats

    def _add_items(
        self, items: list[tuple[int, str]], told: set[str], files: list[FileReport], limit: int = 0
    ) -> None:
        """Add the most important of ``files`` not yet told to ``items`` (one per title)."""
        limit = limit or MAX_SUMMARY_ITEMS
        for rank, text, group in self._by_title([f for f in files if f.path not in told]):
            if len(items) >= limit:
                break
            if all(text != other for _, other in items):
                items.append((rank[1], text))
                told.update(f.path for f in group)

    def _is_minor_file(self, f: FileReport) -> bool:
        facts = self._facts(f)
        return not facts or all(
            x.kind in MINOR_THEME_KINDS or weight(x) >= SLIGHT_RANK for x in facts
        )

    def highlights(self, request: ReportRequest, files: list[FileReport]) -> Highlights:
        """Highlights: an opening line and at most seven bullets, most important first, each
        group closed by how many of its files the bullets leave unnamed."""
        t = self.cat.t
        commits = len(request.changeset.commits)
        text = t("highlights.intro", count=len(files), statuses=self._status_counts(files))
        if commits:
            text += t("sep.sentence") + t("highlights.commits", count=commits)
        by_type: dict[ModificationType, list[FileReport]] = defaultdict(list)
        for f in files:
            by_type[f.modification_type].append(f)
        members = [
            by_type[ModificationType.BREAKING_CHANGE],
            by_type[ModificationType.NEW_FEATURE],
            by_type[ModificationType.BUG_FIX] + by_type[ModificationType.MINOR_UPDATE],
        ]
        groups: list[list[_Item]] = [
            [(rank, text, {f.path for f in g}) for rank, text, g in self._by_title(members[0])],
            [(rank, text, {f.path for f in g}) for rank, text, g in self._by_title(members[1])],
            self._other_items(members[2], files),
        ]
        for g in groups:
            g.sort(key=lambda it: it[0])
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
        for g, n, in_group in zip(groups, taken, members, strict=True):
            bullets = [b for _, b, _ in g[:n]]
            named = set().union(*(paths for _, _, paths in g[:n])) if n else set()
            rest = len(in_group) - len(named)
            if rest > 0:
                bullets.append(self._more(rest, len(named), len(files)))
            out.append(bullets)
        return Highlights(
            text=text, new_features=out[1], breaking_changes=out[0], other_updates=out[2]
        )

    def _more(self, rest: int, named: int, total: int) -> str:
        """ "…and 12 more updates": the real number of the group's files left unnamed."""
        if named <= MAX_BULLETS:
            return self.cat.t("report.more", count=rest)
        # Shared bullets named more files than a group has bullets: that count is ours, not
        # one a reader can check against the day's figures; the Summary Table's is.
        return self.cat.t("report.more_all", count=total)

    def _other_items(self, files: list[FileReport], all_files: list[FileReport]) -> list[_Item]:
        """Shared facts as one bullet with the count of files, then the remaining files."""
        mine = {f.path for f in files}
        items: list[_Item] = []
        covered: set[str] = set()
        for sh in self._shared(all_files):
            group = [g for g in sh.files if g.path in mine]
            if len(group) < 2 or all(g.path in covered for g in group):
                continue
            # The count is of every file of the report sharing the fact: one checkable number.
            text = self._told(sh)
            paths = {g.path for g in group}
            items.append(((0, sh.rank, 0, 0, -sum(g.changes for g in group), sh.kind), text, paths))
            covered.update(paths)
        rest = [f for f in files if f.path not in covered]
        items += [(rank, text, {f.path for f in g}) for rank, text, g in self._by_title(rest)]
        return items

    def insights(self, request: ReportRequest, files: list[FileReport]) -> list[str]:
        """Themes that span files: a new area, removed pages, a moved folder, one change in
        many files, retirement notices. Nothing when there is no theme."""
        t = self.cat.t
        paras: list[str] = []
        # A folder that gained (or lost) several pages at once is a new (or retired) area.
        for status, key in (
            (FileStatus.ADDED, "report.new_area"),
            (FileStatus.REMOVED, "report.removed_area"),
        ):
            pages = [f for f in files if f.status is status and _is_page(f.path)]
            area = _folder_of_most([f.path for f in pages], MIN_AREA_PAGES)
            if area:
                members = set(area[1])
                inside = [f for f in pages if f.path in members]
                paras.append(
                    t(
                        key,
                        folder=code(area[0]),
                        count=len(inside),
                        titles=self._area_titles(inside, 3),
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
        for sh in self._shared(files):
            if len(paras) >= MAX_INSIGHTS:
                break
            if sh.minor:
                continue
            paras.append(t("report.same_change", change=self._told(sh)))
            break
        retiring: list[tuple[RankKey, str, FileReport]] = []
        for f in files:
            said = sorted(
                (
                    x
                    for x in f.facts
                    if x.kind not in (FactKind.LINK_ADDED, FactKind.LINK_RETARGETED)
                    and _RETIREMENT_RE.search(str(x.new or ""))
                ),
                key=weight,
            )
            if said:
                retiring.append((self._rank(f), str(said[0].new), f))
        if retiring:
            # What the pages now say is retired, in their words: the reader sees which model
            # or feature, not only that some page mentions a retirement.
            retiring.sort(key=lambda r: r[0])
            items = [
                t("highlights.bullet", title=self._quote_title(value), name=code(f.basename))
                for _, value, f in retiring
            ]
            paras.append(t("report.retirement", items=self._names(items, 2)))
        return paras[:MAX_INSIGHTS]


def _minor_theme(kinds: set[str], old: str | None, new: str | None, key: str) -> bool:
    """Whether a shared change (found as ``kinds``) is too slight to lead the summary or be a
    theme: dates, links, typos, one short word for another."""
    return (
        kinds <= MINOR_THEME_KINDS
        or slight_value(old, new)
        or any(_is_date_key(Fact(kind=k, detail={"key": key})) for k in kinds)
    )


@dataclass(frozen=True)
class Shared:
    """One change that several files share: its :func:`share_key` fields and its files."""

    kind: str
    old: str | None
    new: str | None
    key: str
    files: list[FileReport]
    #: The most important rank of the facts that state it.
    rank: int
    #: Too slight for the summary or a theme (see :func:`_minor_theme`).
    minor: bool


def _names_file(title: str, basename: str) -> bool:
    """Whether ``title`` already names the file (a code span that is, or ends with, its name)."""
    return any(
        span == basename or span.endswith("/" + basename) for span in _SPAN_RE.findall(title)
    )


_SPAN_RE = re.compile(r"`([^`]+)`")
#: A highlights item: its rank, its text, and the files it names.
_Item = tuple[RankKey, str, set[str]]
