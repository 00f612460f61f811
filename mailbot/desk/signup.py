"""Registrations: a new one, more people on an existing one, or the same people again.

Who is asked for (`wanted_people`): the named attendees, then (when `seats` is larger and the sender is not
named) the sender, then unnamed seats up to `seats`.  A person already holding a seat or a place in line (same address, or same
full name in the same organisation or registration) is not registered twice.

A sender who already has a registration and names nobody new is either adding seats ("vi blir en til",
with `seats` counting the extra people) or repeating themselves; `seats` greater than what they hold is
read as the new total ("vi blir tre" from someone holding two adds one).
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from mailbot.desk.matching import (ACTIVE, active_attendees, is_contact, norm_name, organization_for,
                                   sender_addresses, sender_registrations)
from mailbot.desk.results import SeatChange
from mailbot.desk.seats import SeatBook, Wanted
from mailbot.desk.swaps import apply_swaps, resolve_swaps
from mailbot.domain import ParsedMail, Understanding
from mailbot.store.models import Attendee, Organization, Registration

# "en til", "to ekstra", "i tillegg", "også melde på", "one more", "additional": the count is extra seats.
ADDING = re.compile(
    r"\b(?:en|ein|én|éin|ett|to|tre|fire|fem|\d+)\s+(?:til|ekstra|personer\s+til|personar\s+til)\b"
    r"|\bi\s+tillegg\b|\b(?:også|òg)\s+(?:melde|registrere|ta\s+med|ha\s+med)\b"
    r"|\b(?:one|two|three|four|five|\d+)\s+more\b|\badditional\b|\balso\s+(?:register|bring|sign\s+up)\b",
    re.IGNORECASE)


def wanted_people(mail: ParsedMail, u: Understanding, skip: frozenset[str] = frozenset()) -> list[Wanted]:
    """The people `u` asks seats for, leaving out names in `skip` (those being swapped)."""
    sender = norm_name(mail.from_name)
    named = [Wanted(a.name, a.email or (mail.from_addr if sender and norm_name(a.name) == sender else None),
                    a.title)
             for a in u.attendees if norm_name(a.name) not in skip]
    if skip and not named:
        return []  # the message only swaps people
    seats = max(u.seats or 0, len(named), 1)
    me = Wanted(mail.from_name.strip() or None, mail.from_addr)
    if named and (seats == len(named) or any(w.email == mail.from_addr for w in named)):
        return named + [Wanted(None)] * (seats - len(named))
    # More seats than names: the sender is the likeliest one unnamed ("Tom will join me, two people").
    return named + [me] + [Wanted(None)] * (seats - len(named) - 1)


def register(book: SeatBook, mail: ParsedMail, u: Understanding, max_per_org: int | None) -> SeatChange:
    """Apply a registration (or addition, or swap) from `mail` to the seat book."""
    session = book.session
    addresses = sender_addresses(mail)
    org = organization_for(session, mail, u, book.now)
    mine = sender_registrations(session, addresses)
    swaps, unresolved = resolve_swaps(session, mine, org, u.substitutes)
    if unresolved:
        return SeatChange(unresolved=unresolved)
    substituted = apply_swaps(book, swaps)
    skip = frozenset(norm_name(n) for pair in u.substitutes for n in pair)
    wanted = wanted_people(mail, u, skip)
    if mine and wanted and not u.attendees:
        wanted = _more_of_the_same(mail, u, mine, addresses)
    new, already = _split_known(session, wanted, org, mine)
    new, over = _within_limit(session, new, org, mine, max_per_org)
    target = _target(mine, addresses)
    if new and target is None:
        target = _new_registration(book, mail, u, org)
    added = [book.add(target, w) for w in new]
    after = sender_registrations(session, addresses) or ([target] if target else [])
    return SeatChange(
        confirmed=tuple(a.name for a in added if a.status == "confirmed"),
        waitlisted=tuple(a.name for a in added if a.status == "waitlisted"),
        already=tuple(w.name for w in already), over_limit=tuple(w.name for w in over),
        substituted=substituted, registrations=tuple(r.id for r in after))


def _more_of_the_same(mail: ParsedMail, u: Understanding, mine: list[Registration],
                      addresses: frozenset[str]) -> list[Wanted]:
    """A sender with a registration asks again without naming anyone: extra seats, or a repeat."""
    held = active_attendees(mine)
    if ADDING.search(mail.new_text or ""):
        return [Wanted(None)] * (u.seats or 1)
    sender_holds = any((a.email or "").lower() in addresses for a in held)
    if not held or (not sender_holds and (u.seats or 1) == 1):
        return wanted_people(mail, u)  # everyone had cancelled, or the contact now signs up themself
    extra = (u.seats or 1) - len(held)
    if extra > 0:
        return [Wanted(None)] * extra
    # The same request again: the sender is reported as already registered.
    return [Wanted(mail.from_name.strip() or None, mail.from_addr)]


def _split_known(session: Session, wanted: list[Wanted], org: Organization | None,
                 mine: list[Registration]) -> tuple[list[Wanted], list[Wanted]]:
    """(new, already registered).  Unnamed seats without an address are always new."""
    known_names = {norm_name(a.name) for a in _org_attendees(session, org) + active_attendees(mine) if a.name}
    new: list[Wanted] = []
    already: list[Wanted] = []
    for w in wanted:
        name = norm_name(w.name)
        if (w.email and _address_holds_seat(session, w.email)) or (name and name in known_names):
            already.append(w)
        elif name and any(norm_name(n.name) == name for n in new):
            continue  # named twice in one message
        else:
            new.append(w)
    return new, already


def _address_holds_seat(session: Session, address: str) -> bool:
    return bool(session.scalar(_HOLDS_SEAT, {"address": address.strip().lower()}))


def _org_attendees(session: Session, org: Organization | None) -> list[Attendee]:
    if org is None:
        return []
    return list(session.scalars(_ORG_ATTENDEES, {"org": org.id}))


# Statements built once (building one costs more than running it).
_HOLDS_SEAT = select(func.count()).select_from(Attendee).where(
    func.lower(Attendee.email) == bindparam("address"), Attendee.status.in_(ACTIVE))
_ORG_ATTENDEES = (select(Attendee).join(Registration).where(Registration.organization_id == bindparam("org"),
                                                            Attendee.status.in_(ACTIVE)))


def _within_limit(session: Session, new: list[Wanted], org: Organization | None,
                  mine: list[Registration], limit: int | None) -> tuple[list[Wanted], list[Wanted]]:
    """Split `new` at event.max_per_organization (per organisation; per sender when none is known)."""
    if limit is None:
        return new, []
    used = len(_org_attendees(session, org)) if org is not None else len(active_attendees(mine))
    room = max(0, limit - used)
    return new[:room], new[room:]


def _target(mine: list[Registration], addresses: frozenset[str]) -> Registration | None:
    """The registration new people join: the newest one the sender is contact for, else the newest one
    the sender attends."""
    own = [r for r in mine if is_contact(r, addresses)]
    return (own or mine or [None])[0]


def _new_registration(book: SeatBook, mail: ParsedMail, u: Understanding,
                      org: Organization | None) -> Registration:
    registration = Registration(
        organization=org, contact_email=mail.reply_address.strip().lower()[:320],
        contact_name=(mail.from_name.strip() or None), message_id=book.message_id,
        focus_area=u.focus_areas[0].value if u.focus_areas else None, language=u.language.value,
        created_at=book.now)
    book.session.add(registration)
    book.session.flush()
    return registration
