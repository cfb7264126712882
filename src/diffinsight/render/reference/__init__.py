"""The reference Markdown format in one place: ``write`` renders a report, ``read`` parses one back.

Both halves change together (a new section is written and read in the same commit), so they sit
side by side; the site hashes this package's reader to know when to re-render its pages.
"""

from __future__ import annotations

from diffinsight.render.reference.read import ParsedReport, parse_report, parse_report_file
from diffinsight.render.reference.write import MarkdownRenderer

__all__ = ["MarkdownRenderer", "ParsedReport", "parse_report", "parse_report_file"]
