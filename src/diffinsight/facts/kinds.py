"""The vocabulary of fact kinds, and per kind everything a writer needs to know about it.

Every extractor names its facts with a :class:`FactKind`; :data:`SPECS` holds, for each kind,
its rank (how much it matters to a reader: titles, the order of sentences and bullets), whether
identical facts in several files can be told once for all of them, and the catalogue keys of its
sentence (``fact.*``), of its counted sentence when a file has many (``many.*``) and of its
title (``title.*``). Adding a kind means one member, one :data:`SPECS` entry and its messages.

``Fact.kind`` stays a plain string in the data model (JSON reports written before a kind
existed still load); the members are ``str`` so they compare and hash as their value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

from diffinsight.models import Fact


class FactKind(str, Enum):
    """What happened, as one fact states it."""

    # Whole files (generic.file_facts).
    FILE_ADDED = "file.added"
    FILE_REMOVED = "file.removed"
    FILE_RENAMED = "file.renamed"
    BINARY_ADDED = "binary.added"
    BINARY_REMOVED = "binary.removed"
    BINARY_CHANGED = "binary.changed"
    # Markdown structure (markdown.py).
    HEADING_ADDED = "heading.added"
    HEADING_REMOVED = "heading.removed"
    HEADING_RENAMED = "heading.renamed"
    TABLE_ADDED = "table.added"
    TABLE_REMOVED = "table.removed"
    TABLE_COLUMNS_CHANGED = "table.columns_changed"
    TABLE_ROW_ADDED = "table.row_added"
    TABLE_ROW_REMOVED = "table.row_removed"
    TABLE_ROW_CHANGED = "table.row_changed"
    #: Only alignment, spacing or pipe padding of a table changed (detail rows).
    TABLE_REFORMATTED = "table.reformatted"
    LINK_ADDED = "link.added"
    LINK_REMOVED = "link.removed"
    LINK_RETARGETED = "link.retargeted"
    LINK_TEXT_CHANGED = "link.text_changed"
    IMAGE_ADDED = "image.added"
    IMAGE_REMOVED = "image.removed"
    IMAGE_CHANGED = "image.changed"
    IMAGE_TEXT_CHANGED = "image.text_changed"
    CODE_ADDED = "code.added"
    CODE_REMOVED = "code.removed"
    CODE_CHANGED = "code.changed"
    ALERT_ADDED = "alert.added"
    ALERT_REMOVED = "alert.removed"
    LIST_ITEM_ADDED = "list.item_added"
    LIST_ITEM_REMOVED = "list.item_removed"
    INCLUDE_ADDED = "include.added"
    INCLUDE_REMOVED = "include.removed"
    PIVOT_ADDED = "pivot.added"
    PIVOT_REMOVED = "pivot.removed"
    # Values and wording inside lines (markdown.py).
    VERSION_CHANGED = "version.changed"
    NAME_REPLACED = "name.replaced"
    #: Inside code (code files, fenced blocks): an identifier, import, call or parameter renamed
    #: (old/new; detail role, lang, key: the same rename in any file has the same key).
    CODE_RENAMED = "code.renamed"
    #: Inside code: a string or number value changed (old/new; detail role, lang, key).
    CODE_VALUE_CHANGED = "code.value_changed"
    #: A sentence rewritten, told by its changed span (old/new: the span; detail names: values
    #: the new text now names, dropped: values it no longer names).
    TEXT_REWRITTEN = "text.rewritten"
    TEXT_TYPO = "text.typo"
    TEXT_PUNCTUATION = "text.punctuation"
    TEXT_WORDING = "text.wording"
    TEXT_SUBSTANTIVE = "text.substantive"
    TEXT_ADDED = "text.added"
    TEXT_REMOVED = "text.removed"
    TEXT_MOVED = "text.moved"
    WHITESPACE_CHANGED = "whitespace.changed"
    NEWLINE_EOF = "newline.eof"
    # Front matter (frontmatter.py).
    FRONTMATTER_DATE_CHANGED = "frontmatter.date_changed"
    FRONTMATTER_CHANGED = "frontmatter.changed"
    FRONTMATTER_ADDED = "frontmatter.added"
    FRONTMATTER_REMOVED = "frontmatter.removed"
    # YAML and JSON (yamlfile.py).
    TOC_ENTRY_ADDED = "toc.entry_added"
    TOC_ENTRY_REMOVED = "toc.entry_removed"
    TOC_ENTRY_RENAMED = "toc.entry_renamed"
    TOC_ENTRY_RETARGETED = "toc.entry_retargeted"
    TOC_ENTRY_MOVED = "toc.entry_moved"
    CONFIG_KEY_ADDED = "config.key_added"
    CONFIG_KEY_REMOVED = "config.key_removed"
    CONFIG_KEY_CHANGED = "config.key_changed"
    # Other text files, line by line (generic.edit_facts).
    TEXT_REPLACED = "text.replaced"
    TEXT_INSERTED = "text.inserted"
    TEXT_DELETED = "text.deleted"
    LINES_ADDED = "lines.added"
    LINES_REMOVED = "lines.removed"
    LINE_REWRITTEN = "line.rewritten"
    # Facts over a cap, counted (detail of, count).
    FACTS_MORE = "facts.more"


@dataclass(frozen=True)
class KindSpec:
    """What a writer needs to know about one kind of fact."""

    #: Sort key: a smaller rank is more important (the title's fact, the first sentence).
    rank: int
    #: The ``fact.*`` message stating one such fact (variants add a suffix, e.g. ``_nolang``).
    sentence: str
    #: Whether identical facts in several files can be told once, with the number of files.
    shareable: bool = False
    #: Whether the sentence says how often an identical fact recurs in one file.
    repeats: bool = False
    #: The ``many.*`` message telling several such facts of one file in one counted sentence.
    many: str | None = None
    #: The ``title.*`` message naming a file's change by this fact.
    title: str | None = None
    #: Shareable kinds with one family are one change across files whenever their old and new
    #: values are the same: a rename found in a code file, a code block and a sentence.
    family: str | None = None


class Tier(IntEnum):
    """Bands of importance; a kind's rank is its tier plus its place inside it."""

    #: Pages added, removed, renamed or moved.
    PAGE = 100
    #: API and identifier renames, version changes.
    API = 200
    #: Sections, tables, TOC entries, code blocks, included content, alerts.
    STRUCTURE = 300
    #: Prose, links, images, values in lines, configuration keys.
    CONTENT = 400
    #: Front matter (authors, ``ms.*``), TOC plumbing, moves, dates.
    METADATA = 500
    #: Formatting only: table layout, punctuation, whitespace, end-of-file newline.
    FORMATTING = 600


K = FactKind
#: The family of values replaced in place (names, versions, code tokens, spellings).
VALUE = "value"

# The order is the order of importance (see Tier); no two kinds share a rank.
SPECS: dict[FactKind, KindSpec] = {
    K.FILE_ADDED: KindSpec(100, "fact.file_added", title="title.page_added"),
    K.FILE_REMOVED: KindSpec(102, "fact.file_removed", title="title.page_removed"),
    K.FILE_RENAMED: KindSpec(104, "fact.file_renamed", title="title.renamed"),
    K.BINARY_ADDED: KindSpec(428, "fact.binary_added", title="title.binary_added"),
    K.BINARY_REMOVED: KindSpec(430, "fact.binary_removed", title="title.binary_removed"),
    K.BINARY_CHANGED: KindSpec(432, "fact.binary_changed", title="title.binary_changed"),
    K.HEADING_ADDED: KindSpec(
        300, "fact.section_added", many="many.heading_added", title="title.section_added"
    ),
    K.HEADING_REMOVED: KindSpec(
        302, "fact.section_removed", many="many.heading_removed", title="title.section_removed"
    ),
    K.TABLE_ADDED: KindSpec(304, "fact.table_added", title="title.table_added"),
    K.TABLE_REMOVED: KindSpec(306, "fact.table_removed", title="title.table_removed"),
    K.TABLE_ROW_ADDED: KindSpec(
        308, "fact.row_added", many="many.row_added", title="title.row_added"
    ),
    K.TABLE_ROW_REMOVED: KindSpec(
        310, "fact.row_removed", many="many.row_removed", title="title.row_removed"
    ),
    K.TOC_ENTRY_ADDED: KindSpec(
        314, "fact.toc_entry_added", many="many.toc_added", title="title.toc_entry_added"
    ),
    K.TOC_ENTRY_REMOVED: KindSpec(
        316, "fact.toc_entry_removed", many="many.toc_removed", title="title.toc_entry_removed"
    ),
    K.TOC_ENTRY_RENAMED: KindSpec(506, "fact.toc_entry_renamed", title="title.toc_entry_renamed"),
    K.TOC_ENTRY_RETARGETED: KindSpec(
        508, "fact.toc_entry_retargeted", title="title.toc_entry_retargeted"
    ),
    K.TOC_ENTRY_MOVED: KindSpec(510, "fact.toc_entry_moved", title="title.toc_entry_moved"),
    K.VERSION_CHANGED: KindSpec(
        200,
        "fact.version_changed",
        shareable=True,
        repeats=True,
        family=VALUE,
        title="title.value_changed",
    ),
    K.NAME_REPLACED: KindSpec(
        202,
        "fact.name_replaced",
        shareable=True,
        repeats=True,
        family=VALUE,
        title="title.value_changed",
    ),
    # 220: a front matter title changed (see fact_rank).
    K.HEADING_RENAMED: KindSpec(
        318, "fact.heading_renamed", many="many.heading_renamed", title="title.heading_renamed"
    ),
    K.TABLE_ROW_CHANGED: KindSpec(
        322, "fact.row_changed", many="many.row_changed", title="title.row_changed"
    ),
    K.TABLE_COLUMNS_CHANGED: KindSpec(312, "fact.columns_added", title="title.columns_changed"),
    K.LINK_RETARGETED: KindSpec(
        400,
        "fact.link_retargeted",
        shareable=True,
        many="many.link_retargeted",
        title="title.link_retargeted",
    ),
    K.INCLUDE_ADDED: KindSpec(324, "fact.include_added", title="title.includes_updated"),
    K.INCLUDE_REMOVED: KindSpec(326, "fact.include_removed", title="title.includes_updated"),
    K.PIVOT_ADDED: KindSpec(328, "fact.pivot_added", title="title.includes_updated"),
    K.PIVOT_REMOVED: KindSpec(330, "fact.pivot_removed", title="title.includes_updated"),
    K.CODE_ADDED: KindSpec(
        332, "fact.code_added", many="many.code_added", title="title.code_added"
    ),
    K.CODE_REMOVED: KindSpec(334, "fact.code_removed", title="title.code_removed"),
    K.ALERT_ADDED: KindSpec(336, "fact.alert_added", title="title.alert_added"),
    K.ALERT_REMOVED: KindSpec(338, "fact.alert_removed", title="title.alert_removed"),
    K.LINK_ADDED: KindSpec(
        418, "fact.link_added", shareable=True, many="many.link_added", title="title.link_added"
    ),
    K.LINK_REMOVED: KindSpec(
        420, "fact.link_removed", many="many.link_removed", title="title.links_updated"
    ),
    K.IMAGE_ADDED: KindSpec(422, "fact.image_added", title="title.images_updated"),
    K.IMAGE_REMOVED: KindSpec(424, "fact.image_removed", title="title.images_updated"),
    K.IMAGE_CHANGED: KindSpec(426, "fact.image_changed", title="title.images_updated"),
    K.LIST_ITEM_ADDED: KindSpec(
        414, "fact.list_item_added", many="many.list_item_added", title="title.item_added"
    ),
    K.LIST_ITEM_REMOVED: KindSpec(
        416, "fact.list_item_removed", many="many.list_item_removed", title="title.item_removed"
    ),
    K.TEXT_TYPO: KindSpec(
        404, "fact.typo", shareable=True, repeats=True, family=VALUE, title="title.typo"
    ),
    K.CODE_CHANGED: KindSpec(434, "fact.code_changed", title="title.code_changed"),
    K.TEXT_SUBSTANTIVE: KindSpec(408, "fact.lines_rewritten", title="title.line_rewritten"),
    K.TEXT_ADDED: KindSpec(410, "fact.lines_added", title="title.lines_added"),
    K.TEXT_REMOVED: KindSpec(412, "fact.lines_removed", title="title.lines_removed"),
    K.TEXT_WORDING: KindSpec(
        406,
        "fact.wording_changed",
        repeats=True,
        many="many.wording",
        title="title.wording",
        family=VALUE,
    ),
    K.LINK_TEXT_CHANGED: KindSpec(436, "fact.link_text_changed", title="title.links_updated"),
    K.IMAGE_TEXT_CHANGED: KindSpec(438, "fact.image_text_changed", title="title.links_updated"),
    K.CONFIG_KEY_CHANGED: KindSpec(440, "fact.config_key_changed", title="title.key_changed"),
    K.CONFIG_KEY_ADDED: KindSpec(442, "fact.config_key_added", title="title.key_changed"),
    K.CONFIG_KEY_REMOVED: KindSpec(444, "fact.config_key_removed", title="title.key_changed"),
    K.FRONTMATTER_CHANGED: KindSpec(
        500, "fact.key_changed", shareable=True, repeats=True, title="title.key_changed"
    ),
    K.FRONTMATTER_ADDED: KindSpec(502, "fact.fm_added", title="title.metadata"),
    K.FRONTMATTER_REMOVED: KindSpec(504, "fact.fm_removed", title="title.metadata"),
    K.TEXT_REPLACED: KindSpec(
        446,
        "fact.text_replaced",
        shareable=True,
        repeats=True,
        title="title.value_changed",
        family=VALUE,
    ),
    K.TEXT_INSERTED: KindSpec(
        448, "fact.text_inserted", shareable=True, repeats=True, title="title.text_inserted"
    ),
    K.TEXT_DELETED: KindSpec(
        450, "fact.text_deleted", shareable=True, repeats=True, title="title.text_deleted"
    ),
    K.LINES_ADDED: KindSpec(452, "fact.lines_added", title="title.lines_added"),
    K.LINES_REMOVED: KindSpec(454, "fact.lines_removed", title="title.lines_removed"),
    K.LINE_REWRITTEN: KindSpec(456, "fact.lines_rewritten", title="title.line_rewritten"),
    K.TEXT_MOVED: KindSpec(512, "fact.moved", title="title.moved"),
    K.FRONTMATTER_DATE_CHANGED: KindSpec(
        516, "fact.key_changed", shareable=True, repeats=True, title="title.date_updated"
    ),
    K.TEXT_PUNCTUATION: KindSpec(602, "fact.punctuation", title="title.formatting"),
    K.WHITESPACE_CHANGED: KindSpec(604, "fact.whitespace", title="title.formatting"),
    K.NEWLINE_EOF: KindSpec(606, "fact.eof_added", title="title.formatting"),
    K.FACTS_MORE: KindSpec(608, "fact.other"),
    K.CODE_RENAMED: KindSpec(
        204,
        "change.code_renamed",
        shareable=True,
        repeats=True,
        family=VALUE,
        title="title.value_changed",
    ),
    K.CODE_VALUE_CHANGED: KindSpec(
        206,
        "change.code_value_changed",
        shareable=True,
        repeats=True,
        family=VALUE,
        title="title.value_changed",
    ),
    K.TEXT_REWRITTEN: KindSpec(402, "change.rewritten", title="title.wording"),
    K.TABLE_REFORMATTED: KindSpec(600, "change.table_reformatted", title="title.formatting"),
}
#: Specs by member and by value: ``FactKind(kind)`` on every lookup was a hotspot of writing.
#: (A member hashes by its name, its value as a string: both keys are needed.)
_SPEC_OF: dict[str, KindSpec] = {str(k.value): v for k, v in SPECS.items()}
for _k, _v in SPECS.items():
    _SPEC_OF[_k] = _v
#: The rank of a front matter ``title:`` change: a page's name is more than its metadata.
TITLE_FIELD_RANK = 320
#: The rank of authorship and ``ms.*`` fields: below other front matter, above dates.
BOOKKEEPING_FIELD_RANK = 514
#: The rank of a rename of a plain name in a code example (a variable: no import, call or
#: named parameter reads it): below sections, tables and code blocks, above prose. A page
#: that gains a "Prerequisites" section is not first of all a page whose sample renamed
#: ``my_hub`` to ``my_project``; renamed imports, calls and parameters stay API changes.
CODE_IDENTIFIER_RANK = Tier.STRUCTURE + 40
_BOOKKEEPING_FIELDS = ("author", "ms.author", "manager", "ms.reviewer", "reviewer", "ms.custom")
#: The rank of a kind this vocabulary does not know (a fact from a newer version).
UNKNOWN_RANK = Tier.FORMATTING + 99


def spec(kind: str) -> KindSpec | None:
    """The spec of ``kind`` (a :class:`FactKind` or its value), None when unknown."""
    return _SPEC_OF.get(kind)


def is_date_key(fact: Fact) -> bool:
    """Whether ``fact`` is about a date field (``ms.date``, ``updated_date``...)."""
    if fact.kind == FactKind.FRONTMATTER_DATE_CHANGED:
        return True
    key = str(fact.detail.get("key") or "")
    return key.endswith("date") or key.endswith("Date")


SharedKey = tuple[str, str | None, str | None, str]


def share_key(fact: Fact) -> SharedKey | None:
    """What makes ``fact`` the same change as facts of other files, None when it is told per
    file: (kind or family, old, new, field). A date bump is one change whatever the old date;
    a value replaced is one change whichever extractor found it (the same rename in a code
    file, a fenced block and a sentence)."""
    s = spec(fact.kind)
    if s is None or not (fact.old or fact.new):
        return None
    # The same reworded span (old -> new) in several files is one change too.
    wording = fact.kind == FactKind.TEXT_WORDING and bool(fact.old and fact.new)
    if not (s.shareable or wording):
        return None
    field = str(fact.detail.get("key") or "")
    # A field's value (``key: value``) stays that field's; a code fact's key is its values.
    if s.family and fact.old and fact.new and field in ("", f"{fact.old} → {fact.new}"):
        return (s.family, fact.old, fact.new, "")
    key = str(fact.detail.get("key") or fact.detail.get("param") or "")
    return (fact.kind, None if is_date_key(fact) else fact.old, fact.new, key)


#: Ranks by kind value, and the kinds whose rank depends on their detail: fact_rank runs for
#: every fact many times per report and language (a million calls on the anchor corpus), and
#: enum attribute reads and comparisons were most of its cost.
_RANK_OF: dict[str, int] = {str(k.value): v.rank for k, v in SPECS.items()}
_FM_CHANGED = str(FactKind.FRONTMATTER_CHANGED.value)
_CODE_RENAMED = str(FactKind.CODE_RENAMED.value)
_TEXT_REPLACED = str(FactKind.TEXT_REPLACED.value)
_DATE_RANK = SPECS[FactKind.FRONTMATTER_DATE_CHANGED].rank
_REFINED = frozenset(
    str(k.value)
    for k in (
        FactKind.FRONTMATTER_CHANGED,
        FactKind.FRONTMATTER_ADDED,
        FactKind.FRONTMATTER_REMOVED,
        FactKind.TEXT_REPLACED,
        FactKind.CODE_RENAMED,
    )
)


def fact_rank(fact: Fact) -> int:
    """How much ``fact`` matters (smaller first): its kind's rank, refined by what it touches."""
    kind = fact.kind
    if type(kind) is not str:  # a FactKind member set after validation
        kind = str(getattr(kind, "value", kind))
    if kind in _REFINED:
        if kind == _TEXT_REPLACED:
            if is_date_key(fact):
                return _DATE_RANK
        elif kind == _CODE_RENAMED:
            if fact.detail.get("role") == "identifier":
                return CODE_IDENTIFIER_RANK
        else:
            if kind == _FM_CHANGED and fact.detail.get("key") == "title":
                return TITLE_FIELD_RANK
            key = str(fact.detail.get("key") or "")
            if key in _BOOKKEEPING_FIELDS or key.startswith("ms."):
                return BOOKKEEPING_FIELD_RANK
    return _RANK_OF.get(kind, UNKNOWN_RANK)


def primary(facts: list[Fact]) -> Fact | None:
    """The most important fact (the first of equals), None for no facts."""
    best: Fact | None = None
    best_rank = UNKNOWN_RANK + 1
    for f in facts:
        r = fact_rank(f)
        if r < best_rank:
            best, best_rank = f, r
    return best
