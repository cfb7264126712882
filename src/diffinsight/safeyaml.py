"""YAML from untrusted documents: no aliases, bounded nesting, impossible dates kept as text.

``yaml.safe_load`` expands aliases (a 556-byte "billion laughs" document becomes gigabytes once
printed), recurses once per nesting level (``[[[[...`` raises RecursionError) and raises a bare
ValueError on a timestamp such as ``2025-02-30``. :func:`load` refuses the first two with a
:class:`yaml.YAMLError`, so every caller's existing handler reports them, and reads the third as
the string it is.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Deeper collections than this are refused (front matter and configuration are a few levels).
MAX_DEPTH = 64

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UnsafeYAMLError(yaml.YAMLError):
    """The document uses aliases or nests deeper than :data:`MAX_DEPTH`."""


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader, with timestamps that are not real dates read as strings."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def check(text: str) -> None:
    """Raise :class:`UnsafeYAMLError` if ``text`` uses an alias or nests too deep."""
    if "*" not in text and _most_collections(text) <= MAX_DEPTH:
        return  # no alias without a "*", and too few collections to nest too deep
    depth = 0
    # The event pass is iterative (libyaml when present), so a hostile document costs one scan.
    for event in yaml.parse(text, Loader=_Base):
        if isinstance(event, yaml.AliasEvent):
            raise UnsafeYAMLError("aliases (*name) are not allowed; write the value out")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise UnsafeYAMLError(f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _most_collections(text: str) -> int:
    """An upper bound on the collections ``text`` opens, without parsing it.

    A flow collection opens at a ``[`` or ``{``; a block one at the first node of a line, or
    after a ``-`` or ``?`` indicator on it (``- - a``, ``? a: b``). Quoted text only adds to the
    count. (The event scan of :func:`check` was a third of the cost of front matter.)
    """
    return (
        text.count("\n") + 1 + text.count("-") + text.count("?") + text.count("[") + text.count("{")
    )


def load(text: str) -> Any:
    """``yaml.safe_load`` for untrusted text; :class:`yaml.YAMLError` on aliases or deep nesting."""
    check(text)
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
