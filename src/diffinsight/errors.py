"""Errors the user can act on: each one names the input and the fix in one line."""

from __future__ import annotations

__all__ = ["ConfigError", "DiffInsightError", "InputError", "OutputError", "SourceError"]


class DiffInsightError(Exception):
    """Base class: a one-line message naming the input and what to do."""

    exit_code = 2


class InputError(DiffInsightError):
    """Bad input from the user (path, revision, config, patch, template)."""


class ConfigError(InputError):
    """The configuration file cannot be used as written."""


class SourceError(DiffInsightError):
    """A source could not produce a change set."""

    exit_code = 3


class OutputError(DiffInsightError):
    """A report, index or site file could not be written where it was asked to go."""

    exit_code = 4
