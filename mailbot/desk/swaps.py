"""Substitutions: "Kari kommer i stedet for Ola" gives Ola's seat (or place in line) to Kari.

The person leaving is looked for among the sender's own registrations first, then among their
organisation's.  When nobody by that name is found but the sender holds a seat without a name, that seat
is the one handed over (the person leaving was most likely the unnamed one).  Resolving happens before
anything is changed, so a message that cannot be fully resolved changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from mailbot.desk.matching import active_attendees, find_person, organization_registrations
from mailbot.desk.seats import SeatBook
from mailbot.store.models import Attendee, Organization, Registration

Swap = tuple[Attendee, str]  # (the seat, the name of the person who takes it)


def resolve_swaps(session: Session, mine: list[Registration], org: Organization | None,
                  pairs: Sequence[tuple[str, str]]) -> tuple[list[Swap], tuple[str, ...]]:
    """The seats to hand over, and a reason for every pair that matched nobody."""
    if not pairs:
        return [], ()
    own = active_attendees(mine)
    wider = active_attendees(organization_registrations(session, org))
    taken: set[int] = set()
    swaps: list[Swap] = []
    problems: list[str] = []
    for leaving, coming in pairs:
        seat = _seat_of(leaving, own, wider, taken)
        if seat is None:
            problems.append(f"substitution: {leaving!r} (replaced by {coming!r}) matches no registered person")
            continue
        taken.add(seat.id)
        swaps.append((seat, coming))
    return swaps, tuple(problems)


def _seat_of(leaving: str, own: list[Attendee], wider: list[Attendee], taken: set[int]) -> Attendee | None:
    free_own = [a for a in own if a.id not in taken]
    found = find_person(free_own, leaving) or find_person([a for a in wider if a.id not in taken], leaving)
    if found is not None:
        return found
    unnamed = [a for a in free_own if not a.name]
    return unnamed[0] if unnamed else None


def apply_swaps(book: SeatBook, swaps: list[Swap]) -> tuple[tuple[str | None, str], ...]:
    """Hand each seat over; returns (name before, name after) pairs."""
    return tuple((book.substitute(seat, coming), coming) for seat, coming in swaps)
