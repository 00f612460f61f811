"""Typed, frozen values passed between the stages.

intake  -> IncomingMail      (raw bytes + where it came from)
parse   -> ParsedMail        (headers, texts, attachments; nothing interpreted yet)
understand -> Understanding  (kind, focus areas, seats, names, organisation, language, reasons)
desk    -> Decision          (what to store, which replies to queue, which folder to file into)
act     -> OutgoingReply     (a rendered reply, queued in the outbox)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Kind(enum.StrEnum):
    """What a message is.  The values are stored in the database and printed by `mailbot classify`."""

    REGISTRATION = "registration"
    CANCELLATION = "cancellation"
    INPUT = "input"
    QUESTION = "question"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    OTHER = "other"


class FocusArea(enum.StrEnum):
    """The workshop's three focus areas."""

    MOBILITET = "mobilitet"
    BYGG_OG_AREALBRUK = "bygg_og_arealbruk"
    BAEREKRAFTIG_RESSURSBRUK = "baerekraftig_ressursbruk"


class Language(enum.StrEnum):
    NB = "nb"
    NN = "nn"
    EN = "en"


@dataclass(frozen=True)
class IncomingMail:
    """One message as intake found it.  `uid`/`uidvalidity` are None for Maildir intake.

    `truncated`: the message is larger than the configured limit (`size` bytes), so `raw` holds only its
    header and the start of its body (mailbot.intake.limits); it must go to a human, unanswered."""

    raw: bytes
    mailbox: str
    uid: int | None = None
    uidvalidity: int | None = None
    source_path: str | None = None
    size: int | None = None
    truncated: bool = False


@dataclass(frozen=True)
class Attachment:
    """An attachment and the text extracted from it (empty when not a document or when extraction failed)."""

    filename: str | None
    content_type: str
    size: int
    text: str = ""
    error: str | None = None


@dataclass(frozen=True)
class ParsedMail:
    """A parsed message.  `key` is the dedup key: the Message-ID, or sha256 of the raw bytes when absent.

    `text` is the whole readable body (HTML turned into text); `new_text` is what the sender wrote in this
    message, with quoted history and signature removed; `quoted` and `signature` hold what was removed.
    `headers` keeps every header as (lower-cased name, decoded value), in order, repeats included.
    """

    key: str
    message_id: str | None
    from_addr: str
    from_name: str
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    content_type: str
    headers: tuple[tuple[str, str], ...]
    text: str
    new_text: str
    quoted: str
    signature: str
    html: str
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...]
    raw_size: int

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    def header_all(self, name: str) -> tuple[str, ...]:
        wanted = name.lower()
        return tuple(value for key, value in self.headers if key == wanted)

    @property
    def attachment_text(self) -> str:
        return "\n\n".join(a.text for a in self.attachments if a.text)

    @property
    def reply_address(self) -> str:
        """Where a reply goes: Reply-To when given, else From."""
        return self.reply_to or self.from_addr


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Understanding:
    """What the understand stage concluded about one message, with the reasons for it."""

    kind: Kind
    has_input: bool = False
    focus_areas: tuple[FocusArea, ...] = ()
    seats: int | None = None
    attendees: tuple[Attendee, ...] = ()
    organization: str | None = None
    language: Language = Language.NB
    should_reply: bool = False
    confidence: float = 0.0
    reasons: tuple[str, ...] = ()
    # Extra facts the desk needs: names withdrawn in a partial cancellation, a substitution.
    withdrawn: tuple[str, ...] = ()
    substitutes: tuple[tuple[str, str], ...] = ()  # (leaving, coming)
    key_terms: tuple[str, ...] = ()

    def to_json(self) -> dict:
        """The `mailbot classify --json` object (without `file`)."""
        return {
            "kind": self.kind.value,
            "has_input": self.has_input,
            "focus_areas": [a.value for a in self.focus_areas],
            "seats": self.seats,
            "attendees": [a.name for a in self.attendees],
            "organization": self.organization,
            "language": self.language.value,
            "should_reply": self.should_reply,
            "confidence": round(self.confidence, 3),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class ReplyPlan:
    """A reply the desk wants sent: which template, to whom, with what facts.  Rendered by desk.replies."""

    purpose: str  # template name: confirmed, partly_confirmed, waitlisted, promoted, cancelled, ...
    to: str
    language: Language
    context: tuple[tuple[str, object], ...] = ()
    ics_method: str | None = None  # "REQUEST" or "CANCEL"


@dataclass(frozen=True)
class FileAttachment:
    """A file attached to an outgoing message (an .ics invitation, a CSV export)."""

    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST", "text/csv"
    data: bytes


@dataclass(frozen=True)
class OutgoingReply:
    """A fully rendered reply (or digest), ready for the outbox.  `message_id` is deterministic."""

    message_id: str
    to: str
    subject: str
    text: str
    html: str
    in_reply_to: str | None
    references: tuple[str, ...]
    purpose: str
    attachments: tuple[FileAttachment, ...] = ()


@dataclass(frozen=True)
class Decision:
    """What to do with a message: its status and folder, and the replies to queue (at most one per message
    to its sender; promotions go to the promoted people)."""

    status: str  # "decided" (will be filed) | "ignored" (left in the inbox) | "review" | "shunted"
    folder: str | None  # sub-folder name under folder_prefix, None = leave in the inbox
    replies: tuple[OutgoingReply, ...] = ()
    reasons: tuple[str, ...] = field(default=())
