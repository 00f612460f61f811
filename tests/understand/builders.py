"""Build ParsedMail values directly for understand-stage tests (no parser needed).

`make_mail` fills every field of ParsedMail with a plausible default; pass only what a test is about.
`headers` may be a dict or a sequence of (name, value) pairs; names are lower-cased as the parser does,
and From/Subject/Content-Type headers are added from the keyword arguments unless given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mailbot.domain import Attachment, ParsedMail

HOST = "klimaverksted@drammen.kommune.example"


def make_mail(
    subject: str = "Påmelding klimaverksted",
    new_text: str = "Hei!\n\nJeg kommer gjerne.",
    *,
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
    from_addr: str = "kari.nordby@solberg-transport.example",
    from_name: str = "Kari Nordby",
    signature: str = "",
    content_type: str = "text/plain",
    text: str | None = None,
    quoted: str = "",
    attachments: Sequence[Attachment] = (),
    reply_to: str | None = None,
    message_id: str = "<test@example>",
) -> ParsedMail:
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    names = {name.lower() for name, _value in pairs}
    if "from" not in names:
        pairs.insert(0, ("From", f"{from_name} <{from_addr}>" if from_name else from_addr))
    if "subject" not in names:
        pairs.append(("Subject", subject))
    if "content-type" not in names:
        pairs.append(("Content-Type", content_type))
    body = text if text is not None else "\n\n".join(p for p in (new_text, signature, quoted) if p)
    return ParsedMail(
        key=message_id,
        message_id=message_id,
        from_addr=from_addr,
        from_name=from_name,
        reply_to=reply_to,
        to=(HOST,),
        cc=(),
        subject=subject,
        date=None,
        in_reply_to=None,
        references=(),
        content_type=content_type.split(";")[0].strip().lower(),
        headers=tuple((name.lower(), value) for name, value in pairs),
        text=body,
        new_text=new_text,
        quoted=quoted,
        signature=signature,
        html="",
        attachments=tuple(attachments),
        defects=(),
        raw_size=len(body.encode()),
    )
