"""What changed inside code, prose, tables and new pages, and the sanity rules of the facts."""

from __future__ import annotations

import pytest

from diffinsight.analysis import AnalyzedFile, analyze
from diffinsight.facts.code import code_edits, tokenize
from diffinsight.facts.kinds import FactKind
from diffinsight.facts.markdown import cell_quote
from diffinsight.grounding import Evidence, evidence_for, unsupported_tokens
from diffinsight.i18n import available_languages
from diffinsight.models import Fact, FileChange, FileStatus, ModificationType
from diffinsight.writers.offline import FileWriter


def _change(path: str, patch: str, status: FileStatus = FileStatus.MODIFIED) -> FileChange:
    adds = sum(1 for ln in patch.split("\n") if ln.startswith("+"))
    dels = sum(1 for ln in patch.split("\n") if ln.startswith("-"))
    return FileChange(path=path, status=status, additions=adds, deletions=dels, patch=patch)


def _kinds(af: AnalyzedFile) -> list[str]:
    return [f.kind for f in af.facts]


def _explain(af: AnalyzedFile, lang: str = "en_US") -> str:
    fr = FileWriter(lang).file_report(af)
    evidence = Evidence(evidence_for(af.change, af.facts))
    assert unsupported_tokens(fr.explanation, evidence) == [], fr.explanation
    assert unsupported_tokens(fr.modification_title, evidence) == [], fr.modification_title
    return fr.explanation


FENCED = (
    "@@ -10,8 +10,8 @@ ## Getting started\n"
    " ```python\n"
    "-from pkg.connectors.memory.store import Store\n"
    "+from pkg.connectors.store import Store\n"
    " \n"
    "-store = Store(model_type=Hotel)\n"
    "+store = Store(record_type=Hotel)\n"
    " ```\n"
)


def test_code_block_in_markdown_names_import_and_parameter() -> None:
    af = analyze(_change("docs/start.md", FENCED))
    renamed = [f for f in af.facts if f.kind == FactKind.CODE_RENAMED]
    assert {(f.detail["role"], f.old, f.new) for f in renamed} == {
        ("import", "pkg.connectors.memory.store", "pkg.connectors.store"),
        ("parameter", "model_type", "record_type"),
    }
    text = _explain(af)
    assert "`pkg.connectors.memory.store`" in text and "`pkg.connectors.store`" in text
    assert "`model_type`" in text and "`record_type`" in text
    assert "+2/−2" not in text  # the renames say it; no line counts beside them


@pytest.mark.parametrize("lang", available_languages())
def test_code_facts_told_in_every_language(lang: str) -> None:
    text = _explain(analyze(_change("docs/start.md", FENCED)), lang)
    assert "`record_type`" in text


def test_code_file_rename_has_a_key_shared_across_files() -> None:
    patch = "@@ -1,3 +1,3 @@\n import os\n-idx = client.create_index(name)\n+idx = client.indexes.create(name)\n"
    a = analyze(_change("samples/a.py", patch))
    b = analyze(_change("samples/js/b.js", patch.replace("import os", "const x = 1;")))
    fa = next(f for f in a.facts if f.kind == FactKind.CODE_RENAMED)
    fb = next(f for f in b.facts if f.kind == FactKind.CODE_RENAMED)
    assert fa.detail["role"] == "call"
    assert fa.detail["key"] == fb.detail["key"] == "client.create_index → client.indexes.create"
    assert "`client.indexes.create`" in _explain(a)


def test_tokenizer_is_language_agnostic() -> None:
    toks = [t.text for t in tokenize('az group create --resource-group "rg-1" -l eastus')]
    assert "--" not in toks[3:4] and "resource-group" in toks and '"rg-1"' in toks
    assert code_edits('url: "https://a/v1"', 'url: "https://a/v2"')[0].param == "url"
    assert code_edits("x = 1", "x = 1  ") == []


def test_rewritten_sentence_names_the_new_models() -> None:
    patch = (
        "@@ -5,3 +5,3 @@ ## Models\n \n"
        "-You can fine-tune several models in this region, and we plan to add more of them soon.\n"
        "+You can fine-tune `gpt-4.1` and `gpt-4.1-mini` in this region, and we plan to add more of them soon.\n"
    )
    af = analyze(_change("docs/models.md", patch))
    fact = next(f for f in af.facts if f.kind == FactKind.TEXT_REWRITTEN)
    assert fact.detail["names"] == ["gpt-4.1", "gpt-4.1-mini"]
    text = _explain(af)
    assert "now names `gpt-4.1` and `gpt-4.1-mini`" in text
    assert "rewritten" not in text


def test_one_word_change_is_quoted_in_english_and_chinese() -> None:
    en = "@@ -5,2 +5,2 @@\n \n-You must sign in before you call the API.\n+You should sign in before you call the API.\n"
    assert "`must` → `should`" in _explain(analyze(_change("docs/a.md", en)))
    zh = (
        "@@ -5,2 +5,2 @@\n \n-调用接口之前您必须先登录到门户。\n+调用接口之前您应该先登录到门户。\n"
    )
    af = analyze(_change("docs/zh.md", zh))
    wording = next(f for f in af.facts if f.kind == FactKind.TEXT_WORDING)
    assert (wording.old, wording.new) == ("必须", "应该")


TABLE_OLD = "| Model | Region | Notes |\n|---|---|---|\n| gpt-4o | East US | GA |\n"
TABLE_NEW = (
    "| Model  | Region  | Notes |\n|:-------|:--------|------:|\n| gpt-4o | East US | GA    |\n"
)


def _table_patch(old: str, new: str) -> str:
    lines = ["@@ -3,4 +3,4 @@ ## Availability", " "]
    lines += [f"-{ln}" for ln in old.rstrip("\n").split("\n")]
    lines += [f"+{ln}" for ln in new.rstrip("\n").split("\n")]
    return "\n".join(lines) + "\n"


def test_table_layout_change_is_one_formatting_fact() -> None:
    af = analyze(_change("docs/t.md", _table_patch(TABLE_OLD, TABLE_NEW)))
    assert _kinds(af) == [FactKind.TABLE_REFORMATTED]
    assert af.modification_type is ModificationType.MINOR_UPDATE
    assert "New table" not in _explain(af)


def test_table_rows_matched_by_key_cells_quoted_short_without_html() -> None:
    long = "Supports " + "very " * 30 + "long text"
    old = f"| Region | Model | Notes |\n|---|---|---|\n| East US | gpt-4o | GA<br>since May |\n| West US | gpt-4o | {long} |\n"
    new = f"| Region | Model | Notes |\n|---|---|---|\n| East US | gpt-4o | Preview<br>since June |\n| West US | gpt-4.1 | {long} |\n"
    af = analyze(_change("docs/t.md", _table_patch(old, new)))
    rows = [f for f in af.facts if f.kind == FactKind.TABLE_ROW_CHANGED]
    assert [r.detail["row"] for r in rows] == ["East US", "West US"]
    assert rows[1].detail["cells"] == [{"column": "Model", "old": "gpt-4o", "new": "gpt-4.1"}]
    text = _explain(af)
    assert "<br>" not in text and "very very" not in text
    assert "to `Preview` and `since June`" in text


def test_cell_quotes_are_verbatim_pieces() -> None:
    assert cell_quote("a<br>b <sup>1</sup>") == "a\nb\n1"
    assert cell_quote("<ul><li>one</li><li>two</li></ul>") == "one\ntwo"
    assert cell_quote("x\u200b y") == "x…"
    assert cell_quote("[Docs](https://x) and more") == "Docs\nand more"
    q = cell_quote("word " * 40)
    assert len(q) <= 81 and q.endswith("…")


def test_table_column_renamed() -> None:
    old = "| Model | Region |\n|---|---|\n"
    new = "| Model | Regions |\n|---|---|\n"
    af = analyze(_change("docs/t.md", _table_patch(old, new)))
    cols = next(f for f in af.facts if f.kind == FactKind.TABLE_COLUMNS_CHANGED)
    assert cols.detail["renamed"] == [["Region", "Regions"]]
    assert "“Region” → “Regions”" in _explain(af)


NEW_PAGE = (
    "@@ -0,0 +1,22 @@\n"
    "+---\n+title: Migrate to the agents SDK\n"
    "+description: Learn how to move your assistants code to the new agents SDK.\n+---\n"
    "+# Migrate to the agents SDK\n"
    "+## Prerequisites\n+Text.\n"
    "+## [Python](#tab/python)\n+Py.\n"
    "+## Update the client\n+```bash\n+# not a heading\n+```\n"
    "+## Coming soon\n"
    "+## Update the client\n"
    "+## Run the [sample](https://example.com)\n"
)


def test_new_page_says_what_it_teaches() -> None:
    af = analyze(_change("docs/migrate.md", NEW_PAGE, FileStatus.ADDED))
    page = af.facts[0]
    assert page.new == "Migrate to the agents SDK"
    assert page.detail["headings"] == ["Prerequisites", "Update the client", "Run the sample"]
    text = _explain(af)
    assert "Learn how to move your assistants code to the new agents SDK." in text
    for bad in ("Coming soon", "#tab", "](", "not a heading"):
        assert bad not in text


def test_class_rename_is_not_a_typo() -> None:
    patch = "@@ -5,2 +5,2 @@\n \n-Create a SearchClient to query.\n+Create a SearchIndexClient to query.\n"
    af = analyze(_change("docs/a.md", patch))
    assert FactKind.TEXT_TYPO not in _kinds(af)
    assert FactKind.NAME_REPLACED in _kinds(af)
    assert af.modification_type is not ModificationType.BUG_FIX
    typo = "@@ -5,2 +5,2 @@\n \n-Create a clinet to query.\n+Create a client to query.\n"
    assert FactKind.TEXT_TYPO in _kinds(analyze(_change("docs/a.md", typo)))


def test_whitespace_only_only_when_all_is_whitespace() -> None:
    patch = (
        "@@ -5,4 +5,4 @@\n \n-Some   text here.\n+Some text here.\n"
        "-The old sentence about the service and its many features goes here today.\n"
        "+A brand new paragraph that says something else entirely about other things.\n"
    )
    text = _explain(analyze(_change("docs/a.md", patch)))
    assert "Whitespace or line-break changes only" not in text
    only = "@@ -5,2 +5,2 @@\n \n-Some   text here.\n+Some text here.\n"
    assert "Whitespace or line-break changes only" in _explain(analyze(_change("docs/a.md", only)))


def test_headings_only_from_markdown() -> None:
    patch = "@@ -1,2 +1,4 @@\n node_modules/\n+\n+# AI\n+.ai/\n"
    af = analyze(_change(".gitignore", patch))
    assert af.modification_type is ModificationType.MINOR_UPDATE
    assert "section" not in _explain(af).lower()


def test_bom_and_zero_width_characters_are_not_changes() -> None:
    patch = "@@ -1,2 +1,2 @@\n-\ufeffIntro text for the page.\n+Intro text for the page.\n ok\n"
    af = analyze(_change("docs/a.md", patch))
    assert _kinds(af) == [FactKind.WHITESPACE_CHANGED]
    code = "@@ -1,2 +1,2 @@\n-\ufeffimport os\n+import os\n x = 1\n"
    assert _kinds(analyze(_change("a.py", code))) == [FactKind.WHITESPACE_CHANGED]


def test_lists_never_repeat_and_count_the_rest() -> None:
    w = FileWriter("en_US")
    assert w._names(["a", "b", "a", "c", "d", "e"], 6) == "`a`, `b`, `c`, and 2 more"
    facts = [Fact(kind=FactKind.HEADING_ADDED, new=n) for n in ["X", "X", "Y", "Z", "W"]]
    text = w.many(FactKind.HEADING_ADDED, facts)
    assert text.count("`X`") == 1 and "1 more" in text
    ja = FileWriter("ja_JP").many(FactKind.HEADING_ADDED, facts)
    assert ja.count("など") <= 1


def test_added_prose_and_code_say_what_they_name() -> None:
    patch = (
        "@@ -5,2 +5,6 @@ ## Setup\n \n"
        "+Install the `azure-ai-projects` package before you start with the agents.\n"
        "+```python\n+x = 1\n+```\n"
    )
    text = _explain(analyze(_change("docs/a.md", patch)))
    assert "`azure-ai-projects`" in text
    code = (
        "@@ -10,4 +10,4 @@ ## Run\n ```python\n"
        "-result = run()\n+result = project_client.agents.create_agent(model)\n ```\n"
    )
    assert "`project_client.agents.create_agent`" in _explain(analyze(_change("d/b.md", code)))


def test_markup_only_edits_are_formatting() -> None:
    patch = "@@ -5,2 +5,2 @@\n \n-Use the portal to sign in.\n+Use the portal<br> to sign in.\n"
    af = analyze(_change("docs/a.md", patch))
    assert _kinds(af) == [FactKind.TEXT_PUNCTUATION]
    assert "<br>" not in _explain(af)


def test_inserted_column_is_added_not_every_column_renamed() -> None:
    old = "| Region | A | B | C |\n|---|---|---|---|\n"
    new = "| Region | New | A | B |\n|---|---|---|---|\n"
    af = analyze(_change("docs/t.md", _table_patch(old, new)))
    cols = next(f for f in af.facts if f.kind == FactKind.TABLE_COLUMNS_CHANGED)
    assert cols.detail == {"added": ["New"], "removed": ["C"], "renamed": []}


def test_rename_without_old_path() -> None:
    change = FileChange(path="media/a.png", status=FileStatus.RENAMED, binary=True)
    text = FileWriter("en_US").file_report(analyze(change)).explanation
    assert "from  to" not in text and "`media/a.png`" in text


def test_heading_with_a_suffix_moves_no_line() -> None:
    patch = (
        "@@ -5,3 +5,3 @@\n"
        "-## Fine-tune a model\n-Use the portal to start a fine-tuning job today.\n"
        "+## Fine-tune a model (Preview)\n+Use the portal to start a fine-tuning job today.\n"
    )
    af = analyze(_change("docs/a.md", patch))
    assert FactKind.TEXT_MOVED not in _kinds(af)
    assert "moved" not in _explain(af)
    assert "`(Preview)`" in _explain(af)


def _one_line(old: str, new: str, path: str = "docs/a.md") -> AnalyzedFile:
    return analyze(_change(path, f"@@ -5,2 +5,2 @@\n \n-{old}\n+{new}\n"))


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        # A file or dotted name that changed case is a name, not a spelling slip.
        ("Open program.cs in the editor.", "Open Program.cs in the editor.", "name.replaced"),
        ("Use the analyze call first.", "Use the `Analyze` call first.", "name.replaced"),
        # A changed year is a value.
        ("Runs daily since 2022 in the region.", "Runs daily since 2024 in the region.", None),
        # The same word with other emphasis markers is formatting.
        ("Select **Subscription** here.", "Select __Subscription__ here.", "text.punctuation"),
        ("Use it, e.g. for tests.", "Use it, i.e. for tests.", None),
    ],
)
def test_typo_only_for_a_short_slip_in_a_word(old: str, new: str, kind: str | None) -> None:
    af = _one_line(old, new)
    assert FactKind.TEXT_TYPO not in _kinds(af), af.facts
    assert af.modification_type is not ModificationType.BUG_FIX
    if kind:
        assert kind in _kinds(af)
    _explain(af)


def test_a_real_slip_is_still_a_typo() -> None:
    for old, new in (("seperate", "separate"), ("the", "The")):
        af = _one_line(f"Keep {old} copies of the data.", f"Keep {new} copies of the data.")
        assert _kinds(af) == [FactKind.TEXT_TYPO], af.facts


def test_rename_in_code_files_blocks_and_sentences_is_one_shared_fact() -> None:
    """The same rename told once for every file it is in, whatever part of a file holds it."""
    from datetime import date

    from diffinsight.models import ChangeSet
    from diffinsight.writers.base import ReportRequest
    from diffinsight.writers.offline import OfflineWriter

    py = "@@ -1,3 +1,3 @@\n import os\n-idx = client.create_index(name)\n+idx = client.indexes.create(name)\n"
    block = (
        "@@ -10,4 +10,4 @@ ## Run\n ```python\n"
        "-idx = client.create_index(name)\n+idx = client.indexes.create(name)\n ```\n"
    )
    prose = (
        "@@ -5,2 +5,2 @@\n \n-Call `client.create_index` to create it.\n"
        "+Call `client.indexes.create` to create it.\n"
    )
    changes = [_change(f"s/a{i}.py", py) for i in range(3)]
    changes += [_change(f"d/b{i}.md", block) for i in range(2)]
    changes += [_change(f"d/c{i}.md", prose) for i in range(2)]
    files = [analyze(c) for c in changes]
    assert all(
        any(f.detail.get("key") == "client.create_index → client.indexes.create" for f in a.facts)
        for a in files
    )
    request = ReportRequest(
        changeset=ChangeSet(repo="r", permalink="p", files=changes),
        category="misc",
        date=date(2025, 1, 1),
        languages=["en_US"],
        files=files,
    )
    report = OfflineWriter().write_one(request, "en_US")
    said = "`client.create_index` → `client.indexes.create` in 7 files"
    assert any(said in x for x in report.insights), report.insights
    assert said in report.summary
    assert "(`c0.md`)" not in report.summary
    # The count of files sharing the change is one the diff supports.
    from diffinsight.grounding import report_evidence

    evidence = Evidence(report_evidence([(a.change, a.facts) for a in files]))
    assert unsupported_tokens("\n".join([report.summary, *report.insights]), evidence) == []


def test_reordered_lines_are_a_move_not_whitespace() -> None:
    patch = "@@ -1,3 +1,3 @@\n-alpha = 1\n-beta = 2\n+beta = 2\n+alpha = 1\n gamma = 3\n"
    af = analyze(_change("conf/settings.ini", patch))
    assert FactKind.WHITESPACE_CHANGED not in _kinds(af)
    assert FactKind.TEXT_MOVED in _kinds(af)
    respaced = "@@ -1,2 +1,3 @@\n-alpha = 1\n+  alpha = 1\n+\n gamma = 3\n"
    assert _kinds(analyze(_change("conf/settings.ini", respaced))) == [FactKind.WHITESPACE_CHANGED]


def test_a_value_replaced_is_one_change_whichever_part_of_a_file_holds_it() -> None:
    from diffinsight.facts.kinds import share_key

    code_file = analyze(
        _change("a.py", '@@ -1,2 +1,2 @@\n x = 1\n-model = "gpt-4o"\n+model = "gpt-4.1"\n')
    )
    prose = _one_line("Deploy `gpt-4o` to your hub now.", "Deploy `gpt-4.1` to your hub now.")
    block = analyze(
        _change(
            "b.md", '@@ -1,4 +1,4 @@\n ```python\n-model = "gpt-4o"\n+model = "gpt-4.1"\n ```\n'
        )
    )
    keys = [{share_key(f) for f in a.facts} - {None} for a in (code_file, prose, block)]
    assert keys[0] == keys[1] == keys[2] == {("value", "gpt-4o", "gpt-4.1", "")}
    # Dates stay one change whatever the old date; fields stay apart.
    bump = Fact(
        kind=FactKind.FRONTMATTER_DATE_CHANGED,
        old="1/2/2025",
        new="2/2/2025",
        detail={"key": "ms.date"},
    )
    assert share_key(bump) == (FactKind.FRONTMATTER_DATE_CHANGED, None, "2/2/2025", "ms.date")
    assert share_key(Fact(kind=FactKind.HEADING_ADDED, new="Setup")) is None


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        # One segment of a path changed: the segment, not the whole URL.
        (
            "curl -X POST $ENDPOINT/openai/deployments/$DEPLOYMENT_ID/chat/completions?api-version=1",
            "curl -X POST $ENDPOINT/openai/deployments/$DEPLOYMENT_NAME/chat/completions?api-version=1",
            "`$DEPLOYMENT_ID` was renamed to `$DEPLOYMENT_NAME`",
        ),
        # A flag's value added, an extra dropped, a comment reworded.
        (
            "az ml workspace create -n ws --provision-network-now",
            "az ml workspace create -n ws --provision-network-now true",
            "`true` was added",
        ),
        (
            "pip install azure_ai-evaluation[prompts]",
            "pip install azure_ai-evaluation",
            "`[prompts]` was removed",
        ),
        (
            "model: dep, // Deployment name seen in Azure AI Studio",
            "model: dep, // Deployment name seen in Azure AI Foundry portal",
            "`Studio` was changed to `Foundry portal`",
        ),
        # Punctuation alone is quoted with the name it follows.
        (
            '    "defaultOversampling": 10.0,',
            '    "defaultOversampling": 10.0',
            '`"defaultOversampling": 10.0,` was changed to `"defaultOversampling": 10.0`',
        ),
    ],
)
def test_code_edit_without_a_renamed_token_says_the_changed_stretch(
    old: str, new: str, said: str
) -> None:
    block = analyze(
        _change("docs/a.md", f"@@ -10,4 +10,4 @@ ## Run\n ```bash\n-{old}\n+{new}\n ```\n")
    )
    assert said in _explain(block)
    script = analyze(_change("scripts/run.sh", f"@@ -1,2 +1,2 @@\n set -e\n-{old}\n+{new}\n"))
    assert said in _explain(script)


def test_a_value_replaced_across_kinds_is_counted_once_and_grounded() -> None:
    from datetime import date

    from diffinsight.grounding import report_evidence
    from diffinsight.models import ChangeSet
    from diffinsight.writers.base import ReportRequest
    from diffinsight.writers.offline import OfflineWriter

    code = '@@ -1,2 +1,2 @@\n x = 1\n-model = "gpt-4o"\n+model = "gpt-4.1"\n'
    prose = "@@ -5,2 +5,2 @@\n \n-Deploy `gpt-4o` to your hub.\n+Deploy `gpt-4.1` to your hub.\n"
    other = "@@ -5,2 +5,2 @@\n \n-Sign in to the portal first.\n+Sign in to the new portal first.\n"
    changes = [_change(f"s{i}/a.py", code) for i in range(3)]
    changes += [_change(f"d{i}/b.md", prose) for i in range(2)]
    changes += [_change(f"o{i}/c.md", other) for i in range(2)]
    files = [analyze(c) for c in changes]
    request = ReportRequest(
        changeset=ChangeSet(repo="r", permalink="p", files=changes),
        category="misc",
        date=date(2025, 1, 1),
        languages=["en_US"],
        files=files,
    )
    report = OfflineWriter().write_one(request, "en_US")
    assert "`gpt-4o` → `gpt-4.1` in 5 files" in report.summary
    evidence = Evidence(report_evidence([(a.change, a.facts) for a in files]))
    assert unsupported_tokens("\n".join([report.summary, *report.insights]), evidence) == []


def test_image_directives_are_images() -> None:
    image = ':::image type="content" source="media/{}.png" alt-text="Screenshot of the portal.":::'
    added = analyze(
        _change("d/a.md", f"@@ -5,2 +5,3 @@ ## Setup\n \n+{image.format('portal')}\n \n")
    )
    assert [(f.kind, f.new) for f in added.facts] == [(FactKind.IMAGE_ADDED, "media/portal.png")]
    assert "New image `media/portal.png`" in _explain(added)
    swapped = analyze(
        _change(
            "d/a.md",
            f"@@ -5,3 +5,3 @@\n \n-   {image.format('portal')}\n+   {image.format('portal-2')}\n \n",
        )
    )
    assert [(f.kind, f.old, f.new) for f in swapped.facts] == [
        (FactKind.IMAGE_CHANGED, "media/portal.png", "media/portal-2.png")
    ]
    # Same image, other alt text: the words that changed say it.
    alt = analyze(
        _change(
            "d/a.md",
            f"@@ -5,3 +5,3 @@\n \n-{image.format('p')}\n+{image.format('p').replace('the portal', 'the new portal')}\n",
        )
    )
    assert [(f.kind, f.new) for f in alt.facts] == [(FactKind.TEXT_WORDING, "new")]


def test_a_long_list_item_is_quoted_by_its_beginning() -> None:
    item = "Select Create and wait until the deployment finishes and the resource is ready for use in the portal."
    af = analyze(_change("d/a.md", f"@@ -5,3 +5,2 @@ ## Setup\n \n-1. {item}\n \n"))
    fact = af.facts[0]
    assert fact.kind == FactKind.LIST_ITEM_REMOVED
    assert fact.old is not None and fact.old.endswith("…") and len(fact.old) <= 80
    assert item.startswith(fact.old[:-1])
    assert "“Select Create and wait until" in _explain(af)


def test_an_edit_around_code_spans_says_the_names_it_adds() -> None:
    af = _one_line(
        "> - `gpt-4o-audio-preview` version: `2024-12-17`.",
        "> - `gpt-4o-audio-preview` and `gpt-4o-mini-audio-preview` version: `2024-12-17`.",
    )
    fact = next(f for f in af.facts if f.kind == FactKind.TEXT_REWRITTEN)
    assert fact.detail["names"] == ["gpt-4o-mini-audio-preview"]
    assert "`gpt-4o-mini-audio-preview`" in _explain(af)


def test_a_removed_page_keeps_what_it_taught() -> None:
    patch = "".join(
        "-" + ln + "\n"
        for ln in [
            "---", "description: How to cancel a training job.", "ms.topic: include", "---",
            "", "## Prerequisites", "Text.", "## [Python](#tab/python)", "## Cancel the job",
            "```bash", "# not a heading", "```",
        ]
    )  # fmt: skip
    af = analyze(
        _change("docs/includes/cancel.md", "@@ -1,12 +0,0 @@\n" + patch, FileStatus.REMOVED)
    )
    fact = af.facts[0]
    assert fact.kind == FactKind.FILE_REMOVED and fact.old is None
    assert fact.detail["headings"] == ["Prerequisites", "Cancel the job"]
    assert fact.detail["description"] == "How to cancel a training job."
    gitignore = analyze(
        _change(".gitignore", "@@ -1,2 +0,0 @@\n-# AI\n-.ai/\n", FileStatus.REMOVED)
    )
    assert "headings" not in gitignore.facts[0].detail


def test_a_comment_in_a_code_block_is_no_page_title() -> None:
    patch = (
        "@@ -0,0 +1,5 @@\n+Run this first:\n+```bash\n+# install the tools\n+pip install x\n+```\n"
    )
    af = analyze(_change("docs/includes/setup.md", patch, FileStatus.ADDED))
    assert af.facts[0].new is None
    assert "install the tools" not in FileWriter("en_US").file_report(af).modification_title


def test_a_type_keyword_is_no_rename_and_a_boolean_is_a_value() -> None:
    edits = code_edits("var messages = new List();", "string chatMessages = new List();")
    assert [(e.role, e.old, e.new) for e in edits] == [("identifier", "messages", "chatMessages")]
    flag = code_edits("enabled = True", "enabled = False")
    assert [(e.role, e.old, e.new, e.param) for e in flag] == [
        ("literal", "True", "False", "enabled")
    ]


def test_a_removed_line_names_the_parameter_it_held() -> None:
    af = analyze(
        _change(
            "d/a.md", "@@ -5,3 +5,2 @@ ## Parameters\n > - temperature_x1\n-> - tool_choice\n >\n"
        )
    )
    assert "`tool_choice`" in _explain(af)
    link = "@@ -5,2 +5,3 @@\n \n+See the [guide](https://example.com/how_to/set_up) for the rest of it.\n"
    added = analyze(_change("d/a.md", link))
    assert all("how_to" not in str(f.detail.get("names")) for f in added.facts)


def test_a_yaml_comment_before_the_closing_fence_is_not_a_section() -> None:
    # A hunk that starts inside the front matter: "# Customer Intent: ..." is a YAML comment.
    patch = (
        "@@ -12,13 +12,14 @@ ms.date: 5/21/2024\n"
        " ms.reviewer: deeikele\n"
        " author: Blackmist\n"
        "+# Customer Intent: As an admin, I need to create and manage a hub.\n"
        " ---\n"
        " \n"
        " # How to create and manage a hub\n"
        " \n"
        "+## Delete a hub\n"
        "+\n"
        "+Select **Delete**.\n"
    )
    af = analyze(_change("articles/how-to/hub.md", patch))
    headings = [f.new for f in af.facts if f.kind == FactKind.HEADING_ADDED]
    assert headings == ["Delete a hub"]
    assert "Customer Intent" not in _explain(af)
