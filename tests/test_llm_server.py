"""The LLM writer against a real Chat Completions server on 127.0.0.1, one scripted fault per test."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from diffinsight.analysis import analyze
from diffinsight.models import Report
from diffinsight.providers.registry import create, resolve
from diffinsight.sources.patch import parse_patch
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.llm.cache import CallCache
from diffinsight.writers.llm.settings import LLMSettings
from diffinsight.writers.llm.writer import LLMWriter
from llm_server import (
    PHRASES,
    ChatServer,
    Reply,
    Seen,
    completion,
    file_answer,
    files_in,
    languages,
    ok,
    report_answer,
)

PATCH = """\
diff --git a/docs/realtime.md b/docs/realtime.md
--- a/docs/realtime.md
+++ b/docs/realtime.md
@@ -10,7 +10,7 @@ Construct the request URI:
 ## Connect
 Use this URI:
 ```http
-wss://my-resource.openai.contoso.com/openai/realtime?api-version=2024-12-17&deployment=gpt-4o-realtime
+wss://my-resource.openai.contoso.com/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-realtime
 ```
 Then connect.
 See the reference.
diff --git a/docs/new-page.md b/docs/new-page.md
new file mode 100644
--- /dev/null
+++ b/docs/new-page.md
@@ -0,0 +1,6 @@
+# Use reinforcement fine-tuning
+
+Reinforcement fine-tuning trains `o4-mini` with a grader.
+
+## Prerequisites
+- A Contoso account.
"""


def request(langs: list[str]) -> ReportRequest:
    files = parse_patch(PATCH)
    from diffinsight.models import ChangeSet

    cs = ChangeSet(repo="contoso/docs", files=files)
    return ReportRequest(
        changeset=cs,
        category="docs",
        date=date(2025, 5, 21),
        languages=langs,
        files=[analyze(f) for f in cs.files],
    )


def writer(
    srv: ChatServer,
    sleeps: list[float] | None = None,
    *,
    env: dict[str, str] | None = None,
    cache: CallCache | None = None,
    **overrides: Any,
) -> LLMWriter:
    data: dict[str, Any] = {"provider": "openai", "base_url": srv.url + "/v1", "model": "m"}
    data.update(overrides)
    settings = LLMSettings.model_validate(data)
    resolved = resolve(settings, env if env is not None else {"OPENAI_API_KEY": "sk-test"})
    assert resolved is not None
    return LLMWriter(
        create(resolved, settings),
        settings,
        model=resolved.model,
        file_model=resolved.file_model,
        cache=cache,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )


def engines(reports: list[Report]) -> list[list[str]]:
    return [[f.engine for f in r.files] for r in reports]


def assert_complete(reports: list[Report], langs: list[str]) -> None:
    """No file lost: every report has both files, in order."""
    assert [r.language for r in reports] == langs
    for r in reports:
        assert [f.path for f in r.files] == ["docs/realtime.md", "docs/new-page.md"]


def test_small_report_is_one_call_in_two_languages_with_strict_schema() -> None:
    with ChatServer() as srv:
        reports = writer(srv).write(request(["zh_CN", "en_US"]))
    assert_complete(reports, ["zh_CN", "en_US"])
    assert engines(reports) == [["llm", "llm"], ["llm", "llm"]]
    zh, en = reports
    assert zh.files[0].modification_title == "文档内容更新"
    assert en.files[0].modification_title == "Documentation update"
    assert zh.summary.startswith("这组变更") and en.summary.startswith("This set")
    assert zh.usage is not None and zh.usage.calls == 1 and zh.usage.cache_hits == 0
    assert zh.usage.input_tokens == 100 and zh.usage.files_llm == 2
    (only,) = srv.requests
    assert only.path == "/v1/chat/completions" and only.is_combined
    assert only.headers["authorization"] == "Bearer sk-test"
    fmt = only.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    props = fmt["json_schema"]["schema"]["properties"]
    assert props["files"]["items"]["properties"]["texts"]["required"] == ["zh_CN", "en_US"]
    assert props["report"]["required"] == ["zh_CN", "en_US"]
    assert len(files_in(only)) == 2 and "2025-04-01-preview" in only.user


def test_larger_report_has_a_report_call_that_sees_no_diff() -> None:
    with ChatServer() as srv:
        reports = writer(srv, max_output_tokens=600).write(request(["zh_CN", "en_US"]))
    assert engines(reports) == [["llm", "llm"], ["llm", "llm"]]
    assert reports[0].summary.startswith("这组变更")
    assert reports[0].usage is not None and reports[0].usage.calls == 3
    *file_calls, report_call = srv.requests
    assert [len(files_in(s)) for s in file_calls] == [1, 1]
    assert report_call.is_report and not files_in(report_call)
    assert "@@" not in report_call.user and "wss://" not in report_call.user
    assert "docs/realtime.md" in report_call.user and "By type:" in report_call.user


def test_azure_url_shape_key_and_api_version() -> None:
    with ChatServer() as srv:
        env = {
            "AZURE_OPENAI_ENDPOINT": srv.url,
            "AZURE_OPENAI_API_KEY": "az-key",
            "OPENAI_API_VERSION": "2024-10-21",
            "DIFFINSIGHT_MODEL": "gpt4o-deploy",
            "DIFFINSIGHT_FILE_MODEL": "mini-deploy",
        }
        settings = LLMSettings(max_output_tokens=600)  # one file a call, then the report
        resolved = resolve(settings, env)
        assert resolved is not None and resolved.kind == "azure"
        w = LLMWriter(
            create(resolved, settings),
            settings,
            model=resolved.model,
            file_model=resolved.file_model,
        )
        reports = w.write(request(["en_US"]))
    assert engines(reports) == [["llm", "llm"]]
    *file_calls, report_call = srv.requests
    file_call = file_calls[0]
    assert {s.deployment for s in file_calls} == {"mini-deploy"}
    assert report_call.deployment == "gpt4o-deploy"
    assert file_call.query["api-version"] == ["2024-10-21"]
    assert file_call.headers["api-key"] == "az-key"
    assert file_call.body["response_format"]["type"] == "json_schema"


def test_compatible_server_gets_json_mode() -> None:
    with ChatServer() as srv:
        reports = writer(srv, provider="compatible").write(request(["ja_JP"]))
    assert engines(reports) == [["llm", "llm"]]
    assert srv.requests[0].body["response_format"] == {"type": "json_object"}
    # Without a schema, the prompt spells out the shape.
    assert 'Shape: {"files"' in srv.requests[0].system and '"report": {' in srv.requests[0].system


def test_malformed_json_gets_one_repair_round() -> None:
    with ChatServer() as srv:
        srv.script(ok('{"files": [ {oops'))
        reports = writer(srv).write(request(["en_US"]))
    assert engines(reports) == [["llm", "llm"]]
    repair = srv.requests[1]
    assert repair.is_repair and "not valid JSON" in repair.body["messages"][-1]["content"]


def test_malformed_json_twice_falls_back_to_offline_marked() -> None:
    with ChatServer() as srv:
        srv.script(ok("not json at all"), ok("[]"))
        reports = writer(srv).write(request(["en_US", "zh_CN"]))
    assert_complete(reports, ["en_US", "zh_CN"])
    assert engines(reports) == [["offline", "offline"], ["offline", "offline"]]
    for r in reports:
        for f in r.files:
            assert any(n.startswith("llm-invalid") for n in f.notes)
            assert f.explanation  # written by the offline engine
        assert r.usage is not None and r.usage.files_offline == 2
    data = json.loads(reports[0].model_dump_json())
    assert data["files"][0]["engine"] == "offline"


def _english_everywhere(seen: Seen) -> Reply:
    return ok(
        file_answer(
            seen,
            lambda lang, path: (
                "Documentation update",
                "The page revises the text of one section. Readers now see the updated wording.",
            ),
        )
    )


def test_wrong_language_is_retried_once() -> None:
    with ChatServer() as srv:
        srv.script(_english_everywhere)
        reports = writer(srv).write(request(["zh_CN"]))
    assert engines(reports) == [["llm", "llm"]]
    assert "not in Chinese" in srv.requests[1].body["messages"][-1]["content"]
    assert reports[0].files[0].modification_title == "文档内容更新"


def test_wrong_language_twice_falls_back() -> None:
    with ChatServer() as srv:
        srv.script(_english_everywhere, _english_everywhere)
        reports = writer(srv).write(request(["zh_CN"]))
    assert engines(reports) == [["offline", "offline"]]
    note = reports[0].files[0].notes[-1]
    assert note.startswith("llm-guard: title removed (wrong language)"), note
    assert reports[0].files[0].removed_claims[0] == "Documentation update"


def test_prompt_leak_artefacts_are_cut_out() -> None:
    def leaky(seen: Seen) -> Reply:
        return ok(
            file_answer(
                seen,
                lambda lang, path: (
                    "[en_US] <format>Locale: en_US</format> Update",
                    "The page revises the text of one section. Readers now see the updated wording.",
                ),
            )
        )

    with ChatServer() as srv:
        srv.script(leaky, leaky)
        reports = writer(srv).write(request(["en_US"]))
    # Cutting the artefacts out loses nothing, so no repair is paid for.
    assert len(srv.requests) == 1
    assert engines(reports) == [["llm", "llm"]]
    for f in reports[0].files:
        assert f.modification_title == "Update"
        assert f.removed_claims == ["<format>", "</format>", "Locale: en_US", "[en_US]"]


def _inventing(value: str) -> Any:
    """A model whose explanation holds ``value`` (not in the diff) next to a sound sentence."""

    def answer(seen: Seen) -> Reply:
        return ok(
            file_answer(
                seen,
                lambda lang, path: (
                    "API version update",
                    f"The example now uses {value}, supported in 42 regions."
                    f" The page `{path.rsplit('/', 1)[-1]}` changes its example request.",
                ),
            )
        )

    return answer


def _published(reports: list[Report]) -> list[str]:
    out = []
    for r in reports:
        out += [r.summary, r.highlights.text, *r.insights, *r.highlights.other_updates]
        out += [t for f in r.files for t in (f.modification_title, f.explanation)]
    return out


def test_stubborn_model_never_gets_an_unsupported_value_published() -> None:
    stubborn = _inventing("`api-version=2026-01-01`")
    with ChatServer(stubborn) as srv:
        reports = writer(srv).write(request(["en_US"]))
        fix = srv.requests[1].body["messages"][-1]["content"]
    assert srv.requests[1].is_repair and "2026-01-01" in fix and "42" in fix
    f = reports[0].files[0]
    # The sound sentence is kept; the one stating values the diff lacks is gone.
    assert (
        f.engine == "llm" and f.explanation == "The page `realtime.md` changes its example request."
    )
    assert f.unsupported_tokens == ["api-version=2026-01-01", "42"]
    assert f.removed_claims == [
        "The example now uses `api-version=2026-01-01`, supported in 42 regions."
    ]
    text = "\n".join(_published(reports))
    assert "2026-01-01" not in text and "42" not in text
    assert reports[0].usage is not None and reports[0].usage.claims_removed >= 2


def test_a_text_left_too_short_falls_back_to_the_offline_text() -> None:
    def bare(seen: Seen) -> Reply:
        return ok(file_answer(seen, lambda lang, path: ("Update", "It now runs in 42 regions.")))

    with ChatServer(bare) as srv:
        reports = writer(srv).write(request(["en_US", "zh_CN"]))
    for r in reports:
        for f in r.files:
            assert f.engine == "offline"
            assert f.notes[-1].startswith("llm-guard: explanation too short after removals")
            assert f.removed_claims == ["It now runs in 42 regions."]
            assert "42" not in f.explanation and f.explanation
    data = json.loads(reports[0].model_dump_json())
    assert data["files"][0]["engine"] == "offline"
    assert data["files"][0]["removed_claims"] == ["It now runs in 42 regions."]


def test_a_repair_that_invents_a_new_value_loses_that_sentence() -> None:
    with ChatServer() as srv:
        srv.script(_inventing("`api-version=2026-01-01`"), _inventing("version `9.9.9`"))
        reports = writer(srv).write(request(["en_US"]))
    repair = srv.requests[1]
    assert repair.is_repair
    f = reports[0].files[0]
    assert f.engine == "llm" and f.removed_claims == [
        "The example now uses version `9.9.9`, supported in 42 regions."
    ]
    text = "\n".join(_published(reports))
    assert "9.9.9" not in text and "2026-01-01" not in text


def test_a_repair_carries_only_the_failed_file() -> None:
    def one_bad(seen: Seen) -> Reply:
        def text(lang: str, path: str) -> tuple[str, str]:
            name = path.rsplit("/", 1)[-1]
            extra = "It is used in 42 regions. " if name == "new-page.md" else ""
            return ("Page update", f"{extra}The page `{name}` revises one section.")

        return ok(file_answer(seen, text))

    with ChatServer(one_bad) as srv:
        reports = writer(srv).write(request(["en_US"]))
    first, repair, *_ = srv.requests
    assert [p for _, p in files_in(first)] == ["docs/realtime.md", "docs/new-page.md"]
    assert [p for _, p in files_in(repair)] == ["docs/new-page.md"]
    shown = repair.body["messages"][2]["content"]
    assert repair.body["messages"][2]["role"] == "assistant"
    assert "new-page.md" in shown and "realtime.md" not in shown
    assert "wss://" not in repair.user  # the other file's input is not sent again
    assert reports[0].files[1].explanation == "The page `new-page.md` revises one section."


def test_finish_reason_length_splits_the_batch() -> None:
    def cut(seen: Seen) -> Reply:
        return ok(
            '{"files": [{"id": "1", "texts": {"en_US": {"title": "Upd', finish_reason="length"
        )

    with ChatServer() as srv:
        srv.script(cut)
        reports = writer(srv).write(request(["en_US"]))
    assert engines(reports) == [["llm", "llm"]]
    # One cut call, then one call per half, then the report.
    assert [len(files_in(s)) for s in srv.requests[:3]] == [2, 1, 1]


def test_finish_reason_length_on_one_file_falls_back() -> None:
    cut = ok('{"files": [', finish_reason="length")
    with ChatServer() as srv:
        srv.script(cut, cut, cut)
        reports = writer(srv).write(request(["en_US"]))
    assert engines(reports) == [["offline", "offline"]]
    assert reports[0].files[0].notes[-1].startswith("llm-truncated")


def test_429_honours_retry_after() -> None:
    sleeps: list[float] = []
    busy = Reply(429, {"error": {"message": "slow down"}}, headers={"retry-after": "0.25"})
    with ChatServer() as srv:
        srv.script(busy)
        reports = writer(srv, sleeps).write(request(["en_US"]))
    assert engines(reports) == [["llm", "llm"]]
    assert sleeps == [0.25]
    assert reports[0].usage is not None and reports[0].usage.retries == 1


def test_500_is_retried_with_backoff() -> None:
    sleeps: list[float] = []
    with ChatServer() as srv:
        srv.script(Reply(500, {"error": {"message": "boom"}}), Reply(503, "busy"))
        reports = writer(srv, sleeps).write(request(["en_US"]))
    assert engines(reports) == [["llm", "llm"]]
    assert len(sleeps) == 2 and all(0 < s <= 8 for s in sleeps)


def test_500_forever_loses_no_file() -> None:
    with ChatServer(lambda seen: Reply(500, {"error": {"message": "down"}})) as srv:
        reports = writer(srv, retries=1).write(request(["en_US", "ja_JP"]))
    assert_complete(reports, ["en_US", "ja_JP"])
    assert engines(reports) == [["offline", "offline"], ["offline", "offline"]]
    assert reports[0].files[0].notes[-1].startswith("llm-error")
    assert any("offline engine" in n for n in reports[0].notes)
    assert len(srv.requests) == 4  # files and report, two attempts each


def test_slow_response_times_out_and_falls_back() -> None:
    with ChatServer() as srv:
        srv.script(Reply(body=completion(""), delay=1.5))
        reports = writer(srv, timeout=0.3, retries=0).write(request(["en_US"]))
    assert engines(reports) == [["offline", "offline"]]
    assert "timeout" in reports[0].files[0].notes[-1]
    assert reports[0].summary.startswith("This set")  # the report call still answered


def test_refusal_falls_back() -> None:
    with ChatServer() as srv:
        srv.script(ok("", refusal="I can't help with that."))
        reports = writer(srv).write(request(["en_US"]))
    assert engines(reports) == [["offline", "offline"]]
    assert reports[0].files[0].notes[-1] == "llm-refused"


def test_files_the_diff_does_not_have_are_ignored() -> None:
    def extra(seen: Seen) -> Reply:
        body = file_answer(seen)
        body["files"].append(
            {"id": "99", "texts": {"en_US": {"title": "Ghost", "explanation": "Not a file."}}}
        )
        return ok(body)

    with ChatServer() as srv:
        srv.script(extra)
        reports = writer(srv).write(request(["en_US"]))
    assert [f.path for f in reports[0].files] == ["docs/realtime.md", "docs/new-page.md"]
    assert "Ghost" not in json.dumps(reports[0].model_dump(mode="json"))


def test_token_budget_stops_before_spending() -> None:
    with ChatServer() as srv:
        reports = writer(srv, max_tokens=50).write(request(["en_US"]))
    assert srv.requests == []
    assert engines(reports) == [["offline", "offline"]]
    assert reports[0].files[0].notes[-1].startswith("llm-budget")


def test_max_cost_needs_a_price_and_is_enforced() -> None:
    with ChatServer() as srv:
        from diffinsight.errors import ConfigError

        with pytest.raises(ConfigError, match="no price known"):
            writer(srv, max_cost=0.01)
        w = writer(srv, model="gpt-4o", max_cost=0.0001)
        reports = w.write(request(["en_US"]))
    assert srv.requests == []
    assert engines(reports) == [["offline", "offline"]]


def test_cache_makes_the_second_run_free_and_logs_calls(tmp_path: Path) -> None:
    db = tmp_path / "llm.db"
    with ChatServer() as srv:
        first = writer(srv, cache=CallCache(db)).write(request(["en_US"]))
        n = len(srv.requests)
        second = writer(srv, cache=CallCache(db)).write(request(["en_US"]))
        assert len(srv.requests) == n
    assert first[0].usage is not None and second[0].usage is not None
    assert first[0].usage.calls == 1 and second[0].usage.calls == 0
    assert second[0].usage.cache_hits == 1 and second[0].usage.input_tokens == 0
    assert [f.modification_title for f in second[0].files] == [
        f.modification_title for f in first[0].files
    ]
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT purpose, cached, messages FROM calls ORDER BY id").fetchall()
    assert [(p, c) for p, c, _ in rows] == [("files+report", 0), ("files+report", 1)]
    assert "2025-04-01-preview" in rows[0][2]


def test_an_answer_that_fails_the_checks_is_never_served_from_the_cache(tmp_path: Path) -> None:
    db = tmp_path / "llm.db"
    with ChatServer() as srv:
        srv.script(ok("not json at all"), ok("[]"))
        first = writer(srv, cache=CallCache(db)).write(request(["en_US"]))
        n = len(srv.requests)
        second = writer(srv, cache=CallCache(db)).write(request(["en_US"]))
        # The same first request goes out again: its failed answer was not kept.
        assert len(srv.requests) == n + 1 and srv.requests[n].body == srv.requests[0].body
    assert engines(first) == [["offline", "offline"]]
    assert engines(second) == [["llm", "llm"]]
    assert second[0].usage is not None and second[0].usage.cache_hits == 0


def test_report_sections_fault_keeps_file_entries() -> None:
    def reply(seen: Seen) -> Reply:
        body = report_answer(seen) if seen.is_report else file_answer(seen)
        for t in (body["texts"] if seen.is_report else body.get("report", {})).values():
            t["summary"] = ""
        return ok(body)

    with ChatServer(reply) as srv:
        reports = writer(srv).write(request(["en_US"]))
    assert engines(reports) == [["llm", "llm"]]
    assert any("offline engine" in n for n in reports[0].notes)
    assert reports[0].summary  # the offline composer's summary
    # The one-call answer, then a repair of its sections alone (a report call).
    assert [s.is_combined for s in srv.requests] == [True, False]
    assert srv.requests[1].is_report and srv.requests[1].is_repair


def test_calls_run_concurrently_within_the_bound() -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(seen: Seen) -> Reply:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.2)
        with lock:
            state["now"] -= 1
        return ok(report_answer(seen) if seen.is_report else file_answer(seen))

    for bound, expected in ((1, 1), (2, 2)):
        state["max"] = 0
        with ChatServer(slow) as srv:
            # One file per call: two file calls, then the report call.
            reports = writer(srv, max_output_tokens=600, concurrency=bound).write(
                request(["en_US"])
            )
        assert engines(reports) == [["llm", "llm"]]
        assert state["max"] == expected


def test_report_sections_keep_only_supported_sentences() -> None:
    def sections(seen: Seen) -> Reply:  # the same sections in the first answer and the repair
        body = report_answer(seen) if seen.is_report else file_answer(seen)
        for t in (body["texts"] if seen.is_report else body["report"]).values():
            t["summary"] = (
                "This set of changes revises several documentation pages and their wording."
                " It adds 17 new regions."
            )
            t["insights"] = ["Pricing drops by 30 percent everywhere.", t["insights"][0]]
            t["other_updates"] = ["Quota raised to 500 requests."]
        return ok(body)

    with ChatServer(sections) as srv:
        reports = writer(srv).write(request(["en_US"]))
    (r,) = reports
    assert [s.is_report for s in srv.requests] == [False, True]  # sections repaired alone
    assert r.summary == (
        "This set of changes revises several documentation pages and their wording."
    )
    assert r.insights == [
        "This set of changes revises several documentation pages and their wording."
    ]
    # The only bullet is gone, so the offline engine writes the highlights.
    assert r.highlights.other_updates != ["Quota raised to 500 requests."]
    assert "llm-guard: highlights written by the offline engine" in r.notes[-1]
    assert r.removed_claims == [
        "It adds 17 new regions.",
        "Quota raised to 500 requests.",
        "Pricing drops by 30 percent everywhere.",
    ]
    assert not any(v in "\n".join(_published(reports)) for v in ("17", "30", "500"))


def test_a_fault_the_guard_removes_exactly_costs_no_repair() -> None:
    def later(seen: Seen) -> Reply:
        return ok(
            file_answer(
                seen,
                lambda lang, path: (
                    "Example request updated",
                    f"The page `{path.rsplit('/', 1)[-1]}` changes its example request."
                    " It now works in 42 regions.",
                ),
            )
        )

    with ChatServer(later) as srv:
        reports = writer(srv).write(request(["en_US"]))
    assert len(srv.requests) == 1
    f = reports[0].files[0]
    assert (
        f.engine == "llm" and f.explanation == "The page `realtime.md` changes its example request."
    )
    assert f.removed_claims == ["It now works in 42 regions."]


def test_a_repair_carries_only_the_failed_language_of_the_failed_file() -> None:
    def zh_bad_once(seen: Seen) -> Reply:
        def text(lang: str, path: str) -> tuple[str, str]:
            name = path.rsplit("/", 1)[-1]
            title, expl, _ = PHRASES[lang[:2]]
            if lang == "zh_CN" and name == "new-page.md" and not seen.is_repair:
                expl = "该功能已在 42 个区域提供。" + expl.format(name=name)
            return title, expl.format(name=name)

        return ok(file_answer(seen, text))

    with ChatServer(zh_bad_once) as srv:
        reports = writer(srv).write(request(["en_US", "zh_CN"]))
    first, repair = srv.requests
    assert first.is_combined and not repair.is_combined and not repair.is_report
    assert repair.is_repair and languages(repair) == ["zh_CN"]
    assert [p for _, p in files_in(repair)] == ["docs/new-page.md"]
    shown = json.loads(repair.body["messages"][2]["content"])
    assert [sorted(e["texts"]) for e in shown["files"]] == [["zh_CN"]]
    assert "42" in shown["files"][0]["texts"]["zh_CN"]["explanation"]
    told = repair.body["messages"][-1]["content"]
    assert "new-page.md" in told and "42" in told and "realtime.md" not in told
    assert "wss://" not in repair.user and '"report"' not in repair.system
    props = repair.body["response_format"]["json_schema"]["schema"]["properties"]
    assert props["files"]["items"]["properties"]["texts"]["required"] == ["zh_CN"]
    en, zh = reports
    assert engines(reports) == [["llm", "llm"], ["llm", "llm"]]
    assert zh.files[1].explanation == PHRASES["zh"][1].format(name="new-page.md")
    assert en.files[1].explanation == PHRASES["en"][1].format(name="new-page.md")


def test_a_sections_repair_carries_only_the_failed_language_and_no_diff() -> None:
    def zh_summary_bad_once(seen: Seen) -> Reply:
        body = report_answer(seen) if seen.is_report else file_answer(seen)
        texts = body["texts"] if seen.is_report else body.get("report")
        if texts and "zh_CN" in texts and not seen.is_repair:
            texts["zh_CN"]["summary"] = "本次更新覆盖 17 个区域。" + texts["zh_CN"]["summary"]
        return ok(body)

    with ChatServer(zh_summary_bad_once) as srv:
        reports = writer(srv).write(request(["en_US", "zh_CN"]))
    first, repair = srv.requests
    assert first.is_combined
    assert repair.is_report and repair.is_repair and languages(repair) == ["zh_CN"]
    assert not files_in(repair) and "@@" not in repair.user and "wss://" not in repair.user
    shown = json.loads(repair.body["messages"][2]["content"])
    assert list(shown["texts"]) == ["zh_CN"] and "17" in shown["texts"]["zh_CN"]["summary"]
    assert "17" in repair.body["messages"][-1]["content"]
    en, zh = reports
    assert zh.summary == PHRASES["zh"][2] and en.summary == PHRASES["en"][2]
    assert engines(reports) == [["llm", "llm"], ["llm", "llm"]]


def test_highlights_of_bullets_alone_are_kept() -> None:
    # The existing tool's model often wrote no lead paragraph above the bullets.
    def bullets_only(seen: Seen) -> Reply:
        body = report_answer(seen) if seen.is_report else file_answer(seen)
        for t in (body["texts"] if seen.is_report else body["report"]).values():
            t["highlights"] = ""
            t["other_updates"] = ["The page `new-page.md` is new."]
        return ok(body)

    with ChatServer(bullets_only) as srv:
        (r,) = writer(srv).write(request(["en_US"]))
    assert len(srv.requests) == 1
    assert r.highlights.text == "" and r.highlights.other_updates == [
        "The page `new-page.md` is new."
    ]
    assert not any(n.startswith("llm-guard") for n in r.notes)
