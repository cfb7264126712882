"""The one way reports become files: plan (render, place, check) then write (all or nothing).

``report`` (:func:`diffinsight.pipeline.run`) and the daily job both call :func:`plan_files`
and :func:`write_plan`; only what they do around it differs (the daily job records state).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from diffinsight.errors import InputError
from diffinsight.publish.files import Checkpoint, output_path, write_all

if TYPE_CHECKING:
    from diffinsight.models import Report
    from diffinsight.render import Renderer

__all__ = ["PlannedFile", "PublishPlan", "WriteResult", "plan_files", "write_plan"]


@dataclass(frozen=True)
class PlannedFile:
    """One file to write: where, what, and the report it holds (None for an index)."""

    path: Path
    text: str
    report: Report | None = None


@dataclass
class PublishPlan:
    """The files of one publishing step, in order, each path once."""

    files: list[PlannedFile] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    @property
    def texts(self) -> list[str]:
        return [f.text for f in self.files]


@dataclass
class WriteResult:
    """What :func:`write_plan` did: the files it wrote and those already as planned."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def plan_files(
    reports: Sequence[Report], renderer: Renderer, template: str, *, where: str
) -> PublishPlan:
    """Render each report and place it by ``template``; :class:`InputError` when two collide.

    ``where`` names the setting the template came from in that error (``--output TEMPLATE``).
    """
    plan = PublishPlan()
    seen: set[Path] = set()
    for rep in reports:
        text = renderer.render(rep)
        path = output_path(template, rep.date, rep.language, rep.category, suffix=renderer.suffix)
        if path in seen:
            raise InputError(f"{where}: two reports map to {path}; add {{lang}} and {{category}}")
        seen.add(path)
        plan.files.append(PlannedFile(path, text, rep))
    return plan


def _same(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def write_plan(
    plan: PublishPlan, *, only_changed: bool = False, checkpoint: Checkpoint | None = None
) -> WriteResult:
    """Write every planned file atomically (all or none); ``only_changed`` skips identical ones.

    ``checkpoint`` is told each point of the write (see :func:`~.files.write_all`).

    Skipping keeps a file's mtime (and what a site build or ``git status`` sees) when a rerun
    produces the same bytes.
    """
    result = WriteResult()
    todo: list[tuple[Path, str]] = []
    for f in plan.files:
        if only_changed and _same(f.path, f.text):
            result.unchanged.append(f.path)
        else:
            todo.append((f.path, f.text))
    write_all(todo, checkpoint=checkpoint)
    result.written = [p for p, _ in todo]
    return result
