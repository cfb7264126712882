"""The offline engine: reports written from facts through message catalogues, no model, no network.

Every value it prints is copied from a fact, and every fact is copied from the diff.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from diffinsight.analysis import AnalyzedFile
from diffinsight.facts.kinds import FactKind, KindSpec, Tier, fact_rank, spec
from diffinsight.grounding import LISTED
from diffinsight.i18n import Catalog, catalog
from diffinsight.models import (
    Fact,
    FileReport,
    Report,
)
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.compose import ReportComposer, is_placeholder_title, normalise, sections
from diffinsight.writers.compose import weight as _rank
from diffinsight.writers.quoting import clip, clip_quotes
from diffinsight.writers.titles import IMAGE_SUFFIXES, Titler, code

MAX_EXPLANATION_SENTENCES = 4

#: Kinds that state a change inside a code example (its line counts then say nothing more).
_IN_CODE = {
    FactKind.VERSION_CHANGED,
    FactKind.NAME_REPLACED,
    FactKind.CODE_RENAMED,
    FactKind.CODE_VALUE_CHANGED,
}
#: A kind with at least this many facts in one file is told as a count.
MANY = 3
MAX_NAMES = LISTED
MAX_CELLS = 3
MAX_CELL_CHARS = 80


def _shorten(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` within ``limit`` characters, its middle replaced by ``…`` when cut."""
    return clip(text, limit)


def _shown_section(where: str) -> str:
    """A location as a sentence names it: a long heading path by its nearest heading."""
    if len(where) > MAX_CELL_CHARS:
        where = where.rsplit(" > ", 1)[-1]
    return _shorten(where)


def _suffix(old: str | None, new: str | None) -> str | None:
    """What was appended when ``new`` is ``old`` plus a tail (``(Preview)``)."""
    if old and new and new.startswith(old) and len(new) > len(old):
        tail = new[len(old) :].strip()
        return tail or None
    return None


def _group(facts: list[Fact]) -> list[tuple[Fact, int]]:
    """Identical statements once, with how often they occur (order kept)."""
    counts: Counter[tuple[str, str | None, str | None, str | None]] = Counter()
    first: dict[tuple[str, str | None, str | None, str | None], Fact] = {}
    for f in facts:
        k = (f.kind, f.old, f.new, str(f.detail.get("key") or f.detail.get("param") or ""))
        counts[k] += 1
        first.setdefault(k, f)
    return [(first[k], counts[k]) for k in first]


#: Public: the engine; ``FileWriter`` (one file in one language) and ``describe`` serve it and tests.
__all__ = ["OfflineWriter"]


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
        return self.cat.t(key, section=_shown_section(fact.where))

    def _q(self, text: str) -> str:
        return self.cat.t("quote", text=_shorten(text))

    def _value(self, text: str) -> str:
        """A value in a code span, shortened in the middle when longer than 80."""
        short = _shorten(text) if len(text) > MAX_CELL_CHARS else text
        # The ellipsis stays inside the span: the grounding check then reads the value as
        # shortened (its head and tail must be in one line of the diff), not as one token.
        return code(short)

    def _names(self, values: list[str], total: int) -> str:
        """At most :data:`MAX_NAMES` distinct values, then how many more there are."""
        # Values that differ only in case read as one item (``GPT-4.5`` and ``gpt-4.5``).
        shown_by: dict[str, str] = {}
        for v in values:
            shown_by.setdefault(v.casefold(), self._value(v))
        distinct = list(shown_by.values())
        # Long values that read the same once shortened are shown once; the count of the
        # rest would then be one of our own, so they are "others" instead.
        unique = list(dict.fromkeys(distinct))
        shown = unique[:MAX_NAMES]
        if len(unique) < len(distinct):
            return self.cat.join(shown, more=len(unique) > len(shown))
        # ``total`` counts facts, some without a value; repeated values are one item.
        rest = len(distinct) - len(shown) if len(values) == total else total - len(shown)
        if rest > 0:
            shown.append(self.cat.t("change.n_more", count=rest))
        return self.cat.join(shown)

    def many(self, kind: str, facts: list[Fact]) -> str:
        """One sentence for several facts of one kind in one file."""
        values = [v for f in facts if (v := f.new or f.old)]
        wheres = {f.where for f in facts}
        where = self._where(facts[0]) if len(wheres) == 1 else ""
        text = self.cat.t(
            str(_spec_of(kind).many),
            count=len(facts),
            names=self._names(values, len(facts)) if values else "",
            where=where,
        )
        if kind == FactKind.TABLE_ROW_CHANGED and _same_cells(facts):
            # Rows changed alike (a date moved in every row of a retirement table): the
            # change itself is what the reader needs, said once for all of them.
            text += self.cat.t("sep.sentence") + self.cat.t(
                "change.in_each", changes=self.cat.join(self._cell_changes(facts[0]))
            )
        if kind in _WORDED:
            # Links and list items are named by their words: "14 links added" alone says
            # nothing a reader can use.
            # Words that differ only in case read as one item.
            words: dict[str, str] = {}
            for f in facts:
                if w := _words_of(f):
                    words.setdefault(w.casefold(), w)
            shown = list(dict.fromkeys(self._q(w) for w in words.values()))[:MAX_NAMES]
            if shown:
                text += self.cat.t("sep.sentence") + self.cat.t(
                    "change.among", names=self.cat.join(shown)
                )
        return text

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
        heads = [h for h in sections(fact) if h != fact.new][:4]
        s = (
            t("fact.file_added", title=fact.new, count=lines)
            if fact.new
            else t("fact.file_added_untitled", name=code(af.change.basename), count=lines)
        )
        description = str(fact.detail.get("description") or "")
        if description and not is_placeholder_title(description):
            s += t("change.page_description", description=_shorten(description))
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
        new = code(fact.new) if fact.new else ""
        if not fact.old:
            # A patch alone may not say where the file was before.
            return t("change.renamed_to", new=new)
        s = t("fact.file_renamed", old=code(fact.old), new=new)
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
        renamed = [
            f"{self._q(str(o))} → {self._q(str(n))}" for o, n in fact.detail.get("renamed") or []
        ]
        if renamed:
            parts.append(t("change.columns_renamed", pairs=self.cat.join(renamed), where=where))
        return t("sep.sentence").join(parts)

    def _row_added(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        t = self.cat.t
        new = self._value(fact.new) if fact.new else ""
        where = self._where(fact)
        cells = [(str(c), str(v)) for c, v in dict(fact.detail.get("cells", {})).items()]
        if cells:
            shown: list[str] = []
            for c, v in cells:
                # A cell under a column the diff does not name is told by its value alone,
                # so the same value ("✅" in every region column) is said once.
                item = (
                    t("fact.cell", column=c, value=self._cell(v)) if c[:1] != "#" else self._cell(v)
                )
                if item not in shown:
                    shown.append(item)
            shown = shown[:MAX_CELLS]
            return t("fact.row_added", row=new, cells=t("sep.cells").join(shown), where=where)
        return t("fact.row_added_plain", row=new, where=where)

    def _row_changed(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t(
            "fact.row_changed",
            row=self._value(str(fact.detail.get("row", ""))),
            changes=self.cat.join(self._cell_changes(fact)),
            where=self._where(fact),
        )

    def _cell_changes(self, fact: Fact) -> list[str]:
        """How each changed cell of a row changed ("Version changed from … to …")."""
        t = self.cat.t
        changes = []
        for c in list(fact.detail.get("cells", []))[:MAX_CELLS]:
            col = str(c.get("column", ""))
            col = col if not col.startswith("#") else t("fact.column_n", n=col[1:])
            o, n = str(c.get("old", "")), str(c.get("new", ""))
            if o and n:
                changes.append(
                    t("fact.cell_changed", column=col, old=self._cell(o), new=self._cell(n))
                )
            elif n:
                changes.append(t("fact.cell_set", column=col, new=self._cell(n)))
            else:
                changes.append(t("fact.cell_cleared", column=col, old=self._cell(o)))
        return changes

    def _cell(self, value: str) -> str:
        """A quoted cell: each verbatim piece in a code span, ``…`` outside when cut."""
        shown = []
        for piece in value.split("\n"):
            cut = piece.endswith("…")
            shown.append(code(piece[:-1] if cut else piece) + ("…" if cut else ""))
        return self.cat.join(shown)

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
        names = [str(n) for n in fact.detail.get("names") or []]
        dropped = [str(n) for n in fact.detail.get("dropped") or []]
        for values, key in ((names, "change.code_changed_names"), (dropped, "change.code_dropped")):
            if values:
                return self.cat.t(
                    key, names=self._names(values, len(values)), where=self._where(fact)
                )
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

    def _code_token(self, fact: Fact, times: int, _af: AnalyzedFile) -> str:
        """A name or value changed inside code, told by its role (import, call, parameter)."""
        d = fact.detail
        base = _spec(fact).sentence
        if fact.kind == FactKind.CODE_RENAMED:
            key = f"{base}_{d.get('role', 'identifier')}"
            if not self.cat.has(key):
                key = f"{base}_identifier"
        else:
            key = base + ("_param" if d.get("param") else "")
        s = self.cat.t(
            key,
            old=code(fact.old or ""),
            new=code(fact.new or ""),
            param=code(str(d.get("param") or "")),
            where=self._where(fact),
        )
        return s + self._again(_spec(fact), times)

    def _code_values(self, facts: list[Fact]) -> str:
        """Values of one parameter changed in one place, as pairs (the first three)."""
        pairs = [f"{self._value(f.old or '')} → {self._value(f.new or '')}" for f in facts]
        pairs = list(dict.fromkeys(pairs))
        return self.cat.t(
            "change.code_values_param",
            param=code(str(facts[0].detail.get("param", ""))),
            pairs=self.cat.join(pairs[:MAX_CELLS], more=len(pairs) > MAX_CELLS),
            where=self._where(facts[0]),
        )

    def _rewritten(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        """A rewritten sentence: the names it now has or lost, else its changed span."""
        t = self.cat.t
        d = fact.detail
        where = self._where(fact)
        base = _spec(fact).sentence
        parts = []
        for field, suffix in (("names", "_names"), ("dropped", "_dropped")):
            values = [str(v) for v in d.get(field) or []]
            if values:
                parts.append(t(base + suffix, names=self._names(values, len(values)), where=where))
        if parts:
            return t("sep.sentence").join(parts)
        return t(
            base + "_span", old=self._q(fact.old or ""), new=self._q(fact.new or ""), where=where
        )

    def _whitespace(self, fact: Fact, _times: int, af: AnalyzedFile) -> str:
        """ "Whitespace only" only when nothing else changed."""
        if all(fact_rank(f) >= Tier.FORMATTING for f in af.facts):
            return self.cat.t("fact.whitespace")
        return self.cat.t("change.whitespace_also")

    def _lines(self, fact: Fact, times: int, _af: AnalyzedFile) -> str:
        """Prose lines added or removed: the names they hold, else how many."""
        names = [str(n) for n in fact.detail.get("names") or []]
        if not names:
            return self._plain(_spec(fact), fact, times)
        key = (
            "change.lines_added_names"
            if fact.kind in (FactKind.TEXT_ADDED, FactKind.LINES_ADDED)
            else "change.lines_removed_names"
        )
        return self.cat.t(
            key,
            count=int(fact.detail.get("count", 1)),
            names=self._names(names, len(names)),
            where=self._where(fact),
        )

    def _newline(self, fact: Fact, _times: int, _af: AnalyzedFile) -> str:
        return self.cat.t("fact.eof_added" if fact.detail.get("added") else "fact.eof_removed")

    def title(self, af: AnalyzedFile, facts: list[Fact]) -> str:
        """A one-line title (no trailing period, within the language's length limit)."""
        return self.titler.title(af, facts, _rank)

    def explanation(self, af: AnalyzedFile, facts: list[Fact]) -> str:
        """One to four sentences, the first carrying the main change."""
        primary = min(facts, key=_rank, default=None)
        by_kind: dict[str, list[Fact]] = defaultdict(list)
        for f in facts:
            by_kind[f.kind].append(f)
        items: list[tuple[int, str]] = []
        done: set[str] = set()
        in_code = sum(1 for f in facts if f.kind in _IN_CODE and f.detail.get("code") is not None)
        link_texts = [
            str(f.detail.get("text"))
            for f in facts
            if f.kind == FactKind.LINK_ADDED and f.detail.get("text")
        ]
        grouped = _group(facts)
        # Several values of one parameter changed in one place: one sentence of pairs.
        values_of: dict[tuple[str, str], list[Fact]] = defaultdict(list)
        for f, _n in grouped:
            if f.kind == FactKind.CODE_VALUE_CHANGED and f.detail.get("param") and f.old and f.new:
                values_of[(str(f.detail["param"]), f.where or "")].append(f)
        for f, n in grouped:
            if f.kind in done:
                continue
            same = values_of.get((str(f.detail.get("param")), f.where or ""), [])
            if len(same) > 1 and f in same:
                if f is same[0]:
                    rank = min(_rank(g) for g in same) - (1 if primary in same else 0)
                    items.append((rank, self._code_values(same)))
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
        sentences = self._name_sections_once(
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
        return clip_quotes(self.cat.t("sep.sentence").join(sentences), self.cat)

    def _name_sections_once(self, sentences: list[str], facts: list[Fact]) -> list[str]:
        """Sentences where a section is named once: from the second mention on, the location
        phrase goes (the reader already knows where this happens)."""
        phrases = {
            w: [self.cat.t(k, section=w) for k in ("where.in", "where.under")]
            for w in {_shown_section(f.where) for f in facts if f.where}
        }
        quoted = {w: self._q(w) for w in phrases}
        # Mentions so far, kept as a running count: recounting every earlier sentence for
        # every section made this quadratic (a fifth of the corpus run).
        said = dict.fromkeys(phrases, 0)
        out: list[str] = []
        for s in sentences:
            for w, forms in phrases.items():
                if said[w] >= 1:
                    for form in forms:
                        s = s.replace(form, "", 1)
            for w, q in quoted.items():
                said[w] += s.count(q)
            out.append(s)
        return out

    def file_report(self, af: AnalyzedFile, facts: list[Fact] | None = None) -> FileReport:
        """The per-file entry of a report (``facts``: ``normalise(af.facts)`` if known)."""
        if facts is None:
            facts = normalise(af.facts)
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


#: Kinds whose counted sentence also names a few of them by their words.
_WORDED = {
    FactKind.LINK_ADDED,
    FactKind.LINK_REMOVED,
    FactKind.LINK_RETARGETED,
    FactKind.LIST_ITEM_ADDED,
    FactKind.LIST_ITEM_REMOVED,
}


def _words_of(fact: Fact) -> str:
    """The words a link or list item shows (a link's text, an item's text)."""
    if fact.kind.startswith("link."):
        return str(fact.detail.get("text") or "").strip()
    return str(fact.new or fact.old or "").strip()


def _same_cells(facts: list[Fact]) -> bool:
    """Whether table row changes all changed the same cells in the same way."""
    first = facts[0].detail.get("cells")
    return bool(first) and all(f.detail.get("cells") == first for f in facts[1:])


def _countable(kind: str) -> bool:
    s = spec(kind)
    return s is not None and s.many is not None


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
    FactKind.TEXT_ADDED: FileWriter._lines,
    FactKind.TEXT_REMOVED: FileWriter._lines,
    FactKind.LINES_ADDED: FileWriter._lines,
    FactKind.LINES_REMOVED: FileWriter._lines,
    FactKind.WHITESPACE_CHANGED: FileWriter._whitespace,
    FactKind.CODE_RENAMED: FileWriter._code_token,
    FactKind.CODE_VALUE_CHANGED: FileWriter._code_token,
    FactKind.TEXT_REWRITTEN: FileWriter._rewritten,
}


class OfflineWriter:
    """The default writer: deterministic, grounded, in every catalogued language."""

    name = "offline"
    #: Only facts are read, never the documents they came from (see build_reports).
    reads_contents = False

    #: The request being written and its files' normalised facts (see write).
    _normal: tuple[ReportRequest, list[list[Fact]]] | None = None

    def write(self, request: ReportRequest) -> list[Report]:
        """One report per language of ``request``."""
        # The facts as a reader meets them do not depend on the language: normalised once
        # for all of them, found by write_one by the request (which subclasses override).
        self._normal = (request, [normalise(af.facts) for af in request.files])
        try:
            return [self.write_one(request, lang) for lang in request.languages]
        finally:
            self._normal = None

    def write_one(self, request: ReportRequest, lang: str) -> Report:
        """The report in one language."""
        known = self._normal
        if known is not None and known[0] is request:
            normal = known[1]
        else:
            normal = [normalise(af.facts) for af in request.files]
        fw = FileWriter(lang)
        files = [fw.file_report(af, facts) for af, facts in zip(request.files, normal, strict=True)]
        composer = ReportComposer(lang)
        return composer.compose(request, lang, files)


def describe(af: AnalyzedFile, lang: str) -> FileReport:
    """The offline engine's entry for one file (the LLM writer's fallback)."""
    return FileWriter(lang).file_report(af)
