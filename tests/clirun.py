"""Running the command line as a user does: a subprocess, no provider keys, plain output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

#: Provider settings a developer's shell may hold; the CLI tests run without them.
PROVIDER_VARS = (
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "OPENAI_BASE_URL",
)


def cli(
    *args: str, cwd: Path, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``diffinsight ARGS...`` in ``cwd``, its output captured as text."""
    full = dict(os.environ, PYTHONPATH=str(ROOT / "src"), NO_COLOR="1", COLUMNS="200")
    for var in PROVIDER_VARS:
        full.pop(var, None)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "diffinsight", *args],
        cwd=cwd,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )
