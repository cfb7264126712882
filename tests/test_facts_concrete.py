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


def test_a_note_after_an_indented_closing_fence_is_prose_not_code() -> None:
    # The hunk starts at the closing fence of a code example inside a numbered step; the
    # note after it is the step's text, so a changed word in it is wording, not a rename.
    patch = (
        "@@ -137,7 +137,7 @@ A connector in Power Apps is a data source connection.\n"
        "     ```\n"
        " \n"
        "     > [!TIP]\n"
        "-    > There is a character limit to the JSON response, so you may want to simplify it.\n"
        "+    > There is a character limit to the JSON response, so you might want to simplify it.\n"
        " \n"
        " 1. Select **Import** to add the default response.\n"
    )
    af = analyze(_change("docs/powerapps.md", patch))
    assert FactKind.CODE_RENAMED not in _kinds(af)
    assert any(
        f.kind == FactKind.TEXT_WORDING and (f.old, f.new) == ("may", "might") for f in af.facts
    )
    assert "renamed" not in _explain(af)


def test_a_rewritten_stretch_is_quoted_whole_not_by_its_empty_half() -> None:
    # The token match splits this rewrite around words both sides share; its biggest piece
    # only cuts words ("… can't be configured." -> "."). The stretch is quoted instead.
    old = (
        "With Azure OpenAI model deployments, you can use the default content filter or create "
        "your own content filter (described later on). The default content filter is also "
        "available for other text models curated by Azure AI in the [model catalog]"
        "(../how-to/model-catalog.md), but custom content filters aren't yet available for "
        "those models. Models available through **Models as a Service** have content "
        "filtering enabled by default and can't be configured."
    )
    new = (
        "With Azure OpenAI model deployments, you can use the default content filter or create "
        "your own content filter (described later on).  Models available through **serverless "
        "APIs** have content filtering enabled by default. To learn more about the default "
        "content filter enabled for serverless APIs, see [Content safety for models curated by "
        "Azure AI in the model catalog](model-catalog-content-safety.md)."
    )
    patch = f"@@ -26,3 +26,3 @@ Intro\n \n-{old}\n+{new}\n \n"
    af = analyze(_change("docs/content-filtering.md", patch))
    rewrite = next(f for f in af.facts if f.kind == FactKind.TEXT_REWRITTEN)
    assert rewrite.old and rewrite.old.startswith("The default content filter is also")
    assert rewrite.new and rewrite.new.startswith("Models available through")
    for lang in available_languages():
        fr = FileWriter(lang).file_report(af)
        assert "`.`" not in fr.modification_title, (lang, fr.modification_title)
    assert "Models available through" in _explain(af)


def test_a_long_cell_changed_past_its_quote_is_told_by_the_changed_words() -> None:
    head = "An indexer specification can have only one data source, but the search index itself"
    tail = "brings new content from a different data provider. See [the tutorial](t.md)."
    patch = (
        "@@ -10,4 +10,4 @@ Scenarios\n"
        " | Scenario | Strategy |\n"
        " |---|---|\n"
        f"-| Multiple data sources | {head} can accept content, where each indexer run {tail} |\n"
        f"+| Multiple data sources | {head} can accept content, where each indexer job {tail} |\n"
    )
    af = analyze(_change("docs/indexers.md", patch))
    row = next(f for f in af.facts if f.kind == FactKind.TABLE_ROW_CHANGED)
    cell = row.detail["cells"][0]
    assert cell["old"] != cell["new"]
    assert "run" in cell["old"] and "job" in cell["new"]
    assert "`each indexer job brings new`" in _explain(af)


def test_one_import_put_in_place_of_another_is_no_rename() -> None:
    from diffinsight.facts.code import code_edits

    # Paired lines of a code block whose imports were replaced, not renamed or moved.
    assert code_edits("import java.util.List;", "import org.slf4j.Logger;") == []
    assert (
        code_edits(
            'import { AzureKeyCredential } from "@azure/core-auth";',
            'import { AzureOpenAI } from "@azure/core-auth";',
        )
        == []
    )
    moved = code_edits(
        "import org.springframework.ai.client.AiClient;",
        "import org.springframework.ai.chat.client.ChatClient;",
    )
    assert [(e.role, e.old, e.new) for e in moved] == [
        (
            "import",
            "org.springframework.ai.client.AiClient",
            "org.springframework.ai.chat.client.ChatClient",
        )
    ]
    renamed = code_edits(
        "from azure.ai.inference.models import ChatCompletionsResponseFormatText",
        "from azure.ai.inference.models import ChatCompletionsResponseFormat",
    )
    assert [e.new for e in renamed] == ["ChatCompletionsResponseFormat"]


def test_a_word_of_the_language_is_no_name_that_was_renamed() -> None:
    patch = (
        "@@ -3,5 +3,5 @@ Run it:\n ```python\n-for item in items:\n+while item in items:\n ```\n"
    )
    af = analyze(_change("docs/loop.md", patch))
    assert not any(f.kind == FactKind.CODE_RENAMED and f.old == "for" for f in af.facts)


def test_rows_changed_alike_say_the_change_once() -> None:
    rows = [
        "`text-embedding-ada-002` | 2",
        "`text-embedding-ada-002` | 1",
        "`text-embedding-3-small` |",
    ]
    patch = (
        "@@ -40,5 +40,5 @@ Retirements\n"
        " | Model | Version | Retirement date |\n"
        " |---|---|---|\n"
        + "".join(f"-| {r} | No earlier than April 3, 2025 |\n" for r in rows)
        + "".join(f"+| {r} | No earlier than October 3, 2025 |\n" for r in rows)
    )
    af = analyze(_change("docs/model-retirements.md", patch))
    text = _explain(af)
    assert (
        "In each of them, Retirement date changed from `No earlier than April 3, 2025` to "
        "`No earlier than October 3, 2025`." in text
    ), text
    for lang in available_languages():
        assert "October 3, 2025" in FileWriter(lang).file_report(af).explanation, lang
