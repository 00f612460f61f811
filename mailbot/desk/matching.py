"""Finding who a message is about: the sender's registrations, their organisation, a person by name.

Matching is deliberately conservative.  A registration belongs to a sender when the sender's address (From
or Reply-To) is its contact address or an attendee's address; the organisation (by e-mail domain, never a
free-mail domain like gmail.com, else by name with legal suffixes like "AS" ignored) widens the search
only for changes that name a person.  A name matches when it is the same full name, or a lone first name
that fits exactly one person among the candidates; anything ambiguous is not a match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from mailbot.domain import ParsedMail, Understanding
from mailbot.store.models import Attendee, Organization, Registration

ACTIVE = ("confirmed", "waitlisted")
# Addresses at these domains say nothing about the employer.
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.no", "outlook.com", "outlook.no", "live.com",
    "live.no", "msn.com", "yahoo.com", "yahoo.no", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
    "protonmail.com", "gmx.com", "gmx.net", "online.no", "broadpark.no", "frisurf.no", "start.no",
    "getmail.no", "c2i.net", "altibox.no", "lyse.net", "telia.no", "bluezone.no", "mail.com",
})
LEGAL_SUFFIXES = frozenset({"as", "asa", "sa", "ans", "da", "ba", "ks", "sf", "nuf", "ltd", "inc", "ab",
                            "gmbh", "llc", "plc"})


def norm_name(name: str | None) -> str:
    """Case-, accent-width- and spacing-insensitive form of a person's name ('ola  nordmann')."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = re.sub(r"[^\w\s-]", " ", text)
    return " ".join(text.split())


def norm_org(name: str | None) -> str:
    """An organisation name without legal suffixes: 'Asplan Viak AS' -> 'asplan viak'."""
    words = norm_name(name).replace("-", " ").split()
    while words and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def same_person(query: str | None, stored: str | None) -> bool:
    """True when `query` names `stored`: the same full name, or `query` is just the first name."""
    q, s = norm_name(query), norm_name(stored)
    if not q or not s:
        return False
    return q == s or (" " not in q and s.split()[0] == q)


def find_person(candidates: Sequence[Attendee], name: str) -> Attendee | None:
    """The one active attendee among `candidates` called `name`; None when none or several match."""
    active = [a for a in candidates if a.status in ACTIVE]
    exact = [a for a in active if norm_name(a.name) == norm_name(name) and norm_name(name)]
    if len(exact) == 1:
        return exact[0]
    loose = [a for a in active if same_person(name, a.name)]
    return loose[0] if len(loose) == 1 and not exact else None


def sender_addresses(mail: ParsedMail) -> frozenset[str]:
    """The sender's addresses, lower-cased: From and (when given) Reply-To."""
    return frozenset(a.strip().lower() for a in (mail.from_addr, mail.reply_to) if a and a.strip())


def org_domain(address: str) -> str | None:
    """The employer's domain of an address, or None for free-mail and malformed addresses."""
    domain = address.rpartition("@")[2].strip().lower()
    if not domain or "." not in domain or domain in FREE_MAIL:
        return None
    return domain


def find_organization(session: Session, domain: str | None, name: str | None) -> Organization | None:
    """An existing organisation with this e-mail domain, else with this name (suffixes ignored)."""
    if domain:
        found = session.scalars(select(Organization).where(Organization.domain == domain)
                                .order_by(Organization.id)).first()
        if found is not None:
            return found
    wanted = norm_org(name)
    if not wanted:
        return None
    # Few organisations register for one workshop; comparing normalised names in Python is simplest.
    for org in session.scalars(select(Organization).order_by(Organization.id)):
        if norm_org(org.name) == wanted:
            return org
    return None


def organization_for(session: Session, mail: ParsedMail, u: Understanding, now: datetime) -> Organization | None:
    """The sender's organisation, created when new; None when neither a name nor a work domain is known."""
    domain = org_domain(mail.from_addr)
    org = find_organization(session, domain, u.organization)
    if org is None:
        if not (u.organization or domain):
            return None
        org = Organization(name=(u.organization or domain)[:255], domain=domain, created_at=now)
        session.add(org)
        session.flush()
    elif u.organization and org.name == org.domain:
        org.name = u.organization[:255]  # a real name is better than the domain we had to use
    return org


def sender_registrations(session: Session, addresses: Iterable[str]) -> list[Registration]:
    """Registrations whose contact is the sender, or that hold an active attendee with the sender's
    address; newest first."""
    addresses = sorted(addresses)
    if not addresses:
        return []
    return list(session.scalars(_BY_SENDER, {"addresses": addresses}))


def _by_sender():  # noqa: ANN202 - a Select of Registration
    """sender_registrations' statement, built once (expanding IN): building it per call cost more than
    running it."""
    addresses = bindparam("addresses", expanding=True)
    by_contact = select(Registration.id).where(func.lower(Registration.contact_email).in_(addresses))
    by_attendee = select(Attendee.registration_id).where(
        func.lower(Attendee.email).in_(addresses), Attendee.status.in_(ACTIVE))
    return (select(Registration).where(Registration.id.in_(by_contact.union(by_attendee)))
            .order_by(Registration.id.desc()))


_BY_SENDER = _by_sender()


def organization_registrations(session: Session, org: Organization | None) -> list[Registration]:
    if org is None:
        return []
    stmt = select(Registration).where(Registration.organization_id == org.id).order_by(Registration.id.desc())
    return list(session.scalars(stmt))


def active_attendees(registrations: Iterable[Registration]) -> list[Attendee]:
    """Active attendees of `registrations` in the order they registered."""
    found = {a.id: a for r in registrations for a in r.attendees if a.status in ACTIVE}
    return [found[k] for k in sorted(found)]


def is_contact(registration: Registration, addresses: frozenset[str]) -> bool:
    return (registration.contact_email or "").lower() in addresses
