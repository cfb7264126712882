"""Renderers: each turns a :class:`~diffinsight.models.Report` into the text of one file.

:data:`FORMATS` is the one list of output formats: the command line's ``--format`` and the
watch list's ``format:`` are read from it. A new format is its renderer module plus one entry.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from diffinsight.errors import InputError

if TYPE_CHECKING:
    from diffinsight.models import Report
    from diffinsight.render.json import JsonRenderer
    from diffinsight.render.reference.write import MarkdownRenderer

__all__ = ["FORMATS", "JsonRenderer", "MarkdownRenderer", "Renderer", "get_renderer"]


class Renderer(Protocol):
    """One output format."""

    name: str
    suffix: str

    def render(self, report: Report) -> str:
        """The file text for ``report``."""
        ...


#: Format name -> ``module:class`` of its renderer, imported when first used (so that the
#: command line, which lists the names, starts without pydantic).
FORMATS: dict[str, str] = {
    "markdown": "diffinsight.render.reference.write:MarkdownRenderer",
    "json": "diffinsight.render.json:JsonRenderer",
}


def _renderer_class(name: str) -> type[Renderer]:
    module, _, attr = FORMATS[name].partition(":")
    cls: type[Renderer] = getattr(import_module(module), attr)
    return cls


def get_renderer(name: str) -> Renderer:
    """The renderer called ``name``; :class:`InputError` listing the choices otherwise."""
    if name not in FORMATS:
        raise InputError(f"--format {name}: unknown format; choose from {', '.join(FORMATS)}")
    return _renderer_class(name)()


def __getattr__(name: str) -> Any:
    for fmt in FORMATS:
        if FORMATS[fmt].endswith(f":{name}"):
            return _renderer_class(fmt)
    raise AttributeError(f"module 'diffinsight.render' has no attribute {name!r}")
