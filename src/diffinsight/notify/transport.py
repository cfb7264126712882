"""Sending over HTTP: retries on 429 and 5xx (honouring ``Retry-After``), secrets masked."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

log = logging.getLogger(__name__)

#: Tries per message, and the longest wait between two (a longer ``Retry-After`` gives up
#: for this run: the message stays pending and the next run sends it).
ATTEMPTS = 4
MAX_WAIT = 60.0


class DeliveryError(Exception):
    """A receiver did not accept a message; it stays pending for the next run."""


def mask_url(url: str) -> str:
    """``https://hooks.slack.com/***``: scheme and host only (paths and queries carry tokens)."""
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^/?#@]*@)?([^/?#]*)", url)
    return f"{m.group(1)}{m.group(2)}/***" if m else "***"


class Masker:
    """Replaces every known secret (and each URL's path) in text meant for people."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def add(self, value: str, shown: str = "***") -> None:
        """Mask ``value`` as ``shown`` from now on."""
        if value and len(value) >= 4:
            self._secrets[value] = shown

    def add_url(self, url: str) -> None:
        """Mask a URL down to its scheme and host."""
        self.add(url, mask_url(url))

    def __call__(self, text: str) -> str:
        for value in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(value, self._secrets[value])
        return text

    def values(self) -> Iterable[str]:
        return self._secrets.keys()


class RedactFilter(logging.Filter):
    """Masks secrets in records of libraries that log URLs (httpx logs each request)."""

    def __init__(self, mask: Masker) -> None:
        super().__init__()
        self.mask = mask

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        masked = self.mask(msg)
        if masked != msg:
            record.msg, record.args = masked, None
        return True


def retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def post(
    client: httpx.Client,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    what: str,
    mask: Masker,
    accept: Callable[[httpx.Response], str | None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """POST ``body``; retry 429/5xx/network errors; :class:`DeliveryError` when it is not accepted.

    ``accept`` may look into a 2xx answer and return why it is a refusal after all (Teams
    Workflows answer 202 and Slack answers 200 ``ok`` or an error word).
    """
    last = ""
    for attempt in range(1, ATTEMPTS + 1):
        wait = min(2.0 ** (attempt - 1), MAX_WAIT)
        try:
            resp = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {mask(str(exc))}"
        else:
            if resp.is_success:
                refusal = accept(resp) if accept else None
                if refusal is None:
                    return resp
                raise DeliveryError(f"{what}: refused ({mask(refusal)})")
            last = f"HTTP {resp.status_code}"
            if resp.status_code != 429 and resp.status_code < 500:
                detail = mask(resp.text.strip().splitlines()[0][:200]) if resp.text.strip() else ""
                raise DeliveryError(f"{what}: refused ({last}{': ' + detail if detail else ''})")
            wait = retry_after(resp.headers.get("Retry-After"), wait)
            if wait > MAX_WAIT:
                raise DeliveryError(
                    f"{what}: {last}, asked to wait {wait:.0f} s; left for the next run"
                )
        if attempt < ATTEMPTS:
            log.warning("%s: %s; retrying in %.0f s", what, last, wait)
            sleep(wait)
    raise DeliveryError(f"{what}: {last} after {ATTEMPTS} tries; left for the next run")
