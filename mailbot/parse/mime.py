"""Raw message bytes -> ParsedMail.  `parse_message` never raises: problems become `defects`.

mail-parser reads the message (headers' addresses and date, text and HTML bodies, defects).  When it
raises, or gives nothing for bytes that hold something, the standard library's email package reads it
instead (policy.default, then compat32).  Either way the parsed tree is then walked here:

- headers are decoded from `raw_items()` by mailbot.parse.headers, so order and repeats are kept and 8-bit
  bytes and unknown charsets never fail;
- when mail-parser reports a charset failure in a body (it falls back to UTF-8 with U+FFFD, which loses
  every Norwegian letter of a mislabelled Latin-1 body), the bodies are decoded again with a
  declared-charset -> UTF-8 -> windows-1252 chain;
- attachments come from the walk, not from mail-parser's list: that list leaves out message/rfc822 and
  message/delivery-status parts (which the loop guard needs to see) and hands payloads back re-encoded
  as base64 text, which would be decoded again here.
"""

from __future__ import annotations

import base64
import email
import email.parser
import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

import mailparser
from mailparser.exceptions import MailParserRecursionError

from mailbot.domain import ParsedMail
from mailbot.parse.attachments import OMITTED_MARK, AttachmentLimits
from mailbot.parse.headers import (
    clean_address,
    decode_header_value,
    message_ids,
    normalise_msgid,
    parse_addresses,
    parse_date,
    text_from_bytes,
)
from mailbot.parse.html import html_to_text
from mailbot.parse.quotes import split_reply
from mailbot.parse.walk import attachments, body_parts

MAX_DEFECTS = 50
MAX_HTML_CHARS = 2_000_000  # HTML beyond this is not converted to text (html.parser is pure Python)


@dataclass(frozen=True)
class _Reading:
    """What one parser made of the message, before it is assembled into a ParsedMail."""

    message: Message
    senders: tuple[tuple[str, str], ...]
    to: tuple[tuple[str, str], ...]
    cc: tuple[tuple[str, str], ...]
    reply_to: tuple[tuple[str, str], ...]
    date: datetime | None
    plain: tuple[str, ...]
    html: tuple[str, ...]


MAILPARSER_MAX_BYTES = 4 * 1024 * 1024


def parse_message(raw: bytes, limits: AttachmentLimits | None = None) -> ParsedMail:
    """Parse one raw message.  Never raises; see the module docstring for how each part is read."""
    data = _as_bytes(raw)
    limits = limits or AttachmentLimits()
    defects: list[str] = []
    readers = [_read_with_mailparser, _read_with_default_policy, _read_with_compat32, _read_headers_only]
    if len(data) > MAILPARSER_MAX_BYTES:
        # mail-parser holds several decoded and re-encoded copies of every part (~13x the message size
        # measured for a 50 MB attachment): drop oversized encoded parts first, and read with the stdlib.
        data_for_parsing = drop_oversized_parts(data, limits.max_bytes, defects)
        readers.pop(0)
        defects.append(f"message of {len(data)} bytes read without mail-parser (memory bound)")
    else:
        data_for_parsing = data
    while readers:
        reader = readers.pop(0)
        try:
            reading = reader(data_for_parsing, defects)
            if reading is not None:
                return _assemble(data, reading, limits, defects)
        except Exception as exc:  # the next reader is the fallback; the failure is recorded
            name = reader.__name__.removeprefix("_read_").removeprefix("with_")
            defects.append(f"{name} failed: {type(exc).__name__}: {exc}"[:300])
            if isinstance(exc, (RecursionError, MailParserRecursionError)):
                readers = [_read_headers_only]  # the full readers share the recursive parser
    return _bare(data, defects)


# A base64 body: at least ~100 KB of full-length base64 lines.
_BASE64_RUN = re.compile(rb"(?:[A-Za-z0-9+/]{60,}={0,2}\r?\n){1300,}")


def drop_oversized_parts(data: bytes, max_bytes: int, defects: list[str]) -> bytes:
    """Replace every base64 body that decodes to more than `max_bytes` by a short base64 marker, so the
    parser never holds it.  The attachment then reports the marker as its error ("too large")."""
    def shrink(match: re.Match[bytes]) -> bytes:
        size = (match.end() - match.start()) * 3 // 4
        if size <= max_bytes:
            return match.group(0)
        defects.append(f"omitted an encoded part of about {size} bytes before parsing (limit {max_bytes})")
        marker = OMITTED_MARK + f" too large, about {size} bytes, limit {max_bytes}]".encode()
        newline = b"\r\n" if match.group(0).endswith(b"\r\n") else b"\n"
        return base64.b64encode(marker) + newline

    return _BASE64_RUN.sub(shrink, data)


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    try:
        return bytes(raw)  # bytearray, memoryview
    except Exception:
        return b""


# ----------------------------------------------------------------------------------------- readers
def _read_with_mailparser(data: bytes, defects: list[str]) -> _Reading | None:
    parsed = mailparser.parse_from_bytes(data)
    message = parsed.message
    defects.extend(_mailparser_defects(parsed.defects))
    plain, html = tuple(parsed.text_plain), tuple(parsed.text_html)
    if "CharsetDecodeDefect" in parsed.defects_categories or not _has_text(plain + html):
        plain, html = body_parts(message, defects)
    if not message.keys() and not _has_text(plain + html) and data.strip():
        defects.append("mail-parser found neither headers nor body")
        return None
    return _Reading(
        message=message,
        senders=_pairs(parsed.from_) or _senders(message),
        to=_pairs(parsed.to) or _header_addresses(message, "to"),
        cc=_pairs(parsed.cc) or _header_addresses(message, "cc"),
        reply_to=_pairs(parsed.reply_to) or _header_addresses(message, "reply-to"),
        date=parsed.date or _header_date(message),
        plain=plain,
        html=html,
    )


def _read_with_default_policy(data: bytes, defects: list[str]) -> _Reading:
    return _read_with_stdlib(email.message_from_bytes(data, policy=email.policy.default), defects)


def _read_with_compat32(data: bytes, defects: list[str]) -> _Reading:
    return _read_with_stdlib(email.message_from_bytes(data, policy=email.policy.compat32), defects)


def _read_headers_only(data: bytes, defects: list[str]) -> _Reading:
    """Headers, and the body as one unparsed string: for MIME nested too deep to walk."""
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data, headersonly=True)
    return _read_with_stdlib(message, defects)


def _read_with_stdlib(message: Message, defects: list[str]) -> _Reading:
    plain, html = body_parts(message, defects)
    return _Reading(
        message=message,
        senders=_senders(message),
        to=_header_addresses(message, "to"),
        cc=_header_addresses(message, "cc"),
        reply_to=_header_addresses(message, "reply-to"),
        date=_header_date(message),
        plain=plain,
        html=html,
    )


def _mailparser_defects(found: list) -> list[str]:
    """mail-parser's defects ([{where: [text, ...]}, ...]) as flat strings."""
    flat: list[str] = []
    for entry in found:
        for where, texts in (entry.items() if isinstance(entry, dict) else [("message", [entry])]):
            flat.extend(f"{where}: {text}"[:300] for text in texts)
    return flat


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    """mail-parser's [(name, address), ...] as (decoded name, lower-case address) pairs."""
    if not isinstance(value, list):
        return ()
    pairs = []
    for item in value:
        if isinstance(item, (tuple, list)) and len(item) == 2 and item[1]:
            pairs.append((decode_header_value(item[0] or ""), clean_address(str(item[1]))))
    return tuple(pairs)


def _raw_values(message: Message, name: str) -> list[str]:
    return [str(value) for key, value in message.raw_items() if key.lower() == name]


def _header_addresses(message: Message, name: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_addresses(_raw_values(message, name)))


def _senders(message: Message) -> tuple[tuple[str, str], ...]:
    """From as pairs; a From without an address ("MAILER-DAEMON <>") still gives its display name."""
    pairs = parse_addresses(_raw_values(message, "from"), keep_nameless=True)
    return tuple(pairs)


def _header_date(message: Message) -> datetime | None:
    values = _raw_values(message, "date")
    return parse_date(decode_header_value(values[0])) if values else None


# ---------------------------------------------------------------------------------------- assembly
def _assemble(data: bytes, reading: _Reading, limits: AttachmentLimits, defects: list[str]) -> ParsedMail:
    message = reading.message
    headers = tuple((str(name).strip().lower(), decode_header_value(value)) for name, value in message.raw_items())
    first = {name: value for name, value in reversed(headers)}  # first occurrence wins
    html = "\n".join(reading.html)
    text = _readable_text(reading.plain, html, defects)
    found = attachments(message, limits, defects)
    parts = split_reply(text)
    message_id = normalise_msgid(first.get("message-id"))
    sender_name, sender = reading.senders[0] if reading.senders else ("", "")
    return ParsedMail(
        key=_key(message_id, data),
        message_id=message_id,
        from_addr=sender,
        from_name=sender_name,
        reply_to=reading.reply_to[0][1] if reading.reply_to else None,
        to=_unique(addr for _, addr in reading.to),
        cc=_unique(addr for _, addr in reading.cc),
        subject=first.get("subject", ""),
        date=reading.date,
        in_reply_to=normalise_msgid(first.get("in-reply-to")),
        references=message_ids(first.get("references")),
        content_type=_content_type(message),
        headers=headers,
        text=text,
        new_text=parts.new_text,
        quoted=parts.quoted,
        signature=parts.signature,
        html=html,
        attachments=found,
        defects=_capped(defects),
        raw_size=len(data),
    )


def _readable_text(plain: tuple[str, ...], html: str, defects: list[str]) -> str:
    """The text/plain parts when they say anything, else the HTML as text; newlines normalised."""
    text = "\n\n".join(part for part in plain if part.strip())
    if not text.strip() and html.strip():
        if len(html) > MAX_HTML_CHARS:
            defects.append(f"HTML body of {len(html)} characters cut to {MAX_HTML_CHARS} before conversion")
        text = html_to_text(html[:MAX_HTML_CHARS])
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _content_type(message: Message) -> str:
    try:
        return message.get_content_type().lower()
    except Exception:
        return "text/plain"


def _unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _key(message_id: str | None, data: bytes) -> str:
    """The dedup key: the Message-ID when it is a sane one (printable, fits the key column), else a hash."""
    if not message_id:
        return _hash_key(data)
    if len(message_id) > 500 or not message_id.isprintable():
        return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()
    return message_id


def _hash_key(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _capped(defects: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(defects))
    if len(unique) > MAX_DEFECTS:
        unique = unique[:MAX_DEFECTS] + [f"... {len(unique) - MAX_DEFECTS} more defects"]
    return tuple(unique)


def _has_text(texts: tuple[str, ...]) -> bool:
    return any(text.strip() for text in texts)


def _bare(data: bytes, defects: list[str]) -> ParsedMail:
    """Last resort when no reader could make sense of the bytes: keyed by hash, the bytes as text."""
    text = text_from_bytes(data).replace("\r\n", "\n").replace("\r", "\n")
    return ParsedMail(
        key=_hash_key(data), message_id=None, from_addr="", from_name="", reply_to=None, to=(), cc=(),
        subject="", date=None, in_reply_to=None, references=(), content_type="text/plain", headers=(),
        text=text, new_text=text, quoted="", signature="", html="", attachments=(),
        defects=_capped(defects), raw_size=len(data),
    )
