"""Report-level writing: titles that name the change, one ranking, themes across files."""

from __future__ import annotations

from datetime import date

import pytest

from diffinsight.analysis import AnalyzedFile, analyze
from diffinsight.grounding import Evidence, evidence_for, report_evidence, unsupported_tokens
from diffinsight.i18n import catalog
from diffinsight.models import ChangeSet, FileChange, FileStatus, Report
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.offline import OfflineWriter
from diffinsight.writers.titles import shorten, title_limit, visible_len

LONG_TITLE = "Understanding deployment types in Azure AI model inference for enterprise teams"


def page(path: str, title: str, lines: int = 30) -> FileChange:
    body = [f"# {title}", "", *(f"Line {i} about {title}." for i in range(lines))]
    patch = f"@@ -0,0 +1,{len(body)} @@\n" + "\n".join("+" + b for b in body)
    return FileChange(
        path=path, status=FileStatus.ADDED, additions=len(body), deletions=0, patch=patch
    )


def edit(path: str, old: str, new: str) -> FileChange:
    patch = f"@@ -1,3 +1,3 @@\n # Page\n-Call {old} to start.\n+Call {new} to start.\n"
    return FileChange(path=path, status=FileStatus.MODIFIED, additions=1, deletions=1, patch=patch)


def plumbing(path: str) -> FileChange:
    patch = "@@ -0,0 +1,2 @@\n+*.log\n+bin/\n"
    return FileChange(path=path, status=FileStatus.ADDED, additions=2, deletions=0, patch=patch)


def write(changes: list[FileChange], lang: str) -> tuple[Report, list[AnalyzedFile]]:
    files = [analyze(c) for c in changes]
    request = ReportRequest(
        changeset=ChangeSet(repo="r", files=[a.change for a in files]),
        category="docs",
        date=date(2025, 5, 1),
        languages=[lang],
        files=files,
    )
    return OfflineWriter().write_one(request, lang), files


def report_text(rep: Report) -> str:
    h = rep.highlights
    return "\n".join(
        [rep.summary, h.text, *h.new_features, *h.breaking_changes, *h.other_updates, *rep.insights]
    )


def assert_grounded(rep: Report, files: list[AnalyzedFile]) -> None:
    ev = Evidence(
        report_evidence(
            [(a.change, a.facts) for a in files],
            labels=[f.modification_type.value for f in rep.files],
            extra=["docs"],
        )
    )
    assert unsupported_tokens(report_text(rep), ev) == []
    for a, fr in zip(files, rep.files, strict=True):
        text = f"{fr.modification_title}\n{fr.explanation}"
        assert unsupported_tokens(text, Evidence(evidence_for(a.change, a.facts))) == []


def test_shorten_keeps_words_and_paths() -> None:
    short = shorten(LONG_TITLE, 40)
    assert len(short) <= 40 and short.startswith("Understanding deployment") and "…" in short
    assert all(w in LONG_TITLE.split() for w in short.replace("…", " ").split())
    assert shorten("articles/ai/how-to/deploy.md", 20, path=True) == "deploy.md"
    # A single name keeps its last segments: they say which thing it is.
    assert shorten("a-very-long-file-name-for-tests.md", 12, path=True) == "…tests.md"
    assert shorten("com.azure.core.util.Configuration", 20) == "…util.Configuration"


@pytest.mark.parametrize("lang", ["en_US", "ja_JP", "zh_CN", "ko_KR", "de_DE"])
def test_long_page_titles_are_shortened_not_dropped(lang: str) -> None:
    rep, files = write([page("articles/ai/deployment-types.md", LONG_TITLE)], lang)
    title = rep.files[0].modification_title
    generic = {catalog(lang).t("title.added_short"), catalog(lang).t("title.updated_short")}
    assert title not in generic
    assert "Understanding" in title and "…" in title
    assert visible_len(title) <= title_limit(lang)
    assert_grounded(rep, files)


def test_highlights_rank_pages_first_and_stop_at_seven() -> None:
    changes = [plumbing(".gitignore"), plumbing("docfx.json")]
    changes += [page(f"articles/agents/page-{i}.md", f"Agents topic {i}") for i in range(9)]
    changes.append(page("articles/agents/migrate.md", "Migration guide for agents"))
    rep, files = write(changes, "en_US")
    h = rep.highlights
    bullets = [*h.new_features, *h.breaking_changes, *h.other_updates]
    # The rest is counted, not listed: the twelve new files less the seven named.
    more = catalog("en_US").t("report.more", count=len(changes) - 7)
    assert more == "…and 5 more updates (see the Summary Table)."
    assert len([b for b in bullets if b != more]) == 7
    assert h.new_features[-1] == more
    assert not any(".gitignore" in b or "docfx.json" in b for b in h.new_features[:-1])
    # The summary names the doc set by its folder and its entry page, not statistics.
    assert rep.summary.startswith("A new doc set in `articles/agents` (10 pages)")
    assert "Migration guide for agents" in rep.summary
    assert any("New in `articles/agents`: 10 pages" in p for p in rep.insights)
    assert_grounded(rep, files)


def test_one_change_in_many_files_is_one_theme() -> None:
    changes = [
        edit(f"articles/sdk/use-{i}.md", "client.create_index", "client.indexes.create")
        for i in range(3)
    ]
    changes.append(edit("articles/other.md", "alpha", "beta"))
    rep, files = write(changes, "en_US")
    same = [p for p in rep.insights if "client.indexes.create" in p]
    assert len(same) == 1 and "3 files" in same[0]
    assert sum("client.indexes.create" in b for b in rep.highlights.other_updates) == 1
    assert_grounded(rep, files)


def test_no_theme_no_insight() -> None:
    rep, _ = write([edit("articles/a.md", "alpha", "beta")], "en_US")
    assert rep.insights == []
    assert "`alpha`" in rep.summary or "alpha" in rep.summary


@pytest.mark.parametrize("lang", ["en_US", "ja_JP", "zh_CN", "de_DE"])
def test_open_lists_have_one_conjunction(lang: str) -> None:
    cat = catalog(lang)
    text = cat.join(["a", "b", "c"], more=True)
    assert text == cat.t("and_more", items=text[: -len(cat.t("and_more", items=""))])
    if lang == "en_US":
        assert text == "a, b, c and others"
    if lang == "ja_JP":
        assert text == "a、b、cなど"


def test_name_echo_and_duplicate_bullets() -> None:
    a = FileChange(
        path="docs/x/readme.md",
        status=FileStatus.RENAMED,
        old_path="docs/y/readme.md",
        additions=0,
        deletions=0,
        patch="",
    )
    rep, files = write([a], "en_US")
    bullet = (rep.highlights.breaking_changes + rep.highlights.other_updates)[0]
    assert bullet.count("readme.md") <= 1
    assert_grounded(rep, files)


def test_values_with_uneven_spaces_keep_their_last_letter() -> None:
    from diffinsight.writers.offline import FileWriter

    fw = FileWriter("en_US")
    assert fw._value("Omit  the").endswith("the`")
    long = "word " * 30
    short = fw._value(long)
    assert " … " in short and short.endswith("word`") and len(short) <= 82
    url = "https://example.com/" + "a" * 90
    assert unsupported_tokens(fw._value(url), Evidence(url)) == []


def dated(path: str, old: str, new: str) -> FileChange:
    patch = f"@@ -1,4 +1,4 @@\n ---\n title: Page\n-ms.date: {old}\n+ms.date: {new}\n ---\n"
    return FileChange(path=path, status=FileStatus.MODIFIED, additions=1, deletions=1, patch=patch)


@pytest.mark.parametrize("lang", ["en_US", "ja_JP", "zh_CN", "de_DE"])
def test_a_slight_day_names_its_change_not_statistics(lang: str) -> None:
    changes = [dated(f"articles/p{i}.md", f"0{i}/01/2025", "05/21/2025") for i in range(1, 5)]
    rep, files = write(changes, lang)
    stats = catalog(lang).t("report.stats", count=4, adds="4", dels="4")
    assert rep.summary.endswith(stats)
    lead = rep.summary[: -len(stats)]
    assert "`ms.date`" in lead and "`05/21/2025`" in lead
    assert rep.insights == []  # a date bump everywhere is no theme
    assert_grounded(rep, files)


def test_one_title_in_many_files_is_one_item() -> None:
    patch = "@@ -1,2 +1,5 @@\n # Page\n Text.\n+\n+## Service limits\n+Ten calls a second.\n"
    changes = [
        FileChange(
            path=f"articles/svc/p{i}.md",
            status=FileStatus.MODIFIED,
            additions=3,
            deletions=0,
            patch=patch,
        )
        for i in range(5)
    ]
    changes.append(page("articles/new.md", "Create a voice"))
    rep, files = write(changes, "en_US")
    items = rep.summary.split("; ")
    # Most important first: the new page, then the section every page gained, named once.
    assert items[0].startswith("New page: Create a voice"), rep.summary
    assert sum("Service limits" in i for i in items) == 1, rep.summary
    assert "`p0.md`, `p1.md` and others" in rep.summary
    bullets = [*rep.highlights.new_features, *rep.highlights.other_updates]
    assert sum("Service limits" in b for b in bullets) == 1, bullets
    assert_grounded(rep, files)


def test_a_new_page_heads_the_new_features_before_a_new_yaml_file() -> None:
    faq = FileChange(
        path="articles/ai/faq.yml",
        status=FileStatus.ADDED,
        additions=3,
        deletions=0,
        patch="@@ -0,0 +1,3 @@\n+### YamlMime:FAQ\n+metadata:\n+  title: FAQ\n",
    )
    rep, files = write([faq, page("articles/ai/endpoints.md", "Use the endpoint")], "en_US")
    assert rep.highlights.new_features[0].startswith("New page: Use the endpoint")
    assert_grounded(rep, files)


def test_no_theme_no_insights_heading() -> None:
    from diffinsight.render.reference.read import parse_report
    from diffinsight.render.reference.write import MarkdownRenderer

    rep, _ = write([edit("articles/a.md", "alpha", "beta")], "en_US")
    text = MarkdownRenderer().render(rep)
    assert "# Insights" not in text
    again = parse_report(text, "ours")
    assert again.insights == [] and len(again.files) == 1
    themed, _ = write([edit(f"articles/p{i}.md", "gpt-4o", "gpt-4.1") for i in range(3)], "en_US")
    assert "\n# Insights\n" in MarkdownRenderer().render(themed)


def test_a_short_word_swapped_is_no_theme_and_ranks_low() -> None:
    changes = [edit(f"articles/p{i}.md", "a", "an") for i in range(3)]
    changes.append(edit("articles/q.md", "client.create_index", "client.indexes.create"))
    rep, files = write(changes, "en_US")
    assert rep.insights == []
    assert "client.indexes.create" in rep.summary.split("; ")[0]
    assert_grounded(rep, files)


@pytest.mark.parametrize("lang", ["en_US", "ja_JP"])
def test_a_retirement_is_told_in_the_pages_words(lang: str) -> None:
    patch = "@@ -1,2 +1,4 @@\n # Models\n Text.\n+\n+- gpt-35-turbo 0301 retirement changed to January 27, 2025.\n"
    change = FileChange(
        path="articles/model-retirements.md",
        status=FileStatus.MODIFIED,
        additions=2,
        deletions=0,
        patch=patch,
    )
    rep, files = write([change, edit("articles/other.md", "gpt-4o", "gpt-4.1")], lang)
    said = [p for p in rep.insights if "gpt-35-turbo 0301 retirement" in p]
    assert len(said) == 1 and "`model-retirements.md`" in said[0], rep.insights
    assert_grounded(rep, files)


def test_an_include_files_placeholder_title_names_no_page() -> None:
    body = ["---", "title: include file", "description: include file", "---", "", "Some text."]
    patch = f"@@ -0,0 +1,{len(body)} @@\n" + "\n".join("+" + b for b in body)
    inc = FileChange(
        path="articles/includes/note.md",
        status=FileStatus.ADDED,
        additions=len(body),
        deletions=0,
        patch=patch,
    )
    rep, files = write([inc], "en_US")
    f = rep.files[0]
    assert "include file" not in f.modification_title + f.explanation
    assert "`note.md`" in f.explanation
    assert_grounded(rep, files)


def test_an_empty_html_anchor_is_no_part_of_a_section_name() -> None:
    patch = (
        '@@ -1,2 +1,4 @@\n # Page\n Text.\n+### <a name="logging"></a> Add telemetry logging\n'
        "+Use it.\n"
    )
    change = FileChange(
        path="articles/a.md", status=FileStatus.MODIFIED, additions=2, deletions=0, patch=patch
    )
    rep, files = write([change], "en_US")
    f = rep.files[0]
    assert f.modification_title == "New section: Add telemetry logging"
    assert "<a" not in f.explanation + rep.summary
    assert_grounded(rep, files)
