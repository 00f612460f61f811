"""Composing replies and queueing them in the transactional outbox.

`enqueue` runs inside the caller's transaction, together with the seat change that caused the reply: either
both are stored or neither.  Senders (mailbot.act.smtp) deliver the rows later.  Every header value is
stripped of CR, LF and other control characters before it reaches the message, so text taken from incoming
mail (a subject, a name) can never add headers of its own.
"""

from __future__ import annotations

import email.policy
import functools
import email.utils
import logging
import re
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailbot.act import mime
from mailbot.domain import FileAttachment, OutgoingReply
from mailbot.logs import kv
from mailbot.store.models import OutboxItem, utcnow

log = logging.getLogger("mailbot.act")

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_MSGID = re.compile(r"<?([^<>\s@]+@[^<>\s@]+)>?")


def clean_header(value: str) -> str:
    """`value` on one line: CR, LF, tabs and other control characters become single spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def angle_id(value: str) -> str | None:
    """A Message-ID in angle brackets, or None when `value` is not one (spaces, no "@", non-ASCII)."""
    match = _MSGID.fullmatch(clean_header(value))
    if match is None or not match.group(1).isascii():
        return None
    return f"<{match.group(1)}>"


def recipient_address(to: str) -> str:
    """The single bare address of `to` ("Kari <kari@x.no>" -> "kari@x.no").  ValueError when `to` holds no
    address or several: a reply goes to exactly one person, never to a list smuggled into Reply-To."""
    return _recipient(to)[1]


def _recipient(to: str) -> tuple[str, str]:
    pairs = [(n, a) for n, a in email.utils.getaddresses([clean_header(to)]) if a]
    if len(pairs) != 1 or not re.fullmatch(r"[^@\s<>,;:]+@[^@\s<>,;:]+", pairs[0][1]):
        raise ValueError(f"reply must go to exactly one address, got {to!r}")
    return pairs[0]


def compose(reply: OutgoingReply, sender: str, now: datetime | None = None) -> bytes:
    """The reply as RFC 5322 bytes (CRLF, 7-bit transport encodings, folded headers).

    multipart/alternative (text + HTML) when there is HTML; wrapped in multipart/mixed with the attachments
    when there are any.  `now` (default: the current time) fills the Date header.  Written directly by
    mailbot.act.mime (fast); what that writer does not handle is composed with the email package.
    """
    message_id = angle_id(reply.message_id)
    if message_id is None:
        raise ValueError(f"not a usable Message-ID: {reply.message_id!r}")
    name, address = _recipient(reply.to)
    now = now or datetime.now(timezone.utc)
    try:
        return _compose_direct(reply, sender, now, message_id, name, address)
    except mime.Unusual:
        return compose_with_email_package(reply, sender, now)


def _compose_direct(reply: OutgoingReply, sender: str, now: datetime, message_id: str, name: str,
                    address: str) -> bytes:
    head = [mime.fold("From", _sender_tokens(clean_header(sender))),
            mime.fold("To", mime.address(clean_header(name), address)),
            mime.fold("Subject", mime.unstructured(clean_header(reply.subject))),
            mime.header("Date", email.utils.format_datetime(now)),
            mime.header("Message-ID", message_id)]
    in_reply_to, references = _threading(reply)
    if in_reply_to:
        head.append(mime.header("In-Reply-To", in_reply_to))
    if references:
        head.append(mime.header("References", references))
    head += [mime.header("Auto-Submitted", "auto-replied" if reply.in_reply_to else "auto-generated"),
             "X-Auto-Response-Suppress: All\r\n", "X-Mailbot: 1\r\n", "MIME-Version: 1.0\r\n"]
    body = mime.text_part(reply.text, "plain")
    if reply.html:
        body = mime.multipart("alternative", [body, mime.text_part(reply.html, "html")])
    if reply.attachments:
        body = mime.multipart("mixed", [body] + [_attachment_part(a) for a in reply.attachments])
    return "".join(head).encode("ascii") + body


@functools.lru_cache(maxsize=8)
def _sender_tokens(sender: str) -> list[str]:
    pairs = [(n, a) for n, a in email.utils.getaddresses([sender]) if a]
    if len(pairs) != 1:
        raise mime.Unusual(f"sender needs the email package: {sender!r}")
    return mime.address(*pairs[0])


def _attachment_part(attachment: FileAttachment) -> bytes:
    maintype, subtype, extra = _content_type(attachment)
    kind = mime.content_type(maintype or "application", subtype or "octet-stream")
    return mime.attachment_part(kind, extra, clean_header(attachment.filename), attachment.data)


def compose_with_email_package(reply: OutgoingReply, sender: str, now: datetime | None = None) -> bytes:
    """`compose` by the email package: the reference, and the fallback for what mailbot.act.mime refuses."""
    msg = EmailMessage(policy=email.policy.SMTP)
    message_id = angle_id(reply.message_id)
    if message_id is None:
        raise ValueError(f"not a usable Message-ID: {reply.message_id!r}")
    name, address = _recipient(reply.to)
    msg["From"] = clean_header(sender)
    msg["To"] = Address(display_name=name, addr_spec=address)  # rebuilt from its parts, not passed through
    msg["Subject"] = clean_header(reply.subject)
    msg["Date"] = email.utils.format_datetime(now or datetime.now(timezone.utc))
    msg["Message-ID"] = message_id
    _threading_headers(msg, reply)
    # RFC 3834: a reply to a message is "auto-replied"; anything else we send on our own is "auto-generated".
    msg["Auto-Submitted"] = "auto-replied" if reply.in_reply_to else "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"  # no out-of-office answers from Exchange/Outlook
    msg["X-Mailbot"] = "1"  # our loop-guard marker: mail carrying it is never answered
    # Quoted-printable keeps the message 7-bit: we do not rely on the server offering 8BITMIME.
    msg.set_content(reply.text, charset="utf-8", cte="quoted-printable")
    if reply.html:
        msg.add_alternative(reply.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for attachment in reply.attachments:
        _attach(msg, attachment)
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]  # the email package repeats it in sub-parts; only the top belongs
    return msg.as_bytes()


def _threading(reply: OutgoingReply) -> tuple[str | None, str | None]:
    """(In-Reply-To, References) header values, either None when absent."""
    in_reply_to = angle_id(reply.in_reply_to) if reply.in_reply_to else None
    refs = [r for r in (angle_id(x) for x in reply.references) if r]
    if in_reply_to and in_reply_to not in refs:
        refs.append(in_reply_to)
    return in_reply_to, (" ".join(dict.fromkeys(refs)) or None)


def _threading_headers(msg: EmailMessage, reply: OutgoingReply) -> None:
    in_reply_to, references = _threading(reply)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references


def _content_type(attachment: FileAttachment) -> tuple[str, str, dict[str, str]]:
    """(maintype, subtype, parameters) of an attachment's declared type ("text/calendar; method=REQUEST");
    text gets charset utf-8 unless it says otherwise."""
    ctype, *params = [p.strip() for p in attachment.content_type.split(";")]
    maintype, _, subtype = ctype.lower().partition("/")
    extra = {}
    for param in params:
        key, _, value = param.partition("=")
        if key.strip():
            extra[key.strip().lower()] = clean_header(value.strip().strip('"'))
    if maintype == "text":
        extra.setdefault("charset", "utf-8")
    return maintype, subtype, extra


def _attach(msg: EmailMessage, attachment: FileAttachment) -> None:
    """Attach bytes with the declared type and parameters."""
    maintype, subtype, extra = _content_type(attachment)
    msg.add_attachment(attachment.data, maintype=maintype or "application", subtype=subtype or "octet-stream",
                       filename=clean_header(attachment.filename), params=extra)


_QUEUED = select(OutboxItem.id).where(OutboxItem.message_id == bindparam("message_id"))  # built once


def enqueue(session: Session, reply: OutgoingReply, sender: str, source_message_id: int | None,
            now: datetime | None = None) -> OutboxItem | None:
    """Queue `reply` (status pending, due `now`, default the current time) in the caller's transaction.
    Returns None and inserts nothing when an item with the same Message-ID exists: the same decision
    replayed after a crash yields the same Message-ID, so this makes queueing idempotent."""
    existing = session.scalar(_QUEUED, {"message_id": reply.message_id})
    if existing is not None:
        log.debug(kv("already_queued", message_id=reply.message_id))
        return None
    now = now or utcnow()
    item = OutboxItem(
        message_id=reply.message_id, source_message_id=source_message_id, purpose=reply.purpose,
        recipient=recipient_address(reply.to), subject=clean_header(reply.subject),
        raw=compose(reply, sender, now), status="pending", attempts=0, next_attempt_at=now, created_at=now,
    )
    try:
        with session.begin_nested():  # a concurrent insert of the same id must not spoil the caller's txn
            session.add(item)
    except IntegrityError:
        log.debug(kv("already_queued", message_id=reply.message_id, concurrently=True))
        return None
    log.info(kv("queued", message_id=reply.message_id, purpose=reply.purpose))
    return item
