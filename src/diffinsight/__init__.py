"""diffinsight: grounded, multilingual Diff Insight Reports from git history."""

from diffinsight.errors import ConfigError, DiffInsightError, InputError, SourceError
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
    "Report",
    "SourceError",
    "__version__",
    "item_anchor",
]
