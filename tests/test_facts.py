"""Each fact kind pinned on small hand-written documents, with full contents and patch only."""

from __future__ import annotations

import difflib

import pytest

from diffinsight.classify import classify
from diffinsight.facts import extract_facts
from diffinsight.models import Fact, FileChange, FileStatus, ModificationType

FM = "---\ntitle: Deploy models\nms.date: 04/10/2025\nauthor: alice\n---\n\n"
BODY = """# Deploy models

Intro paragraph that says what this page teaches about deployment.

## Regions

| Model | Regions | Context |
|---|---|---|
| `gpt-4o` (2024-08-06) | East US | 128,000 |
| `gpt-4o-mini` | West US | 128,000 |

## Request

```http
POST https://x.openai.azure.com/openai/deployments?api-version=2024-12-17
```

> [!NOTE]
> Quotas apply per region.

- Read the [quickstart](quickstart.md) first.
- Check the [limits](limits.md) page.

## Next steps

See [pricing](https://aka.ms/pricing) for the costs of deployment.
"""
DOC = FM + BODY


def patch_of(old: str, new: str) -> str:
    """A GitHub-style patch (hunks only) of two texts."""
    lines = difflib.unified_diff(old.split("\n"), new.split("\n"), lineterm="", n=3)
    return "\n".join(ln for ln in lines if not ln.startswith(("---", "+++")))


def change(old: str, new: str, path: str = "docs/deploy.md", full: bool = True) -> FileChange:
    patch = patch_of(old, new)
    adds = sum(1 for ln in patch.split("\n") if ln.startswith("+"))
    dels = sum(1 for ln in patch.split("\n") if ln.startswith("-"))
    return FileChange(
        path=path,
        status=FileStatus.MODIFIED,
        additions=adds,
        deletions=dels,
        patch=patch,
        old_text=old if full else None,
        new_text=new if full else None,
    )


def facts_of(old: str, new: str, full: bool, path: str = "docs/deploy.md") -> list[Fact]:
    return extract_facts(change(old, new, path, full))


def one(facts: list[Fact], kind: str) -> Fact:
    found = [f for f in facts if f.kind == kind]
    assert len(found) == 1, (kind, [(f.kind, f.old, f.new) for f in facts])
    return found[0]


MODES = pytest.mark.parametrize("full", [True, False], ids=["full", "patch"])


@MODES
def test_frontmatter_date_and_metadata(full: bool) -> None:
    new = DOC.replace("ms.date: 04/10/2025", "ms.date: 05/21/2025").replace(
        "author: alice", "author: bob"
    )
    facts = facts_of(DOC, new, full)
    d = one(facts, "frontmatter.date_changed")
    assert (d.old, d.new, d.detail["key"]) == ("04/10/2025", "05/21/2025", "ms.date")
    m = one(facts, "frontmatter.changed")
    assert (m.old, m.new, m.detail["key"]) == ("alice", "bob", "author")
    assert {f.kind for f in facts} == {"frontmatter.date_changed", "frontmatter.changed"}


@MODES
def test_frontmatter_added_removed(full: bool) -> None:
    new = DOC.replace("author: alice\n", "ms.topic: how-to\n")
    facts = facts_of(DOC, new, full)
    assert one(facts, "frontmatter.added").detail["key"] == "ms.topic"
    assert one(facts, "frontmatter.removed").detail["key"] == "author"


@MODES
def test_heading_added_removed_renamed(full: bool) -> None:
    new = DOC.replace("## Request\n", "## Send a request\n").replace(
        "## Next steps\n", "## Troubleshoot\n\nRetry on 429.\n\n## Next steps\n"
    )
    facts = facts_of(DOC, new, full)
    r = one(facts, "heading.renamed")
    assert (r.old, r.new) == ("Request", "Send a request")
    a = one(facts, "heading.added")
    assert a.new == "Troubleshoot"
    if full:
        assert a.where == "Deploy models"
    gone = facts_of(new, new.replace("## Troubleshoot\n\nRetry on 429.\n\n", ""), full)
    assert one(gone, "heading.removed").old == "Troubleshoot"


@MODES
def test_table_rows(full: bool) -> None:
    new = DOC.replace(
        "| `gpt-4o-mini` | West US | 128,000 |\n",
        "| `gpt-4o-mini` | West US, Sweden Central | 128,000 |\n"
        "| `o4-mini` (2025-04-16) | East US2 | 65,536 |\n",
    )
    facts = facts_of(DOC, new, full)
    add = one(facts, "table.row_added")
    assert add.new == "o4-mini (2025-04-16)"
    ch = one(facts, "table.row_changed")
    assert ch.detail["row"] == "gpt-4o-mini"
    assert ch.detail["cells"][0]["old"] == "West US"
    assert ch.detail["cells"][0]["new"] == "West US, Sweden Central"
    # The hunk's context reaches the header here, so both modes know the columns.
    assert add.detail["cells"] == {"Regions": "East US2", "Context": "65,536"}
    assert ch.detail["cells"][0]["column"] == "Regions"
    # From the patch alone the heading is out of the hunk: no section rather than a guess.
    assert add.where == ("Deploy models > Regions" if full else None)
    rm = facts_of(DOC, DOC.replace("| `gpt-4o-mini` | West US | 128,000 |\n", ""), full)
    assert one(rm, "table.row_removed").old == "gpt-4o-mini"


def test_table_row_without_header_in_patch() -> None:
    rows = "".join(f"| r{i} | {i} |\n" for i in range(12))
    old = "# T\n\n| Key | Value |\n|---|---|\n" + rows
    new = old + "| `o4-mini` | East US2 |\n"
    full = one(facts_of(old, new, True), "table.row_added")
    assert full.detail["cells"] == {"Value": "East US2"}
    patch = one(facts_of(old, new, False), "table.row_added")
    assert patch.detail["cells"] == {"#2": "East US2"}
    assert patch.detail["header_known"] is False


@MODES
def test_table_added(full: bool) -> None:
    new = DOC.replace(
        "## Next steps\n",
        "## Limits\n\n| Limit | Value |\n|---|---|\n| RPM | 60 |\n\n## Next steps\n",
    )
    facts = facts_of(DOC, new, full)
    t = one(facts, "table.added")
    assert t.detail == {"columns": ["Limit", "Value"], "rows": 1}
    assert not [f for f in facts if f.kind == "table.row_added"]


@MODES
def test_links(full: bool) -> None:
    new = DOC.replace("[limits](limits.md)", "[limits](quotas/limits.md)").replace(
        "[quickstart](quickstart.md)", "[quick start guide](quickstart.md)"
    )
    new = new.replace(
        "for the costs of deployment.", "for the costs of deployment. See [FAQ](faq.md)."
    )
    facts = facts_of(DOC, new, full)
    r = one(facts, "link.retargeted")
    assert (r.old, r.new, r.detail["text"]) == ("limits.md", "quotas/limits.md", "limits")
    t = one(facts, "link.text_changed")
    assert (t.old, t.new) == ("quickstart", "quick start guide")
    a = one(facts, "link.added")
    assert (a.new, a.detail["text"]) == ("faq.md", "FAQ")
    # The label edit is told once, as a link fact; the new sentence is a wording insertion.
    assert [(f.kind, f.new) for f in facts if f.kind.startswith("text.")] == [
        ("text.wording", "See FAQ.")
    ]


@MODES
def test_images(full: bool) -> None:
    old = DOC.replace("Intro paragraph", "![Diagram](media/a.png)\n\nIntro paragraph")
    new = old.replace("media/a.png", "media/b.png")
    assert one(facts_of(old, new, full), "image.changed").new == "media/b.png"
    assert one(facts_of(DOC, old, full), "image.added").new == "media/a.png"
    assert one(facts_of(old, DOC, full), "image.removed").old == "media/a.png"


@MODES
def test_code_blocks_and_versions(full: bool) -> None:
    new = DOC.replace("api-version=2024-12-17", "api-version=2025-04-01-preview")
    facts = facts_of(DOC, new, full)
    v = one(facts, "version.changed")
    assert (v.old, v.new, v.detail["param"]) == ("2024-12-17", "2025-04-01-preview", "api-version")
    assert v.detail["code"] == "http"
    assert one(facts, "code.changed").detail["lang"] == "http"
    added = DOC.replace(
        "## Next steps\n", "```python\nprint('hi')\nprint('there')\n```\n\n## Next steps\n"
    )
    c = one(facts_of(DOC, added, full), "code.added")
    assert c.detail == {"lang": "python", "lines": 2}
    assert one(facts_of(added, DOC, full), "code.removed").detail["lang"] == "python"


@MODES
def test_version_and_name_in_prose(full: bool) -> None:
    old = DOC.replace("Intro paragraph that", "Use SDK v1.2 with gpt-4o. Intro paragraph that")
    new = old.replace("v1.2", "v1.3").replace("gpt-4o.", "gpt-4.1.")
    facts = facts_of(old, new, full)
    assert (one(facts, "version.changed").old, one(facts, "version.changed").new) == (
        "v1.2",
        "v1.3",
    )
    n = one(facts, "name.replaced")
    assert (n.old, n.new) == ("gpt-4o", "gpt-4.1")


@MODES
def test_alerts_lists_includes_pivots(full: bool) -> None:
    new = DOC.replace(
        "> [!NOTE]\n> Quotas apply per region.\n", "> [!WARNING]\n> Quotas apply per region.\n"
    )
    facts = facts_of(DOC, new, full)
    assert one(facts, "alert.added").detail["type"] == "WARNING"
    assert one(facts, "alert.removed").detail["type"] == "NOTE"
    new = DOC.replace(
        "- Check the [limits](limits.md) page.\n",
        "- Check the [limits](limits.md) page.\n- Request more quota.\n",
    )
    assert one(facts_of(DOC, new, full), "list.item_added").new == "Request more quota."
    assert one(facts_of(new, DOC, full), "list.item_removed").old == "Request more quota."
    new = DOC.replace(
        "## Next steps\n",
        '[!INCLUDE [prereqs](includes/prereqs.md)]\n\n::: zone pivot="python"\n\nPython text here.\n\n:::\n\n## Next steps\n',
    )
    facts = facts_of(DOC, new, full)
    assert one(facts, "include.added").new == "includes/prereqs.md"
    assert one(facts, "pivot.added").new == "python"
    assert one(facts_of(new, DOC, full), "include.removed").old == "includes/prereqs.md"


@MODES
def test_text_edits_classified(full: bool) -> None:
    typo = DOC.replace("teaches about", "teachs about")
    f = one(facts_of(typo, DOC, full), "text.typo")
    assert (f.old, f.new) == ("teachs", "teaches")
    wording = DOC.replace("what this page teaches", "what this article teaches")
    w = one(facts_of(DOC, wording, full), "text.wording")
    assert (w.old, w.new) == ("page", "article")
    big = DOC.replace(
        "Intro paragraph that says what this page teaches about deployment.",
        "This article walks you through every step of creating, testing and scaling a deployment in production.",
    )
    assert one(facts_of(DOC, big, full), "text.substantive").detail["count"] == 1
    added = DOC.replace(
        "for the costs of deployment.\n",
        "for the costs of deployment.\n\nA brand new closing paragraph.\n",
    )
    assert one(facts_of(DOC, added, full), "text.added").detail["count"] == 1


@MODES
def test_whitespace_eof_and_moves(full: bool) -> None:
    ws = DOC.replace("Intro paragraph that says", "Intro paragraph  that says")
    assert [f.kind for f in facts_of(DOC, ws, full)] == ["whitespace.changed"]
    moved = DOC.replace("- Read the [quickstart](quickstart.md) first.\n", "").replace(
        "## Next steps\n", "## Next steps\n\n- Read the [quickstart](quickstart.md) first.\n"
    )
    facts = facts_of(DOC, moved, full)
    assert one(facts, "text.moved").detail["count"] == 1
    assert not [f for f in facts if f.kind.startswith(("link.", "list."))]


def test_eof_newline_patch_only() -> None:
    patch = "@@ -1,2 +1,2 @@\n # T\n-last line\n\\ No newline at end of file\n+last line\n"
    c = FileChange(path="a.md", status=FileStatus.MODIFIED, additions=1, deletions=1, patch=patch)
    assert [(f.kind, f.detail) for f in extract_facts(c)] == [("newline.eof", {"added": True})]


TOC = """items:
- name: Overview
  href: overview.md
- name: How-to
  items:
  - name: Deploy
    href: deploy.md
  - name: Fine-tune
    href: fine-tune.md
"""


@MODES
def test_toc_entries(full: bool) -> None:
    new = TOC.replace("name: Deploy\n", "name: Deploy a model\n").replace(
        "href: fine-tune.md", "href: tuning/fine-tune.md"
    )
    new += "  - name: Evaluate\n    href: evaluate.md\n"
    facts = facts_of(TOC, new, full, path="docs/toc.yml")
    r = one(facts, "toc.entry_renamed")
    assert (r.old, r.new, r.detail["href"]) == ("Deploy", "Deploy a model", "deploy.md")
    t = one(facts, "toc.entry_retargeted")
    assert (t.old, t.new, t.detail["name"]) == ("fine-tune.md", "tuning/fine-tune.md", "Fine-tune")
    a = one(facts, "toc.entry_added")
    assert (a.new, a.detail["href"]) == ("Evaluate", "evaluate.md")
    if full:
        assert a.where == "How-to"
    rm = facts_of(
        TOC, TOC.replace("- name: Overview\n  href: overview.md\n", ""), full, "docs/toc.yml"
    )
    assert one(rm, "toc.entry_removed").old == "Overview"


def test_toc_moved_full() -> None:
    new = (
        TOC.replace("- name: Overview\n  href: overview.md\n", "")
        + "  - name: Overview\n    href: overview.md\n"
    )
    m = one(facts_of(TOC, new, True, "docs/toc.yml"), "toc.entry_moved")
    assert (m.old, m.new) == ("", "How-to") or (m.old, m.new) == (None, "How-to")


def test_config_keys_full() -> None:
    old = '{"build": {"locale": "en-us", "features": ["a"]}, "x": 1}'
    new = '{"build": {"locale": "en-us", "features": ["a", "b"]}, "y": 2}'
    facts = facts_of(old, new, True, "docfx.json")
    assert one(facts, "config.key_changed").detail["key"] == "build.features"
    assert one(facts, "config.key_added").detail["key"] == "y"
    assert one(facts, "config.key_removed").detail["key"] == "x"


def test_whole_file_facts() -> None:
    added = FileChange(
        path="docs/new.md",
        status=FileStatus.ADDED,
        additions=30,
        new_text=DOC,
        patch="@@ -0,0 +1,3 @@\n+x",
    )
    f = one(extract_facts(added), "file.added")
    assert f.new == "Deploy models"
    assert "Regions" in f.detail["headings"]
    ren = FileChange(path="b.md", old_path="a.md", status=FileStatus.RENAMED, similarity=91)
    assert one(extract_facts(ren), "file.renamed").detail["similarity"] == 91
    img = FileChange(path="media/x.png", status=FileStatus.ADDED, binary=True)
    assert [f.kind for f in extract_facts(img)] == ["binary.added"]


BAD_INPUTS = {
    "unterminated front matter": (
        "---\ntitle: a\nms.date: 1\n\n# H\n",
        "---\ntitle: b\nms.date: 2\n\n# H\n",
    ),
    "broken markdown": (
        "# H\n```\nunclosed **bold [link](\n| a |\n",
        "# H\n```\nunclosed **bold [link](x\n| a | b |\n",
    ),
    "ragged table": (
        "| a | b |\n|---|---|\n| 1 |\n| 2 | 3 | 4 |\n",
        "| a | b |\n|---|---|\n| 1 | x |\n| 2 |\n",
    ),
    "minified": ("<p>" + "x " * 5000 + "</p>", "<p>" + "y " * 5000 + "</p>"),
}


BAD_INPUT_FACTS = {
    "unterminated front matter": ["text.wording", "text.wording"],
    # Inside the unclosed fence the lines are code: what each gained is said, verbatim.
    "broken markdown": ["code.changed", "text.inserted", "text.inserted"],
    "ragged table": ["table.row_changed", "table.row_changed"],
    "minified": ["text.substantive"],
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
@MODES
def test_bad_input_says_less(name: str, full: bool) -> None:
    old, new = BAD_INPUTS[name]
    c = change(old, new, full=full)
    facts = extract_facts(c)
    # Damaged input never earns a confident type: the default rule, and only the plain facts.
    assert classify(c, facts) == (ModificationType.MINOR_UPDATE, "default")
    assert [f.kind for f in facts] == BAD_INPUT_FACTS[name]


def test_bad_yaml_and_mismatched_hunks() -> None:
    c = change("items:\n- name: A\n  href: a.md\n", "items:\n- name: A\n  href: [b.md\n", "toc.yml")
    facts = extract_facts(c)
    assert "toc-invalid-yaml" in c.notes
    assert one(facts, "toc.entry_retargeted").new == "[b.md"
    junk = FileChange(
        path="a.md",
        status=FileStatus.MODIFIED,
        additions=1,
        deletions=1,
        patch="@@ -900,2 +900,2 @@\n-x\n+y\ngarbage\n@@ broken @@\n+z",
        old_text="short\n",
        new_text="short\n",
    )
    extract_facts(junk)  # hunks beyond the file's end: no crash
    cfg = change("a: [1\n", "a: [2\n", "conf.yml")
    extract_facts(cfg)
    assert "config-unparsable" in cfg.notes


def test_big_table_is_linear() -> None:
    rows = [f"| row{i} | {i} |" for i in range(10_000)]
    old = "| k | v |\n|---|---|\n" + "\n".join(rows) + "\n"
    new_rows = list(rows)
    new_rows[5000] = "| row5000 | changed |"
    new_rows.append("| row10000 | 10000 |")
    new = "| k | v |\n|---|---|\n" + "\n".join(new_rows) + "\n"
    facts = facts_of(old, new, True)
    ch = one(facts, "table.row_changed")
    assert ch.detail["cells"] == [{"column": "v", "old": "5000", "new": "changed"}]
    assert one(facts, "table.row_added").new == "row10000"


def test_code_files_have_no_page_title_or_headings() -> None:
    from diffinsight.facts import extract_facts
    from diffinsight.models import FileChange, FileStatus

    code = 'DOC = """---\ntitle: Page {i}\n---\n# Page {i}\n"""\n# a comment\n'
    change = FileChange(
        path="bench/gen.py",
        status=FileStatus.ADDED,
        additions=6,
        new_text=code,
        patch="@@ -0,0 +1,6 @@\n" + "".join("+" + ln + "\n" for ln in code.splitlines()),
    )
    (added,) = [f for f in extract_facts(change) if f.kind == "file.added"]
    assert added.new is None and added.detail["headings"] == []
