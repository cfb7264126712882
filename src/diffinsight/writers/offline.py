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
from diffinsight.writers.titles import IMAGE_SUFFIXES, Titler, code, shorten

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
    "heading.added",
    "section.added",
    "heading.removed",
    "section.removed",
    "table.added",
    "table.removed",
    "table.row_added",
    "table.row_removed",
    "toc.entry_added",
    "toc.entry_removed",
    "toc.entry_renamed",
    "toc.entry_retargeted",
    "toc.entry_moved",
    "version.changed",
    "name.replaced",
    "frontmatter.title",  # a title change (see _rank)
    "heading.renamed",
    "table.row_changed",
    "table.columns_changed",
    "link.retargeted",
    "include.added",
    "include.removed",
    "pivot.added",
    "pivot.removed",
    "code.added",
    "code.removed",
    "alert.added",
    "alert.removed",
    "link.added",
    "link.removed",
    "image.added",
    "image.removed",
    "image.changed",
    "list.item_added",
    "list.item_removed",
    "text.typo",
    "code.changed",
    "text.substantive",
    "text.added",
    "text.removed",
    "text.wording",
    "link.text_changed",
    "image.text_changed",
    "config.key_changed",
    "config.key_added",
    "config.key_removed",
    "frontmatter.changed",
    "frontmatter.added",
    "frontmatter.removed",
    "text.replaced",
    "text.inserted",
    "text.deleted",
    "lines.added",
    "lines.removed",
    "line.rewritten",
    "text.moved",
    "frontmatter.date_changed",
    "text.punctuation",
    "whitespace.changed",
    "newline.eof",
    "facts.more",
]
_RANK = {k: i for i, k in enumerate(_TITLE_PRIORITY)}
#: Kinds that read better as one counted sentence when a file has many of them.
_COUNTABLE = {
    "heading.added": "heading_added",
    "heading.removed": "heading_removed",
    "heading.renamed": "heading_renamed",
    "table.row_added": "row_added",
    "table.row_removed": "row_removed",
    "table.row_changed": "row_changed",
    "link.added": "link_added",
    "link.removed": "link_removed",
    "link.retargeted": "link_retargeted",
    "list.item_added": "list_item_added",
    "list.item_removed": "list_item_removed",
    "toc.entry_added": "toc_added",
    "toc.entry_removed": "toc_removed",
    "code.added": "code_added",
    "text.wording": "wording",
}
#: Kinds whose identical facts across files become one highlight bullet.
_SHAREABLE = {
    "frontmatter.date_changed",
    "frontmatter.changed",
    "version.changed",
    "name.replaced",
    "link.retargeted",
    "link.added",
    "text.replaced",
    "text.inserted",
    "text.deleted",
    "text.typo",
}
#: A kind with at least this many facts in one file is told as a count.
MANY = 3
MAX_NAMES = 3
MAX_CELLS = 3
MAX_CELL_CHARS = 80


def _is_date_key(fact: Fact) -> bool:
    if fact.kind == "frontmatter.date_changed":
        return True
    key = str(fact.detail.get("key") or "")
    return key.endswith("date") or key.endswith("Date")


def _sections(fact: Fact) -> list[str]:
    return [str(h) for h in fact.detail.get("headings", [])]


def _suffix(old: str | None, new: str | None) -> str | None:
    """What was appended when ``new`` is ``old`` plus a tail (``(Preview)``)."""
    if old and new and new.startswith(old) and len(new) > len(old):
        tail = new[len(old) :].strip()
        return tail or None
    return None


def _normalise(facts: list[Fact]) -> list[Fact]:
    """Present heading-carrying line facts as section facts, the way a reader thinks of them."""
    out: list[Fact] = []
    for f in facts:
        if f.kind == "lines.added" and _sections(f):
            out.extend(Fact(kind="heading.added", new=h, where=f.where) for h in _sections(f))
        elif f.kind == "lines.removed" and _sections(f):
            out.extend(Fact(kind="heading.removed", old=h, where=f.where) for h in _sections(f))
        else:
            out.append(f)
    return out


def _group(facts: list[Fact]) -> list[tuple[Fact, int]]:
    """Identical statements once, with how often they occur (order kept)."""
    counts: Counter[tuple[str, str | None, str | None, str | None]] = Counter()
    first: dict[tuple[str, str | None, str | None, str | None], Fact] = {}
    for f in facts:
        k = (f.kind, f.old, f.new, str(f.detail.get("key") or f.detail.get("param") or ""))
        counts[k] += 1
        first.setdefault(k, f)
    return [(first[k], counts[k]) for k in first]


def _rank(f: Fact) -> int:
    if f.kind == "frontmatter.changed" and f.detail.get("key") == "title":
        return _RANK["frontmatter.title"]
    if f.kind == "text.replaced" and _is_date_key(f):
        return _RANK["frontmatter.date_changed"]
    return _RANK.get(f.kind, len(_RANK))


def _primary(facts: list[Fact]) -> Fact | None:
    best: Fact | None = None
    best_rank = len(_RANK) + 1
    for f in facts:
        r = _rank(f)
        if r < best_rank:
            best, best_rank = f, r
    return best


class FileWriter:
    """Titles and explanations of single files in one language."""

    def __init__(self, lang: str) -> None:
        self.cat: Catalog = catalog(lang)
        self.lang = lang
        self.titler = Titler(self.cat, lang)

    def _where(self, fact: Fact) -> str:
        if not fact.where:
            return ""
        key = "where.under" if fact.kind.startswith("toc.") else "where.in"
        return self.cat.t(key, section=fact.where)

    def _q(self, text: str) -> str:
        return self.cat.t("quote", text=text)

    def _names(self, values: list[str], total: int) -> str:
        unique = list(dict.fromkeys(values))  # a list never names an item twice
        shown = [code(v) for v in unique[:MAX_NAMES]]
        return self.cat.join(shown, more=total > len(shown))

    def many(self, kind: str, facts: list[Fact]) -> str:
        """One sentence for several facts of one kind in one file."""
        short = _COUNTABLE[kind]
        values = [v for f in facts if (v := f.new or f.old)]
        wheres = {f.where for f in facts}
        where = self._where(facts[0]) if len(wheres) == 1 else ""
        return self.cat.t(
            f"many.{short}",
            count=len(facts),
            names=self._names(values, len(facts)) if values else "",
            where=where,
        )

    def sentence(self, fact: Fact, times: int, change: AnalyzedFile) -> str:
        """One sentence stating ``fact``."""
        t = self.cat.t
        path = change.change.path
        name = posixpath.basename(path)
        k = fact.kind
        d = fact.detail
        where = self._where(fact)
        old = code(fact.old) if fact.old else ""
        new = code(fact.new) if fact.new else ""
        again = t("fact.times", count=times) if times > 1 else ""
        if k == "file.added":
            heads = [h for h in _sections(fact) if h != fact.new][:4]
            s = (
                t("fact.file_added", title=fact.new, count=int(d.get("lines", 0)))
                if fact.new
                else t("fact.file_added_untitled", name=code(name), count=int(d.get("lines", 0)))
            )
            if len(heads) > 1:
                s += t("fact.sections_listed", sections=self.cat.join([self._q(h) for h in heads]))
            return s
        if k == "file.removed":
            if fact.old:
                return t("fact.file_removed", title=fact.old, count=int(d.get("lines", 0)))
            return t("fact.file_removed_untitled", name=code(name), count=int(d.get("lines", 0)))
        if k == "file.renamed":
            sim = d.get("similarity")
            s = t("fact.file_renamed", old=old, new=new)
            return s + (t("fact.similarity", similarity=sim) if sim is not None else t("fact.end"))
        if k in ("binary.added", "binary.removed", "binary.changed"):
            kind = "image" if path.lower().endswith(IMAGE_SUFFIXES) else "binary"
            return t(f"fact.{k.replace('.', '_')}_{kind}", name=code(name))
        if k in ("heading.added", "section.added"):
            return t("fact.section_added", section=fact.new, where=where)
        if k in ("heading.removed", "section.removed"):
            return t("fact.section_removed", section=fact.old, where=where)
        if k == "heading.renamed":
            tail = _suffix(fact.old, fact.new)
            if tail:
                return t("fact.heading_appended", suffix=code(tail), section=fact.old)
            return t("fact.heading_renamed", old=fact.old, new=fact.new)
        if k in ("frontmatter.date_changed", "frontmatter.changed"):
            key = code(str(d.get("key", "")))
            tail = _suffix(fact.old, fact.new)
            if tail:
                return t("fact.fm_appended", suffix=code(tail), key=key)
            if fact.old and fact.new:
                return t("fact.key_changed", key=key, old=old, new=new) + again
            return t("fact.fm_rewritten", key=key)
        if k == "frontmatter.added":
            key = code(str(d.get("key", "")))
            return t("fact.fm_added", key=key, new=new) if new else t("fact.fm_added_nv", key=key)
        if k == "frontmatter.removed":
            return t("fact.fm_removed", key=code(str(d.get("key", ""))))
        if k in ("table.added", "table.removed"):
            cols = [str(c) for c in d.get("columns", [])]
            rows = int(d.get("rows", 0))
            if k == "table.added" and cols:
                return t(
                    "fact.table_added",
                    count=rows,
                    columns=self.cat.join([self._q(c) for c in cols[:5]]),
                    where=where,
                )
            return t(f"fact.{k.replace('.', '_')}_plain", count=rows, where=where)
        if k == "table.columns_changed":
            parts = []
            if d.get("added"):
                parts.append(
                    t(
                        "fact.columns_added",
                        columns=self.cat.join([self._q(str(c)) for c in d["added"]]),
                        where=where,
                    )
                )
            if d.get("removed"):
                parts.append(
                    t(
                        "fact.columns_removed",
                        columns=self.cat.join([self._q(str(c)) for c in d["removed"]]),
                        where=where,
                    )
                )
            return t("sep.sentence").join(parts)
        if k == "table.row_added":
            # Long cells (HTML lists, paragraphs) are left out whole rather than cut.
            cells = [
                (str(c), str(v))
                for c, v in dict(d.get("cells", {})).items()
                if len(str(v)) <= MAX_CELL_CHARS
            ][:MAX_CELLS]
            if cells:
                shown = [
                    t("fact.cell", column=c, value=v) if not c.startswith("#") else v
                    for c, v in cells
                ]
                return t("fact.row_added", row=new, cells=t("sep.cells").join(shown), where=where)
            return t("fact.row_added_plain", row=new, where=where)
        if k == "table.row_removed":
            return t("fact.row_removed", row=old, where=where)
        if k == "table.row_changed":
            changes = []
            for c in list(d.get("cells", []))[:MAX_CELLS]:
                col = str(c.get("column", ""))
                col = col if not col.startswith("#") else t("fact.column_n", n=col[1:])
                o, n = str(c.get("old", "")), str(c.get("new", ""))
                if o and n:
                    changes.append(t("fact.cell_changed", column=col, old=code(o), new=code(n)))
                elif n:
                    changes.append(t("fact.cell_set", column=col, new=code(n)))
                else:
                    changes.append(t("fact.cell_cleared", column=col, old=code(o)))
            return t(
                "fact.row_changed",
                row=code(str(d.get("row", ""))),
                changes=self.cat.join(changes),
                where=where,
            )
        if k == "link.added":
            text = str(d.get("text") or "")
            return (
                t("fact.link_added", text=text, url=new, where=where)
                if text
                else t("fact.link_added_bare", url=new, where=where)
            )
        if k == "link.removed":
            text = str(d.get("text") or "")
            return (
                t("fact.link_removed", text=text, url=old, where=where)
                if text
                else t("fact.link_removed_bare", url=old, where=where)
            )
        if k == "link.retargeted":
            return t(
                "fact.link_retargeted", text=str(d.get("text", "")), old=old, new=new, where=where
            )
        if k == "link.text_changed":
            return t(
                "fact.link_text_changed",
                old=fact.old or "",
                new=fact.new or "",
                url=code(str(d.get("href", ""))),
            )
        if k == "image.added":
            return t("fact.image_added", src=new, where=where)
        if k == "image.removed":
            return t("fact.image_removed", src=old, where=where)
        if k == "image.changed":
            return t("fact.image_changed", old=old, new=new, where=where)
        if k == "image.text_changed":
            return t("fact.image_text_changed", src=code(str(d.get("href", ""))))
        if k in ("code.added", "code.removed"):
            lang = str(d.get("lang") or "")
            key = f"fact.{k.replace('.', '_')}" + ("" if lang else "_nolang")
            return t(
                key, lang=code(lang) if lang else "", count=int(d.get("lines", 0)), where=where
            )
        if k == "code.changed":
            return t(
                "fact.code_changed",
                adds=self.cat.num(int(d.get("added", 0))),
                dels=self.cat.num(int(d.get("removed", 0))),
                where=where,
            )
        if k == "version.changed":
            param = d.get("param")
            code_lang = d.get("code")
            if param and code_lang:
                return (
                    t(
                        "fact.version_param_code",
                        lang=code(str(code_lang)),
                        param=code(str(param)),
                        old=old,
                        new=new,
                        where=where,
                    )
                    + again
                )
            if param:
                return (
                    t("fact.version_param", param=code(str(param)), old=old, new=new, where=where)
                    + again
                )
            return t("fact.version_changed", old=old, new=new, where=where) + again
        if k == "name.replaced":
            return t("fact.name_replaced", old=old, new=new, where=where) + again
        if k in ("alert.added", "alert.removed"):
            return t(f"fact.{k.replace('.', '_')}", type=code(str(d.get("type", ""))), where=where)
        if k in ("list.item_added", "list.item_removed"):
            value = fact.new if k.endswith("added") else fact.old
            key = f"fact.{k.replace('.', '_')}"
            return t(key, text=value, where=where) if value else t(key + "_bare", where=where)
        if k in ("include.added", "include.removed", "pivot.added", "pivot.removed"):
            return t(f"fact.{k.replace('.', '_')}", value=new or old, where=where)
        if k == "text.typo":
            return t("fact.typo", old=old, new=new, where=where) + again
        if k == "text.punctuation":
            return t("fact.punctuation", where=where)
        if k == "text.wording":
            if fact.old and fact.new:
                return t("fact.wording_changed", old=old, new=new, where=where) + again
            if fact.new:
                return t("fact.wording_inserted", new=new, where=where) + again
            if fact.old:
                return t("fact.wording_deleted", old=old, where=where) + again
            return t("fact.wording", where=where)
        if k == "text.substantive":
            return t("fact.lines_rewritten", count=int(d.get("count", 1)), where=where)
        if k in ("text.added", "lines.added"):
            return t("fact.lines_added", count=int(d.get("count", 0)), where=where)
        if k in ("text.removed", "lines.removed"):
            return t("fact.lines_removed", count=int(d.get("count", 0)), where=where)
        if k == "text.moved":
            return t("fact.moved", count=int(d.get("count", 1)), where=where)
        if k in ("toc.entry_added", "toc.entry_removed"):
            href = str(d.get("href") or "")
            value = fact.new if k.endswith("added") else fact.old
            key = f"fact.{k.replace('.', '_')}"
            return (
                t(key, name=value, href=code(href), where=where)
                if href
                else t(key + "_nohref", name=value, where=where)
            )
        if k == "toc.entry_renamed":
            return t("fact.toc_entry_renamed", old=fact.old, new=fact.new, where=where)
        if k == "toc.entry_retargeted":
            return t("fact.toc_entry_retargeted", name=str(d.get("name", "")), old=old, new=new)
        if k == "toc.entry_moved":
            return t(
                "fact.toc_entry_moved",
                name=str(d.get("name", "")),
                old=fact.old or "/",
                new=fact.new or "/",
            )
        if k in ("config.key_added", "config.key_removed", "config.key_changed"):
            key = code(str(d.get("key", "")))
            if k == "config.key_changed" and fact.old is not None and fact.new is not None:
                return t("fact.key_changed", key=key, old=code(fact.old), new=code(fact.new))
            return t(f"fact.{k.replace('.', '_')}", key=key)
        if k == "text.replaced":
            line_key = d.get("key")
            if line_key:
                s = t("fact.key_changed", key=code(str(line_key)), old=old, new=new)
            else:
                s = t("fact.text_replaced", old=old, new=new, where=where)
            return s + again
        if k == "text.inserted":
            return t("fact.text_inserted", new=new, where=where) + again
        if k == "text.deleted":
            return t("fact.text_deleted", old=old, where=where) + again
        if k == "line.rewritten":
            return t("fact.lines_rewritten", count=int(d.get("count", 1)), where=where)
        if k == "whitespace.changed":
            return t("fact.whitespace")
        if k == "newline.eof":
            return t("fact.eof_added" if d.get("added") else "fact.eof_removed")
        if k == "facts.more":
            return t("fact.other", count=int(d.get("count", 1)))
        return t("fact.other", count=1)

    def title(self, af: AnalyzedFile, facts: list[Fact]) -> str:
        """A one-line title (no trailing period, within the language's length limit)."""
        return self.titler.title(af, facts, _rank)

    def explanation(self, af: AnalyzedFile, facts: list[Fact]) -> str:
        """One to four sentences, the first carrying the main change."""
        primary = _primary(facts)
        by_kind: dict[str, list[Fact]] = defaultdict(list)
        for f in facts:
            by_kind[f.kind].append(f)
        items: list[tuple[int, str]] = []
        done: set[str] = set()
        in_code = sum(
            1
            for f in facts
            if f.kind in ("version.changed", "name.replaced") and f.detail.get("code") is not None
        )
        link_texts = [
            str(f.detail.get("text"))
            for f in facts
            if f.kind == "link.added" and f.detail.get("text")
        ]
        for f, n in _group(facts):
            if f.kind in done:
                continue
            if f.kind == "list.item_added" and f.new and any(x in f.new for x in link_texts):
                continue  # the item is the new link, told once
            if (
                f.kind == "code.changed"
                and f.detail.get("added") == f.detail.get("removed")
                and int(f.detail.get("added", 0)) <= in_code
            ):
                continue  # the value changes inside the example already say it
            group = by_kind[f.kind]
            if f.kind in _COUNTABLE and len(group) >= MANY:
                done.add(f.kind)
                rank = min(_rank(g) for g in group) - (1 if primary in group else 0)
                items.append((rank, self.many(f.kind, group)))
                continue
            items.append((_rank(f) - (1 if f is primary else 0), self.sentence(f, n, af)))
        items.sort(key=lambda x: x[0])
        sentences = self._name_sections_twice(
            list(dict.fromkeys(s for _, s in items if s)), facts
        )  # same words once
        if len(sentences) > MAX_EXPLANATION_SENTENCES:
            # How many edits are left unsaid is a count of our own grouping, not of the diff.
            sentences = sentences[: MAX_EXPLANATION_SENTENCES - 1]
            sentences.append(self.cat.t("fact.more_edits"))
        if not sentences:
            sentences = [
                self.cat.t("fact.counts_only", adds=af.change.additions, dels=af.change.deletions)
            ]
        if "patch-clipped" in af.change.notes:
            sentences.append(self.cat.t("note.patch_clipped"))
        return self.cat.t("sep.sentence").join(sentences)

    def _name_sections_twice(self, sentences: list[str], facts: list[Fact]) -> list[str]:
        """Sentences where a section is named at most twice: from the third mention on, the
        location phrase goes (the reader already knows where this happens)."""
        phrases = {
            w: [self.cat.t(k, section=w) for k in ("where.in", "where.under")]
            for w in {f.where for f in facts if f.where}
        }
        out: list[str] = []
        for s in sentences:
            for w, forms in phrases.items():
                said = sum(x.count(self._q(w)) for x in out)
                if said >= 2:
                    for form in forms:
                        s = s.replace(form, "", 1)
            out.append(s)
        return out

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
MINOR_THEME_KINDS = {
    "frontmatter.date_changed",
    "frontmatter.changed",
    "link.added",
    "text.moved",
    "whitespace.changed",
    "newline.eof",
    "text.punctuation",
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
    facts = _normalise(f.facts)
    main = min((_rank(x) for x in facts), default=len(_RANK))
    return (int(is_plumbing(f.path)), main, int("/includes/" in f.path), -f.changes, f.path)


def _page_title(f: FileReport) -> str | None:
    for fact in f.facts:
        if fact.kind == "file.added" and fact.new:
            return fact.new
        if fact.kind == "file.removed" and fact.old:
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

    # -- shared building blocks ----------------------------------------------------------

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
                wording = fact.kind == "text.wording" and bool(fact.old and fact.new)
                if not (fact.kind in _SHAREABLE or wording) or not (fact.old or fact.new):
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
        if kind == "link.retargeted" and old and new:
            return t("highlights.shared_link", old=code(old), new=code(new), count=n)
        if kind == "link.added" and new:
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
        facts = _normalise(f.facts)
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
                if x.kind not in ("link.added", "link.retargeted")
            )
        ]
        if retiring:
            paras.append(
                t("report.retirement", names=self._names([code(f.basename) for f in retiring]))
            )
        return paras[:MAX_INSIGHTS]


def describe(af: AnalyzedFile, lang: str) -> FileReport:
    """The offline engine's entry for one file (the LLM writer's fallback)."""
    return FileWriter(lang).file_report(af)
