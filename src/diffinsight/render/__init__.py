"""Renderers: each turns a :class:`~diffinsight.models.Report` into the text of one file."""

from __future__ import annotations

from typing import Protocol

from diffinsight.errors import InputError
from diffinsight.models import Report
from diffinsight.render.json import JsonRenderer
from diffinsight.render.reference.write import MarkdownRenderer

__all__ = ["JsonRenderer", "MarkdownRenderer", "Renderer", "get_renderer"]


class Renderer(Protocol):
    """One output format."""

    name: str
    suffix: str

    def render(self, report: Report) -> str:
        """The file text for ``report``."""
        ...


_RENDERERS: dict[str, type[Renderer]] = {"markdown": MarkdownRenderer, "json": JsonRenderer}


def get_renderer(name: str) -> Renderer:
    """The renderer called ``name``; :class:`InputError` listing the choices otherwise."""
    try:
        return _RENDERERS[name]()
    except KeyError:
        raise InputError(
            f"--format {name}: unknown format; choose from {', '.join(_RENDERERS)}"
        ) from None
