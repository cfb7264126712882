"""Facts of YAML and JSON files: table-of-contents entries, and configuration keys.

A TOC (``toc.yml``, or any YAML whose items carry ``name``/``href``) yields entries added,
removed, renamed (same target, new name), retargeted (same name, new target) or moved (same
entry under another parent). Other YAML/JSON yields keys added, removed or changed. Whole
documents are parsed when both contents are known; from a patch alone, TOC entries are read
from the hunks' lines and configuration edits fall back to the line-level facts.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import yaml

from diffinsight import safeyaml
from diffinsight.facts.kinds import FactKind as K
from diffinsight.facts.patch import parse_hunks
from diffinsight.models import Fact, FileChange

_NAME_RE = re.compile(r"^(\s*)(-\s+)?name:\s*((?:.*\S)?)\s*$")
_HREF_RE = re.compile(r"^(\s*)(-\s+)?href:\s*((?:.*\S)?)\s*$")
MAX_KEYS = 40
MAX_VALUE_CHARS = 120


@dataclass(frozen=True)
class Entry:
    """One TOC entry."""

    name: str
    href: str
    parent: str


def is_toc(path: str, text: str | None = None) -> bool:
    """Whether ``path`` is a table of contents."""
    base = path.rsplit("/", 1)[-1].lower()
    if base in ("toc.yml", "toc.yaml", "toc.json"):
        return True
    return bool(text and re.search(r"^[^\S\n]*-\s+name:.*\n\s+href:", text[:4000], re.MULTILINE))


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        v = v[1:-1]
    return v


def _flatten_toc(node: Any, parent: str, out: list[Entry]) -> None:
    if isinstance(node, dict):
        name = node.get("name") or node.get("displayName")
        href = node.get("href") or ""
        me = parent
        if isinstance(name, str):
            out.append(Entry(name=name, href=str(href), parent=parent))
            me = f"{parent} > {name}" if parent else name
        for key in ("items", "children"):
            if key in node:
                _flatten_toc(node[key], me, out)
    elif isinstance(node, list):
        for item in node:
            _flatten_toc(item, parent, out)


def toc_entries(text: str) -> list[Entry]:
    """Every entry of a TOC document; :class:`yaml.YAMLError` if it does not parse."""
    data = safeyaml.load(text)
    out: list[Entry] = []
    _flatten_toc(data, "", out)
    return out


def _walk_side(lines: list[tuple[str, bool]]) -> list[tuple[Entry, bool]]:
    """Entries of one side of a hunk: (entry, whether one of its lines changed)."""
    out: list[tuple[Entry, bool]] = []
    stack: list[tuple[int, str]] = []
    cur: dict[str, Any] | None = None

    def close() -> None:
        if cur is not None:
            out.append((Entry(cur["name"], cur["href"], cur["parent"]), cur["changed"]))

    for text, changed in lines:
        m = _NAME_RE.match(text)
        if m:
            close()
            indent = len(m.group(1)) + len(m.group(2) or "")
            stack = [s for s in stack if s[0] < indent]
            parent = " > ".join(s[1] for s in stack)
            name = _unquote(m.group(3))
            cur = {"name": name, "href": "", "parent": parent, "changed": changed}
            stack.append((indent, name))
            continue
        h = _HREF_RE.match(text)
        if h and cur is not None:
            cur["href"] = _unquote(h.group(3))
            cur["changed"] = cur["changed"] or changed
    close()
    return out


def _patch_entries(change: FileChange) -> tuple[list[Entry], list[Entry]]:
    old: list[Entry] = []
    new: list[Entry] = []
    for h in parse_hunks(change.patch):
        o = [(ln[1:], ln[:1] == "-") for ln in h.lines if ln[:1] in (" ", "-")]
        n = [(ln[1:], ln[:1] == "+") for ln in h.lines if ln[:1] in (" ", "+")]
        old += [e for e, ch in _walk_side(o) if ch]
        new += [e for e, ch in _walk_side(n) if ch]
    return old, new


def compare_entries(old: list[Entry], new: list[Entry], partial: bool) -> list[Fact]:
    """TOC facts from the entries of both sides (``partial``: from hunks, parents may be cut)."""
    news = _multiset_minus(new, old)
    olds = _multiset_minus(old, new)
    facts: list[Fact] = []
    by_href: dict[str, list[Entry]] = defaultdict(list)
    by_name: dict[str, list[Entry]] = defaultdict(list)
    for e in olds:
        if e.href:
            by_href[e.href].append(e)
        by_name[e.name].append(e)
    left = list(olds)
    for e in news:
        o = None
        if e.href and by_href.get(e.href):
            o = next((x for x in by_href[e.href] if x in left), None)
        if o is None and by_name.get(e.name):
            o = next((x for x in by_name[e.name] if x in left), None)
        if o is None:
            facts.append(
                Fact(
                    kind=K.TOC_ENTRY_ADDED,
                    new=e.name,
                    where=e.parent or None,
                    detail={"href": e.href},
                )
            )
            continue
        left.remove(o)
        if o.name != e.name:
            facts.append(
                Fact(
                    kind=K.TOC_ENTRY_RENAMED,
                    old=o.name,
                    new=e.name,
                    where=e.parent or None,
                    detail={"href": e.href},
                )
            )
        elif o.href != e.href:
            facts.append(
                Fact(
                    kind=K.TOC_ENTRY_RETARGETED,
                    old=o.href,
                    new=e.href,
                    where=e.parent or None,
                    detail={"name": e.name},
                )
            )
        elif o.parent != e.parent and not partial:
            facts.append(
                Fact(
                    kind=K.TOC_ENTRY_MOVED,
                    old=o.parent,
                    new=e.parent,
                    detail={"name": e.name, "href": e.href},
                )
            )
    for o in left:
        facts.append(
            Fact(
                kind=K.TOC_ENTRY_REMOVED,
                old=o.name,
                where=o.parent or None,
                detail={"href": o.href},
            )
        )
    return facts


def _multiset_minus(a: list[Entry], b: list[Entry]) -> list[Entry]:
    rest = list(b)
    out: list[Entry] = []
    for e in a:
        if e in rest:
            rest.remove(e)
        else:
            out.append(e)
    return out


def toc_facts(change: FileChange) -> list[Fact]:
    """TOC facts, from whole documents when available, else from the hunks."""
    if change.old_text is not None and change.new_text is not None:
        try:
            return compare_entries(
                toc_entries(change.old_text), toc_entries(change.new_text), False
            )
        except yaml.YAMLError:
            change.notes.append("toc-invalid-yaml")
    old, new = _patch_entries(change)
    return compare_entries(old, new, True)


def _flatten(node: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(node, list) and all(not isinstance(x, (dict, list)) for x in node):
        out[prefix] = ", ".join(str(x) for x in node)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _flatten(v, f"{prefix}[{i}]", out)
    else:
        out[prefix] = "" if node is None else str(node)


def _short(value: str) -> str | None:
    """A value short enough to quote whole (values are never cut), else None."""
    return value if len(value) <= MAX_VALUE_CHARS else None


def _load(path: str, text: str) -> Any:
    if path.lower().endswith(".json"):
        return json.loads(text)
    return safeyaml.load(text)


def config_facts(change: FileChange) -> list[Fact] | None:
    """Keys added, removed or changed; None when whole documents are unavailable or unparsable."""
    if change.old_text is None or change.new_text is None:
        return None
    try:
        old_doc = _load(change.path, change.old_text)
        new_doc = _load(change.path, change.new_text)
    except (yaml.YAMLError, ValueError):
        change.notes.append("config-unparsable")
        return None
    old: dict[str, str] = {}
    new: dict[str, str] = {}
    _flatten(old_doc, "", old)
    _flatten(new_doc, "", new)
    facts: list[Fact] = []
    for k, v in new.items():
        if k not in old:
            facts.append(Fact(kind=K.CONFIG_KEY_ADDED, new=_short(v), detail={"key": k}))
        elif old[k] != v:
            facts.append(
                Fact(
                    kind=K.CONFIG_KEY_CHANGED, old=_short(old[k]), new=_short(v), detail={"key": k}
                )
            )
    for k, v in old.items():
        if k not in new:
            facts.append(Fact(kind=K.CONFIG_KEY_REMOVED, old=_short(v), detail={"key": k}))
    if len(facts) > MAX_KEYS:
        more = len(facts) - MAX_KEYS
        facts = [*facts[:MAX_KEYS], Fact(kind=K.FACTS_MORE, detail={"of": "config", "count": more})]
    return facts
