"""Row listings the digest and the exports share: attendees with their organisation, in list order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session

from mailbot.store.models import Attendee, Message, Organization, Registration

NO_NAME = "(navn mangler)"


@dataclass(frozen=True)
class AttendeeRow:
    """One seat or waiting-list place, flattened for reporting.  Times are aware UTC."""

    id: int
    name: str | None
    email: str | None
    status: str
    queue_position: int | None
    registered_at: datetime
    organisation: str | None
    focus_area: str | None

    @property
    def display_name(self) -> str:
        return self.name or NO_NAME


def attendee_select() -> Select:
    """Attendee + organisation (the Organization row, else what was read from the message) + contact."""
    return (
        select(Attendee.id, Attendee.name, Attendee.email, Registration.contact_email,
               Attendee.status, Attendee.queue_position, Attendee.registered_at, Organization.name,
               Message.organization, Registration.focus_area)
        .join(Registration, Attendee.registration_id == Registration.id)
        .outerjoin(Organization, Registration.organization_id == Organization.id)
        .outerjoin(Message, Registration.message_id == Message.id)
    )


def list_order():
    """Confirmed first (by registration time), then the waiting list in queue order, then cancelled."""
    rank = case((Attendee.status == "confirmed", 0), (Attendee.status == "waitlisted", 1), else_=2)
    return (rank, Attendee.queue_position.is_(None), Attendee.queue_position, Attendee.registered_at,
            Attendee.id)


def attendee_rows(session: Session, status: str | None = None) -> list[AttendeeRow]:
    """All attendees (or those with `status`) in list order."""
    stmt = attendee_select().order_by(*list_order())
    if status is not None:
        stmt = stmt.where(Attendee.status == status)
    return [_row(r) for r in session.execute(stmt)]


def _row(r) -> AttendeeRow:  # noqa: ANN001 - a SQLAlchemy Row
    (aid, name, email, contact_email, status, position, registered_at, org_name, msg_org,
     area) = r
    # An attendee registered without an address of their own is reached through the registration's contact.
    own_email = email or contact_email or None
    return AttendeeRow(aid, name, own_email, status, position, registered_at,
                       org_name or msg_org or None, area)
