"""What a seat operation did (`SeatChange`) and what a sender holds afterwards (`Holding`).

Names are display names; None stands for a seat whose person was not named ("vi kommer tre stykker").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mailbot.desk.matching import active_attendees
from mailbot.desk.seats import CONFIRMED, SeatBook
from mailbot.store.models import Registration

Names = tuple[str | None, ...]


@dataclass(frozen=True)
class SeatChange:
    """The effect of one message on the seat list.  When `unresolved` is not empty nothing was changed:
    the message needs a human (each entry says what could not be matched)."""

    confirmed: Names = ()
    waitlisted: Names = ()
    already: Names = ()  # asked for again; they already held a seat or a place in line
    over_limit: Names = ()  # not registered: the organisation's limit (event.max_per_organization) is reached
    substituted: tuple[tuple[str | None, str], ...] = ()  # (leaving, coming)
    cancelled: Names = ()
    unresolved: tuple[str, ...] = ()
    registrations: tuple[int, ...] = ()  # the sender's registrations after the change (for the reply)
    all_cancelled: bool = False  # a cancellation left the sender without any seat or place in line

    @property
    def added(self) -> bool:
        return bool(self.confirmed or self.waitlisted)

    def summary(self) -> str:
        """One line for Decision.reasons, e.g. 'seats: 2 confirmed, 1 waitlisted'."""
        parts = [f"{len(v)} {label}" for label, v in (
            ("confirmed", self.confirmed), ("waitlisted", self.waitlisted), ("already registered", self.already),
            ("over the organisation limit", self.over_limit), ("substituted", self.substituted),
            ("cancelled", self.cancelled)) if v]
        return "seats: " + (", ".join(parts) if parts else "no change")


@dataclass(frozen=True)
class Holding:
    """The seats a sender (or a promoted registration) holds: confirmed names, and names with their
    place in the waiting line (1 = next)."""

    confirmed: Names = ()
    waiting: tuple[tuple[str | None, int], ...] = ()

    @property
    def waiting_names(self) -> Names:
        return tuple(name for name, _ in self.waiting)

    @property
    def first_rank(self) -> int | None:
        return min((rank for _, rank in self.waiting), default=None)

    @property
    def empty(self) -> bool:
        return not (self.confirmed or self.waiting)


def holding(book: SeatBook, registrations: Iterable[Registration]) -> Holding:
    attendees = active_attendees(registrations)
    confirmed = tuple(a.name for a in attendees if a.status == CONFIRMED)
    waiting = sorted(((book.rank(a), a.name) for a in attendees if a.status != CONFIRMED), key=lambda p: p[0])
    return Holding(confirmed, tuple((name, rank) for rank, name in waiting))
