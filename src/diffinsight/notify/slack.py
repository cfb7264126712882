"""Slack: a Block Kit message per report, by incoming webhook or by bot (``chat.postMessage``)."""

from __future__ import annotations

import json
import re
from typing import Any

from diffinsight.i18n import Catalog
from diffinsight.notify.content import Item, picked_highlights

#: Slack's limits: blocks per message, characters per section text and per header.
MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_HEADER = 150
_MENTION = re.compile(r"@(?=(here|channel|everyone)\b)", re.IGNORECASE)


def escape(text: str) -> str:
    """Text Slack shows as typed: no ``<!channel>``, ``<url|label>`` links or ``@here`` pings."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u2060", text)  # a word joiner keeps the look, breaks the mention


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bullets(heading: str, items: list[str]) -> list[tuple[str, int]]:
    """``*heading*`` and bullets packed into section texts of at most :data:`MAX_TEXT`.

    Each chunk comes with the number of bullets it holds (to count what a cut leaves out).
    """
    chunks: list[tuple[str, int]] = []
    current, n = f"*{escape(heading)}*", 0
    for item in items:
        line = "• " + _cut(escape(" ".join(item.split())), MAX_TEXT - 10)
        if len(current) + 1 + len(line) > MAX_TEXT:
            chunks.append((current, n))
            current, n = line, 1
        else:
            current, n = current + "\n" + line, n + 1
    chunks.append((current, n))
    return chunks


def title(item: Item, cat: Catalog) -> str:
    """``repo · category · day`` in the report's language."""
    r = item.report
    return cat.t(
        "notify.title",
        repo=r.repo or item.row.repo_name,
        category=r.category,
        day=r.date.isoformat(),
    )


def blocks(item: Item, cat: Catalog) -> dict[str, Any]:
    """The webhook / ``chat.postMessage`` payload (``text`` is the notification fallback)."""
    r = item.report
    head = title(item, cat)
    breaking, others, more = picked_highlights(r.highlights)
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(head, MAX_HEADER)}},
    ]
    if r.summary.strip():
        out.append(_section(_cut(escape(r.summary.strip()), MAX_TEXT)))
    # The tail (counts, "N more", the link) is kept whatever the highlights' length.
    tail_size = 2
    room = MAX_BLOCKS - len(out) - tail_size
    sections: list[tuple[str, int]] = []
    if breaking:
        sections += _bullets(cat.t("notify.breaking_changes"), breaking)
    if others:
        sections += _bullets(cat.t("notify.highlights"), others)
    if len(sections) > room:
        more += sum(n for _, n in sections[room:])
        sections = sections[:room]
    out += [_section(text) for text, _ in sections]
    context = [cat.t("notify.files", count=len(r.files))]
    if more:
        context.append(cat.t("notify.more", count=more))
    out.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(" · ".join(context))}]}
    )
    if item.link and len(item.link) <= MAX_TEXT:
        out.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": cat.t("notify.open_report")},
                        "url": item.link,
                    }
                ],
            }
        )
    fallback = _cut(escape(head + ": " + " ".join(r.summary.split())), MAX_TEXT)
    return {"text": fallback, "blocks": out, "unfurl_links": False, "unfurl_media": False}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def webhook_accepts(body: str) -> str | None:
    """Slack answers ``ok``; anything else in a 2xx is a refusal word."""
    return None if body.strip() in ("ok", "") else body.strip()[:100]


def payload_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")
