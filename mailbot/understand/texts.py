"""What the sender said: the subject without reply prefixes, and the text the classifiers and rules read
(own subject, new text, a forwarded message's content when the forwarder wrote almost nothing, the start of
attached documents).  Training examples are composed the same way, so training and use see the same text.
"""

from __future__ import annotations

import re

_REPLY_PREFIX = re.compile(r"^\s*((re|sv|aw|fwd?|vs|vb|tr|wg|antw|ynt)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
MAX_ATTACHMENT_CHARS = 6000  # enough to find a document's topic; keeps one long PDF from slowing a batch
MAX_BODY_CHARS = 20_000  # what anyone types into a mail; the rest of a giant body is not read


def clean_subject(subject: str) -> tuple[str, bool]:
    """(the subject without Re:/SV:/Fwd:/VS: prefixes, whether it had one).  A reply's or forward's subject
    was written by someone else, so callers leave it out of what the sender said."""
    match = _REPLY_PREFIX.match(subject or "")
    if match:
        return subject[match.end():].strip(), True
    return (subject or "").strip(), False


def compose_text(subject: str, body: str, attachment_text: str = "") -> str:
    """The text the classifier reads: the sender's own subject, what they wrote, the start of attached
    documents.  The same function prepares training examples, so training and use see the same text."""
    own_subject, inherited = clean_subject(subject)
    pieces = [] if inherited else [own_subject]
    pieces.append((body or "")[:MAX_BODY_CHARS])
    if attachment_text:
        pieces.append(attachment_text[:MAX_ATTACHMENT_CHARS])
    return "\n\n".join(piece for piece in pieces if piece.strip())


FORWARD_MAX_WORDS = 15  # a forwarder who wrote more than this said what they meant themselves
_FORWARD_SUBJECT = re.compile(r"\s*(fwd?|vs|vb|wg|tr)\s*:", re.IGNORECASE)
_FORWARD_BANNER = re.compile(r"forwarded message|videresendt melding|vidaresendt melding|opprinnelig melding"
                             r"|original message|begin forwarded", re.IGNORECASE)


def sender_text(subject: str, new_text: str, quoted: str = "", attachment_text: str = "",
                own_addresses: tuple[str, ...] = ()) -> str:
    """What the sender said: `compose_text` of their subject, new text and attachments.  Quoted history
    does not count, except a forwarded message's content when the forwarder wrote almost nothing and it is
    not our own mail (own_addresses, lower case, do not appear in its head)."""
    body = new_text or ""
    if _reads_forward(subject, body, quoted, own_addresses):
        body = f"{body}\n\n{quoted[:4000]}"
    return compose_text(subject, body, attachment_text)


def _reads_forward(subject: str, body: str, quoted: str, own_addresses: tuple[str, ...]) -> bool:
    if not quoted or len(body.split()) > FORWARD_MAX_WORDS:
        return False
    if not _FORWARD_SUBJECT.match(subject or "") and not _FORWARD_BANNER.search(quoted[:300]):
        return False
    head = quoted[:600].lower()
    return not any(address in head for address in own_addresses)
