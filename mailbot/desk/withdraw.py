"""Cancellations: whole, by name, by number, and "Ola kan ikke, Kari kommer".

What is cancelled:
  * names in `withdrawn` (or, when understand listed none, the attendees it found), each matched among
    the sender's registrations, then the organisation's;
  * withdrawn names and newly named people in the same message are paired as substitutions, so Kari
    takes Ola's seat instead of queueing behind everyone waiting;
  * no names and `seats` = k fewer than held: k seats, places in line first, then unnamed seats, then the
    most recently registered;
  * otherwise the whole registration: everything of the registrations the sender is contact for; else
    the sender's own seat (by address, or by name within the organisation).

A cancellation that matches no registration goes to review without a reply.  Telling a stranger "we found
no registration for you" would confirm to anyone who asks whether an address is registered, and the
commonest cause is a registration made from another address (a colleague, a private account), which a
human resolves in a minute.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mailbot.desk.matching import (active_attendees, find_organization, find_person, is_contact, norm_name,
                                   org_domain, organization_registrations, sender_addresses,
                                   sender_registrations)
from mailbot.desk.results import SeatChange
from mailbot.desk.seats import CONFIRMED, SeatBook
from mailbot.desk.signup import register
from mailbot.desk.swaps import apply_swaps, resolve_swaps
from mailbot.domain import Attendee as Person, ParsedMail, Understanding
from mailbot.store.models import Attendee, Organization, Registration

NOT_FOUND = "cancellation matches no registration of this sender or organisation"


def cancel(book: SeatBook, mail: ParsedMail, u: Understanding, max_per_org: int | None) -> SeatChange:
    """Apply a cancellation from `mail`.  Nothing changes when any part of it cannot be matched."""
    session = book.session
    addresses = sender_addresses(mail)
    org = find_organization(session, org_domain(mail.from_addr), u.organization)
    mine = sender_registrations(session, addresses)
    pairs, withdrawn, newcomers = _names(u, active_attendees(mine) + _wider(session, org))
    swaps, problems = resolve_swaps(session, mine, org, pairs)
    swapped = {seat.id for seat, _ in swaps}
    victims, more = _victims(session, mail, u, mine, org, withdrawn, swapped, bool(pairs or newcomers))
    problems += tuple(more)
    if problems:
        return SeatChange(unresolved=tuple(problems))
    substituted = apply_swaps(book, swaps)
    for attendee in victims:
        book.cancel(attendee)
    added = _add(book, mail, u, newcomers, max_per_org)
    after = sender_registrations(session, addresses)
    return SeatChange(
        confirmed=added.confirmed, waitlisted=added.waitlisted, already=added.already,
        substituted=substituted, cancelled=tuple(a.name for a in victims),
        registrations=tuple(r.id for r in after),
        all_cancelled=bool(victims) and not active_attendees(after))


def _wider(session: Session, org: Organization | None) -> list[Attendee]:
    return active_attendees(organization_registrations(session, org))


def _names(u: Understanding, held: list[Attendee]) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(swaps, names withdrawn, newly named people).  Withdrawn and new names pair up in message order."""
    swaps = list(u.substitutes)
    swapped = {norm_name(n) for pair in swaps for n in pair}
    withdrawn = [n for n in u.withdrawn if norm_name(n) not in swapped]
    gone = {norm_name(n) for n in withdrawn}
    named = [a.name for a in u.attendees if norm_name(a.name) not in swapped | gone]
    if not withdrawn and not swaps:
        return [], named, []  # "Ola Nordmann melder seg av": the people named are the ones leaving
    newcomers = [n for n in named if not any(find_person([a], n) for a in held)]
    k = min(len(withdrawn), len(newcomers))
    return swaps + list(zip(withdrawn[:k], newcomers[:k])), withdrawn[k:], newcomers[k:]


def _victims(session: Session, mail: ParsedMail, u: Understanding, mine: list[Registration],
             org: Organization | None, withdrawn: list[str], swapped: set[int], partial: bool) -> tuple[list[Attendee], list[str]]:
    """The seats to cancel, and what could not be matched."""
    own = [a for a in active_attendees(mine) if a.id not in swapped]
    wider = [a for a in _wider(session, org) if a.id not in swapped]
    if withdrawn:
        found = [find_person(own, n) or find_person(wider, n) for n in withdrawn]
        missing = [f"cancellation: {n!r} matches no registered person" for n, a in zip(withdrawn, found) if a is None]
        return [a for a in dict.fromkeys(found) if a is not None], missing
    if partial:
        return [], []  # only swaps/additions were asked for
    if u.seats and u.seats < len(own):
        order = sorted(own, key=lambda a: (a.status == CONFIRMED, a.name is not None, -a.id))
        return order[:u.seats], []
    return _whole(mail, mine, own, wider)


def _whole(mail: ParsedMail, mine: list[Registration], own: list[Attendee],
           wider: list[Attendee]) -> tuple[list[Attendee], list[str]]:
    addresses = sender_addresses(mail)
    if any(is_contact(r, addresses) for r in mine):
        contact_regs = [r for r in mine if is_contact(r, addresses)]
        return active_attendees(contact_regs), []
    by_address = [a for a in own if (a.email or "").lower() in addresses]
    if by_address:
        return by_address, []
    me = find_person(wider, mail.from_name) if mail.from_name.strip() else None
    return ([me], []) if me is not None else ([], [NOT_FOUND])


def _add(book: SeatBook, mail: ParsedMail, u: Understanding, newcomers: list[str],
         max_per_org: int | None) -> SeatChange:
    """People named as coming in a cancellation message, beyond those paired with someone leaving."""
    if not newcomers:
        return SeatChange()
    ask = Understanding(kind=u.kind, attendees=tuple(Person(n) for n in newcomers), seats=len(newcomers),
                        organization=u.organization, language=u.language)
    return register(book, mail, ask, max_per_org)
