"""The static report site: ``build_site`` turns a folder of reports into HTML, feeds, search."""

from diffinsight.site.build import DEFAULT_BASE_URL, SiteBuildResult, SkippedReport, build_site

__all__ = ["DEFAULT_BASE_URL", "SiteBuildResult", "SkippedReport", "build_site"]
