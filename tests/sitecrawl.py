"""Helpers for the site tests: read the generated HTML and follow its links."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path


class Page(HTMLParser):
    """Tags, attributes and links of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def links(self) -> list[str]:
        return [str(a["href"]) for t, a in self.tags if t == "a" and a.get("href")]


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def resolve(site: Path, page_rel: str, href: str) -> str | None:
    """Site-relative path a relative link points to (None for external links)."""
    if "://" in href or href.startswith(("#", "mailto:", "//")):
        return None
    href = href.split("#", 1)[0].split("?", 1)[0]
    if not href:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), href))


def reachable(site: Path, start: str = "index.html", clicks: int = 2) -> set[str]:
    """Pages reachable from ``start`` in at most ``clicks`` link follows."""
    seen = {start}
    frontier = [start]
    for _ in range(clicks):
        nxt: list[str] = []
        for rel in frontier:
            if not rel.endswith(".html") or not (site / rel).is_file():
                continue
            for href in read_page(site / rel).links:
                target = resolve(site, rel, href)
                if target and target not in seen:
                    seen.add(target)
                    nxt.append(target)
        frontier = nxt
    return seen
