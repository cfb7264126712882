"""Links in report text that point into the documentation repository.

A report's explanations link the way the docs do: ``how-to/reasoning.md`` (next to the
changed file), ``../media/x.png``, ``/azure/ai-services/...`` (a path of the published
docs site). On the report site such links lead nowhere, so they are resolved:

- a relative path goes to that file at the report's head commit on the repository's host
  (``https://github.com/o/r/blob/<head>/<path>``; an image to its raw bytes), resolved
  against the folder of the changed file the text is about (the repository root for text
  about the whole report);
- a path from the root goes to the configured docs URL (``docs_url``), e.g.
  ``https://learn.microsoft.com`` + ``/azure/...``;
- an in-page anchor (``#item-…``) stays when the page has that section.

A link that resolves to nothing (no compare URL to take the repository from, no docs URL,
a path climbing out of the repository, an anchor the page lacks) is shown as its text.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

__all__ = ["DocLinks", "repository_of"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# https://host/owner/repo/compare/BASE...HEAD (two or three dots; "owner:sha" on either side).
_COMPARE = re.compile(r"^(https?://[^/\s]+/[^/\s]+/[^/\s]+)/compare/(.+?)\.{2,3}([^/\s]+)$")


def repository_of(compare_url: str | None) -> tuple[str, str] | None:
    """(repository URL, head commit or ref) of a compare URL, or None for anything else."""
    if not compare_url:
        return None
    m = _COMPARE.match(compare_url.strip())
    if m is None:
        return None
    head = m.group(3).rsplit(":", 1)[-1]
    return (m.group(1), head) if head else None


@dataclass(frozen=True)
class DocLinks:
    """How the links of one report page resolve."""

    #: Repository URL and head commit (from the report's compare URL), if known.
    repository: tuple[str, str] | None = None
    #: Base URL of the published docs, for links from the root (``/azure/...``).
    docs_url: str | None = None
    #: Ids of the page's sections; None: every in-page anchor is kept.
    anchors: frozenset[str] | None = field(default=None)

    def resolve(self, href: str, base_path: str = "", image: bool = False) -> str | None:
        """Where ``href`` (already judged safe) leads from text about ``base_path``; None if
        nowhere."""
        if _SCHEME.match(href) or href.startswith("//"):
            return href
        if href.startswith("#"):
            if self.anchors is None or href[1:] in self.anchors:
                return href
            return None
        parts = urlsplit(href)
        suffix = (f"?{parts.query}" if parts.query else "") + (
            f"#{parts.fragment}" if parts.fragment else ""
        )
        if not parts.path:  # "?x" alone: nothing to point at
            return None
        if parts.path.startswith("/"):
            if not self.docs_url:
                return None
            return self.docs_url.rstrip("/") + parts.path + suffix
        if self.repository is None:
            return None
        folder = posixpath.dirname(base_path)
        path = posixpath.normpath(posixpath.join(folder, parts.path))
        if path.startswith("../") or path in ("..", "."):
            return None  # climbs out of the repository
        repo, head = self.repository
        quoted = quote(path, safe="/%")  # markdown-it has already escaped what needs it
        if image:
            return f"{repo}/raw/{head}/{quoted}"
        return f"{repo}/blob/{head}/{quoted}{suffix}"
