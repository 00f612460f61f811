"""Walking a parsed MIME tree: which parts are the body, which are attachments, and their content.

The tree is whatever parser read the message (mail-parser's compat32 tree, or the standard library's);
only the `email.message.Message` interface is used.  A message/* part is a leaf: what it holds belongs to
another message (a bounced original, a forwarded mail) and is listed as one attachment.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message

from mailbot.domain import Attachment
from mailbot.parse.attachments import AttachmentLimits, extract_text
from mailbot.parse.headers import decode_header_value, text_from_bytes

MAX_DEPTH = 30  # MIME nesting deeper than this is not walked
BODY_TYPES = ("text/plain", "text/html")


def leaves(part: Message, defects: list[str], depth: int = 0) -> Iterator[Message]:
    """Parts that are not containers.  A message/* part is a leaf: its insides belong to another message."""
    if depth > MAX_DEPTH:
        defects.append(f"MIME nesting deeper than {MAX_DEPTH}; inner parts ignored")
        return
    content_type = part.get_content_type()
    if content_type.startswith("message/") or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for child in payload if isinstance(payload, list) else ():
        if isinstance(child, Message):
            yield from leaves(child, defects, depth + 1)


def is_body(part: Message) -> bool:
    """A text/plain or text/html part that is not an attachment, or a multipart whose boundary was
    never found (the parser leaves its whole body as one string: that is the readable text)."""
    content_type = part.get_content_type()
    if content_type.startswith("multipart/"):
        return not part.is_multipart()
    return (
        content_type in BODY_TYPES
        and part.get_content_disposition() != "attachment"
        and not part.get_filename()
    )


def body_parts(message: Message, defects: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(plain texts, HTML texts) of the body parts, decoded with the fallback charset chain."""
    plain: list[str] = []
    html: list[str] = []
    for part in leaves(message, defects):
        try:
            if not is_body(part):
                continue
            payload = part.get_payload(decode=True) or b""
            text = text_from_bytes(payload, part.get_content_charset())
        except Exception as exc:  # one broken part must not lose the others
            defects.append(f"body part unreadable: {type(exc).__name__}: {exc}"[:300])
            continue
        (html if part.get_content_type() == "text/html" else plain).append(text)
    return tuple(plain), tuple(html)


def attachments(message: Message, limits: AttachmentLimits, defects: list[str]) -> tuple[Attachment, ...]:
    """Every leaf that is not body text, with the text of the documents among them."""
    found: list[Attachment] = []
    for part in leaves(message, defects):
        try:
            if not is_body(part):
                found.append(_attachment(part, limits))
        except Exception as exc:
            defects.append(f"attachment unreadable: {type(exc).__name__}: {exc}"[:300])
    return tuple(found)


def _attachment(part: Message, limits: AttachmentLimits) -> Attachment:
    content_type = part.get_content_type()
    raw_name = part.get_filename()
    filename = decode_header_value(raw_name) if raw_name else None
    if content_type.startswith("message/") or part.is_multipart():
        return Attachment(filename, content_type, _approximate_size(part))
    payload = part.get_payload(decode=True) or b""
    return extract_text(filename, content_type, payload, limits, charset=_charset(part))


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _approximate_size(part: Message, depth: int = 0) -> int:
    """Size in bytes of a part as it stood in the message, summed from its headers and payload.

    Serialising the part again (as_bytes) would be exact but costs more than the whole parse.
    """
    size = sum(len(str(name)) + len(str(value)) + 3 for name, value in part.raw_items()) + 2
    payload = part.get_payload()
    if isinstance(payload, (str, bytes)):
        return size + len(payload)
    if isinstance(payload, list) and depth < MAX_DEPTH:
        size += sum(_approximate_size(sub, depth + 1) for sub in payload if isinstance(sub, Message))
    return size
