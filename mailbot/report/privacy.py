"""Forgetting people: `mailbot forget ADDRESS` and the retention purge after the event.

Personal data is overwritten in place, never deleted row by row: statuses, kinds, focus areas, seat
events and queue positions stay, so every count (seats, waiting list, inputs per area, messages per
kind) is the same before and after.  Message keys stay too: they are what stops a rescan of the mailbox
from processing (and registering) the same mail again.

What this cannot reach: the mail itself in the IMAP mailbox or Maildir, sent mail, logs, backups, and
other people's messages that mention the person by name.  Organisation names are kept (they name
businesses, and the input export is per organisation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, true, update
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.report.common import bare_address
from mailbot.store.models import as_utc
from mailbot.store.models import Attendee, Input, Message, OutboxItem, Registration, SeatEvent

FORGOTTEN = "forgotten"
CANCELLED = "cancelled"  # outbox status for a reply withdrawn because its recipient was forgotten


@dataclass(frozen=True)
class ForgetReport:
    """How many rows of each table had personal data removed (rows already clean are not counted)."""

    attendees: int = 0
    registrations: int = 0
    messages: int = 0
    inputs: int = 0
    outbox: int = 0
    seat_events: int = 0

    @property
    def total(self) -> int:
        return (self.attendees + self.registrations + self.messages + self.inputs + self.outbox
                + self.seat_events)

    def to_json(self) -> dict:
        return {"attendees": self.attendees, "registrations": self.registrations, "messages": self.messages,
                "inputs": self.inputs, "outbox": self.outbox, "seat_events": self.seat_events,
                "total": self.total}

    def render(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in self.to_json().items() if k != "total")
        return f"removed personal data from {self.total} rows: {parts}\n"


def forget(session: Session, email: str) -> ForgetReport:
    """Remove everything personal stored about `email` (case-insensitive); report what was removed.

    Attendees with that address: name, address and title nulled (status kept).  Registrations it made:
    contact address blanked, contact name nulled.  Messages from it: sender, name, subject, body, raw
    bytes, reasons and error removed.  Its inputs: sender nulled (the text, a business's contribution,
    stays).  Replies to it: body and subject blanked, recipient replaced by "forgotten"; a reply not yet
    sent is withdrawn (status "cancelled").  Sent digests are blanked too: they listed everyone.
    """
    address = bare_address(email)
    if "@" not in address:
        raise ValueError(f"not an e-mail address: {email!r}")
    attendee_ids = session.scalars(select(Attendee.id).where(func.lower(Attendee.email) == address)).all()
    message_ids = _ids_matching(session, Message.id, Message.sender, address)
    return ForgetReport(
        attendees=_clear_attendees(session, Attendee.id.in_(attendee_ids)),
        # The desk writes "<name>, <organisation or contact address>": colleagues' events can hold it too.
        seat_events=_clear_seat_events(session, SeatEvent.attendee_id.in_(attendee_ids)
                                       | func.lower(SeatEvent.detail).contains(address, autoescape=True)),
        registrations=_clear_registrations(session, func.lower(Registration.contact_email) == address),
        messages=_clear_messages(session, Message.id.in_(message_ids)),
        inputs=_clear_input_senders(session, or_(Input.message_id.in_(message_ids),
                                                 Input.id.in_(_ids_matching(session, Input.id, Input.sender,
                                                                            address)))),
        outbox=_clear_outbox(session, OutboxItem.id.in_(_ids_matching(session, OutboxItem.id,
                                                                        OutboxItem.recipient, address)))
        + _clear_sent_digests(session),
    )


def purge_expired(session: Session, settings: Settings, now: datetime) -> ForgetReport:
    """After `privacy.retention_days` days past the event date, remove all personal data.

    Does nothing (an empty report) when retention_days is unset or the day has not come.  Beyond what
    `forget` removes for one person, the purge also blanks the inputs' text and attachment text (free text
    carries names and phone numbers; export the inputs before the deadline) and every seat event's detail.
    """
    if settings.retention_days is None:
        return ForgetReport()
    local_day = as_utc(now).astimezone(settings.event.tz).date()
    if local_day < settings.event.date + timedelta(days=settings.retention_days):
        return ForgetReport()
    everything = true()
    return ForgetReport(
        attendees=_clear_attendees(session, everything),
        seat_events=_clear_seat_events(session, everything),
        registrations=_clear_registrations(session, everything),
        messages=_clear_messages(session, everything),
        inputs=_clear_inputs(session),
        outbox=_clear_outbox(session, everything),
    )


def _ids_matching(session: Session, id_column, address_column, address: str) -> list[int]:  # noqa: ANN001
    """Ids of rows whose address column holds `address`, bare or as 'Name <address>'."""
    like = select(id_column, address_column).where(
        func.lower(address_column).contains(address, autoescape=True))
    return [row_id for row_id, value in session.execute(like) if bare_address(value) == address]


def _update(session: Session, model, where, *dirty, **values) -> int:  # noqa: ANN001
    """UPDATE model SET values WHERE where AND (any of `dirty`): the count of rows that still had data."""
    stmt = update(model).where(where).where(or_(*dirty)).values(**values)
    # "fetch" keeps objects already loaded in this session in step with the database.
    return session.execute(stmt.execution_options(synchronize_session="fetch")).rowcount or 0


def _clear_attendees(session: Session, where) -> int:  # noqa: ANN001
    return _update(session, Attendee, where,
                   Attendee.name.is_not(None), Attendee.email.is_not(None), Attendee.title.is_not(None),
                   name=None, email=None, title=None)


def _clear_seat_events(session: Session, where) -> int:  # noqa: ANN001
    return _update(session, SeatEvent, where, SeatEvent.detail.is_not(None), detail=None)


def _clear_registrations(session: Session, where) -> int:  # noqa: ANN001
    return _update(session, Registration, where, Registration.contact_email != "",
                   Registration.contact_name.is_not(None), contact_email="", contact_name=None)


def _clear_messages(session: Session, where) -> int:  # noqa: ANN001
    return _update(session, Message, where,
                   Message.sender.is_not(None), Message.sender_name.is_not(None), Message.subject.is_not(None),
                   Message.raw.is_not(None), Message.new_text.is_not(None), Message.error.is_not(None),
                   sender=None, sender_name=None, subject=None, raw=None, new_text=None, error=None, reasons=[])


def _clear_input_senders(session: Session, where) -> int:  # noqa: ANN001
    return _update(session, Input, where, Input.sender.is_not(None), sender=None)


def _clear_inputs(session: Session) -> int:
    return _update(session, Input, true(), Input.sender.is_not(None), Input.text != "",
                   Input.attachment_text.is_not(None), sender=None, text="", attachment_text=None)


def _clear_outbox(session: Session, where) -> int:  # noqa: ANN001
    """Replies: a pending one is withdrawn first (never sent to "forgotten"), then each is blanked."""
    _update(session, OutboxItem, where, OutboxItem.status == "pending",
            status=CANCELLED, last_error="recipient forgotten (privacy)")
    return _update(session, OutboxItem, where, OutboxItem.recipient != FORGOTTEN,
                   func.length(OutboxItem.raw) > 0, OutboxItem.subject != "",
                   raw=b"", subject="", recipient=FORGOTTEN)


def _clear_sent_digests(session: Session) -> int:
    """Digests already handed to SMTP: their stored copy (and its CSVs) listed everyone.  A digest still
    pending is left alone so the advisor gets it; the next forget or purge clears it."""
    sent = (OutboxItem.purpose == "digest") & (OutboxItem.status != "pending")
    return _update(session, OutboxItem, sent, func.length(OutboxItem.raw) > 0, raw=b"")
