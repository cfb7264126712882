"""The static report site: ``build_site`` turns a folder of reports into HTML, feeds, search."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diffinsight.site.build import (
        DEFAULT_BASE_URL,
        SiteBuildResult,
        SkippedReport,
        build_site,
    )

__all__ = ["DEFAULT_BASE_URL", "SiteBuildResult", "SkippedReport", "build_site"]


def __getattr__(name: str) -> Any:
    # The build stack (jinja, feeds, search) loads on first use, so the CLI starts fast.
    if name in __all__:
        from diffinsight.site import build

        return getattr(build, name)
    raise AttributeError(f"module 'diffinsight.site' has no attribute {name!r}")
