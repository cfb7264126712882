"""Facts of a document's YAML front matter: fields added, removed, changed; date bumps apart."""

from __future__ import annotations

import re
from typing import Any

import yaml

from diffinsight import safeyaml
from diffinsight.facts.kinds import FactKind as K
from diffinsight.facts.structure import front_matter_end
from diffinsight.models import Fact, FileChange

_KEY_LINE_RE = re.compile(r"^([A-Za-z_][\w.\-]*)\s*:\s*((?:.*\S)?)\s*$")
#: A field line as the changed lines show it: maybe indented by a stray space, maybe
#: commented out (``#services: x``, told by its key with the ``#``).
_LOOSE_KEY_LINE_RE = re.compile(r"^ ?(#?[A-Za-z_][\w.\-]*)\s*:\s*((?:.*\S)?)\s*$")
_DATE_VALUE_RE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[T ][\d:.+\-Z]+)?$")
#: Values longer than this are summarised (a description rewritten), not quoted.
MAX_VALUE_CHARS = 160


def is_date_field(key: str, value: str | None) -> bool:
    """``ms.date``, ``updated``, ``date``... or any field whose value is a date."""
    k = key.lower()
    return (
        k.endswith("date")
        or k in ("updated", "ms.lastreviewed")
        or bool(value and _DATE_VALUE_RE.match(value.strip("'\"")))
    )


def split_front_matter(text: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """The front matter mapping of ``text`` (None if absent) and a note if it does not parse."""
    if not text:
        return None, None
    lines = text.split("\n", 400)[:400]
    end = front_matter_end(lines)
    if not end:
        if lines and lines[0].strip() == "---":
            return None, "front-matter-unterminated"
        return None, None
    try:
        data = safeyaml.load("\n".join(lines[1 : end - 1]))
    except yaml.YAMLError:
        return None, "front-matter-invalid-yaml"
    if data is None:  # "---" then "---": front matter with no fields yet, which can gain some
        return {}, None
    return (data if isinstance(data, dict) else None), None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def _line_fields(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines:
        m = _LOOSE_KEY_LINE_RE.match(line)
        if m:
            out[m.group(1)] = m.group(2).strip().strip("'\"")
    return out


def _fact(kind: str, key: str, old: str | None, new: str | None) -> Fact:
    long_old = old is not None and len(old) > MAX_VALUE_CHARS
    long_new = new is not None and len(new) > MAX_VALUE_CHARS
    return Fact(
        kind=kind,
        old=None if long_old else old,
        new=None if long_new else new,
        where=None,
        detail={"key": key, "long": long_old or long_new},
    )


def compare_fields(old: dict[str, str], new: dict[str, str]) -> list[Fact]:
    """Facts for two flat field mappings (values already as text)."""
    facts: list[Fact] = []
    for key, nv in new.items():
        if key not in old:
            facts.append(_fact(K.FRONTMATTER_ADDED, key, None, nv))
        elif old[key] != nv:
            kind = (
                K.FRONTMATTER_DATE_CHANGED
                if is_date_field(key, nv) or is_date_field(key, old[key])
                else K.FRONTMATTER_CHANGED
            )
            facts.append(_fact(kind, key, old[key], nv))
    for key, ov in old.items():
        if key not in new:
            facts.append(_fact(K.FRONTMATTER_REMOVED, key, ov, None))
    return facts


def frontmatter_facts(
    change: FileChange,
    old_lines: list[str],
    new_lines: list[str],
    visible: tuple[list[str], list[str]] | None = None,
) -> list[Fact]:
    """Front matter facts: from the parsed YAML of both documents, else from the changed lines.

    ``visible`` (patch-only mode): the front matter lines each side of the hunks shows, changed
    or not; when both parse as YAML mappings they are compared like whole documents, so a list
    item added under ``ms.custom:`` is a change of ``ms.custom``.
    """
    if not old_lines and not new_lines:
        return []
    old_fm, old_note = split_front_matter(change.old_text)
    new_fm, new_note = split_front_matter(change.new_text)
    for note in (old_note, new_note):
        if note and note not in change.notes:
            change.notes.append(note)
    if (old_fm is None or new_fm is None) and visible is not None:
        old_fm, new_fm = _mapping(visible[0]), _mapping(visible[1])
    if old_fm is not None and new_fm is not None:
        keys = {m.group(1) for ln in old_lines + new_lines if (m := _KEY_LINE_RE.match(ln))}
        # Only fields the diff touches: a field YAML reads differently but the diff leaves alone
        # is not a change.
        old = {k: _text(v) for k, v in old_fm.items() if k in keys or k not in new_fm}
        new = {k: _text(v) for k, v in new_fm.items() if k in keys or k not in old_fm}
        nested = [
            k for k in old_fm.keys() & new_fm.keys() if k not in keys and old_fm[k] != new_fm[k]
        ]
        for k in nested:  # a list item of a field changed (ms.custom, author lists)
            old[k], new[k] = _text(old_fm[k]), _text(new_fm[k])
        found = compare_fields(old, new)
        if found or visible is None:
            return found
    return compare_fields(_line_fields(old_lines), _line_fields(new_lines))


def _mapping(lines: list[str]) -> dict[str, Any] | None:
    """The YAML mapping of some front matter lines (fences left out), None when not one."""
    body = [ln for ln in lines if ln.strip() not in ("---", "...")]
    if not body or len(body) > 400:
        return None
    try:
        data = safeyaml.load("\n".join(body))
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None
