"""Header decoding that never fails: RFC 2047 words, raw 8-bit bytes, unknown charsets.

Values come from `Message.raw_items()`, so the same code serves every email policy and mail-parser's
tree alike.  Raw 8-bit header bytes arrive as surrogate escapes; they are read as UTF-8 when valid and as
windows-1252 otherwise (the common case for Norwegian mail from old clients).
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import re
from datetime import datetime, timezone

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?]*?)\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)[ \t]+(?==\?[^?\s]+\?[qQbB]\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SURROGATE = re.compile("[\udc80-\udcff]")
_MSGID = re.compile(r"<[^<>\s]+>")


def text_from_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: `charset` if it works, else UTF-8, else windows-1252 with replacement."""
    for candidate in (charset, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError, ValueError):
                continue
    return data.decode("cp1252", errors="replace")


def decode_header_value(value: object) -> str:
    """A header value as readable text: unfolded, encoded words decoded, 8-bit bytes recovered."""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:  # email.header.Header with a broken charset: keep what can be shown
            return ""
    value = _FOLD.sub("", value).replace("\r", " ").replace("\n", " ")
    if not value.isascii() and _SURROGATE.search(value):
        value = text_from_bytes(value.encode("utf-8", "surrogateescape"))
    if "=?" in value:
        value = _decode_encoded_words(value)
    return value.strip()


def _decode_encoded_words(value: str) -> str:
    """Decode RFC 2047 words; adjacent words of one charset are joined first (split multibyte chars)."""
    value = _BETWEEN_WORDS.sub("", value)
    pieces: list[str] = []
    pending: bytearray = bytearray()
    pending_charset: str | None = None
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language suffix
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            continue  # undecodable word stays as written (it is part of the literal text below)
        literal = value[position : match.start()]
        if literal or charset != pending_charset:
            pieces.append(text_from_bytes(bytes(pending), pending_charset))
            pieces.append(literal)
            pending = bytearray()
        pending += data
        pending_charset = charset
        position = match.end()
    pieces.append(text_from_bytes(bytes(pending), pending_charset))
    pieces.append(value[position:])
    return "".join(pieces)


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(text.replace("_", " ").encode("ascii", "replace"))
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded.encode("ascii", "replace"), validate=True)
    except (binascii.Error, ValueError):
        return None


def normalise_msgid(value: str | None) -> str | None:
    """'<id@host>' from a Message-ID-like value ('id@host', ' <id@host> x'), or None when empty."""
    if not value:
        return None
    match = _MSGID.search(value)
    if match:
        return match.group(0)
    token = value.strip().split()[0] if value.strip() else ""
    token = token.strip("<>")
    return f"<{token}>" if token else None


def message_ids(value: str | None) -> tuple[str, ...]:
    """Every '<id>' in a References/In-Reply-To value, in order, without repeats."""
    if not value:
        return ()
    found = _MSGID.findall(value)
    if not found:
        single = normalise_msgid(value)
        return (single,) if single else ()
    return tuple(dict.fromkeys(found))


def parse_date(value: str | None) -> datetime | None:
    """A timezone-aware datetime from a Date header, or None.  '-0000' and missing zones mean UTC."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_addresses(raw_values: list[str], keep_nameless: bool = False) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs from raw address header values; names decoded.

    Entries without an address are dropped, unless `keep_nameless` and they have a display name.
    """
    try:
        pairs = email.utils.getaddresses([_FOLD.sub("", v) for v in raw_values])
    except Exception:  # getaddresses is lenient, but a pathological value must not stop the parse
        return []
    return [
        (decode_header_value(name), clean_address(addr))
        for name, addr in pairs
        if addr.strip() or (keep_nameless and name.strip())
    ]


def clean_address(addr: str) -> str:
    """A bare address: decoded, stripped of brackets and spaces, lower-cased."""
    return decode_header_value(addr).strip().strip("<>").strip().lower()
