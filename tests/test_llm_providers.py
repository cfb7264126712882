"""Providers: the registry (one module per provider) and a compatible server's only model."""

from __future__ import annotations

import ast
import json
import logging
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

import diffinsight.providers
from diffinsight.cli import app
from diffinsight.config import parse_config
from diffinsight.errors import ConfigError
from diffinsight.example import EXAMPLE_RANGE, build_example_repo
from diffinsight.providers import registry
from diffinsight.providers.base import ProviderSettings
from diffinsight.providers.fake import FakeProvider
from diffinsight.writers.llm.engine import select_writer
from diffinsight.writers.llm.settings import parse_llm_settings
from diffinsight.writers.llm.writer import LLMWriter
from llm_server import ChatServer

PROVIDERS = Path(diffinsight.providers.__file__).parent

# -- the registry -------------------------------------------------------------------------------


def test_providers_import_nothing_of_the_writers() -> None:
    modules = sorted(PROVIDERS.glob("*.py"))
    assert len(modules) > 3, f"no provider modules under {PROVIDERS}"
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(("diffinsight.writers", "diffinsight.llm")), (
                    f"{path.name} imports {name}"
                )


def test_each_module_registers_its_provider_and_the_fake_one_stays_hidden() -> None:
    assert registry.names() == ["azure", "compatible", "openai"]
    assert registry.names(hidden=True) == ["azure", "compatible", "fake", "openai"]
    # The fake provider comes in by the same discovery as the others, and works when named.
    resolved = registry.resolve(ProviderSettings(provider="fake", model="m"), {})
    assert resolved is not None and resolved.kind == "fake"
    assert isinstance(registry.create(resolved, ProviderSettings()), FakeProvider)


def test_unknown_provider_names_the_choices() -> None:
    with pytest.raises(ConfigError) as err:
        parse_llm_settings({"provider": "bogus"}, "cfg.yml")
    assert str(err.value) == (
        "cfg.yml: llm.provider: unknown provider 'bogus'; choose from azure, compatible, openai"
    )


_ECHO = '''
"""A provider added as one module: it answers every call from tests/llm_server's canned texts."""

import json

from diffinsight.providers.base import ChatResult, Resolved
from diffinsight.providers.registry import ProviderSpec, register
from llm_server import Seen, file_answer, report_answer


class EchoProvider:
    name = "echo"
    supports_schema = True

    def __init__(self, url):
        self.url = url

    def complete(self, request):
        seen = Seen(path="", query={}, headers={}, body={"messages": request.messages})
        answer = report_answer(seen) if seen.is_report else file_answer(seen)
        return ChatResult(content=json.dumps(answer), model=request.model)


def _resolve(settings, env):
    return Resolved(kind="echo", model=settings.model or "echo-1", file_model="echo-1",
                    base_url=env.get("ECHO_URL"))


register(ProviderSpec(
    "echo",
    resolve=_resolve,
    create=lambda resolved, settings, http_client: EchoProvider(resolved.base_url),
    detect=lambda settings, env: 5 if env.get("ECHO_URL") else None,
))
'''


@pytest.fixture
def echo_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    folder = tmp_path / "more_providers"
    folder.mkdir()
    (folder / "echo.py").write_text(_ECHO, encoding="utf-8")
    monkeypatch.setattr(
        diffinsight.providers, "__path__", [*diffinsight.providers.__path__, str(folder)]
    )
    yield
    registry._specs.pop("echo", None)
    registry._imported.discard("echo")
    sys.modules.pop("diffinsight.providers.echo", None)


def test_a_new_provider_module_registers_itself_and_writes_a_report(
    echo_module: None, tmp_path: Path
) -> None:
    assert "echo" in registry.names()
    assert parse_llm_settings({"provider": "echo"}).provider == "echo"
    # Picked from its own environment variable, like the built-in ones.
    resolved = registry.resolve(ProviderSettings(), {"ECHO_URL": "echo://here"})
    assert resolved is not None and (resolved.kind, resolved.model) == ("echo", "echo-1")
    cfg = parse_config("llm:\n  provider: echo\n  cache: 'off'\n")
    writer = select_writer(cfg, "llm", env={})
    assert isinstance(writer, LLMWriter) and writer.provider.name == "echo"
    repo = tmp_path / "docs"
    build_example_repo(repo)
    from diffinsight.pipeline import build_reports
    from diffinsight.sources import open_source

    changeset = open_source(str(repo), EXAMPLE_RANGE).changeset()
    reports = build_reports(changeset, writer=writer, config=cfg, day=date(2025, 5, 22))
    files = [f for r in reports for f in r.files]
    assert files and any(f.engine == "llm" for f in files)


# -- a compatible server's only model -----------------------------------------------------------


def _env(srv: ChatServer) -> dict[str, str]:
    return {"OPENAI_BASE_URL": srv.url + "/v1"}


def test_the_only_model_a_server_lists_is_used_and_said(caplog: pytest.LogCaptureFixture) -> None:
    with ChatServer(models=["llama3.2:3b"]) as srv:
        with caplog.at_level(logging.INFO, logger="diffinsight"):
            resolved = registry.resolve(ProviderSettings(), _env(srv))
        assert srv.gets == ["/v1/models"]
    assert resolved is not None
    assert (resolved.kind, resolved.model, resolved.file_model) == (
        "compatible",
        "llama3.2:3b",
        "llama3.2:3b",
    )
    said = [r.getMessage() for r in caplog.records if "llama3.2:3b" in r.getMessage()]
    assert said == [f"no model named; {srv.url}/v1 serves one model, llama3.2:3b: using it"]


def test_a_named_model_asks_the_server_nothing() -> None:
    with ChatServer(models=["a", "b"]) as srv:
        resolved = registry.resolve(ProviderSettings(model="b"), _env(srv))
        assert srv.gets == []
    assert resolved is not None and resolved.model == "b"


def test_several_models_name_the_choices() -> None:
    with ChatServer(models=["qwen2.5:7b", "llama3.2:3b"]) as srv, pytest.raises(ConfigError) as err:
        registry.resolve(ProviderSettings(), _env(srv))
    assert str(err.value) == (
        f"llm.model: the server at {srv.url}/v1 serves 2 models (llama3.2:3b, qwen2.5:7b);"
        " set llm.model or export DIFFINSIGHT_MODEL to one of them"
    )


@pytest.mark.parametrize(
    ("models", "why"), [([], "lists no model"), (None, "/v1/models: HTTP 404")]
)
def test_no_model_or_no_listing_is_the_clear_error(models: list[str] | None, why: str) -> None:
    with ChatServer(models=models) as srv, pytest.raises(ConfigError) as err:
        registry.resolve(ProviderSettings(), _env(srv))
    message = str(err.value)
    assert message.startswith("llm.model: an OpenAI-compatible server needs a model name;")
    assert "DIFFINSIGHT_MODEL" in message and why in message


def test_report_uses_the_only_model_and_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "DIFFINSIGHT_MODEL", "DIFFINSIGHT_FILE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    repo = tmp_path / "docs"
    build_example_repo(repo)
    out = tmp_path / "out"
    with ChatServer(models=["only-one"]) as srv:
        result = CliRunner().invoke(
            app,
            [
                *("report", str(repo), EXAMPLE_RANGE, "--engine", "llm", "--format", "json"),
                *("--output", str(out / "{category}.json")),
            ],
            env={**_env(srv), "XDG_CACHE_HOME": str(tmp_path / "cache")},
        )
        models = {s.body["model"] for s in srv.requests}
    assert result.exit_code == 0, result.output
    assert models == {"only-one"}
    assert result.output.count("serves one model, only-one: using it") == 1
    data = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]
    assert data and any(f["engine"] == "llm" for d in data for f in d["files"])
