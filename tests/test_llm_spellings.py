"""Equivalent spellings of a value in the diff survive the sentence guard; nothing wider does.

Each accepted equivalence is checked both ways, in the languages a writer states it in, with its
nearest miss next to it: a false positive costs the reader a true sentence, a loose match lets a
wrong value through.
"""

from __future__ import annotations

import pytest

from diffinsight.grounding import Evidence
from diffinsight.writers.llm.guard import guard

DATES = ["11/21/2024", "2024-11-21", "2024年11月21日", "November 21, 2024"]
#: The same spellings one day later: never supported by the 21st.
NEXT_DAY = ["11/22/2024", "2024-11-22", "2024年11月22日", "November 22, 2024"]
SENTENCE = {
    "en_US": "The page `quotas.md` now states the date {}.",
    "zh_CN": "页面 `quotas.md` 的日期更新为{}。",
    "ja_JP": "ページ `quotas.md` の日付が{}に更新されました。",
}


def _kept(text: str, lang: str, diff: str) -> bool:
    g = guard(text, lang, Evidence(f"diff --git a/quotas.md b/quotas.md\n{diff}"))
    return g.text == text and not g.removed


@pytest.mark.parametrize("lang", list(SENTENCE))
@pytest.mark.parametrize("written", DATES)
@pytest.mark.parametrize("in_diff", DATES)
def test_each_spelling_of_a_date_supports_every_other(
    lang: str, written: str, in_diff: str
) -> None:
    diff = f"-ms.date: 01/02/2024\n+ms.date: {in_diff}\n"
    assert _kept(SENTENCE[lang].format(written), lang, diff)
    miss = NEXT_DAY[DATES.index(written)]
    assert not _kept(SENTENCE[lang].format(miss), lang, diff)


@pytest.mark.parametrize("written", ["21/11/2024", "11/21/2025", "2024-21-11"])
def test_no_other_reading_of_a_date(written: str) -> None:
    # No day-first guess and no year slack: the same digits in another order are another date.
    diff = "+ms.date: 11/21/2024\n"
    assert not _kept(SENTENCE["en_US"].format(written), "en_US", diff)


NUMBERS = ["128,000", "128000", "128K"]


@pytest.mark.parametrize("written", NUMBERS)
@pytest.mark.parametrize("in_diff", NUMBERS)
def test_grouped_plain_and_k_spellings_of_a_number(written: str, in_diff: str) -> None:
    diff = f"+| gpt-4o | context: {in_diff} tokens |\n"
    text = f"The context of `gpt-4o` is {written} tokens."
    assert _kept(text, "en_US", diff)
    assert _kept(f"`gpt-4o` 的上下文为 {written} 个令牌。", "zh_CN", diff)


@pytest.mark.parametrize(
    ("in_diff", "written"),
    [
        ("131,072", "131K"),  # no rounding to thousands
        ("128K", "128"),  # the suffix is part of the value
        ("128,000", "128.000"),  # a decimal, not a grouped number
        ("128,000", "127,999"),  # no fuzzy matching of numbers
        ("1,280", "1.28K"),  # only whole thousands take the suffix
    ],
)
def test_a_near_number_is_another_number(in_diff: str, written: str) -> None:
    diff = f"+| gpt-4o | context: {in_diff} tokens |\n"
    assert not _kept(f"The context of `gpt-4o` is {written} tokens.", "en_US", diff)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("zh_CN", "页面介绍如何使用`Azure AI 搜索`和`GPT-4o`创建索引。"),
        ("ja_JP", "このページでは`Azure AI 検索`のインデックスを`GPT-4o`で作成します。"),
    ],
)
def test_a_product_name_split_by_cjk_words_keeps_its_parts(lang: str, text: str) -> None:
    diff = "+Create an Azure AI Search index with GPT-4o.\n"
    assert _kept(text, lang, diff)
    # Every Latin part of the quoted name must be in the diff: an added version is not.
    assert not _kept(text.replace("Azure AI ", "Azure AI v2 "), lang, diff)
    assert not _kept(text.replace("Azure AI ", "Azure ML "), lang, diff)
