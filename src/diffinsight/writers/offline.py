"""The offline engine: reports written from facts through message catalogues, no model, no network.

Every value it prints is copied from a fact, and every fact is copied from the diff.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Callable

from diffinsight.facts.kinds import FactKind, KindSpec, spec
from diffinsight.facts.kinds import fact_rank as _rank
from diffinsight.facts.kinds import is_date_key as _is_date_key
from diffinsight.facts.kinds import primary as _primary
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

#: A kind with at least this many facts in one file is told as a count.
MANY = 3
MAX_NAMES = 3
MAX_CELLS = 3
MAX_CELL_CHARS = 80


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
        if f.kind == FactKind.LINES_ADDED and _sections(f):
            out.extend(
                Fact(kind=FactKind.HEADING_ADDED, new=h, where=f.where) for h in _sections(f)
            )
        elif f.kind == FactKind.LINES_REMOVED and _sections(f):
            out.extend(
                Fact(kind=FactKind.HEADING_REMOVED, old=h, where=f.where) for h in _sections(f)
            )
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


class FileWriter:
    """Titles and explanations of single files in one language."""

    def __init__(self, lang: str) -> None:
        self.cat: Catalog = catalog(lang)
        self.lang = lang

    def _where(self, fact: Fact) -> str:
        if not fact.where:
            return ""
        key = "where.under" if fact.kind.startswith("toc.") else "where.in"
        return self.cat.t(key, section=fact.where)

    def _q(self, text: str) -> str:
        return self.cat.t("quote", text=text)

    def _names(self, values: list[str], total: int) -> str:
        shown = [code(v) for v in values[:MAX_NAMES]]
        s = self.cat.join(shown)
        if total > len(shown):
            s = self.cat.t("and_more", items=s)
        return s

    def many(self, kind: str, facts: list[Fact]) -> str:
        """One sentence for several facts of one kind in one file."""
        values = [v for f in facts if (v := f.new or f.old)]
        wheres = {f.where for f in facts}
        where = self._where(facts[0]) if len(wheres) == 1 else ""
        return self.cat.t(
            str(_spec_of(kind).many),
            count=len(facts),
            names=self._names(values, len(facts)) if values else "",
            where=where,
        )

    def sentence(self, fact: Fact, times: int, change: AnalyzedFile) -> str:
        """One sentence stating ``fact``: its kind's renderer, or its plain message."""
        render = _RENDERERS.get(fact.kind)
        if render is not None:
            return render(self, fact, times, change)
        s = spec(fact.kind)
        if s is None:
            return self.cat.t("fact.other", count=1)
        return self._plain(s, fact, times)

    def _plain(self, s: KindSpec, fact: Fact, times: int) -> str:
        """The kind's message filled with the fields every plain message may use."""
        d = fact.detail
        old = code(fact.old) if fact.old else ""
        new = code(fact.new) if fact.new else ""
        text = self.cat.t(
            s.sentence,
            count=int(d.get("count", d.get("lines", 1))),
            old=old,
            new=new,
            where=self._where(fact),
            section=fact.new or fact.old,
            text=str(d.get("text") or ""),
            type=code(str(d.get("type", ""))),
            value=new or old,
            src=new or old,
            row=new or old,
        )
        return text + self._again(s, times)

    def _again(self, s: KindSpec, times: int) -> str:
        return self.cat.t("fact.times", count=times) if s.repeats and times > 1 else ""

    def _file_added(self, fact: Fact, _times: int, af: AnalyzedFile) -> str:
        t = self.cat.t
        lines = int(fact.detail.get("lines", 0))
        heads = [h for h in _sections(fact) if h != fact.new][:4]
        s = (
            t("fact.file_added", title=fact.new, count=lines)
            if fact.new
            else t("fact.file_added_untitled", name=code(af.change.basename), count=lines)
        )
        if len(heads) > 1:
            s += t("fact.sections_listed", sections=self.cat.join([self._q(h) for h in heads]))
        return s

    def _file_removed(self, fact: Fact, _times: int, af: AnalyzedFile) -> str:
        lines = int(fact.detail.get("lines", 0))
        if fact.old:
            return self.cat.t("fact.file_removed", title=fact.old, count=lines)
        return self.cat.t("fact.file_removed_untitled", name=code(af.change.basename), count=lines)

    def _file_renamed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        t = self.cat.t
        sim = fact.detail.get("similarity")
        old = code(fact.old) if fact.old else ""
        new = code(fact.new) if fact.new else ""
        s = t("fact.file_renamed", old=old, new=new)
        return s + (t("fact.similarity", similarity=sim) if sim is not None else t("fact.end"))

    def _binary(self, fact: Fact, _times: int, af: AnalyzedFile) -> str:
        kind = "image" if af.change.path.lower().endswith(IMAGE_SUFFIXES) else "binary"
        return self.cat.t(f"{_spec(fact).sentence}_{kind}", name=code(af.change.basename))

    def _heading_renamed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        tail = _suffix(fact.old, fact.new)
        if tail:
            return self.cat.t("fact.heading_appended", suffix=code(tail), section=fact.old)
        return self.cat.t("fact.heading_renamed", old=fact.old, new=fact.new)

    def _frontmatter_changed(self, fact: Fact, times: int, _af: AnalyzedFile) -> str:
        t = self.cat.t
        key = code(str(fact.detail.get("key", "")))
        tail = _suffix(fact.old, fact.new)
        if tail:
            return t("fact.fm_appended", suffix=code(tail), key=key)
        if fact.old and fact.new:
            s = t("fact.key_changed", key=key, old=code(fact.old), new=code(fact.new))
            return s + self._again(_spec(fact), times)
        return t("fact.fm_rewritten", key=key)

    def _frontmatter_added(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        key = code(str(fact.detail.get("key", "")))
        if fact.new:
            return self.cat.t("fact.fm_added", key=key, new=code(fact.new))
        return self.cat.t("fact.fm_added_nv", key=key)

    def _frontmatter_removed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t("fact.fm_removed", key=code(str(fact.detail.get("key", ""))))

    def _table(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        cols = [str(c) for c in fact.detail.get("columns", [])]
        rows = int(fact.detail.get("rows", 0))
        where = self._where(fact)
        if fact.kind == FactKind.TABLE_ADDED and cols:
            columns = self.cat.join([self._q(c) for c in cols[:5]])
            return self.cat.t("fact.table_added", count=rows, columns=columns, where=where)
        return self.cat.t(f"{_spec(fact).sentence}_plain", count=rows, where=where)

    def _columns_changed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        t = self.cat.t
        where = self._where(fact)
        parts = [
            t(key, columns=self.cat.join([self._q(str(c)) for c in fact.detail[side]]), where=where)
            for side, key in (("added", "fact.columns_added"), ("removed", "fact.columns_removed"))
            if fact.detail.get(side)
        ]
        return t("sep.sentence").join(parts)

    def _row_added(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        t = self.cat.t
        new = code(fact.new) if fact.new else ""
        where = self._where(fact)
        # Long cells (HTML lists, paragraphs) are left out whole rather than cut.
        cells = [
            (str(c), str(v))
            for c, v in dict(fact.detail.get("cells", {})).items()
            if len(str(v)) <= MAX_CELL_CHARS
        ][:MAX_CELLS]
        if cells:
            shown = [
                t("fact.cell", column=c, value=v) if not c.startswith("#") else v for c, v in cells
            ]
            return t("fact.row_added", row=new, cells=t("sep.cells").join(shown), where=where)
        return t("fact.row_added_plain", row=new, where=where)

    def _row_changed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        t = self.cat.t
        changes = []
        for c in list(fact.detail.get("cells", []))[:MAX_CELLS]:
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
            row=code(str(fact.detail.get("row", ""))),
            changes=self.cat.join(changes),
            where=self._where(fact),
        )

    def _link(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        """A link added or removed: with its text, or bare."""
        text = str(fact.detail.get("text") or "")
        url = code(fact.new or fact.old or "")
        key = _spec(fact).sentence + ("" if text else "_bare")
        return self.cat.t(key, text=text, url=url, where=self._where(fact))

    def _link_text_changed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t(
            "fact.link_text_changed",
            old=fact.old or "",
            new=fact.new or "",
            url=code(str(fact.detail.get("href", ""))),
        )

    def _image_text_changed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t("fact.image_text_changed", src=code(str(fact.detail.get("href", ""))))

    def _code_block(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        lang = str(fact.detail.get("lang") or "")
        key = _spec(fact).sentence + ("" if lang else "_nolang")
        return self.cat.t(
            key,
            lang=code(lang) if lang else "",
            count=int(fact.detail.get("lines", 0)),
            where=self._where(fact),
        )

    def _code_changed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t(
            "fact.code_changed",
            adds=self.cat.num(int(fact.detail.get("added", 0))),
            dels=self.cat.num(int(fact.detail.get("removed", 0))),
            where=self._where(fact),
        )

    def _version(self, fact: Fact, times: int, _af: AnalyzedFile) -> str:
        t = self.cat.t
        param = fact.detail.get("param")
        code_lang = fact.detail.get("code")
        old = code(fact.old) if fact.old else ""
        new = code(fact.new) if fact.new else ""
        where = self._where(fact)
        if param and code_lang:
            s = t(
                "fact.version_param_code",
                lang=code(str(code_lang)),
                param=code(str(param)),
                old=old,
                new=new,
                where=where,
            )
        elif param:
            s = t("fact.version_param", param=code(str(param)), old=old, new=new, where=where)
        else:
            s = t("fact.version_changed", old=old, new=new, where=where)
        return s + self._again(_spec(fact), times)

    def _list_item(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        value = fact.new if fact.kind == FactKind.LIST_ITEM_ADDED else fact.old
        key = _spec(fact).sentence
        where = self._where(fact)
        return (
            self.cat.t(key, text=value, where=where)
            if value
            else self.cat.t(key + "_bare", where=where)
        )

    def _wording(self, fact: Fact, times: int, _af: AnalyzedFile) -> str:
        t = self.cat.t
        where = self._where(fact)
        again = self._again(_spec(fact), times)
        if fact.old and fact.new:
            return (
                t("fact.wording_changed", old=code(fact.old), new=code(fact.new), where=where)
                + again
            )
        if fact.new:
            return t("fact.wording_inserted", new=code(fact.new), where=where) + again
        if fact.old:
            return t("fact.wording_deleted", old=code(fact.old), where=where) + again
        return t("fact.wording", where=where)

    def _toc_entry(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        """A TOC entry added or removed: with its target, or without."""
        href = str(fact.detail.get("href") or "")
        value = fact.new if fact.kind == FactKind.TOC_ENTRY_ADDED else fact.old
        key = _spec(fact).sentence
        where = self._where(fact)
        if href:
            return self.cat.t(key, name=value, href=code(href), where=where)
        return self.cat.t(key + "_nohref", name=value, where=where)

    def _toc_renamed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t(
            "fact.toc_entry_renamed", old=fact.old, new=fact.new, where=self._where(fact)
        )

    def _toc_retargeted(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t(
            "fact.toc_entry_retargeted",
            name=str(fact.detail.get("name", "")),
            old=code(fact.old) if fact.old else "",
            new=code(fact.new) if fact.new else "",
        )

    def _toc_moved(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t(
            "fact.toc_entry_moved",
            name=str(fact.detail.get("name", "")),
            old=fact.old or "/",
            new=fact.new or "/",
        )

    def _config(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        key = code(str(fact.detail.get("key", "")))
        if (
            fact.kind == FactKind.CONFIG_KEY_CHANGED
            and fact.old is not None
            and fact.new is not None
        ):
            return self.cat.t("fact.key_changed", key=key, old=code(fact.old), new=code(fact.new))
        return self.cat.t(_spec(fact).sentence, key=key)

    def _text_replaced(self, fact: Fact, times: int, _af: AnalyzedFile) -> str:
        line_key = fact.detail.get("key")
        old = code(fact.old) if fact.old else ""
        new = code(fact.new) if fact.new else ""
        if line_key:
            s = self.cat.t("fact.key_changed", key=code(str(line_key)), old=old, new=new)
        else:
            s = self.cat.t("fact.text_replaced", old=old, new=new, where=self._where(fact))
        return s + self._again(_spec(fact), times)

    def _newline(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t("fact.eof_added" if fact.detail.get("added") else "fact.eof_removed")

    def title(self, af: AnalyzedFile, facts: list[Fact]) -> str:
        """A one-line title (no trailing period, within the language's length limit)."""
        t = self.cat.t
        name = code(posixpath.basename(af.change.path))
        limit = _title_limit(self.lang)
        primary = _primary(facts)
        candidates: list[str] = []
        if primary is not None:
            k = primary.kind
            n_kind = sum(1 for f in facts if f.kind == k)
            old = code(primary.old) if primary.old else ""
            new = code(primary.new) if primary.new else ""
            d = primary.detail
            if k == "file.added":
                candidates = [t("title.page_added", title=primary.new)] if primary.new else []
                candidates.append(t("title.file_added", name=name))
            elif k == "file.removed":
                candidates = [t("title.page_removed", title=primary.old)] if primary.old else []
                candidates.append(t("title.file_removed", name=name))
            elif k == "file.renamed":
                candidates = [
                    t("title.renamed", new=code(posixpath.basename(primary.new or ""))),
                    t("title.renamed_short"),
                ]
            elif k.startswith("binary."):
                kind = "image" if af.change.path.lower().endswith(IMAGE_SUFFIXES) else "binary"
                candidates = [t(f"title.{k.replace('.', '_')}_{kind}", name=name)]
            elif k in ("heading.added", "section.added"):
                candidates = [t("title.section_added", section=primary.new)] if n_kind == 1 else []
                candidates.append(t("title.sections_added"))
            elif k in ("heading.removed", "section.removed"):
                candidates = (
                    [t("title.section_removed", section=primary.old)] if n_kind == 1 else []
                )
                candidates.append(t("title.sections_removed"))
            elif k == "heading.renamed":
                tail = _suffix(primary.old, primary.new)
                if tail:
                    candidates = [t("title.suffix_added", suffix=code(tail))]
                candidates += [
                    t("title.heading_renamed", new=primary.new),
                    t("title.headings_renamed"),
                ]
            elif k in ("table.added", "table.removed"):
                candidates = [t(f"title.{k.replace('.', '_')}")]
            elif k == "table.row_added":
                candidates = [t("title.row_added", row=new)] if n_kind == 1 else []
                candidates.append(t("title.rows_added"))
            elif k == "table.row_removed":
                candidates = [t("title.row_removed", row=old)] if n_kind == 1 else []
                candidates.append(t("title.rows_removed"))
            elif k == "table.row_changed":
                candidates = (
                    [t("title.row_changed", row=code(str(d.get("row", ""))))] if n_kind == 1 else []
                )
                candidates.append(t("title.rows_changed"))
            elif k == "table.columns_changed":
                candidates = [t("title.columns_changed")]
            elif k.startswith("toc."):
                short = k.split(".", 1)[1]
                value = (
                    primary.new
                    if short in ("entry_added", "entry_renamed")
                    else (primary.old if short == "entry_removed" else str(d.get("name", "")))
                )
                if n_kind == 1 and value:
                    candidates = [t(f"title.toc_{short}", name=value)]
                candidates.append(t("title.toc_updated"))
            elif k in ("version.changed", "name.replaced"):
                param = d.get("param")
                if param:
                    candidates = [t("title.key_changed", key=code(str(param)), new=new)]
                candidates += [
                    t("title.value_changed", old=old, new=new),
                    t("title.value_to", new=new),
                    t("title.values_updated"),
                ]
            elif k in (
                "frontmatter.changed",
                "frontmatter.date_changed",
                "frontmatter.added",
                "frontmatter.removed",
            ):
                key = str(d.get("key", ""))
                tail = _suffix(primary.old, primary.new)
                if tail:
                    candidates = [t("title.suffix_added", suffix=code(tail))]
                if k == "frontmatter.date_changed" and primary.new:
                    candidates.append(t("title.date_updated", key=code(key), new=new))
                elif k == "frontmatter.changed" and primary.new:
                    candidates.append(t("title.key_changed", key=code(key), new=new))
                candidates.append(t("title.metadata"))
            elif k == "link.retargeted":
                candidates = (
                    [t("title.link_retargeted", text=str(d.get("text", "")))] if n_kind == 1 else []
                )
                candidates.append(t("title.links_updated"))
            elif k == "link.added":
                text = str(d.get("text") or "")
                candidates = [t("title.link_added", text=text)] if n_kind == 1 and text else []
                candidates.append(t("title.links_updated"))
            elif k in ("link.removed", "link.text_changed", "image.text_changed"):
                candidates = [t("title.links_updated")]
            elif k.startswith("image."):
                candidates = [t("title.images_updated")]
            elif k.startswith(("include.", "pivot.")):
                candidates = [t("title.includes_updated")]
            elif k in ("code.added", "code.removed", "code.changed"):
                candidates = [t(f"title.{k.replace('.', '_')}")]
            elif k.startswith("alert."):
                candidates = [t(f"title.{k.replace('.', '_')}", type=code(str(d.get("type", ""))))]
            elif k.startswith("list.item_"):
                candidates = [t(f"title.{k.split('.', 1)[1]}")]
            elif k == "text.typo":
                candidates = [t("title.typo", old=old, new=new), t("title.typo_short")]
            elif k == "text.wording":
                if primary.new and n_kind == 1:
                    candidates = [t("title.text_inserted", new=new)] if not primary.old else []
                candidates.append(t("title.wording"))
            elif k.startswith("config."):
                key = code(str(d.get("key", "")))
                candidates = [t("title.key_changed", key=key, new=new)] if primary.new else []
                candidates.append(t("title.values_updated"))
            elif k == "text.replaced":
                line_key = d.get("key")
                if line_key and _is_date_key(primary):
                    candidates = [t("title.date_updated", key=code(str(line_key)), new=new)]
                elif line_key:
                    candidates = [t("title.key_changed", key=code(str(line_key)), new=new)]
                candidates += [
                    t("title.value_changed", old=old, new=new),
                    t("title.value_to", new=new),
                    t("title.values_updated"),
                ]
            elif k == "text.inserted":
                candidates = [t("title.text_inserted", new=new), t("title.text_edited")]
            elif k == "text.deleted":
                candidates = [t("title.text_deleted", old=old), t("title.text_edited")]
            elif k in (
                "lines.added",
                "text.added",
                "lines.removed",
                "text.removed",
                "line.rewritten",
                "text.substantive",
            ):
                base = {
                    "text.added": "lines.added",
                    "text.removed": "lines.removed",
                    "text.substantive": "line.rewritten",
                }.get(k, k)
                key = base.replace(".", "_")
                candidates = [
                    t(f"title.{key}_in", section=primary.where) if primary.where else "",
                    t(f"title.{key}", count=int(d.get("count", 1))),
                ]
            elif k == "text.moved":
                candidates = [t("title.moved")]
            elif k in ("whitespace.changed", "newline.eof", "text.punctuation"):
                candidates = [t("title.formatting")]
        # The last resort still says what happened to the file: an added page is no "update".
        status = af.change.status
        if status is FileStatus.ADDED:
            candidates += [t("title.file_added", name=name), t("title.added_short")]
        elif status is FileStatus.REMOVED:
            candidates += [t("title.file_removed", name=name), t("title.removed_short")]
        elif status is FileStatus.RENAMED:
            candidates.append(t("title.renamed_short"))
        else:
            candidates += [t("title.updated", name=name), t("title.updated_short")]
        for c in candidates:
            # "``" is an empty value: that template needs a value the facts do not have.
            if c and "``" not in c and _visible_len(c) <= limit:
                return c.rstrip("。.")
        return candidates[-1].rstrip("。.")

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
            if f.kind in (FactKind.VERSION_CHANGED, FactKind.NAME_REPLACED)
            and f.detail.get("code") is not None
        )
        link_texts = [
            str(f.detail.get("text"))
            for f in facts
            if f.kind == FactKind.LINK_ADDED and f.detail.get("text")
        ]
        for f, n in _group(facts):
            if f.kind in done:
                continue
            if f.kind == FactKind.LIST_ITEM_ADDED and f.new and any(x in f.new for x in link_texts):
                continue  # the item is the new link, told once
            if (
                f.kind == FactKind.CODE_CHANGED
                and f.detail.get("added") == f.detail.get("removed")
                and int(f.detail.get("added", 0)) <= in_code
            ):
                continue  # the value changes inside the example already say it
            group = by_kind[f.kind]
            if _countable(f.kind) and len(group) >= MANY:
                done.add(f.kind)
                rank = min(_rank(g) for g in group) - (1 if primary in group else 0)
                items.append((rank, self.many(f.kind, group)))
                continue
            items.append((_rank(f) - (1 if f is primary else 0), self.sentence(f, n, af)))
        items.sort(key=lambda x: x[0])
        sentences = list(dict.fromkeys(s for _, s in items if s))  # same words once
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


def _spec(fact: Fact) -> KindSpec:
    """The spec of a fact whose kind has a renderer (so is known)."""
    return _spec_of(fact.kind)


def _spec_of(kind: str) -> KindSpec:
    s = spec(kind)
    if s is None:
        raise KeyError(f"unknown fact kind {kind!r}")
    return s


def _countable(kind: str) -> bool:
    s = spec(kind)
    return s is not None and s.many is not None


def _shareable(kind: str) -> bool:
    s = spec(kind)
    return s is not None and s.shareable


_Renderer = Callable[[FileWriter, Fact, int, AnalyzedFile], str]
#: Kinds whose sentence needs more than their plain message (variants, lists, counts).
_RENDERERS: dict[str, _Renderer] = {
    FactKind.FILE_ADDED: FileWriter._file_added,
    FactKind.FILE_REMOVED: FileWriter._file_removed,
    FactKind.FILE_RENAMED: FileWriter._file_renamed,
    FactKind.BINARY_ADDED: FileWriter._binary,
    FactKind.BINARY_REMOVED: FileWriter._binary,
    FactKind.BINARY_CHANGED: FileWriter._binary,
    FactKind.HEADING_RENAMED: FileWriter._heading_renamed,
    FactKind.FRONTMATTER_CHANGED: FileWriter._frontmatter_changed,
    FactKind.FRONTMATTER_DATE_CHANGED: FileWriter._frontmatter_changed,
    FactKind.FRONTMATTER_ADDED: FileWriter._frontmatter_added,
    FactKind.FRONTMATTER_REMOVED: FileWriter._frontmatter_removed,
    FactKind.TABLE_ADDED: FileWriter._table,
    FactKind.TABLE_REMOVED: FileWriter._table,
    FactKind.TABLE_COLUMNS_CHANGED: FileWriter._columns_changed,
    FactKind.TABLE_ROW_ADDED: FileWriter._row_added,
    FactKind.TABLE_ROW_CHANGED: FileWriter._row_changed,
    FactKind.LINK_ADDED: FileWriter._link,
    FactKind.LINK_REMOVED: FileWriter._link,
    FactKind.LINK_TEXT_CHANGED: FileWriter._link_text_changed,
    FactKind.IMAGE_TEXT_CHANGED: FileWriter._image_text_changed,
    FactKind.CODE_ADDED: FileWriter._code_block,
    FactKind.CODE_REMOVED: FileWriter._code_block,
    FactKind.CODE_CHANGED: FileWriter._code_changed,
    FactKind.VERSION_CHANGED: FileWriter._version,
    FactKind.LIST_ITEM_ADDED: FileWriter._list_item,
    FactKind.LIST_ITEM_REMOVED: FileWriter._list_item,
    FactKind.TEXT_WORDING: FileWriter._wording,
    FactKind.TOC_ENTRY_ADDED: FileWriter._toc_entry,
    FactKind.TOC_ENTRY_REMOVED: FileWriter._toc_entry,
    FactKind.TOC_ENTRY_RENAMED: FileWriter._toc_renamed,
    FactKind.TOC_ENTRY_RETARGETED: FileWriter._toc_retargeted,
    FactKind.TOC_ENTRY_MOVED: FileWriter._toc_moved,
    FactKind.CONFIG_KEY_ADDED: FileWriter._config,
    FactKind.CONFIG_KEY_REMOVED: FileWriter._config,
    FactKind.CONFIG_KEY_CHANGED: FileWriter._config,
    FactKind.TEXT_REPLACED: FileWriter._text_replaced,
    FactKind.NEWLINE_EOF: FileWriter._newline,
}


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
            out[-1] = self.cat.t("highlights.more_files")
        return out

    def _grouped_bullets(self, files: list[FileReport], all_files: list[FileReport]) -> list[str]:
        """Facts shared by several files become one bullet with a count."""
        shared: dict[tuple[str, str | None, str | None, str], list[FileReport]] = defaultdict(list)
        for f in all_files:
            seen = set()
            for fact in f.facts:
                if not _shareable(fact.kind) or not (fact.old or fact.new):
                    continue
                key = str(fact.detail.get("key") or fact.detail.get("param") or "")
                # A date bump is shared whatever each file's old date was.
                old = None if _is_date_key(fact) else fact.old
                fkey = (fact.kind, old, fact.new, key)
                if fkey not in seen:
                    seen.add(fkey)
                    shared[fkey].append(f)
        mine = {f.path for f in files}
        bullets: list[str] = []
        covered: set[str] = set()
        for (kind, old, new, key), everywhere in sorted(shared.items(), key=lambda kv: -len(kv[1])):
            group = [g for g in everywhere if g.path in mine]
            if len(group) < 2 or len(bullets) >= MAX_BULLETS - 1:
                continue
            if all(g.path in covered for g in group):
                continue
            # The count is of every file of the report sharing the fact: one checkable number.
            bullets.append(self._shared_bullet(kind, old, new, key, len(everywhere)))
            covered.update(g.path for g in group)
        rest = [f for f in files if f.path not in covered]
        room = MAX_BULLETS - len(bullets)
        for f in rest[:room]:
            bullets.append(self._bullet(f))
        if len(rest) > room and bullets:
            bullets[-1] = self.cat.t("highlights.more_files")
        return bullets

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
