"""diffinsight: grounded, multilingual Diff Insight Reports from git history.

The public API: sources, the build and run functions, renderers, the data model and errors.
Everything else lives in submodules and may change.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from diffinsight.errors import (
    ConfigError,
    DiffInsightError,
    InputError,
    OutputError,
    SourceError,
)

if TYPE_CHECKING:
    from diffinsight.models import (
        ChangeSet,
        Commit,
        Fact,
        FileChange,
        FileReport,
        FileStatus,
        Highlights,
        ModificationType,
        Report,
        item_anchor,
    )
    from diffinsight.pipeline import RunResult, build_reports, run
    from diffinsight.render import JsonRenderer, MarkdownRenderer, Renderer, get_renderer
    from diffinsight.sources import DateWindow, GitSource, PatchSource, Source, open_source
    from diffinsight.sources.github import GitHubSource

__version__ = "0.1.0"

#: Public name -> the module that defines it. Loaded on first use (module ``__getattr__``):
#: pydantic, git and the renderers stay out of the command line's start-up.
_LAZY = {
    **dict.fromkeys(
        (
            "ChangeSet",
            "Commit",
            "Fact",
            "FileChange",
            "FileReport",
            "FileStatus",
            "Highlights",
            "ModificationType",
            "Report",
            "item_anchor",
        ),
        "diffinsight.models",
    ),
    **dict.fromkeys(("RunResult", "build_reports", "run"), "diffinsight.pipeline"),
    **dict.fromkeys(
        ("JsonRenderer", "MarkdownRenderer", "Renderer", "get_renderer"), "diffinsight.render"
    ),
    **dict.fromkeys(
        ("DateWindow", "GitSource", "PatchSource", "Source", "open_source"), "diffinsight.sources"
    ),
    "GitHubSource": "diffinsight.sources.github",
}


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'diffinsight' has no attribute {name!r}")
    value = getattr(import_module(where), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ChangeSet",
    "Commit",
    "ConfigError",
    "DateWindow",
    "DiffInsightError",
    "Fact",
    "FileChange",
    "FileReport",
    "FileStatus",
    "GitHubSource",
    "GitSource",
    "Highlights",
    "InputError",
    "JsonRenderer",
    "MarkdownRenderer",
    "ModificationType",
    "OutputError",
    "PatchSource",
    "Renderer",
    "Report",
    "RunResult",
    "Source",
    "SourceError",
    "__version__",
    "build_reports",
    "get_renderer",
    "item_anchor",
    "open_source",
    "run",
]
