"""diffinsight: grounded, multilingual Diff Insight Reports from git history."""

from __future__ import annotations

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

__version__ = "0.1.0"

_MODELS = (
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
)


def __getattr__(name: str) -> Any:
    # The data model (pydantic) loads on first use, so the command line starts fast.
    if name in _MODELS:
        from diffinsight import models

        return getattr(models, name)
    raise AttributeError(f"module 'diffinsight' has no attribute {name!r}")


__all__ = [
    "ChangeSet",
    "Commit",
    "ConfigError",
    "DiffInsightError",
    "Fact",
    "FileChange",
    "FileReport",
    "FileStatus",
    "Highlights",
    "InputError",
    "ModificationType",
    "OutputError",
    "Report",
    "SourceError",
    "__version__",
    "item_anchor",
]
