"""The seat book: confirmed seats, the waiting list, and the SeatEvent history.

Every method works inside the caller's transaction and must only be used after `lock_seats(session)`
(store/db.py): on SQLite the transaction already holds the write lock (BEGIN IMMEDIATE), on PostgreSQL
the advisory lock serialises seat changes.  Counting and assigning seats under that lock is what keeps
two processes from overbooking: the count read here cannot change until the transaction ends.

Invariants kept by the book:
  * the number of confirmed seats never grows past the capacity (lowering the capacity below the number
    confirmed never un-confirms anyone; it only stops new confirmations);
  * the waiting list is served strictly in arrival order: `queue_position` is a sequence number that
    only grows, so positions are unique and never reused;
  * nobody waits while a seat is free: `promote()` runs before every allocation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from mailbot.store.models import Attendee, Registration, SeatEvent, Setting

CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"
CAPACITY_SETTING = "capacity"  # the Setting row written by `mailbot capacity set N` (report reads it too)


def capacity_override(session: Session) -> int | None:
    """The capacity set at run time, or None.  A garbled value is ignored, as report.figures does."""
    row = session.get(Setting, CAPACITY_SETTING)
    if row is None:
        return None
    try:
        value = int(row.value.strip())
    except ValueError:
        return None
    return value if value > 0 else None


def store_capacity(session: Session, capacity: int) -> None:
    row = session.get(Setting, CAPACITY_SETTING)
    if row is None:
        session.add(Setting(name=CAPACITY_SETTING, value=str(capacity)))
    else:
        row.value = str(capacity)


@dataclass(frozen=True)
class Wanted:
    """A person a message asks a seat for.  `name` is None for a seat whose person was not named."""

    name: str | None
    email: str | None = None
    title: str | None = None


@dataclass
class SeatBook:
    """Seat operations for one transaction.  `message_id` (the messages.id causing the change) is
    recorded on every SeatEvent; `promoted` collects everyone moved off the waiting list."""

    session: Session
    capacity: int
    now: datetime
    message_id: int | None = None
    promoted: list[Attendee] = field(default_factory=list)

    def confirmed_count(self) -> int:
        return int(self.session.scalar(_CONFIRMED_COUNT) or 0)

    def free(self) -> int:
        return max(0, self.capacity - self.confirmed_count())

    def waiting(self) -> list[Attendee]:
        return list(self.session.scalars(_WAITING))

    def rank(self, attendee: Attendee) -> int:
        """1 for the first in line."""
        return int(self.session.scalar(_RANK, {"position": attendee.queue_position}) or 0)

    def add(self, registration: Registration, wanted: Wanted) -> Attendee:
        """A new seat for `wanted`: confirmed while seats remain, else at the end of the waiting list."""
        confirmed = self._promote() > 0
        attendee = Attendee(
            registration=registration, name=_cut(wanted.name), email=_cut(wanted.email, 320),
            title=_cut(wanted.title), status=CONFIRMED if confirmed else WAITLISTED,
            queue_position=None if confirmed else self._next_position(), registered_at=self.now,
            changed_at=self.now)
        self.session.add(attendee)
        self.session.flush()
        self._record(attendee, "registered" if confirmed else "waitlisted")
        return attendee

    def cancel(self, attendee: Attendee) -> None:
        """Cancel one seat (or waiting-list place); the freed seat goes to the first in line."""
        attendee.status = CANCELLED
        attendee.changed_at = self.now
        self.session.flush()
        self._record(attendee, "cancelled")
        self.promote()

    def substitute(self, attendee: Attendee, name: str) -> str | None:
        """Give `attendee`'s seat to `name`; the seat keeps its status and place in line."""
        before = attendee.name
        attendee.name = _cut(name)
        attendee.email = None  # the address belonged to the person who left
        attendee.changed_at = self.now
        self._record(attendee, "substituted", f"{before or '(uten navn)'} → {name}")
        return before

    def promote(self) -> list[Attendee]:
        """Move the first in line into every free seat; returns (and remembers) those promoted."""
        before = len(self.promoted)
        self._promote()
        return self.promoted[before:]

    def _promote(self) -> int:
        """`promote`, returning the seats still free afterwards (one count instead of two)."""
        free = self.free()
        moved = self.waiting()[:free] if free else []
        for attendee in moved:
            attendee.status = CONFIRMED
            attendee.changed_at = self.now
            self._record(attendee, "promoted")
        if moved:
            self.session.flush()
        self.promoted.extend(moved)
        return free - len(moved)

    def _next_position(self) -> int:
        return int(self.session.scalar(_LAST_POSITION) or 0) + 1

    def _record(self, attendee: Attendee, action: str, detail: str | None = None) -> None:
        registration = attendee.registration
        org = registration.organization.name if registration.organization else registration.contact_email
        who = detail or attendee.name or "(uten navn)"
        self.session.add(SeatEvent(attendee_id=attendee.id, action=action, detail=f"{who}, {org}",
                                   message_id=self.message_id, created_at=self.now))


# Statements built once (building one costs more than running it on these indexed columns).
_CONFIRMED_COUNT = select(func.count()).select_from(Attendee).where(Attendee.status == CONFIRMED)
_WAITING = select(Attendee).where(Attendee.status == WAITLISTED).order_by(Attendee.queue_position)
_RANK = select(func.count()).select_from(Attendee).where(
    Attendee.status == WAITLISTED, Attendee.queue_position <= bindparam("position"))
_LAST_POSITION = select(func.max(Attendee.queue_position))


def _cut(value: str | None, length: int = 255) -> str | None:
    return value[:length] if value else None
