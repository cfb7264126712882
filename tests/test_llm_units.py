"""Units of the LLM writer: settings, compression, checks, cache, and the writer on a fake provider."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path

import pytest

from diffinsight.analysis import analyze
from diffinsight.config import parse_config
from diffinsight.errors import ConfigError
from diffinsight.models import ChangeSet, FileChange, FileStatus
from diffinsight.providers.base import ChatRequest, ChatResult, TransientProviderError, Usage
from diffinsight.providers.fake import FakeProvider
from diffinsight.providers.registry import resolve
from diffinsight.sources.patch import parse_patch
from diffinsight.writers.base import ReportRequest
from diffinsight.writers.llm import checks, prompts
from diffinsight.writers.llm.cache import CallCache, request_key
from diffinsight.writers.llm.compress import compress, estimate_tokens, inline_edit, is_trivial
from diffinsight.writers.llm.engine import select_writer
from diffinsight.writers.llm.settings import LLMSettings, parse_llm_settings
from diffinsight.writers.llm.writer import LLMWriter
from diffinsight.writers.offline import OfflineWriter

# -- settings and engine selection ------------------------------------------------------------


def test_no_provider_configured_means_offline() -> None:
    assert resolve(LLMSettings(), {}) is None
    assert isinstance(select_writer(None, "auto", env={}), OfflineWriter)


def test_engine_llm_without_provider_names_the_fix() -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        select_writer(None, "llm", env={})


def test_openai_key_alone_picks_openai_with_default_models() -> None:
    r = resolve(LLMSettings(), {"OPENAI_API_KEY": "k"})
    assert r is not None and (r.kind, r.model, r.file_model) == ("openai", "gpt-4o", "gpt-4o-mini")


def test_model_variables_name_the_models_per_stage() -> None:
    env = {"OPENAI_API_KEY": "k", "DIFFINSIGHT_MODEL": "big", "DIFFINSIGHT_FILE_MODEL": "small"}
    r = resolve(LLMSettings(), env)
    assert r is not None and (r.model, r.file_model) == ("big", "small")


def test_base_url_picks_a_compatible_server_and_needs_a_model() -> None:
    with pytest.raises(ConfigError, match="DIFFINSIGHT_MODEL"):
        resolve(LLMSettings(), {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"})
    r = resolve(
        LLMSettings(),
        {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "DIFFINSIGHT_MODEL": "llama3"},
    )
    assert r is not None and r.kind == "compatible" and r.api_key == "unused"


def test_azure_needs_version_and_credential() -> None:
    env = {"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com", "AZURE_OPENAI_API_KEY": "k"}
    with pytest.raises(ConfigError, match="OPENAI_API_VERSION"):
        resolve(LLMSettings(), env)
    env["OPENAI_API_VERSION"] = "2024-10-21"
    with pytest.raises(ConfigError, match="deployment"):
        resolve(LLMSettings(), env)
    r = resolve(LLMSettings(model="dep"), env)
    assert r is not None and r.kind == "azure" and r.file_model == "dep"
    with pytest.raises(ConfigError, match="credential"):
        resolve(LLMSettings(provider="azure", model="dep"), {**env, "AZURE_OPENAI_API_KEY": ""})


def test_config_file_wins_over_environment() -> None:
    cfg = parse_config("llm:\n  base_url: http://127.0.0.1:8000/v1\n  model: local\n")
    r = resolve(parse_llm_settings(cfg.llm), {"OPENAI_API_KEY": "k", "DIFFINSIGHT_MODEL": "x"})
    assert r is not None and (r.kind, r.model, r.base_url) == (
        "compatible",
        "local",
        "http://127.0.0.1:8000/v1",
    )


def test_llm_settings_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'llm.concurency'; check its spelling"):
        parse_llm_settings({"concurency": 4}, "cfg.yml")
    with pytest.raises(ConfigError, match=r"cfg.yml: llm.concurrency: "):
        parse_llm_settings({"concurrency": 0}, "cfg.yml")
    with pytest.raises(ConfigError, match=r"llm.api_key_env: \$MY_KEY is not set"):
        resolve(LLMSettings(api_key_env="MY_KEY"), {})


# -- compression --------------------------------------------------------------------------------


def _change(patch: str, status: FileStatus = FileStatus.MODIFIED) -> FileChange:
    adds = sum(1 for ln in patch.split("\n") if ln.startswith("+"))
    dels = sum(1 for ln in patch.split("\n") if ln.startswith("-"))
    return FileChange(path="a/b.md", status=status, patch=patch, additions=adds, deletions=dels)


def test_inline_edit_keeps_only_the_changed_value_and_some_context() -> None:
    prefix = "This sentence is long enough to be trimmed on the left side of the edit, and more: "
    old = prefix + "use api-version=2024-12-17 in every request you send to the service endpoint."
    new = (
        prefix
        + "use api-version=2025-04-01-preview in every request you send to the service endpoint."
    )
    edit = inline_edit(old, new)
    assert edit is not None
    assert "[-2024-12-17-]{+2025-04-01-preview+}" in edit
    assert edit.startswith("…") and len(edit) < len(old)
    assert inline_edit("completely different", "nothing alike here at all") is None


def test_date_bumps_and_whitespace_are_trivial_but_real_edits_are_not() -> None:
    date_bump = "@@ -1,3 +1,3 @@\n ---\n-ms.date: 04/02/2025\n+ms.date: 05/21/2025\n ---"
    assert is_trivial(_change(date_bump))
    spaces = "@@ -1,2 +1,2 @@\n-Some  text here\n+Some text here"
    assert is_trivial(_change(spaces))
    edit = "@@ -1,2 +1,2 @@\n-ms.date: 04/02/2025\n+ms.date: 05/21/2025\n-Old text\n+New text"
    assert not is_trivial(_change(edit))


def test_compress_drops_date_lines_and_shows_deletions_as_one_line() -> None:
    patch = (
        "@@ -1,9 +1,6 @@\n ---\n-ms.date: 04/02/2025\n+ms.date: 05/21/2025\n ---\n"
        " ## Limits\n-Line one removed\n-Line two removed\n-Line three removed\n context\n"
        "+A new line"
    )
    text = compress(_change(patch), 1000).text
    assert "ms.date" not in text
    assert "- deleted: Line one removed (+2 more lines)" in text
    assert "+ A new line" in text


def test_deleted_file_is_one_line() -> None:
    patch = "@@ -1,3 +0,0 @@\n-# Title\n-Body\n-More"
    c = compress(_change(patch, FileStatus.REMOVED), 1000)
    assert c.text == "(file deleted: 3 lines)"


def test_oversized_file_is_clipped_with_a_note() -> None:
    body = "\n".join(f"+Line number {i} of a very long new article." for i in range(400))
    c = compress(_change("@@ -0,0 +1,400 @@\n" + body, FileStatus.ADDED), 300)
    assert c.clipped and c.tokens <= 320
    assert c.text.endswith("changed lines not shown]") and "[clipped:" in c.text


def test_long_new_page_is_sent_as_an_outline() -> None:
    body = []
    for n in range(6):
        body += [
            f"+## Section {n}",
            *(f"+Sentence {i} of section {n} is long enough." for i in range(40)),
        ]
    c = compress(_change("@@ -0,0 +1,246 @@\n" + "\n".join(body), FileStatus.ADDED), 400)
    assert c.clipped
    lines = c.text.split("\n")
    assert [ln for ln in lines if ln.startswith("## ")] == [f"## Section {n}" for n in range(6)]
    assert lines[-1] == "[outline: 18 of 246 lines shown]"


def test_token_estimate_counts_cjk_denser_than_ascii() -> None:
    assert 20 <= estimate_tokens("word " * 20) <= 30
    assert estimate_tokens("这是中文" * 10) >= 40


# -- checks ---------------------------------------------------------------------------------------


def test_artefacts_catch_prompt_leaks_outside_code() -> None:
    assert checks.artefacts("<format>Update</format>") == ["<format>", "</format>"]
    assert checks.artefacts("Locale: en_US") == ["Locale: e"]
    assert checks.artefacts("[zh_CN] 更新", title=True) == ["[zh_CN]"]
    assert checks.artefacts("Use `<format>` in the template") == []
    assert checks.artefacts("A plain sentence.") == []
    assert checks.artefacts("New table row `Llama-Index`: Language: Python.") == []


def test_language_check() -> None:
    assert checks.language_ok(
        "本页更新了示例中的 `api-version` 参数，读者会看到新的取值。", "zh_CN"
    )
    assert not checks.language_ok(
        "The page updates the example parameter so that readers see the new value.", "zh_CN"
    )
    assert checks.language_ok("`a.md`", "ja_JP")  # too short to judge


def test_faithfulness_check_survives_long_words() -> None:
    from diffinsight.grounding import Evidence

    text = (
        "Use `SearchIndexClient` with SearchIndexClientBuilderOptionsForEveryTenant and 42 shards."
    )
    result: list[list[str]] = []
    worker = threading.Thread(
        target=lambda: result.append(checks.unsupported(text, Evidence(["x"])))
    )
    worker.start()
    worker.join(timeout=10)
    assert result == [["SearchIndexClient", "42"]]


# -- cache ------------------------------------------------------------------------------------------


def test_cache_key_depends_on_model_prompt_and_parameters(tmp_path: Path) -> None:
    req = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])
    same = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])
    assert request_key(req) == request_key(same)
    assert request_key(req) != request_key(ChatRequest(model="n", messages=req.messages))
    assert request_key(req) != request_key(
        ChatRequest(model="m", messages=req.messages, temperature=0.9)
    )
    cache = CallCache(tmp_path / "c.db")
    assert cache.get(request_key(req)) is None
    cache.put(request_key(req), ChatResult(content="x", usage=Usage(3, 4), model="m"))
    hit = cache.get(request_key(req))
    assert hit is not None and hit.cached and hit.content == "x" and hit.usage == Usage(3, 4)


def test_unusable_cache_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=r"llm\.cache"):
        CallCache(blocker / "sub" / "llm.db")


# -- the writer on the fake provider -----------------------------------------------------------------


def _request(n_files: int, langs: list[str]) -> ReportRequest:
    patches = "".join(
        f"diff --git a/d/p{i}.md b/d/p{i}.md\n--- a/d/p{i}.md\n+++ b/d/p{i}.md\n"
        f"@@ -1,2 +1,2 @@\n # Page {i}\n-Set `retries` to 3.\n+Set `retries` to 5.\n"
        for i in range(n_files)
    )
    cs = ChangeSet(files=parse_patch(patches))
    return ReportRequest(
        changeset=cs,
        category="c",
        date=date(2025, 1, 1),
        languages=langs,
        files=[analyze(f) for f in cs.files],
    )


def _answer(req: ChatRequest) -> ChatResult:
    user = req.messages[1]["content"]
    system = req.messages[0]["content"]
    text = {
        "summary": "Retries changed across pages.",
        "highlights": "One value changed on every page.",
        "new_features": [],
        "breaking_changes": [],
        "other_updates": ["`retries` set to `5`."],
        "insights": [],
    }
    if system.startswith("You write the report-level"):
        return ChatResult(content=json.dumps({"texts": {"en_US": text}}), usage=Usage(10, 5))
    ids = [line.split("=", 1)[1] for line in user.split("\n") if line.startswith("### file id=")]
    body: dict[str, object] = {
        "files": [
            {
                "id": i,
                "texts": {
                    "en_US": {
                        "title": "Retries raised",
                        "explanation": "The page sets `retries` to `5` (was `3`).",
                    }
                },
            }
            for i in ids
        ]
    }
    if 'under "report"' in system:
        body["report"] = {"en_US": text}
    return ChatResult(content=json.dumps(body), usage=Usage(10, 5))


def test_small_files_are_batched_and_usage_is_counted() -> None:
    fake = FakeProvider([_answer] * 10)
    settings = LLMSettings(max_output_tokens=4096, prices={"m": {"input": 1.0, "output": 2.0}})
    reports = LLMWriter(fake, settings, model="m").write(_request(12, ["en_US"]))
    # 12 files: 8 + 4 per call, then the report call.
    per_call = [r.messages[1]["content"].count("### file id=") for r in fake.requests]
    assert sorted(per_call[:2]) == [4, 8] and per_call[2] == 0
    (report,) = reports
    assert [f.engine for f in report.files] == ["llm"] * 12
    assert report.files[0].explanation == "The page sets `retries` to `5` (was `3`)."
    assert report.files[0].unsupported_tokens == []
    assert report.usage is not None
    assert (report.usage.calls, report.usage.input_tokens, report.usage.output_tokens) == (
        3,
        30,
        15,
    )
    assert report.usage.estimated_cost_usd == pytest.approx((30 * 1.0 + 15 * 2.0) / 1e6)
    assert report.highlights.other_updates == ["`retries` set to `5`."]


def test_more_languages_make_smaller_batches() -> None:
    settings = LLMSettings(max_output_tokens=1024)
    w = LLMWriter(FakeProvider(), settings, model="m")
    req = _request(6, ["en_US"])
    units, _ = w.planner.plan(req, [[] for _ in req.files])
    assert [len(b) for b in w.planner.batches(units, 1)] == [2, 2, 2]
    assert [len(b) for b in w.planner.batches(units, 2)] == [1] * 6


def test_transient_errors_exhausting_retries_fall_back() -> None:
    fake = FakeProvider([TransientProviderError("HTTP 503", retry_after=1.5)] * 3 + [_answer])
    slept: list[float] = []
    w = LLMWriter(fake, LLMSettings(retries=2), model="m", sleep=slept.append)
    (report,) = w.write(_request(1, ["en_US"]))
    assert slept == [1.5, 1.5]
    assert report.files[0].engine == "offline"
    assert report.files[0].notes[-1].startswith("llm-error: HTTP 503")
    assert report.highlights.other_updates == ["`retries` set to `5`."]


def test_prompts_name_languages_and_schema_is_strict() -> None:
    assert prompts.languages_line(["zh_CN"]) == "Write in: zh_CN = Chinese (Simplified, China)"
    schema = prompts.report_schema(["en_US", "ja_JP"])
    texts = schema["properties"]["texts"]
    assert texts["required"] == ["en_US", "ja_JP"] and texts["additionalProperties"] is False


# -- the sentence guard ---------------------------------------------------------------------------


def test_sentences_are_never_cut_inside_code_urls_or_abbreviations() -> None:
    from diffinsight.writers.llm.guard import sentences

    text = (
        "Set `a. b` to 5. See https://x.test/a.md. It helps, e.g. for retries! "
        "更新了示例。新增一行。\nA new line"
    )
    assert sentences(text) == [
        "Set `a. b` to 5.",
        "See https://x.test/a.md.",
        "It helps, e.g. for retries!",
        "更新了示例。",
        "新增一行。",
        "A new line",
    ]


def test_guard_cuts_artefacts_and_drops_unsupported_or_foreign_sentences() -> None:
    from diffinsight.grounding import Evidence
    from diffinsight.writers.llm.guard import guard

    ev = Evidence("retries 3 5")
    g = guard("Update the retry docs. Locale: en_US", "en_US", ev, title=True)
    assert (g.text, g.removed) == ("Update the retry docs.", ["Locale: en_US"])
    g = guard(
        "The page sets `retries` to `5` (was `3`). It is used in 42 regions."
        " Die Seite wurde heute von den Autoren gründlich überarbeitet.",
        "en_US",
        ev,
    )
    assert g.text == "The page sets `retries` to `5` (was `3`)."
    assert g.unsupported == ["42"]
    assert g.reasons == ["unsupported value 42", "wrong language"]
    g = guard("修改了`retries`的值（由`3`改为`5`）。支持42个区域。", "zh_CN", ev)
    assert g.text == "修改了`retries`的值（由`3`改为`5`）。" and g.removed == ["支持42个区域。"]
