"""File titles: the most important fact of a file, named, within the language's length limit.

A title is built from the facts in order of importance. Each fact offers candidates, most
specific first; a candidate that is too long is shortened (a path loses its folders, a value
its middle, at word boundaries where it has words) rather than dropped, so a title is generic
only when no fact names anything. Low-importance facts (dates, metadata, formatting) name a
file only when nothing more important does.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from diffinsight.analysis import AnalyzedFile
from diffinsight.facts.kinds import FactKind
from diffinsight.grounding import ELLIPSIS
from diffinsight.i18n import Catalog
from diffinsight.models import Fact, FileStatus
from diffinsight.writers.quoting import clip_token

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".ico")
#: Facts below this importance never displace a more important fact's generic title with a
#: specific one of their own: a 237-line rewrite is not titled by its date bump.
MINOR_KINDS: set[str] = {
    FactKind.FRONTMATTER_DATE_CHANGED,
    FactKind.FRONTMATTER_ADDED,
    FactKind.FRONTMATTER_REMOVED,
    FactKind.FRONTMATTER_CHANGED,
    FactKind.TEXT_MOVED,
    FactKind.TEXT_PUNCTUATION,
    FactKind.WHITESPACE_CHANGED,
    FactKind.NEWLINE_EOF,
    FactKind.TABLE_REFORMATTED,
    FactKind.FACTS_MORE,
}
#: A shortened value keeps at least this many characters, or the candidate is skipped.
MIN_VALUE = 6
#: A value cut only part of the way (others take the rest of the cut) keeps this many.
MIN_PARTIAL = 12
#: How many facts are tried for a specific title before the generic fallbacks.
MAX_TRIED = 6


def title_limit(lang: str) -> int:
    """The longest title, in visible characters, for ``lang``."""
    return 30 if lang[:2] in ("zh", "ja", "ko") else 60


def visible_len(text: str) -> int:
    """Length as a reader sees it (code-span backticks do not count)."""
    return len(text.replace("`", ""))


def code(value: str) -> str:
    """``value`` as a Markdown code span that survives backticks inside it."""
    value = value.replace("\n", " ")
    if "`" not in value:  # the common case, without the regex scan
        return f"`{value}`"
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def shorten_words(value: str, budget: int) -> str | None:
    """``value`` within ``budget`` by dropping whole words from the middle, or None."""
    short = shorten(value, budget)
    value = " ".join(value.split())
    if short == value:
        return short
    head = short.split(ELLIPSIS)[0].strip()
    # A cut inside a word would leave half a name ("Phi-4-multimod…"): refuse it.
    return short if head and value.startswith(head + " ") else None


def shorten(value: str, budget: int, path: bool = False) -> str:
    """``value`` within ``budget`` characters: a path drops its folders first, then the middle
    goes (at spaces when the value has words), marked by an ellipsis."""
    value = " ".join(value.split())
    if len(value) <= budget:
        return value
    if path and "/" in value.rstrip("/"):
        base = posixpath.basename(value.rstrip("/"))
        if len(base) <= budget:
            return base
        value = base
    room = budget - 1
    if room < 2:
        return value[:budget]
    words = value.split(" ")
    if len(words) > 2:
        head: list[str] = []
        tail: list[str] = []
        i, j = 0, len(words) - 1
        used = 0
        # The beginning says what the thing is; keep more of it than of the end.
        while i <= j:
            take_head = len(head) <= 2 * len(tail)
            w = words[i] if take_head else words[j]
            if used + len(w) + 1 > room:
                break
            used += len(w) + 1
            if take_head:
                head.append(w)
                i += 1
            else:
                tail.insert(0, w)
                j -= 1
        if head:
            return " ".join(head) + f" {ELLIPSIS}" + (f" {' '.join(tail)}" if tail else "")
    return clip_token(value, budget)


@dataclass
class Candidate:
    """One way to title a file: a message, its fields, and which fields may be shortened."""

    key: str
    fields: dict[str, str] = field(default_factory=dict)
    #: field -> (raw value, whether it is shown as code, whether it is a path)
    raw: dict[str, tuple[str, bool, bool]] = field(default_factory=dict)
    count: int | None = None
    #: The fact names more values than the title can hold ("… and more").
    more: bool = False
    #: The title only says where the change is ("Additions in “Setup”"): tried after every
    #: important fact's content, so a later fact that names something wins over it.
    location: bool = False


class Titler:
    """Titles of files in one language."""

    def __init__(self, cat: Catalog, lang: str) -> None:
        self.cat = cat
        self.limit = title_limit(lang)

    # -- rendering -----------------------------------------------------------------------

    def _render(self, c: Candidate, values: dict[str, str]) -> str:
        return self.cat.t(c.key, count=c.count, **c.fields, **values).rstrip("。.")

    def fit(self, c: Candidate, wrap: str | None = None, cut: bool = True) -> str | None:
        """``c`` rendered within the limit (values shortened as needed, unless not ``cut``),
        or None."""
        limit = self.limit
        if wrap:
            limit -= visible_len(self.cat.t(wrap, title=""))
        values = {k: (code(v) if as_code else v) for k, (v, as_code, _) in c.raw.items() if v}
        if len(values) < len(c.raw):
            return None  # the message needs a value this fact lacks
        text = self._render(c, values)
        if not cut:
            return self._wrap(text, wrap) if visible_len(text) <= limit else None
        # Shorten the longest value first, until the title fits or nothing is left to cut.
        cuts: dict[str, int] = {}
        # Twice: the rendered title may differ from the estimate (a trailing period dropped).
        for name in sorted(c.raw, key=lambda k: -len(c.raw[k][0])) * 2:
            over = visible_len(text) - limit
            if over <= 0:
                break
            raw, as_code, is_path = c.raw[name]
            now = cuts.get(name, len(raw))
            budget = now - over
            if budget < MIN_VALUE and not is_path:
                # This value alone cannot absorb the excess: cut it part of the way and
                # leave the rest to the other values.
                if now <= MIN_PARTIAL:
                    continue
                budget = MIN_PARTIAL
            budget = max(budget, MIN_VALUE)
            cuts[name] = budget
            if as_code:
                values[name] = code(shorten(raw, budget, path=is_path))
            else:
                # Plain text is cut between words; a single long name becomes a code span
                # shortened in the middle, which the grounding check reads piece by piece.
                words = shorten_words(raw, budget)
                values[name] = words if words is not None else code(shorten(raw, budget))
            text = self._render(c, values)
        if visible_len(text) > limit:
            return None
        return self._wrap(text, wrap)

    def _wrap(self, text: str, wrap: str | None) -> str:
        return self.cat.t(wrap, title=text).rstrip("。.") if wrap else text

    # -- candidates per fact -------------------------------------------------------------

    def candidates(self, f: Fact, af: AnalyzedFile) -> list[Candidate]:
        """Specific ways to title a file by ``f``, most telling first."""
        build = _BUILDERS.get(f.kind)
        return build(f, af) if build else []

    def title(self, af: AnalyzedFile, facts: list[Fact], rank: Callable[[Fact], int]) -> str:
        """The file's title: its most important fact that names something, else a fallback."""
        ordered = sorted(facts, key=rank)
        important = [f for f in ordered if not _is_minor(f)]
        tried = (important or ordered)[:MAX_TRIED]
        for location in (False, True):
            for f in tried:
                same = [g for g in facts if g.kind == f.kind and (g.old, g.new) != (f.old, f.new)]
                found = [c for c in self.candidates(f, af) if c.location == location]
                # A shorter way to say the same fact beats a cut value ("Column renamed:
                # Legacy date (UTC)" rather than "Column Legacy date renamed to Legacy …").
                for cut in (False, True):
                    for c in found:
                        wraps = ["titles.and_more", None] if same or c.more else [None]
                        # Without "and more" the title still names a true change: better
                        # than a generic one when the longer form does not fit.
                        for wrap in wraps:
                            text = self.fit(c, wrap, cut=cut)
                            if text:
                                return text
        return self.fallback(af, facts, ordered[0] if ordered else None)

    def fallback(self, af: AnalyzedFile, facts: list[Fact], primary: Fact | None) -> str:
        """A title naming the kind of change, the section, or the file: never empty."""
        t = self.cat.t
        out: list[Candidate] = []
        if primary is not None:
            out += _generic(primary, facts)
        name = af.change.path
        status = af.change.status
        if status is FileStatus.ADDED:
            out += [_c("title.file_added", name=(name, True, True)), _c("title.added_short")]
        elif status is FileStatus.REMOVED:
            out += [_c("title.file_removed", name=(name, True, True)), _c("title.removed_short")]
        elif status is FileStatus.RENAMED:
            out.append(_c("title.renamed_short"))
        else:
            out += [_c("title.updated", name=(name, True, True)), _c("title.updated_short")]
        for c in out:
            text = self.fit(c)
            if text:
                return text
        return t("title.updated_short")


def _is_minor(f: Fact) -> bool:
    if f.kind == FactKind.FRONTMATTER_CHANGED and f.detail.get("key") == "title":
        return False  # a page's new name is news
    return f.kind in MINOR_KINDS


def _c(
    message: str,
    /,
    count: int | None = None,
    more: bool = False,
    location: bool = False,
    **raw: tuple[str, bool, bool],
) -> Candidate:
    return Candidate(key=message, raw=dict(raw), count=count, more=more, location=location)


def _at(message: str, f: Fact) -> list[Candidate]:
    """A title saying where ``f`` happened, when it says where."""
    return [_c(message, location=True, section=_where(f))] if f.where else []


def _listed(f: Fact, field: str) -> list[str]:
    """The values a fact lists under ``field`` (``names``, ``dropped``), each once."""
    seen: dict[str, str] = {}
    for v in f.detail.get(field) or []:
        v = str(v).strip()
        # A title names a thing: at least three characters, letters among them (not `%20`).
        if len(v) >= 3 and any(ch.isalpha() for ch in v) and "%" not in v:
            seen.setdefault(v.casefold(), v)
    return list(seen.values())


def _named(f: Fact, field: str, message: str) -> list[Candidate]:
    """A title naming the first value ``f`` lists under ``field`` ("Now names `gpt-4.1`")."""
    values = _listed(f, field)
    return [_c(message, more=len(values) > 1, value=_v(values[0]))] if values else []


def _v(value: object, as_code: bool = True, path: bool = False) -> tuple[str, bool, bool]:
    return (str(value) if value else "", as_code, path)


_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _text(value: object) -> tuple[str, bool, bool]:
    # A title shows a link's words, never its Markdown syntax.
    plain = _LINK_RE.sub(r"\1", str(value)) if value else ""
    return _v(plain.strip(), as_code=False)


def _where(f: Fact) -> tuple[str, bool, bool]:
    return _text(f.where)


def _suffix(old: str | None, new: str | None) -> str | None:
    if old and new and new.startswith(old) and len(new) > len(old):
        return new[len(old) :].strip() or None
    return None


def _file_added(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    heads = [str(h) for h in f.detail.get("headings", [])]
    out = [_c("title.page_added", title=_text(f.new))] if f.new else []
    if not f.new and heads:
        out.append(_c("title.page_added", title=_text(heads[0])))
    return out


def _file_removed(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    return [_c("title.page_removed", title=_text(f.old))] if f.old else []


def _file_renamed(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    new = f.new or af.change.path
    old = f.old or af.change.old_path or ""
    if old and posixpath.basename(old) == posixpath.basename(new):
        # Same name, other folder: the folder is the news.
        return [_c("titles.moved_to", folder=_v(posixpath.dirname(new) or "/", path=False))]
    if old:
        # The new name already heads the row and the section: the old one is the news.
        return [_c("title.renamed_from", old=_v(posixpath.basename(old)))]
    return [_c("title.renamed", new=_v(posixpath.basename(new)))]


def _binary(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    kind = "image" if af.change.path.lower().endswith(IMAGE_SUFFIXES) else "binary"
    return [_c(f"title.{f.kind.replace('.', '_')}_{kind}", name=_v(af.change.path, path=True))]


def _section_added(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    return [_c("title.section_added", section=_text(f.new))]


def _section_removed(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    return [_c("title.section_removed", section=_text(f.old))]


def _heading_renamed(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    tail = _suffix(f.old, f.new)
    out = [_c("title.suffix_added", suffix=_v(tail))] if tail else []
    return [*out, _c("title.heading_renamed", new=_text(f.new))]


def _table(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    added = f.kind == FactKind.TABLE_ADDED
    cols = [str(c) for c in f.detail.get("columns", []) if str(c).strip()]
    out = []
    if added and cols:
        out.append(_c("titles.table_columns", columns=_text(", ".join(cols[:3]))))
    if not added and cols:
        out.append(_c("titles.table_removed_cols", columns=_text(", ".join(cols[:3]))))
    return out + _at("titles.table_added_in" if added else "titles.table_removed_in", f)


def _row(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    short = f.kind.split("_", 1)[1]
    value = f.new if short == "added" else f.old
    if short == "changed":
        value = str(f.detail.get("row") or f.new or "")
    return [_c(f"title.row_{short}", row=_v(value))]


def _columns(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    out = []
    for part in ("added", "removed"):
        cols = [str(c) for c in f.detail.get(part, [])]
        if cols:
            out.append(_c(f"titles.columns_{part}", columns=_text(", ".join(cols[:3]))))
    renamed = [(str(o), str(n)) for o, n in f.detail.get("renamed") or []]
    if renamed:
        old, new = renamed[0]
        more = len(renamed) > 1
        out.append(_c("titles.column_renamed", more=more, old=_text(old), new=_text(new)))
        out.append(_c("titles.column_renamed_to", more=more, new=_text(new)))
    return out


def _toc(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    short = f.kind.split(".", 1)[1]
    if short in ("entry_added", "entry_renamed"):
        value = f.new
    elif short == "entry_removed":
        value = f.old
    else:
        value = str(f.detail.get("name") or "")
    return [_c(f"title.toc_{short}", name=_text(value))]


def _value(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    # Inside code, ``key`` identifies the change across files; it names no field.
    in_code = f.kind in (FactKind.CODE_RENAMED, FactKind.CODE_VALUE_CHANGED)
    param = f.detail.get("param") or (None if in_code else f.detail.get("key"))
    out = []
    if param and f.new and f.kind not in (FactKind.TEXT_WORDING, FactKind.TEXT_REWRITTEN):
        key = "title.date_updated" if _is_date(f) else "title.key_changed"
        out.append(_c(key, key=_v(param), new=_v(f.new)))
    # A rewritten stretch quoted only in part on both sides: a title of both halves, cut
    # again, would show two heads and no change; the new text alone says what it became.
    halves = f.kind == FactKind.TEXT_REWRITTEN and all(
        v and v.endswith("…") for v in (f.old, f.new)
    )
    if f.old and f.new and not halves:
        out.append(_c("title.value_changed", old=_v(f.old), new=_v(f.new)))
    if f.new:
        out.append(_c("title.value_to" if f.old else "title.text_inserted", new=_v(f.new)))
    elif f.old:
        out.append(_c("title.text_deleted", old=_v(f.old)))
    if not (f.old or f.new):
        # A rewritten sentence told by the names it gained or lost.
        out += _named(f, "names", "titles.now_names") + _named(
            f, "dropped", "titles.no_longer_names"
        )
    if f.kind in (FactKind.TEXT_WORDING, FactKind.TEXT_REWRITTEN):
        out += _at("titles.wording_in", f)
    return out


def _is_date(f: Fact) -> bool:
    if f.kind == FactKind.FRONTMATTER_DATE_CHANGED:
        return True
    key = str(f.detail.get("key") or "")
    return key.endswith(("date", "Date"))


def _frontmatter(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    key = str(f.detail.get("key", ""))
    tail = _suffix(f.old, f.new)
    out = [_c("title.suffix_added", suffix=_v(tail))] if tail else []
    if f.kind == FactKind.FRONTMATTER_REMOVED:
        return [_c("titles.fm_removed", key=_v(key))] if key else []
    if f.new and key:
        out.append(
            _c(
                "title.date_updated" if _is_date(f) else "title.key_changed",
                key=_v(key),
                new=_v(f.new),
            )
        )
    elif key:
        out.append(_c("titles.fm_added", key=_v(key)))
    return out


def _link(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    text = str(f.detail.get("text") or "")
    if f.kind == FactKind.LINK_RETARGETED:
        out = [_c("title.link_retargeted", text=_text(text))] if text else []
        return [*out, _c("titles.link_to", new=_v(f.new, path=True))]
    if f.kind == FactKind.LINK_ADDED:
        out = [_c("title.link_added", text=_text(text))] if text else []
        return [*out, _c("title.link_added", text=_v(f.new, path=True))]
    if f.kind == FactKind.LINK_REMOVED:
        return [_c("titles.link_removed", text=_text(text) if text else _v(f.old, path=True))]
    if f.kind == FactKind.LINK_TEXT_CHANGED:
        return [_c("titles.link_text", new=_text(f.new))]
    return []


def _image(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    if f.kind == FactKind.IMAGE_ADDED:
        return [_c("titles.image_added", src=_v(f.new, path=True))]
    if f.kind in (FactKind.IMAGE_REMOVED, FactKind.IMAGE_CHANGED):
        return (
            [_c("titles.image_removed", src=_v(f.old, path=True))]
            if f.kind == FactKind.IMAGE_REMOVED
            else [_c("titles.image_changed", src=_v(f.new, path=True))]
        )
    return []


def _include(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    added = f.kind.endswith("added")
    value = f.new if added else f.old
    return [
        _c(
            "titles.include_added" if added else "titles.include_removed",
            value=_v(value, path=True),
        )
    ]


def _code(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    short = f.kind.split(".", 1)[1]
    out = _named(f, "names", "titles.code_uses") if f.kind == FactKind.CODE_CHANGED else []
    return out + _at(f"titles.code_{short}_in", f)


def _alert(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    return [_c(f"title.{f.kind.replace('.', '_')}", type=_v(f.detail.get("type", "")))]


def _list_item(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    added = f.kind.endswith("added")
    value = f.new if added else f.old
    if not value:
        return _at("titles.item_added_in" if added else "titles.item_removed_in", f)
    return [_c("titles.item_added" if added else "titles.item_removed", text=_text(value))]


def _typo(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    return [_c("title.typo", old=_v(f.old), new=_v(f.new))]


def _config(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    key = f.detail.get("key")
    if not key:
        return []
    if f.new:
        return [_c("title.key_changed", key=_v(key), new=_v(f.new))]
    return [
        _c("titles.fm_removed" if f.kind.endswith("removed") else "titles.fm_added", key=_v(key))
    ]


def _lines(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    bases: dict[str, str] = {
        FactKind.TEXT_ADDED: "lines_added",
        FactKind.LINES_ADDED: "lines_added",
        FactKind.TEXT_REMOVED: "lines_removed",
        FactKind.LINES_REMOVED: "lines_removed",
    }
    base = bases.get(f.kind, "line_rewritten")
    named: list[Candidate] = []
    if f.kind == FactKind.TEXT_ADDED:
        named = _named(f, "names", "titles.now_names")
    elif f.kind == FactKind.TEXT_REMOVED:
        named = _named(f, "names", "titles.no_longer_names")
    return named + _at(f"title.{base}_in", f)


def _moved(f: Fact, af: AnalyzedFile) -> list[Candidate]:
    return _at("titles.moved_in", f)


_BUILDERS: dict[str, Callable[[Fact, AnalyzedFile], list[Candidate]]] = {
    FactKind.FILE_ADDED: _file_added,
    FactKind.FILE_REMOVED: _file_removed,
    FactKind.FILE_RENAMED: _file_renamed,
    FactKind.HEADING_ADDED: _section_added,
    FactKind.HEADING_REMOVED: _section_removed,
    FactKind.HEADING_RENAMED: _heading_renamed,
    FactKind.TABLE_ADDED: _table,
    FactKind.TABLE_REMOVED: _table,
    FactKind.TABLE_ROW_ADDED: _row,
    FactKind.TABLE_ROW_REMOVED: _row,
    FactKind.TABLE_ROW_CHANGED: _row,
    FactKind.TABLE_COLUMNS_CHANGED: _columns,
    FactKind.VERSION_CHANGED: _value,
    FactKind.NAME_REPLACED: _value,
    FactKind.TEXT_REPLACED: _value,
    FactKind.TEXT_INSERTED: _value,
    FactKind.TEXT_DELETED: _value,
    FactKind.TEXT_WORDING: _value,
    FactKind.TEXT_REWRITTEN: _value,
    FactKind.CODE_RENAMED: _value,
    FactKind.CODE_VALUE_CHANGED: _value,
    FactKind.TEXT_TYPO: _typo,
    FactKind.TEXT_SUBSTANTIVE: _lines,
    FactKind.TEXT_ADDED: _lines,
    FactKind.TEXT_REMOVED: _lines,
    FactKind.LINES_ADDED: _lines,
    FactKind.LINES_REMOVED: _lines,
    FactKind.LINE_REWRITTEN: _lines,
    FactKind.TEXT_MOVED: _moved,
}
#: Families of kinds (their common prefix in the vocabulary) that share one builder.
_FAMILY_BUILDERS: list[tuple[str, Callable[[Fact, AnalyzedFile], list[Candidate]]]] = [
    ("binary.", _binary),
    ("toc.", _toc),
    ("frontmatter.", _frontmatter),
    ("link.", _link),
    ("image.", _image),
    ("include.", _include),
    ("pivot.", _include),
    ("code.", _code),
    ("alert.", _alert),
    ("list.item_", _list_item),
    ("config.", _config),
]

#: The kind's own wording when no value fits: "New sections added", "Links updated".
_GENERIC: dict[str, str] = {
    FactKind.HEADING_ADDED: "title.sections_added",
    FactKind.HEADING_REMOVED: "title.sections_removed",
    FactKind.HEADING_RENAMED: "title.headings_renamed",
    FactKind.TABLE_ADDED: "title.table_added",
    FactKind.TABLE_REMOVED: "title.table_removed",
    FactKind.TABLE_ROW_ADDED: "title.rows_added",
    FactKind.TABLE_ROW_REMOVED: "title.rows_removed",
    FactKind.TABLE_ROW_CHANGED: "title.rows_changed",
    FactKind.TABLE_COLUMNS_CHANGED: "title.columns_changed",
    FactKind.TEXT_TYPO: "title.typo_short",
    FactKind.TEXT_WORDING: "title.wording",
    FactKind.TEXT_MOVED: "title.moved",
    FactKind.WHITESPACE_CHANGED: "title.formatting",
    FactKind.NEWLINE_EOF: "title.formatting",
    FactKind.TEXT_PUNCTUATION: "title.formatting",
    FactKind.TABLE_REFORMATTED: "title.formatting",
    FactKind.TEXT_REWRITTEN: "title.wording",
    FactKind.CODE_ADDED: "title.code_added",
    FactKind.CODE_REMOVED: "title.code_removed",
    FactKind.CODE_CHANGED: "title.code_changed",
    FactKind.LIST_ITEM_ADDED: "title.item_added",
    FactKind.LIST_ITEM_REMOVED: "title.item_removed",
}
_GENERIC_FAMILIES = [
    ("toc.", "title.toc_updated"),
    ("frontmatter.", "title.metadata"),
    ("link.", "title.links_updated"),
    ("image.", "title.images_updated"),
    ("include.", "title.includes_updated"),
    ("pivot.", "title.includes_updated"),
    ("config.", "title.values_updated"),
    ("version.", "title.values_updated"),
    ("name.", "title.values_updated"),
    ("text.", "title.text_edited"),
]
for _family, _builder in _FAMILY_BUILDERS:
    for _k in FactKind:
        if _k.value.startswith(_family):
            _BUILDERS.setdefault(_k, _builder)
for _family, _key in _GENERIC_FAMILIES:
    for _k in FactKind:
        if _k.value.startswith(_family):
            _GENERIC.setdefault(_k, _key)
_COUNTED: dict[str, str] = {
    FactKind.TEXT_ADDED: "title.lines_added",
    FactKind.LINES_ADDED: "title.lines_added",
    FactKind.TEXT_REMOVED: "title.lines_removed",
    FactKind.LINES_REMOVED: "title.lines_removed",
    FactKind.TEXT_SUBSTANTIVE: "title.line_rewritten",
    FactKind.LINE_REWRITTEN: "title.line_rewritten",
}


def _generic(primary: Fact, facts: list[Fact]) -> list[Candidate]:
    if primary.kind in _COUNTED:
        return [_c(_COUNTED[primary.kind], count=int(primary.detail.get("count", 1)))]
    key = _GENERIC.get(primary.kind)
    return [_c(key)] if key else []
