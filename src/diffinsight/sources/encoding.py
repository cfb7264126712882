"""Text that is not UTF-8: read with the encoding it declares or the one detected, else refused.

Documentation repositories still hold pages saved by old editors (cp1252 in Western Europe,
Shift-JIS and EUC-JP in Japan, GBK and Big5 for Chinese, EUC-KR for Korean). Decoding them as
UTF-8 with replacement characters would put ``H\ufffdllo`` into a report as if it were a fact.
"""

from __future__ import annotations

import codecs
import re

#: Legacy encodings of the languages reports are written in, the only ones detection may pick:
#: guessing among every code page turns a short ``H\xe9llo`` into Urdu or Central European text.
CANDIDATES = ("cp1252", "cp932", "euc_jp", "gb18030", "big5", "cp949")
# charset=..., encoding="...", -*- coding: ... -*- (HTML, XML, Python, Emacs, editors).
_DECLARED = re.compile(rb"(?:charset|encoding|coding)\s*[=:]\s*[\"']?([A-Za-z0-9_.:-]{2,40})")
#: What :func:`decode_bytes` reports for bytes it could not read.
UNDECODABLE = "undecodable"


def _declared(raw: bytes) -> str | None:
    for m in _DECLARED.finditer(raw):
        try:
            name = codecs.lookup(m.group(1).decode("ascii")).name
        except LookupError:
            continue
        if name != "utf-8":
            return name
    return None


def decode_bytes(raw: bytes) -> tuple[str | None, str]:
    """``(text, encoding)``: UTF-8, else the declared encoding, else a detected one.

    ``(None, "undecodable")`` when none reads the bytes cleanly.
    """
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _declared(raw)
    if declared is not None:
        try:
            return raw.decode(declared), declared
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    # NUL bytes are reported elsewhere; they only confuse detection.
    best = from_bytes(raw.replace(b"\x00", b""), cp_isolation=list(CANDIDATES)).best()
    if best is not None and best.encoding:
        try:
            return raw.decode(best.encoding), codecs.lookup(best.encoding).name
        except UnicodeDecodeError:
            pass
    return _western(raw)


def _western(raw: bytes) -> tuple[str | None, str]:
    """cp1252 for short Western text detection cannot judge (``caf\xe9``): only when every
    non-ASCII character it gives is a letter, and such letters are rare, as in real prose."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None, UNDECODABLE
    non_ascii = [c for c in text if ord(c) > 0x7F]
    if non_ascii and all(c.isalpha() for c in non_ascii) and len(non_ascii) * 5 <= len(text):
        return text, "cp1252"
    return None, UNDECODABLE
