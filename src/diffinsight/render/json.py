"""The report as data, for bots and tests."""

from __future__ import annotations

import json

from diffinsight.models import Report

__all__ = ["JsonRenderer"]


class JsonRenderer:
    """Renders a :class:`Report` as one JSON document (stable field names)."""

    name = "json"
    suffix = ".json"

    def render(self, report: Report) -> str:
        """The report as pretty-printed JSON text."""
        data = report.model_dump(mode="json")
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
