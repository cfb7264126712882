from __future__ import annotations

from diffinsight.grounding import Evidence, evidence_for, text_tokens, unsupported_tokens
from diffinsight.models import Fact, FileChange, FileStatus
from diffinsight.writers.llm import checks

PATCH = """@@ -29,7 +29,7 @@ You can use the Realtime API.
-wss://res.openai.azure.com/openai/realtime?api-version=2024-12-17&deployment=gpt-4o-mini
+wss://res.openai.azure.com/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-mini
@@ -120,3 +120,4 @@
+| `o4-mini` (2025-04-16) | East US2 | Training context: 65,536 |
+* See [Language support](../../speech-service/language-support.md)
"""


def test_tokens_kinds() -> None:
    text = (
        "The URI now uses `api-version=2025-04-01-preview` (was 2024-12-17); see "
        "[support](../x/language-support.md) and https://aka.ms/pricing. Row o4-mini, "
        "65,536 tokens, file deploy.md, v1.3, 05/21/2025, 14 articles."
    )
    toks = text_tokens(text)
    assert toks == [
        "api-version=2025-04-01-preview",
        "../x/language-support.md",
        "https://aka.ms/pricing",
        "deploy.md",
        "2024-12-17",
        "o4-mini",
        "65,536",
        "v1.3",
        "05/21/2025",
        "14",
    ]


def test_supported_and_unsupported() -> None:
    ev = [PATCH, "articles/realtime.md"]
    ok = (
        "The request URI example now uses `api-version=2025-04-01-preview` (was `2024-12-17`). "
        "New row `o4-mini` (2025-04-16), training context 65,536 tokens, in `realtime.md`; "
        "link to [Language support](../../speech-service/language-support.md)."
    )
    assert unsupported_tokens(ok, ev) == []
    bad = (
        "Now `api-version=2025-05-01` for gpt-4.1 in 2 regions, see https://example.com/x "
        "and other.md."
    )
    assert unsupported_tokens(bad, ev) == [
        "api-version=2025-05-01",
        "https://example.com/x",
        "other.md",
        "gpt-4.1",
        "2",
    ]


def test_hunk_header_numbers_are_not_evidence() -> None:
    # 29 and 7 only occur in the @@ header: a report must not "find" them there.
    assert unsupported_tokens("29 lines, 7 files", PATCH) == ["29", "7"]
    assert unsupported_tokens("120 lines", PATCH) == ["120"]


def test_locale_grouping_and_case() -> None:
    ev = Evidence("limit 65536 tokens for GPT-4o")
    assert unsupported_tokens("65 536 et gpt-4o", ev) == []
    assert unsupported_tokens("65.536", ev) == ["65.536"]  # a decimal, not a grouped number
    assert unsupported_tokens("65,536", ev) == []


def test_values_shortened_in_the_middle() -> None:
    ev = Evidence("+ see tutorial-rag-build-solution-maximize-relevance.md for gpt-4o-mini")
    assert unsupported_tokens("`tutorial-rag…relevance.md`", ev) == []
    assert unsupported_tokens("`tutorial-rag-build…`", ev) == []
    # Each piece must stand on the token's outer boundary, head before tail.
    assert unsupported_tokens("`torial-rag…relevance.md`", ev) == ["torial-rag…relevance.md"]
    assert unsupported_tokens("`relevance…tutorial`", ev) == ["relevance…tutorial"]
    assert unsupported_tokens("`gpt-4o…mini-x`", ev) == ["gpt-4o…mini-x"]


def test_shortened_value_comes_from_one_line() -> None:
    # Head and tail of one quoted value: both in the same line of the diff, never stitched
    # together from two unrelated lines.
    ev = Evidence("+Deploy the model first.\n+Then configure endpoints for production.")
    assert unsupported_tokens("`Then configure … production.`", ev) == []
    assert unsupported_tokens("`Deploy the … production.`", ev) == ["Deploy the … production."]
    assert unsupported_tokens("`Deploy…first`", ev) == []
    # Only the end of a value kept: it must end a token, as a whole value's end does.
    ev = Evidence("+ see remove-private-endpoint.png and com.azure.core.util.Configuration")
    assert unsupported_tokens("`…private-endpoint.png` `…util.Configuration`", ev) == []
    assert unsupported_tokens("`…private-end`", ev) == ["…private-end"]


def test_token_boundaries() -> None:
    ev = Evidence("model gpt-4o-mini and version 2025-04-01-preview")
    # A prefix of a longer identifier is another identifier: gpt-4o is not gpt-4o-mini.
    assert unsupported_tokens("gpt-4o and `2025-04-01`", ev) == ["2025-04-01", "gpt-4o"]
    assert unsupported_tokens("gpt-4o-mini, `2025-04-01-preview`", ev) == []
    assert unsupported_tokens("`4o-min`", ev) == ["4o-min"]
    assert unsupported_tokens("`o-mini`", ev) == ["o-mini"]


def test_cjk_text() -> None:
    ev = Evidence(PATCH)
    text = "请求URI示例中的`api-version`由`2024-12-17`改为`2025-04-01-preview`。新增3行。"
    assert unsupported_tokens(text, ev) == ["3"]
    assert unsupported_tokens("新增了`o4-mini`（2025-04-16）。", ev) == []


def test_evidence_for_change() -> None:
    change = FileChange(
        path="a/b.md", status=FileStatus.MODIFIED, additions=3, deletions=1, patch=PATCH
    )
    facts = [
        Fact(
            kind="table.row_added",
            new="o4-mini",
            detail={"cells": {"Regions": "East US2"}, "count": 12},
        )
    ]
    ev = Evidence(evidence_for(change, facts))
    assert unsupported_tokens("`b.md`: 3 added, 1 removed, 12 rows, 4 changes", ev) == []
    assert unsupported_tokens("5 rows", ev) == ["5"]


# -- equivalent spellings: each accepted equivalence, and its nearest miss ---------------------


def test_us_date_in_the_diff_supports_an_iso_date() -> None:
    ev = Evidence("ms.date: 11/21/2024")
    assert unsupported_tokens("Updated on 2024-11-21.", ev) == []
    assert unsupported_tokens("Updated on 2024-11-12.", ev) == ["2024-11-12"]


def test_iso_date_in_the_diff_supports_a_us_date() -> None:
    ev = Evidence("| gpt-4o | 2024-11-20 | GA |")
    assert unsupported_tokens("GA since 11/20/2024.", ev) == []
    assert unsupported_tokens("GA since 20/11/2024.", ev) == ["20/11/2024"]  # no day-first guess


def test_cjk_date_is_the_same_date() -> None:
    ev = Evidence("ms.date: 11/21/2024")
    text = "更新日期为2024年11月21日。"
    assert checks.unsupported(text, ev) == []
    assert checks.unsupported("更新日期为2024年11月22日。", ev) == ["2024 年 11 月 22 日"]


def test_english_month_date_is_the_same_date() -> None:
    ev = Evidence("Retirement: 2025-04-30")
    assert unsupported_tokens("It retires on April 30, 2025.", ev) == []
    assert unsupported_tokens("It retires on Apr 30 2025.", ev) == []
    assert unsupported_tokens("It retires on April 30, 2026.", ev) == ["April 30, 2026"]


def test_grouped_and_plain_numbers_are_the_same_number() -> None:
    assert unsupported_tokens("128000 tokens", Evidence("context 128,000 tokens")) == []
    assert unsupported_tokens("128,000 tokens", Evidence("context 128000 tokens")) == []


def test_thousands_suffix_only_for_exact_thousands_the_diff_writes() -> None:
    assert unsupported_tokens("128K tokens", Evidence("context 128,000 tokens")) == []
    assert unsupported_tokens("128,000 tokens", Evidence("context: 128K")) == []
    # No rounding: 131,072 is not "131K", and "128" is not "128K".
    assert unsupported_tokens("131K tokens", Evidence("context 131,072")) == ["131K"]
    assert unsupported_tokens("128 tokens", Evidence("context: 128K")) == ["128"]


def test_product_name_split_by_cjk_text() -> None:
    ev = Evidence("Create an Azure AI Search index with GPT-4o")
    assert checks.unsupported("使用`Azure AI 搜索`索引和`GPT-4o 模型`。", ev) == []
    assert checks.unsupported("使用`Azure AI 搜索 v2`索引。", ev) == ["Azure AI 搜索 v2"]
