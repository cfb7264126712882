"""``diffinsight report`` picks its engine from the environment, end to end on a real git repo."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diffinsight.cli import app
from diffinsight.example import EXAMPLE_RANGE, build_example_repo
from llm_server import ChatServer, Reply

_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "DIFFINSIGHT_MODEL",
    "DIFFINSIGHT_FILE_MODEL",
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("llm-cli") / "docs"
    build_example_repo(where)
    return where


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _report(repo: Path, out: Path, env: dict[str, str], *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [
            "report",
            str(repo),
            EXAMPLE_RANGE,
            "--lang",
            "zh_CN",
            "--lang",
            "en_US",
            "--format",
            "json",
            "--output",
            str(out / "{lang}/{category}.json"),
            *extra,
        ],
        env=env,
    )
    return result.exit_code, result.output  # stdout and stderr, interleaved


def _engines(out: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for p in sorted(out.rglob("*.json")):
        data = json.loads(p.read_text(encoding="utf-8"))
        found.setdefault(data["language"], set()).update(f["engine"] for f in data["files"])
    return found


def test_base_url_and_key_write_both_languages(repo: Path, tmp_path: Path) -> None:
    with ChatServer() as srv:
        env = {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": srv.url + "/v1",
            "DIFFINSIGHT_MODEL": "local-model",
        }
        code, output = _report(repo, tmp_path / "out", env, "--concurrency", "2")
        assert code == 0, output
        assert srv.requests and all(s.body["model"] == "local-model" for s in srv.requests)
    engines = _engines(tmp_path / "out")
    assert set(engines) == {"zh_CN", "en_US"}
    assert all("llm" in e for e in engines.values())
    (first,) = sorted((tmp_path / "out/zh_CN").glob("*.json"))
    data = json.loads(first.read_text(encoding="utf-8"))
    assert data["usage"]["calls"] >= 2 and data["usage"]["languages"] == ["zh_CN", "en_US"]
    assert (tmp_path / "cache" / "diffinsight" / "llm.db").is_file()


def test_azure_settings_write_both_languages(repo: Path, tmp_path: Path) -> None:
    with ChatServer() as srv:
        env = {
            "AZURE_OPENAI_ENDPOINT": srv.url,
            "AZURE_OPENAI_API_KEY": "az",
            "OPENAI_API_VERSION": "2024-10-21",
            "DIFFINSIGHT_MODEL": "dep",
        }
        code, output = _report(repo, tmp_path / "out", env)
        assert code == 0, output
        assert {s.deployment for s in srv.requests} == {"dep"}
    assert all("llm" in e for e in _engines(tmp_path / "out").values())


def test_without_provider_the_offline_engine_runs_and_says_so_once(
    repo: Path, tmp_path: Path
) -> None:
    code, output = _report(repo, tmp_path / "out", {})
    assert code == 0, output
    assert output.count("offline engine") == 1
    assert {e for v in _engines(tmp_path / "out").values() for e in v} == {"offline"}


def test_engine_llm_without_provider_is_a_one_line_error(repo: Path, tmp_path: Path) -> None:
    code, output = _report(repo, tmp_path / "out", {}, "--engine", "llm")
    assert code == 2
    assert "no model provider configured" in output
    assert not (tmp_path / "out").exists()


def test_max_cost_without_a_price_is_refused_before_any_call(repo: Path, tmp_path: Path) -> None:
    with ChatServer() as srv:
        env = {"OPENAI_BASE_URL": srv.url + "/v1", "DIFFINSIGHT_MODEL": "local-model"}
        code, output = _report(repo, tmp_path / "out", env, "--max-cost", "0.5")
        assert srv.requests == []
    assert code == 2 and "no price known for model 'local-model'" in output
    assert not (tmp_path / "out").exists()
    assert os.environ.get("OPENAI_API_KEY") is None


def _down(seen: object) -> Reply:
    return Reply(500, {"error": {"message": "model host down"}})


def test_forced_llm_that_reaches_no_model_fails_after_writing_offline_reports(
    repo: Path, tmp_path: Path
) -> None:
    with ChatServer(_down) as srv:
        env = {
            "OPENAI_BASE_URL": srv.url + "/v1",
            "DIFFINSIGHT_MODEL": "local-model",
        }
        cfg = tmp_path / "cfg.yml"
        cfg.write_text("llm:\n  retries: 0\n", encoding="utf-8")
        code, output = _report(repo, tmp_path / "out", env, "--engine", "llm", "--config", str(cfg))
    assert code == 1, output
    (line,) = [ln for ln in output.splitlines() if ln.startswith("error:")]
    assert "compatible provider answered no call" in line and "HTTP 500" in line
    assert "--engine offline" in line
    engines = _engines(tmp_path / "out")
    assert engines == {"zh_CN": {"offline"}, "en_US": {"offline"}}
    data = json.loads(sorted((tmp_path / "out/en_US").glob("*.json"))[0].read_text())
    assert data["engine"] == "offline" and data["usage"]["last_error"].startswith("HTTP 500")
    assert any(n.startswith("llm-unreached: compatible: HTTP 500") for n in data["notes"])


def test_auto_engine_that_reaches_no_model_warns_and_succeeds(repo: Path, tmp_path: Path) -> None:
    with ChatServer(_down) as srv:
        cfg = tmp_path / "cfg.yml"
        cfg.write_text("llm:\n  retries: 0\n", encoding="utf-8")
        env = {"OPENAI_BASE_URL": srv.url + "/v1", "DIFFINSIGHT_MODEL": "m"}
        code, output = _report(repo, tmp_path / "out", env, "--config", str(cfg))
    assert code == 0, output
    assert "warning: the compatible provider answered no call" in output
    assert _engines(tmp_path / "out") == {"zh_CN": {"offline"}, "en_US": {"offline"}}


def test_report_config_llm_errors_name_file_and_line(repo: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yml"
    cfg.write_text("languages: [en_US]\nllm:\n  provider: bogus\n", encoding="utf-8")
    code, output = _report(repo, tmp_path / "out", {}, "--config", str(cfg))
    assert code != 0
    assert f"{cfg}: line 3: llm.provider" in output
    assert not (tmp_path / "out").exists()
