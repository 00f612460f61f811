"""The database schema (SQLAlchemy 2 declarative models).

Changing a model means adding an Alembic migration in store/migrations/versions (see README).
JSON columns hold short lists (focus areas, reasons); everything queried on has its own column.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class Str(TypeDecorator):
    """A string column that stores what mail may contain: NUL characters removed (PostgreSQL refuses them,
    and broken mail has them) and values cut to the column's length (PostgreSQL refuses longer ones, SQLite
    would silently keep them).  The guard lives here, at the storage boundary, so every writer gets it."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201 - SQLAlchemy's signature
        if value is None:
            return None
        value = str(value).replace("\x00", "")
        length = getattr(self.impl, "length", None)
        return value[:length] if length else value


class LongText(Str):
    """Str without a length limit (TEXT)."""

    impl = Text
    cache_ok = True


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """`value` as an aware UTC datetime.  SQLite hands DateTime(timezone=True) columns back naive; they were
    stored as UTC (utcnow), so a naive value is taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class UtcDateTime(TypeDecorator):
    """DateTime(timezone=True) that stores UTC and always hands back an aware UTC datetime.

    SQLite keeps no time zone: it stores the wall-clock digits it is given and returns them naive; PostgreSQL
    returns values in the session's zone.  Converting at this boundary means no reader has to: a naive value
    given to a column is taken to be UTC (the convention of utcnow), an aware one is converted to UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201 - SQLAlchemy's signature
        return as_utc(value)

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        return as_utc(value)


class Base(DeclarativeBase):
    pass


class MailboxState(Base):
    """Where intake is in one mailbox: UIDVALIDITY and the highest UID fully handled."""

    __tablename__ = "mailbox_state"
    mailbox: Mapped[str] = mapped_column(Str(255), primary_key=True)
    # IMAP UIDs and UIDVALIDITY are unsigned 32-bit: BigInteger so PostgreSQL's int4 never overflows.
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class Message(Base):
    """Every message the bot has seen, with what it concluded and why.  `key` is the dedup key."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Str(512), unique=True)
    message_id: Mapped[str | None] = mapped_column(Str(998))
    mailbox: Mapped[str | None] = mapped_column(Str(255))
    uid: Mapped[int | None] = mapped_column(BigInteger)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    source_path: Mapped[str | None] = mapped_column(LongText())
    sender: Mapped[str | None] = mapped_column(Str(320), index=True)
    sender_name: Mapped[str | None] = mapped_column(Str(255))
    subject: Mapped[str | None] = mapped_column(LongText())
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    kind: Mapped[str | None] = mapped_column(Str(32), index=True)
    has_input: Mapped[bool] = mapped_column(Boolean, default=False)
    focus_areas: Mapped[list] = mapped_column(JSON, default=list)
    seats: Mapped[int | None] = mapped_column(Integer)
    organization: Mapped[str | None] = mapped_column(Str(255))
    language: Mapped[str | None] = mapped_column(Str(8))
    confidence: Mapped[float | None] = mapped_column(Float)
    should_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    # decided -> filed; or ignored (left in the inbox); review (filed for a human); shunted (error)
    status: Mapped[str] = mapped_column(Str(16), index=True)
    target_folder: Mapped[str | None] = mapped_column(Str(255))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(LongText())
    new_text: Mapped[str | None] = mapped_column(LongText())
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Str(255))
    domain: Mapped[str | None] = mapped_column(Str(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Registration(Base):
    """One sender's registration (a company signing up one or more people)."""

    __tablename__ = "registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    contact_email: Mapped[str] = mapped_column(Str(320), index=True)
    contact_name: Mapped[str | None] = mapped_column(Str(255))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    focus_area: Mapped[str | None] = mapped_column(Str(64))
    language: Mapped[str | None] = mapped_column(Str(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    organization: Mapped[Organization | None] = relationship()
    attendees: Mapped[list[Attendee]] = relationship(back_populates="registration", order_by="Attendee.id")


class Attendee(Base):
    """One seat (or a place on the waiting list).  `queue_position` orders the waiting list."""

    __tablename__ = "attendees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    name: Mapped[str | None] = mapped_column(Str(255))
    email: Mapped[str | None] = mapped_column(Str(320))
    title: Mapped[str | None] = mapped_column(Str(255))
    status: Mapped[str] = mapped_column(Str(16), index=True)  # confirmed | waitlisted | cancelled
    queue_position: Mapped[int | None] = mapped_column(Integer)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    registration: Mapped[Registration] = relationship(back_populates="attendees")


class SeatEvent(Base):
    """A change to the seat list (registered, waitlisted, promoted, cancelled, substituted): the digest's
    'what changed'.  `detail` is "<name>, <organisation>" ("Ola → Kari, <org>" for a substitution);
    `message_id` is the message that caused the change (None for `mailbot capacity set`)."""

    __tablename__ = "seat_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id"))
    action: Mapped[str] = mapped_column(Str(32))
    detail: Mapped[str | None] = mapped_column(LongText())
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class Input(Base):
    """Written input to the climate strategy, filed under its focus areas (primary first)."""

    __tablename__ = "inputs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    organization: Mapped[str | None] = mapped_column(Str(255))
    sender: Mapped[str | None] = mapped_column(Str(320))
    focus_areas: Mapped[list] = mapped_column(JSON, default=list)
    primary_area: Mapped[str | None] = mapped_column(Str(64), index=True)
    text: Mapped[str] = mapped_column(LongText())
    attachment_text: Mapped[str | None] = mapped_column(LongText())
    key_terms: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class OutboxItem(Base):
    """A reply waiting to be sent (transactional outbox).  `message_id` is deterministic: the same decision
    always yields the same Message-ID, so a rare duplicate folds in the recipient's client."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(Str(512), unique=True)
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    purpose: Mapped[str] = mapped_column(Str(64))
    recipient: Mapped[str] = mapped_column(Str(320), index=True)
    subject: Mapped[str] = mapped_column(LongText())
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(Str(16), index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(LongText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Digest(Base):
    """One row per digest day; the unique day makes 'never twice for the same day' hold across restarts."""

    __tablename__ = "digests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    outbox_message_id: Mapped[str | None] = mapped_column(Str(512))


class Setting(Base):
    """Values changed at run time (e.g. `mailbot capacity set N`)."""

    __tablename__ = "settings"
    name: Mapped[str] = mapped_column(Str(64), primary_key=True)
    value: Mapped[str] = mapped_column(LongText())


class Lease(Base):
    """Which process owns a mailbox (SQLite; PostgreSQL uses an advisory lock)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(Str(255), primary_key=True)
    owner: Mapped[str] = mapped_column(Str(255))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


# The desk looks up addresses case-insensitively for every message (reply limit and .ics SEQUENCE by
# recipient, registrations by contact, attendees by e-mail).  Without indexes on lower(...) those queries
# read whole tables, which made a 10,000-message backlog quadratic.
Index("ix_outbox_recipient_lower", func.lower(OutboxItem.recipient))
Index("ix_registrations_contact_lower", func.lower(Registration.contact_email))
Index("ix_attendees_email_lower", func.lower(Attendee.email))
Index("ix_attendees_status_queue", Attendee.status, Attendee.queue_position)


__all__ = [
    "Attendee", "Base", "Digest", "Input", "Lease", "MailboxState", "Message", "Organization", "OutboxItem",
    "Registration", "SeatEvent", "Setting", "UniqueConstraint", "as_utc", "utcnow",
]
