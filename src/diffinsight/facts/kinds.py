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
from enum import Enum

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


K = FactKind

# Ranks in steps of ten leave room between kinds; the order is the order of importance.
SPECS: dict[FactKind, KindSpec] = {
    K.FILE_ADDED: KindSpec(10, "fact.file_added", title="title.page_added"),
    K.FILE_REMOVED: KindSpec(20, "fact.file_removed", title="title.page_removed"),
    K.FILE_RENAMED: KindSpec(30, "fact.file_renamed", title="title.renamed"),
    K.BINARY_ADDED: KindSpec(40, "fact.binary_added", title="title.binary_added"),
    K.BINARY_REMOVED: KindSpec(50, "fact.binary_removed", title="title.binary_removed"),
    K.BINARY_CHANGED: KindSpec(60, "fact.binary_changed", title="title.binary_changed"),
    K.HEADING_ADDED: KindSpec(
        70, "fact.section_added", many="many.heading_added", title="title.section_added"
    ),
    K.HEADING_REMOVED: KindSpec(
        90, "fact.section_removed", many="many.heading_removed", title="title.section_removed"
    ),
    K.TABLE_ADDED: KindSpec(110, "fact.table_added", title="title.table_added"),
    K.TABLE_REMOVED: KindSpec(120, "fact.table_removed", title="title.table_removed"),
    K.TABLE_ROW_ADDED: KindSpec(
        130, "fact.row_added", many="many.row_added", title="title.row_added"
    ),
    K.TABLE_ROW_REMOVED: KindSpec(
        140, "fact.row_removed", many="many.row_removed", title="title.row_removed"
    ),
    K.TOC_ENTRY_ADDED: KindSpec(
        150, "fact.toc_entry_added", many="many.toc_added", title="title.toc_entry_added"
    ),
    K.TOC_ENTRY_REMOVED: KindSpec(
        160, "fact.toc_entry_removed", many="many.toc_removed", title="title.toc_entry_removed"
    ),
    K.TOC_ENTRY_RENAMED: KindSpec(170, "fact.toc_entry_renamed", title="title.toc_entry_renamed"),
    K.TOC_ENTRY_RETARGETED: KindSpec(
        180, "fact.toc_entry_retargeted", title="title.toc_entry_retargeted"
    ),
    K.TOC_ENTRY_MOVED: KindSpec(190, "fact.toc_entry_moved", title="title.toc_entry_moved"),
    K.VERSION_CHANGED: KindSpec(
        200, "fact.version_changed", shareable=True, repeats=True, title="title.value_changed"
    ),
    K.NAME_REPLACED: KindSpec(
        210, "fact.name_replaced", shareable=True, repeats=True, title="title.value_changed"
    ),
    # 220: a front matter title changed (see fact_rank).
    K.HEADING_RENAMED: KindSpec(
        230, "fact.heading_renamed", many="many.heading_renamed", title="title.heading_renamed"
    ),
    K.TABLE_ROW_CHANGED: KindSpec(
        240, "fact.row_changed", many="many.row_changed", title="title.row_changed"
    ),
    K.TABLE_COLUMNS_CHANGED: KindSpec(250, "fact.columns_added", title="title.columns_changed"),
    K.LINK_RETARGETED: KindSpec(
        260,
        "fact.link_retargeted",
        shareable=True,
        many="many.link_retargeted",
        title="title.link_retargeted",
    ),
    K.INCLUDE_ADDED: KindSpec(270, "fact.include_added", title="title.includes_updated"),
    K.INCLUDE_REMOVED: KindSpec(280, "fact.include_removed", title="title.includes_updated"),
    K.PIVOT_ADDED: KindSpec(290, "fact.pivot_added", title="title.includes_updated"),
    K.PIVOT_REMOVED: KindSpec(300, "fact.pivot_removed", title="title.includes_updated"),
    K.CODE_ADDED: KindSpec(
        310, "fact.code_added", many="many.code_added", title="title.code_added"
    ),
    K.CODE_REMOVED: KindSpec(320, "fact.code_removed", title="title.code_removed"),
    K.ALERT_ADDED: KindSpec(330, "fact.alert_added", title="title.alert_added"),
    K.ALERT_REMOVED: KindSpec(340, "fact.alert_removed", title="title.alert_removed"),
    K.LINK_ADDED: KindSpec(
        350, "fact.link_added", shareable=True, many="many.link_added", title="title.link_added"
    ),
    K.LINK_REMOVED: KindSpec(
        360, "fact.link_removed", many="many.link_removed", title="title.links_updated"
    ),
    K.IMAGE_ADDED: KindSpec(370, "fact.image_added", title="title.images_updated"),
    K.IMAGE_REMOVED: KindSpec(380, "fact.image_removed", title="title.images_updated"),
    K.IMAGE_CHANGED: KindSpec(390, "fact.image_changed", title="title.images_updated"),
    K.LIST_ITEM_ADDED: KindSpec(
        400, "fact.list_item_added", many="many.list_item_added", title="title.item_added"
    ),
    K.LIST_ITEM_REMOVED: KindSpec(
        410, "fact.list_item_removed", many="many.list_item_removed", title="title.item_removed"
    ),
    K.TEXT_TYPO: KindSpec(420, "fact.typo", shareable=True, repeats=True, title="title.typo"),
    K.CODE_CHANGED: KindSpec(430, "fact.code_changed", title="title.code_changed"),
    K.TEXT_SUBSTANTIVE: KindSpec(440, "fact.lines_rewritten", title="title.line_rewritten"),
    K.TEXT_ADDED: KindSpec(450, "fact.lines_added", title="title.lines_added"),
    K.TEXT_REMOVED: KindSpec(460, "fact.lines_removed", title="title.lines_removed"),
    K.TEXT_WORDING: KindSpec(
        470, "fact.wording_changed", repeats=True, many="many.wording", title="title.wording"
    ),
    K.LINK_TEXT_CHANGED: KindSpec(480, "fact.link_text_changed", title="title.links_updated"),
    K.IMAGE_TEXT_CHANGED: KindSpec(490, "fact.image_text_changed", title="title.links_updated"),
    K.CONFIG_KEY_CHANGED: KindSpec(500, "fact.config_key_changed", title="title.key_changed"),
    K.CONFIG_KEY_ADDED: KindSpec(510, "fact.config_key_added", title="title.key_changed"),
    K.CONFIG_KEY_REMOVED: KindSpec(520, "fact.config_key_removed", title="title.key_changed"),
    K.FRONTMATTER_CHANGED: KindSpec(
        530, "fact.key_changed", shareable=True, repeats=True, title="title.key_changed"
    ),
    K.FRONTMATTER_ADDED: KindSpec(540, "fact.fm_added", title="title.metadata"),
    K.FRONTMATTER_REMOVED: KindSpec(550, "fact.fm_removed", title="title.metadata"),
    K.TEXT_REPLACED: KindSpec(
        560, "fact.text_replaced", shareable=True, repeats=True, title="title.value_changed"
    ),
    K.TEXT_INSERTED: KindSpec(
        570, "fact.text_inserted", shareable=True, repeats=True, title="title.text_inserted"
    ),
    K.TEXT_DELETED: KindSpec(
        580, "fact.text_deleted", shareable=True, repeats=True, title="title.text_deleted"
    ),
    K.LINES_ADDED: KindSpec(590, "fact.lines_added", title="title.lines_added"),
    K.LINES_REMOVED: KindSpec(600, "fact.lines_removed", title="title.lines_removed"),
    K.LINE_REWRITTEN: KindSpec(610, "fact.lines_rewritten", title="title.line_rewritten"),
    K.TEXT_MOVED: KindSpec(620, "fact.moved", title="title.moved"),
    K.FRONTMATTER_DATE_CHANGED: KindSpec(
        630, "fact.key_changed", shareable=True, repeats=True, title="title.date_updated"
    ),
    K.TEXT_PUNCTUATION: KindSpec(640, "fact.punctuation", title="title.formatting"),
    K.WHITESPACE_CHANGED: KindSpec(650, "fact.whitespace", title="title.formatting"),
    K.NEWLINE_EOF: KindSpec(660, "fact.eof_added", title="title.formatting"),
    K.FACTS_MORE: KindSpec(670, "fact.other"),
}
#: The rank of a front matter ``title:`` change: a page's name is more than its metadata.
TITLE_FIELD_RANK = 220
#: The rank of a kind this vocabulary does not know (a fact from a newer version).
UNKNOWN_RANK = 680


def spec(kind: str) -> KindSpec | None:
    """The spec of ``kind`` (a :class:`FactKind` or its value), None when unknown."""
    try:
        return SPECS[FactKind(kind)]
    except ValueError:
        return None


def is_date_key(fact: Fact) -> bool:
    """Whether ``fact`` is about a date field (``ms.date``, ``updated_date``...)."""
    if fact.kind == FactKind.FRONTMATTER_DATE_CHANGED:
        return True
    key = str(fact.detail.get("key") or "")
    return key.endswith("date") or key.endswith("Date")


def fact_rank(fact: Fact) -> int:
    """How much ``fact`` matters (smaller first): its kind's rank, refined by what it touches."""
    if fact.kind == FactKind.FRONTMATTER_CHANGED and fact.detail.get("key") == "title":
        return TITLE_FIELD_RANK
    if fact.kind == FactKind.TEXT_REPLACED and is_date_key(fact):
        return SPECS[FactKind.FRONTMATTER_DATE_CHANGED].rank
    s = spec(fact.kind)
    return s.rank if s else UNKNOWN_RANK


def primary(facts: list[Fact]) -> Fact | None:
    """The most important fact (the first of equals), None for no facts."""
    best: Fact | None = None
    best_rank = UNKNOWN_RANK + 1
    for f in facts:
        r = fact_rank(f)
        if r < best_rank:
            best, best_rank = f, r
    return best
