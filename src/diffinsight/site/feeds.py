"""Atom feeds (feedgen) with absolute URLs under the site's base URL."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, time, timezone

from feedgen.feed import FeedGenerator

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

__all__ = ["FeedEntry", "atom_feed"]


@dataclass(frozen=True)
class FeedEntry:
    """One report as a feed entry."""

    url: str  #: absolute URL of the report page
    title: str
    day: Date
    summary: str
    language: str
    category: str
    #: When the report's content last changed after publication; None: never (its date).
    updated: datetime | None = None

    @property
    def stamp(self) -> datetime:
        return self.updated or _stamp(self.day)


def _stamp(day: Date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


def atom_feed(
    *,
    feed_url: str,
    site_url: str,
    alternate_url: str,
    title: str,
    language: str | None,
    entries: Sequence[FeedEntry],
    generator: str = "diffinsight",
) -> bytes:
    """An Atom document for ``entries`` (newest first), identified by its own URL."""
    fg = FeedGenerator()
    fg.id(feed_url)
    fg.title(title)
    fg.author({"name": generator, "uri": site_url})
    fg.link(href=feed_url, rel="self", type="application/atom+xml")
    fg.link(href=alternate_url, rel="alternate", type="text/html")
    fg.generator(generator)
    if language and language != "unknown":
        fg.language(language.replace("_", "-"))
    fg.updated(max((e.stamp for e in entries), default=_stamp(Date(1970, 1, 1))))
    # feedgen prepends added entries; add oldest first so the feed reads newest first.
    for e in reversed(entries):
        fe = fg.add_entry()
        fe.id(e.url)
        fe.title(e.title)
        fe.link(href=e.url, rel="alternate", type="text/html")
        fe.updated(e.stamp)
        fe.published(_stamp(e.day))
        fe.summary(e.summary or e.title)
        fe.category(term=e.category)
    # Each entry says its language (xml:lang), as a feed mixes languages on category feeds.
    ET.register_namespace("", ATOM)
    root = ET.fromstring(fg.atom_str(pretty=True))
    for element, e in zip(root.findall(f"{{{ATOM}}}entry"), entries, strict=True):
        if e.language and e.language != "unknown":
            element.set(XML_LANG, e.language.replace("_", "-"))
    return bytes(ET.tostring(root, xml_declaration=True, encoding="UTF-8"))
