"""Titles that name the content in every language, quotes within 80 characters, lists and
locations said once: on real patches analysed end to end."""

from __future__ import annotations

import re

import pytest

from diffinsight.analysis import AnalyzedFile, analyze
from diffinsight.grounding import Evidence, evidence_for, unsupported_tokens
from diffinsight.i18n import catalog
from diffinsight.models import FileChange, FileStatus
from diffinsight.writers.offline import FileWriter
from diffinsight.writers.quoting import MAX_QUOTE, clip, clip_quotes
from diffinsight.writers.titles import title_limit, visible_len

CJK = ["ja_JP", "zh_CN", "zh_TW", "ko_KR"]
ALL = ["en_US", *CJK, "fr_FR", "de_DE", "es_ES"]
SPAN_RE = re.compile(r"(`+)\s?(.+?)\s?\1(?!`)")


def modified(body: str, path: str = "articles/page.md") -> AnalyzedFile:
    lines = body.splitlines()
    adds = sum(1 for x in lines if x.startswith("+"))
    dels = sum(1 for x in lines if x.startswith("-"))
    patch = "@@ -1,6 +1,6 @@\n" + body
    return analyze(
        FileChange(
            path=path, status=FileStatus.MODIFIED, additions=adds, deletions=dels, patch=patch
        )
    )


def written(af: AnalyzedFile, lang: str) -> tuple[str, str]:
    fr = FileWriter(lang).file_report(af)
    text = f"{fr.modification_title}\n{fr.explanation}"
    assert unsupported_tokens(text, Evidence(evidence_for(af.change, af.facts))) == []
    assert visible_len(fr.modification_title) <= title_limit(lang)
    return fr.modification_title, fr.explanation


def generic_titles(lang: str) -> set[str]:
    cat = catalog(lang)
    keys = ["title.updated_short", "title.added_short", "title.text_edited", "title.wording"]
    return {cat.t(k) for k in keys} | {cat.t("title.line_rewritten", count=1)}


LIST_ITEM = (
    " # Firewall\n \n - stamp1.ext.search.azure.us for Azure public cloud.\n"
    "+- stamp2.ext.search.azure.us for Azure Government cloud.\n"
)
COLUMNS = (
    " # Models\n \n-| Model | Legacy date | Retirement date |\n"
    "+| Model | Legacy date (UTC) | Retirement date (UTC) |\n |---|---|---|\n | gpt-4 | 2025 | 2026 |\n"
)


@pytest.mark.parametrize("lang", ALL)
def test_titles_name_the_change_within_the_limit(lang: str) -> None:
    item, item_text = written(modified(LIST_ITEM), lang)
    assert item not in generic_titles(lang)
    assert "stamp2" in item
    cols, _ = written(modified(COLUMNS), lang)
    # The shorter wording wins over a name cut in the middle.
    assert "Legacy date (UTC)" in cols and "…" not in cols
    del item_text


def test_a_removed_phrase_is_not_read_as_a_removed_file() -> None:
    body = (
        " # Logs\n \n-Configure logging for the data plane or management plane in the portal.\n"
        "+Configure logging for the data plane in the portal.\n"
    )
    title, _ = written(modified(body), "en_US")
    assert title == "Removed `or management plane`"
    # A removed file's title says it is a file, so the two never read alike.
    assert catalog("en_US").t("title.file_removed", name="`x.md`") == "Removed file `x.md`"


def test_a_rewritten_sentence_is_titled_by_the_names_it_gained() -> None:
    body = (
        " # Models\n \n-The catalog lists many models for chat.\n"
        "+The catalog lists many models for chat, including DeepSeek-R1 and Phi-4-mini today.\n"
    )
    title, text = written(modified(body), "en_US")
    assert title == "Now names `DeepSeek-R1` and more"
    assert "`Phi-4-mini`" in text


def test_content_of_a_later_fact_beats_a_location() -> None:
    body = (
        " # Setup\n \n-Install the tool first and then run it.\n"
        "+Install the tool first, and then run it now.\n"
        "+See [Configure the service](configure.md).\n"
    )
    af = modified(body)
    title, _ = written(af, "en_US")
    assert not title.startswith(("Wording updated in", "Additions in")), title


def test_clip_keeps_head_and_tail_verbatim() -> None:
    sentence = (
        "Cost and quota considerations for the Jais family of models deployed as serverless "
        "API endpoints in Azure AI Foundry"
    )
    short = clip(sentence)
    assert len(short) <= MAX_QUOTE and " … " in short
    head, tail = short.split(" … ")
    assert sentence.startswith(head) and sentence.endswith(tail)
    url = (
        "https://github.com/Azure/azure-sdk-for-js/tree/main/sdk/documentintelligence/"
        "ai-document-intelligence-rest/samples/v1/javascript"
    )
    short = clip(url)
    assert short.startswith("https://github.com/…") and short.endswith("/v1/javascript")
    assert clip("com.azure.core.util.Configuration", 20) == "…util.Configuration"
    ev = Evidence(f"+ {sentence}\n+ see {url}")
    assert unsupported_tokens(f"`{clip(url)}` `{clip(sentence)}`", ev) == []


@pytest.mark.parametrize("lang", ["en_US", "ja_JP", "de_DE"])
def test_no_quote_over_80_characters(lang: str) -> None:
    long = (
        "You can get the connection string from the Storage account page in Azure portal by "
        "selecting Access keys in the left navigation pane and copying either value."
    )
    url = "https://learn.microsoft.com/" + "/".join(f"segment-{i}" for i in range(12)) + "/end"
    body = f" # Keys\n \n+See [{long}]({url}).\n"
    title, text = written(modified(body), lang)
    cat = catalog(lang)
    opening, closing = cat.t("quote", text="\x00").split("\x00")
    quotes = re.findall(re.escape(opening) + r"(.+?)" + re.escape(closing), text)
    spans = [m.group(2) for m in SPAN_RE.finditer(text)]
    assert any("…" in q for q in quotes) and any("…" in x for x in spans), text
    assert all(len(q) <= MAX_QUOTE for q in quotes + spans), (quotes, spans)
    assert clip_quotes(text, cat) == text  # already within the limit: nothing more to cut
    del title


def test_a_location_is_named_once_per_explanation() -> None:
    body = (
        " ## Basic function calling with tools\n \n"
        "-> [!IMPORTANT]\n-> Old warning.\n+> [!NOTE]\n+> New note.\n"
        "-Use the o1-series models.\n+Use the o3-mini models.\n"
    )
    _, text = written(modified(body), "en_US")
    assert text.count("“Basic function calling with tools”") == 1, text


@pytest.mark.parametrize("lang", ["en_US", "ja_JP", "zh_CN"])
def test_cells_of_unnamed_columns_are_not_repeated(lang: str) -> None:
    body = " | eastus | ✅ | ✅ |\n+| francecentral | ✅ | ✅ |\n"
    title, text = written(modified(body, "articles/includes/matrix.md"), lang)
    assert "francecentral" in title
    assert text.count("`✅`") == 1, text


@pytest.mark.parametrize("lang", ["en_US", "ja_JP", "zh_CN", "de_DE"])
def test_values_of_one_parameter_are_one_sentence(lang: str) -> None:
    from diffinsight.analysis import analyze
    from diffinsight.grounding import Evidence, evidence_for, unsupported_tokens
    from diffinsight.models import FileChange, FileStatus

    patch = (
        "@@ -1,6 +1,6 @@\n # Hotels\n ```python\n"
        '-hotels.add(HotelName="Secret Point Motel")\n-hotels.add(HotelName="Twin Dome Motel")\n'
        '+hotels.add(HotelName="Stay-Kay City Hotel")\n+hotels.add(HotelName="Old Century Hotel")\n'
        " ```\n"
    )
    change = FileChange(
        path="articles/hotels.md", status=FileStatus.MODIFIED, additions=2, deletions=2, patch=patch
    )
    af = analyze(change)
    text = FileWriter(lang).file_report(af).explanation
    assert text.count("`HotelName`") == 1, text
    for value in (
        "Secret Point Motel",
        "Stay-Kay City Hotel",
        "Twin Dome Motel",
        "Old Century Hotel",
    ):
        assert f"`{value}`" in text
    assert unsupported_tokens(text, Evidence(evidence_for(change, af.facts))) == []


@pytest.mark.parametrize("lang", ["en_US", "ja_JP"])
def test_many_links_are_named_by_their_words(lang: str) -> None:
    from diffinsight.analysis import analyze
    from diffinsight.grounding import Evidence, evidence_for, unsupported_tokens
    from diffinsight.models import FileChange, FileStatus

    links = ["Quotas", "quotas", "Regions", "Pricing", "Limits"]
    added = [f"+See [{t}](./{t.lower()}-{i}.md)." for i, t in enumerate(links)]
    patch = f"@@ -1,2 +1,{2 + len(added)} @@\n # Page\n Text.\n" + "\n".join(added) + "\n"
    change = FileChange(
        path="articles/page.md",
        status=FileStatus.MODIFIED,
        additions=len(added),
        deletions=0,
        patch=patch,
    )
    af = analyze(change)
    text = FileWriter(lang).file_report(af).explanation
    cat = FileWriter(lang).cat
    # A few named by their words, case variants once; no count of our own for the rest.
    assert cat.t("quote", text="Quotas") in text and cat.t("quote", text="quotas") not in text
    assert cat.t("quote", text="Regions") in text
    assert unsupported_tokens(text, Evidence(evidence_for(change, af.facts))) == []
