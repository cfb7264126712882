"""Explanations name what changed: spans of rewritten prose, names in code, values in data.

Every case is a patch alone (patch-only mode, as a GitHub compare gives it), so each hunk is
read without the document around it.
"""

from __future__ import annotations

import pytest

from diffinsight.analysis import AnalyzedFile, analyze
from diffinsight.facts.kinds import FactKind
from diffinsight.grounding import Evidence, evidence_for, unsupported_tokens
from diffinsight.i18n import available_languages
from diffinsight.models import FileChange, FileStatus
from diffinsight.writers.offline import FileWriter


def _change(path: str, patch: str) -> FileChange:
    adds = sum(1 for ln in patch.split("\n") if ln.startswith("+"))
    dels = sum(1 for ln in patch.split("\n") if ln.startswith("-"))
    return FileChange(
        path=path, status=FileStatus.MODIFIED, additions=adds, deletions=dels, patch=patch
    )


def _explain(af: AnalyzedFile, lang: str = "en_US") -> str:
    fr = FileWriter(lang).file_report(af)
    evidence = Evidence(evidence_for(af.change, af.facts))
    assert unsupported_tokens(fr.explanation, evidence) == [], fr.explanation
    assert unsupported_tokens(fr.modification_title, evidence) == [], fr.modification_title
    return fr.explanation


def _kinds(af: AnalyzedFile) -> list[str]:
    return [f.kind for f in af.facts]


def test_several_small_edits_are_told_by_their_span() -> None:
    patch = (
        "@@ -3,1 +3,1 @@\n"
        '-:::image type="content" source="a.png" alt-text="An example in azure AI studio." :::\n'
        '+:::image type="content" source="a.png" alt-text="An example in Azure AI Foundry portal." :::\n'
    )
    af = analyze(_change("docs/q.md", patch))
    wording = next(f for f in af.facts if f.kind == FactKind.TEXT_WORDING)
    assert (wording.old, wording.new) == ("azure AI studio", "Azure AI Foundry portal")
    assert "`azure AI studio` → `Azure AI Foundry portal`" in _explain(af)


def test_long_insertion_is_quoted_cut_at_a_word() -> None:
    tail = (
        " Control plane operations can request API keys so you continue to see service"
        " information in the portal, even when keys are disabled."
    )
    patch = (
        "@@ -8,1 +8,1 @@\n"
        "-API keys can be disabled for data plane operations.\n"
        f"+API keys can be disabled for data plane operations.{tail}\n"
    )
    af = analyze(_change("docs/m.md", patch))
    fact = next(f for f in af.facts if f.kind == FactKind.TEXT_WORDING)
    assert fact.new is not None and fact.new.endswith("…") and len(fact.new) <= 80
    assert tail.strip().startswith(fact.new[:-1])
    text = _explain(af)
    assert "Control plane operations" in text and "rewritten" not in text
    assert af.reason != "fix"


def test_many_rewordings_name_them() -> None:
    lines = [
        ("The service is off by default.", "The service is on by default."),
        ("Use the portal to sign in.", "Use the Azure portal to sign in."),
        ("Select Save to continue.", "Select Apply to continue."),
    ]
    patch = "@@ -1,5 +1,5 @@\n" + "".join(f"-{o}\n+{n}\n \n" for o, n in lines)
    af = analyze(_change("docs/w.md", patch))
    text = _explain(af)
    assert "3 sentences reworded" in text
    assert "`on`" in text and "`Azure`" in text and "`Apply`" in text


@pytest.mark.parametrize("lang", available_languages())
def test_many_rewordings_name_them_in_every_language(lang: str) -> None:
    patch = "@@ -1,5 +1,5 @@\n" + "".join(
        f"-Step {w} is off.\n+Step {w} is on now.\n \n" for w in ("one", "two", "three")
    )
    assert "`on now`" in _explain(analyze(_change("docs/w.md", patch)), lang)


BATCH = "\n".join(
    [
        "@@ -78,12 +78,16 @@ curl -X POST https://example.openai.azure.com/openai/files?api-version=2024-10-21",
        '   -H "api-key: $AZURE_OPENAI_API_KEY" \\',
        '   -F "purpose=batch" \\',
        '-  -F "file=@C:\\batch\\test.jsonl;type=application/json"',
        '+  -F "file=@C:\\batch\\test.jsonl;type=application/json" \\',
        '+  -F "expires_after.seconds=1209600" \\',
        '+  -F "expires_after.anchor=created_at"',
        " ```",
        " ",
        "-The above code assumes a particular file path for your file. Adjust this file path as needed.",
        "+The above code assumes a particular file path for your file. Adjust this path as needed.",
        " ",
        " **Output:**",
        " ",
        "",
    ]
)


def test_curl_options_added_are_named_and_the_fence_above_is_closed() -> None:
    af = analyze(_change("docs/batch.md", BATCH))
    code = next(f for f in af.facts if f.kind == FactKind.CODE_CHANGED)
    assert code.detail["names"][:2] == [
        "expires_after.seconds=1209600",
        "expires_after.anchor=created_at",
    ]
    # The prose after the closing fence is prose, not a second code example.
    assert [f.kind for f in af.facts].count(FactKind.CODE_CHANGED) == 1
    assert any(f.kind == FactKind.TEXT_WORDING and f.old == "file" for f in af.facts)
    assert "`expires_after.seconds=1209600`" in _explain(af)


def test_entries_removed_from_a_json_example_are_named() -> None:
    removed = [
        '        "Microsoft.Search/searchServices/read",',
        '        "Microsoft.Search/searchServices/indexes/read",',
        '        "Microsoft.Search/searchServices/indexes/write",',
    ]
    patch = (
        "@@ -20,8 +20,5 @@ The role definition:\n"
        " ```json\n"
        " {\n"
        '     "Name": "Search reader",\n'
        '     "Actions": [\n' + "".join(f"-{ln}\n" for ln in removed) + "     ],\n"
    )
    af = analyze(_change("docs/roles.md", patch))
    code = next(f for f in af.facts if f.kind == FactKind.CODE_CHANGED)
    assert code.detail["dropped"] == [ln.strip().strip('",') for ln in removed]
    text = _explain(af)
    assert "no longer uses `Microsoft.Search/searchServices/read`" in text
    assert "+0/−3" not in text


def test_indented_list_text_in_a_hunk_is_prose_not_code() -> None:
    patch = (
        "@@ -272,5 +272,5 @@ If your storage account is private\n"
        "     > [!TIP]\n"
        "-    > You need to assign the `Reader` role to each private endpoint.\n"
        "+    > You need to assign the `Reader` role to each private endpoint for your project.\n"
        " \n"
        " 1. Assign the `Storage Blob Data reader` role to your developers.\n"
    )
    af = analyze(_change("docs/link.md", patch))
    assert FactKind.CODE_CHANGED not in _kinds(af)
    assert "`for your project`" in _explain(af)


def test_indented_code_in_a_hunk_stays_code() -> None:
    patch = (
        "@@ -40,4 +40,4 @@ def main():\n"
        "     client = make_client()\n"
        "-    result = client.run(timeout=5)\n"
        "+    result = client.run(timeout=10)\n"
        "     return result\n"
    )
    af = analyze(_change("docs/code.md", patch))
    assert any(
        f.kind == FactKind.CODE_VALUE_CHANGED and (f.old, f.new) == ("5", "10") for f in af.facts
    )


def test_front_matter_list_item_and_commented_field_patch_only() -> None:
    custom = (
        "@@ -10,6 +10,7 @@ ms.topic: overview\n"
        " ms.date: 11/05/2024\n"
        " ms.custom:\n"
        "   - references_regions\n"
        "+  - ignite-2024\n"
        " ---\n"
        " \n"
        " # What's new\n"
    )
    af = analyze(_change("docs/new.md", custom))
    fact = next(f for f in af.facts if f.kind == FactKind.FRONTMATTER_CHANGED)
    assert fact.detail["key"] == "ms.custom" and fact.new == "references_regions, ignite-2024"
    assert "ignite-2024" in _explain(af)
    comment = (
        "@@ -2,5 +2,4 @@\n"
        " title: Service limits\n"
        "-#services: cognitive-services\n"
        " author: someone\n"
        " ms.service: search\n"
        " ---\n"
    )
    af = analyze(_change("docs/limits.md", comment))
    assert [(f.kind, f.detail.get("key")) for f in af.facts] == [
        (FactKind.FRONTMATTER_REMOVED, "#services")
    ]


def test_lines_added_to_data_name_their_values() -> None:
    patch = (
        "@@ -10,6 +10,11 @@\n"
        "         {\n"
        '             "source_path_from_root": "/articles/old-page.md",\n'
        '             "redirect_url": "/azure/new-page",\n'
        '             "redirect_document_id": true\n'
        "         },\n"
        "+        {\n"
        '+            "source_path_from_root": "/articles/how-to/custom-policy.md",\n'
        '+            "redirect_url": "/azure/model-inference/how-to/configure-policies",\n'
        '+            "redirect_document_id": true\n'
        "+        },\n"
    )
    af = analyze(_change("docs/.openpublishing.redirection.json", patch))
    added = next(f for f in af.facts if f.kind == FactKind.LINES_ADDED)
    assert added.detail["names"] == [
        "/articles/how-to/custom-policy.md",
        "/azure/model-inference/how-to/configure-policies",
    ]
    assert "`/articles/how-to/custom-policy.md`" in _explain(af)


def test_trailing_space_after_an_include_is_whitespace() -> None:
    patch = (
        "@@ -5,1 +5,1 @@\n"
        "-[!INCLUDE [Chat with your data](../includes/chat-with-data.md)]\n"
        "+[!INCLUDE [Chat with your data](../includes/chat-with-data.md)] \n"
    )
    assert _kinds(analyze(_change("docs/i.md", patch))) == [FactKind.WHITESPACE_CHANGED]
