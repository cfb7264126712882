"""Per-repository ``llm:`` in a watch list: validated with file and line, one writer per repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from diffinsight.daily import run_watchlist
from diffinsight.watchlist import load_watchlist
from diffinsight.writers.llm.engine import writers_for
from diffinsight.writers.llm.writer import LLMWriter
from diffinsight.writers.offline import OfflineWriter
from gitutil import commit_files, init_repo
from llm_server import ChatServer, Reply

SRC = Path(__file__).resolve().parents[1] / "src"


def _docs(where: Path) -> None:
    init_repo(where)
    commit_files(where, {"articles/a.md": "# A\n\nOne.\n"}, "one", "2025-05-01T01:00:00+00:00")
    commit_files(
        where,
        {"articles/a.md": "# A\n\nSet `retries` to 5 in the client.\n"},
        "two",
        "2025-05-02T01:00:00+00:00",
    )


def test_bogus_provider_of_one_repository_is_a_config_error_with_its_line(
    tmp_path: Path,
) -> None:
    _docs(tmp_path / "docs")
    watch = tmp_path / "watch.yml"
    watch.write_text(
        "output_dir: site\nrepositories:\n  - path: docs\n    branch: main\n"
        "    llm:\n      provider: bogus\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    done = subprocess.run(
        [sys.executable, "-m", "diffinsight", "run", "--config", str(watch)],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(SRC)},
        check=False,
    )
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert f"{watch}: line 6: repositories.0.llm.provider" in line
    assert not (tmp_path / "site").exists()


def test_each_repository_gets_its_own_writer(tmp_path: Path) -> None:
    _docs(tmp_path / "one")
    _docs(tmp_path / "two")
    with ChatServer() as srv:
        watch = tmp_path / "watch.yml"
        watch.write_text(
            "output_dir: site\nformat: json\nlanguages: [en_US]\nrepositories:\n"
            "  - path: one\n    branch: main\n"
            f"    llm: {{base_url: '{srv.url}/v1', model: m, cache: 'off'}}\n"
            "  - path: two\n    branch: main\n",
            encoding="utf-8",
        )
        cfg = load_watchlist(watch)
        writers = writers_for(cfg, "auto", env={})
        assert isinstance(writers["one"], LLMWriter) and isinstance(writers["two"], OfflineWriter)
        summary = run_watchlist(cfg, writers=writers)
        assert srv.requests and all(s.body["model"] == "m" for s in srv.requests)
    engines: dict[str, set[str]] = {}
    for r in summary.repos:
        assert r.error is None and r.written
        for p in r.written:
            data = json.loads(Path(p).read_text(encoding="utf-8"))
            engines.setdefault(r.name, set()).update(f["engine"] for f in data["files"])
    assert engines == {"one": {"llm"}, "two": {"offline"}}


def test_two_repositories_with_their_own_models_ask_with_them(tmp_path: Path) -> None:
    for name in ("one", "two"):
        init_repo(tmp_path / name)
        page = f"articles/{name}.md"
        commit_files(tmp_path / name, {page: "# P\n\nOne.\n"}, "a", "2025-05-01T01:00:00+00:00")
        commit_files(
            tmp_path / name, {page: "# P\n\nSet `n` to 5.\n"}, "b", "2025-05-02T01:00:00+00:00"
        )
    with ChatServer() as srv:
        watch = tmp_path / "watch.yml"
        watch.write_text(
            "output_dir: site\nformat: json\nlanguages: [en_US]\nrepositories:\n"
            + "".join(
                f"  - path: {name}\n    branch: main\n"
                f"    llm: {{base_url: '{srv.url}/v1', model: m-{name}, cache: 'off'}}\n"
                for name in ("one", "two")
            ),
            encoding="utf-8",
        )
        cfg = load_watchlist(watch)
        writers = writers_for(cfg, "llm", env={})
        assert writers["one"] is not writers["two"]
        summary = run_watchlist(cfg, writers=writers)
        asked = {(s.body["model"], "one.md" in s.user, "two.md" in s.user) for s in srv.requests}
    assert asked == {("m-one", True, False), ("m-two", False, True)}
    assert all(r.error is None and r.written for r in summary.repos)


def _run_down(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    _docs(tmp_path / "docs")
    with ChatServer(lambda seen: Reply(500, {"error": {"message": "model host down"}})) as srv:
        watch = tmp_path / "watch.yml"
        watch.write_text(
            "output_dir: site\nformat: json\nlanguages: [en_US]\nrepositories:\n"
            "  - path: docs\n    branch: main\n"
            f"    llm: {{base_url: '{srv.url}/v1', model: m, retries: 0, cache: 'off'}}\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
        return subprocess.run(
            [sys.executable, "-m", "diffinsight", "run", "--config", str(watch), *extra],
            capture_output=True,
            text=True,
            env={**env, "PYTHONPATH": str(SRC), "NO_COLOR": "1", "COLUMNS": "400"},
            check=False,
        )


def _written_engines(done: subprocess.CompletedProcess[str]) -> set[str]:
    paths = [ln.split("\t")[0] for ln in done.stdout.splitlines() if ln.endswith("written")]
    assert paths
    return {
        f["engine"] for p in paths for f in json.loads(Path(p).read_text(encoding="utf-8"))["files"]
    }


def test_forced_run_that_reaches_no_model_fails_after_writing_offline(tmp_path: Path) -> None:
    done = _run_down(tmp_path, "--engine", "llm", "--backfill", "2025-05-01")
    assert done.returncode == 3, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("error: ")]
    assert "no model answered for docs" in line
    assert "the compatible provider answered no call (last error: HTTP 500" in line
    assert "model host down" in line and "--engine offline" in line
    assert _written_engines(done) == {"offline"}


def test_auto_run_that_reaches_no_model_warns_and_succeeds(tmp_path: Path) -> None:
    done = _run_down(tmp_path, "--backfill", "2025-05-01")
    assert done.returncode == 0, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if "warning: " in ln]
    assert "warning: no model answered for docs: the compatible provider answered no call" in line
    assert "(last error: HTTP 500" in line
    assert _written_engines(done) == {"offline"}


def test_model_calls_log_no_http_lines_unless_verbose(tmp_path: Path) -> None:
    _docs(tmp_path / "docs")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "AZURE"))}
    with ChatServer() as srv:
        watch = tmp_path / "watch.yml"
        watch.write_text(
            "output_dir: site\nformat: json\nlanguages: [en_US]\nrepositories:\n"
            "  - path: docs\n    branch: main\n"
            f"    llm: {{base_url: '{srv.url}/v1', model: m, cache: 'off'}}\n",
            encoding="utf-8",
        )
        cmd = [sys.executable, "-m", "diffinsight", "run", "--config", str(watch)]
        runs = [
            subprocess.run(
                [*cmd, "--backfill", "2025-05-01", "--out", str(tmp_path / out), *extra],
                capture_output=True,
                text=True,
                env={**env, "PYTHONPATH": str(SRC), "NO_COLOR": "1", "COLUMNS": "400"},
                check=False,
            )
            for out, extra in (("quiet", []), ("verbose", ["--verbose"]))
        ]
        assert len(srv.requests) == 2
    plain, verbose = runs
    assert plain.returncode == 0 and verbose.returncode == 0, plain.stderr + verbose.stderr
    assert "llm docs: 1 calls" in plain.stderr
    assert "HTTP Request" not in plain.stderr
    assert "HTTP Request: POST" in verbose.stderr
