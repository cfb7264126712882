"""What every source shares: the interface and the safe handling of untrusted bytes."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from diffinsight.models import ChangeSet

__all__ = ["DEFAULT_MAX_PATCH_BYTES", "Source", "clip_patch", "decode_text"]

#: Patches larger than this are clipped (with a note) so a 50 MB file cannot swamp a report.
DEFAULT_MAX_PATCH_BYTES = 1_000_000


@runtime_checkable
class Source(Protocol):
    """Anything that can produce a :class:`ChangeSet`."""

    def changeset(self) -> ChangeSet:
        """Read the comparison."""
        ...


def decode_text(raw: bytes) -> tuple[str, bool]:
    """Decode UTF-8, or the declared or detected legacy encoding; says whether that failed.

    On failure the text is UTF-8 with replacement characters, for callers that only need
    line structure; it must not be quoted.
    """
    from diffinsight.sources.encoding import decode_bytes

    text, _encoding = decode_bytes(raw)
    if text is None:
        return raw.decode("utf-8", errors="replace"), True
    return text, False


def clip_patch(text: str, max_bytes: int) -> tuple[str, bool]:
    """Cut a patch at a line boundary below ``max_bytes`` (UTF-8); says whether it cut."""
    if len(text) * 4 <= max_bytes or len(text.encode("utf-8")) <= max_bytes:
        return text, False
    cut = text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
    nl = cut.rfind("\n")
    return (cut[:nl] if nl > 0 else cut), True
