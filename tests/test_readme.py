"""The README's Python example runs as written, against a real repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import diffinsight
from diffinsight.example import EXAMPLE_RANGE, build_example_repo
from diffinsight.render.reference.read import parse_report
from gitutil import git

ROOT = Path(__file__).resolve().parents[1]


def _python_block() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)
    assert len(blocks) == 1, "the README should hold exactly one Python example"
    return str(blocks[0])


def test_readme_python_example_runs(tmp_path: Path) -> None:
    # The example names "path/to/repo" and the range v1...v2: give it exactly that.
    repo = build_example_repo(tmp_path / "path" / "to" / "repo")
    base, head = EXAMPLE_RANGE.split("...")
    git(repo, "tag", "v1", base)
    git(repo, "tag", "v2", head)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", _python_block()],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = parse_report(proc.stdout, "README example")
    changed = git(repo, "diff", "--name-only", "v1...v2").splitlines()
    assert sorted(f.path for f in report.files) == sorted(changed)
    assert report.front_matter["title"] == "[en_US] Diff Insight Report - repo"


def test_readme_example_imports_only_the_public_api() -> None:
    imported = re.findall(r"^from (\S+) import (.+)$", _python_block(), re.M)
    names = [n.strip() for module, ns in imported if module == "diffinsight" for n in ns.split(",")]
    assert names, "the example should import from the diffinsight package itself"
    assert {m for m, _ in imported} <= {"diffinsight", "datetime"}
    assert set(names) <= set(diffinsight.__all__)
    for name in diffinsight.__all__:
        getattr(diffinsight, name)  # raises AttributeError for a name __all__ promises in vain


def test_public_api_loads_lazily() -> None:
    # Importing the package (as the command line does) must not pull in pydantic or git code.
    code = (
        "import sys, diffinsight; "
        "print(sorted(m for m in ('pydantic', 'diffinsight.models', 'diffinsight.sources', "
        "'diffinsight.pipeline', 'diffinsight.render') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"


def _architecture_names() -> tuple[list[str], list[str]]:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    paths = sorted(set(re.findall(r"`([\w./]+(?:\.py|/))`", text)))
    dotted = re.findall(r"`((?:[a-z_]+\.)+[A-Za-z_]+)(?:\([^`]*\))?`", text)
    files = {"py", "md", "yaml", "sqlite", "db", "json"}
    names = {d for d in dotted if not d.startswith("typing.") and d.rsplit(".", 1)[1] not in files}
    return paths, sorted(names)


def test_architecture_names_only_files_that_exist() -> None:
    paths, _ = _architecture_names()
    src = ROOT / "src" / "diffinsight"
    files = {p.name for p in src.rglob("*.py")} | {p.name + "/" for p in src.rglob("*/")}
    assert len(paths) > 20
    missing = [
        p
        for p in paths
        if not (any((base / p).exists() for base in (src, src.parent, ROOT)) or p in files)
    ]
    assert missing == []


def test_architecture_names_only_interfaces_that_exist() -> None:
    _, dotted = _architecture_names()
    assert len(dotted) > 5
    for name in dotted:
        module, _, attr = name.rpartition(".")
        target = import_module(f"diffinsight.{module}")
        assert hasattr(target, attr), f"docs/ARCHITECTURE.md names {name}, which does not exist"


def test_each_public_name_is_in_its_modules_all() -> None:
    # The module a public name comes from says so too (its __all__), and promises nothing
    # it lacks: what is left out of a module's __all__ is internal.
    modules = set()
    for name in set(diffinsight.__all__) - {"__version__"}:
        module = sys.modules[getattr(diffinsight, name).__module__]
        assert name in getattr(module, "__all__", ()), f"{module.__name__}.__all__ lacks {name}"
        modules.add(module)
    assert len(modules) >= 5
    for module in modules:
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.__all__ names {name}, not defined"
