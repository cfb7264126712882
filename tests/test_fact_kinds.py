"""The declared vocabulary of fact kinds: every kind specified, catalogued and rendered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from diffinsight.analysis import AnalyzedFile, analyze
from diffinsight.facts.kinds import SPECS, FactKind, fact_rank, primary, spec
from diffinsight.i18n import _load, available_languages
from diffinsight.models import Fact, FileChange, FileStatus
from diffinsight.writers.offline import FileWriter

SRC = Path(__file__).resolve().parents[1] / "src" / "diffinsight"


def test_every_kind_has_one_spec() -> None:
    assert set(SPECS) == set(FactKind)
    ranks = [s.rank for s in SPECS.values()]
    assert len(ranks) == len(set(ranks)), "two kinds share a rank: their order would be arbitrary"


@pytest.mark.parametrize("lang", available_languages())
def test_spec_keys_are_catalogued(lang: str) -> None:
    messages = _load(lang)
    for kind, s in SPECS.items():
        # A sentence key may be a family of variants (``fact.binary_added_image``...).
        assert s.sentence in messages or any(k.startswith(s.sentence + "_") for k in messages), (
            kind,
            s.sentence,
        )
        assert s.many is None or s.many in messages, (kind, s.many)
        assert s.title is None or any(k.startswith(s.title) for k in messages), (kind, s.title)


def test_no_kind_spelled_as_a_string_outside_the_vocabulary() -> None:
    values = {k.value for k in FactKind}
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "kinds.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            for lit in re.findall(r"kind\s*(?:==|=)\s*f?\"([^\"]+)\"", line):
                if lit in values or "{" in lit:
                    offenders.append(f"{path.name}:{n}: {lit}")
    assert offenders == []


def _fact_of(kind: FactKind) -> Fact:
    fact = Fact(
        kind=kind,
        old="old-1",
        new="new-2",
        where="Setup",
        detail={
            "key": "ms.topic",
            "param": "api-version",
            "text": "Docs",
            "href": "a.md",
            "type": "NOTE",
            "lang": "python",
            "count": 2,
            "lines": 3,
            "rows": 1,
            "columns": ["Name"],
            "cells": [{"column": "Name", "old": "a", "new": "b"}],
            "added": ["Col"],
            "removed": [],
            "name": "Entry",
            "similarity": 90,
            "of": "link.added",
        },
    )
    if kind == FactKind.TABLE_ROW_ADDED:
        fact.detail["cells"] = {"Region": "East US"}
    if kind == FactKind.CODE_CHANGED:
        fact.detail.update(added=2, removed=1)
    return fact


@pytest.mark.parametrize("lang", available_languages())
def test_every_kind_renders_a_sentence(lang: str) -> None:
    change = FileChange(path="docs/a.md", status=FileStatus.MODIFIED, additions=1, deletions=1)
    af = AnalyzedFile(
        change=change, facts=[], modification_type=analyze(change).modification_type, reason=""
    )
    writer = FileWriter(lang)
    for kind in FactKind:
        fact = _fact_of(kind)
        text = writer.sentence(fact, 1, af)
        assert text.strip(), kind
        assert "{" not in text and "None" not in text, (kind, text)
        if (s := spec(kind)) is not None and s.many is not None:
            assert writer.many(kind, [fact, fact, fact]).strip()


def test_rank_orders_pages_before_metadata() -> None:
    page = Fact(kind=FactKind.FILE_ADDED, new="Intro")
    date = Fact(kind=FactKind.FRONTMATTER_DATE_CHANGED, old="1", new="2", detail={"key": "ms.date"})
    title = Fact(kind=FactKind.FRONTMATTER_CHANGED, old="A", new="B", detail={"key": "title"})
    other = Fact(kind=FactKind.FRONTMATTER_CHANGED, old="A", new="B", detail={"key": "author"})
    assert fact_rank(page) < fact_rank(title) < fact_rank(other) < fact_rank(date)
    assert primary([date, other, title]) is title
    assert primary([]) is None
    assert fact_rank(Fact(kind="from.a_newer_version")) > max(s.rank for s in SPECS.values())


def test_a_new_section_outranks_a_renamed_variable_but_not_a_renamed_call() -> None:
    section = Fact(kind=FactKind.HEADING_ADDED, new="Prerequisites")
    table = Fact(kind=FactKind.TABLE_ROW_ADDED, new="workspaceblobstore")
    variable = Fact(
        kind=FactKind.CODE_RENAMED, old="my_hub", new="my_project", detail={"role": "identifier"}
    )
    call = Fact(
        kind=FactKind.CODE_RENAMED,
        old="client.create_index",
        new="client.indexes.create",
        detail={"role": "call"},
    )
    prose = Fact(kind=FactKind.TEXT_WORDING, old="may", new="might")
    assert fact_rank(call) < fact_rank(section) < fact_rank(table) < fact_rank(variable)
    assert fact_rank(variable) < fact_rank(prose)
    assert primary([variable, section]) is section
