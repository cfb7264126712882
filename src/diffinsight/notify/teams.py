"""Microsoft Teams: an Adaptive Card per report, posted to a Workflows or incoming webhook.

Report text goes into ``TextRun`` elements, which Teams shows as plain text (no Markdown),
so a hostile ``[link](...)`` or ``<script>`` in a report is shown, never rendered.
"""

from __future__ import annotations

import json
from typing import Any

from diffinsight.i18n import Catalog
from diffinsight.notify.content import Item, picked_highlights
from diffinsight.notify.slack import title

#: Teams refuses a message over about 28 KB; stay under it with room for the envelope.
MAX_BYTES = 27_000
_SUMMARY_CUT = 2_000


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {
        "type": "RichTextBlock",
        "inlines": [{"type": "TextRun", "text": text, **style}],
        "wrap": True,
    }


def _card(
    item: Item, cat: Catalog, breaking: list[str], others: list[str], more: int, summary: str
) -> dict[str, Any]:
    r = item.report
    body: list[dict[str, Any]] = [_run(title(item, cat), weight="Bolder", size="Large")]
    if summary:
        body.append(_run(summary))
    for heading, items in (
        (cat.t("notify.breaking_changes"), breaking),
        (cat.t("notify.highlights"), others),
    ):
        if items:
            body.append(_run(heading, weight="Bolder"))
            body += [_run("• " + " ".join(i.split())) for i in items]
    foot = [cat.t("notify.files", count=len(r.files))]
    if more:
        foot.append(cat.t("notify.more", count=more))
    body.append(_run(" · ".join(foot), isSubtle=True, size="Small"))
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    if item.link:
        content["actions"] = [
            {"type": "Action.OpenUrl", "title": cat.t("notify.open_report"), "url": item.link}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": content,
            }
        ],
    }


def card(item: Item, cat: Catalog) -> dict[str, Any]:
    """The webhook payload, cut (highlights first, then the summary) to fit :data:`MAX_BYTES`."""
    breaking, others, more = picked_highlights(item.report.highlights)
    summary = " ".join(item.report.summary.split())
    if len(summary) > _SUMMARY_CUT:
        summary = summary[: _SUMMARY_CUT - 1] + "…"
    breaking = [b if len(b) <= _SUMMARY_CUT else b[: _SUMMARY_CUT - 1] + "…" for b in breaking]
    others = [o if len(o) <= _SUMMARY_CUT else o[: _SUMMARY_CUT - 1] + "…" for o in others]
    while True:
        payload = _card(item, cat, breaking, others, more, summary)
        if len(payload_bytes(payload)) <= MAX_BYTES or not (others or breaking):
            return payload
        # Drop from the end: other highlights before breaking changes.
        if others:
            others = others[:-1]
        else:
            breaking = breaking[:-1]
        more += 1


def webhook_accepts(body: str) -> str | None:
    """Workflows answer 202 with no body; the older connectors 200 ``1`` or an error text."""
    text = body.strip()
    if not text or text == "1" or text.startswith("{"):
        return None
    return text[:100] if "error" in text.lower() or "fail" in text.lower() else None


def payload_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
