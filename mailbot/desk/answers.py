"""Which reply a decided message gets, and the promotion e-mails: from facts to ReplyPlans, rendered.

One outcome, one template: the sender's reply is chosen from the message kind and what happened to the
seats; promotions are grouped per registration, so two people promoted at once from one company give
that company's contact one e-mail.  Confirmations (and promotions) carry a calendar invitation; a
cancellation that leaves the sender with nothing carries its cancellation.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.desk.invitation import CANCEL, REQUEST
from mailbot.desk.matching import sender_addresses, sender_registrations
from mailbot.desk.replies import Replies, ReplyFacts, Thread
from mailbot.desk.results import Holding, SeatChange, holding
from mailbot.desk.rules import UNANSWERABLE, Plan
from mailbot.desk.seats import SeatBook
from mailbot.domain import Kind, Language, OutgoingReply, ParsedMail, ReplyPlan, Understanding
from mailbot.store.models import Attendee, Message, OutboxItem, Registration

CONFIRMATIONS = ("confirmed", "partly_confirmed", "promoted", "already_registered")


class Answers:
    def __init__(self, settings: Settings, templates_dir: Path) -> None:
        self.settings = settings
        self.replies = Replies(settings, templates_dir)
        self.replies.check()

    def to_sender(self, book: SeatBook, row: Message, mail: ParsedMail, u: Understanding, plan: Plan,
                  change: SeatChange | None, sequence: int | None = None) -> OutgoingReply | None:
        """The one reply to the sender, or None when this outcome has none.  `sequence` is the number of
        replies queued to the sender's reply address before (read here when not given)."""
        purpose = choose_purpose(u, plan, change)
        if purpose is None:
            return None
        held = sender_holding(book, mail, change)
        event = self.settings.event
        facts = ReplyFacts(
            greeting_name=greeting_name(mail.from_name), change=change or SeatChange(), holding=held,
            has_input=u.has_input or u.kind is Kind.INPUT, input_areas=u.focus_areas,
            closed=("started" if book.now >= event.starts_at else "deadline") if plan.closed else None,
            deadline=event.registration_deadline, org_limit=event.max_per_organization)
        reply = ReplyPlan(purpose, mail.reply_address.strip(), u.language, facts.pairs(),
                          ics_method(purpose, held, change))
        thread = Thread(mail.key, mail.message_id, mail.references, mail.subject)
        if sequence is None:
            sequence = _sequence(book.session, reply.to)
        return self.replies.render(reply, thread, book.now, sequence)

    def promotions(self, book: SeatBook) -> tuple[OutgoingReply, ...]:
        """One e-mail per registration for everyone `book` promoted (to the registration's contact)."""
        groups: dict[int, list[Attendee]] = {}
        for attendee in book.promoted:
            groups.setdefault(attendee.registration_id, []).append(attendee)
        own = {a.lower() for a in self.settings.replies.bot_addresses}
        return tuple(self._promotion(book, attendees) for attendees in groups.values()
                     if _answerable(attendees[0].registration.contact_email, own))

    def _promotion(self, book: SeatBook, attendees: list[Attendee]) -> OutgoingReply:
        registration: Registration = attendees[0].registration
        held = holding(book, [registration])
        facts = ReplyFacts(greeting_name=greeting_name(registration.contact_name or ""), holding=held,
                           promoted=tuple(a.name for a in attendees))
        language = _language(registration.language)
        plan = ReplyPlan("promoted", registration.contact_email, language, facts.pairs(), REQUEST)
        origin = book.session.get(Message, registration.message_id) if registration.message_id else None
        key = "promotion:" + ",".join(str(a.id) for a in attendees)
        thread = Thread(key, origin.message_id if origin else None, (), origin.subject if origin else "")
        return self.replies.render(plan, thread, book.now, _sequence(book.session, plan.to))


def choose_purpose(u: Understanding, plan: Plan, change: SeatChange | None) -> str | None:
    """The template for the sender's reply."""
    if u.kind is Kind.REGISTRATION:
        if plan.closed:
            return "registration_closed"
        change = change or SeatChange()
        if change.confirmed and change.waitlisted:
            return "partly_confirmed"
        if change.waitlisted:
            return "waitlisted"
        if change.confirmed or change.substituted:
            return "confirmed"
        return "already_registered" if change.already else None
    if u.kind is Kind.CANCELLATION:
        return "cancelled"
    return "input_received" if u.kind is Kind.INPUT else None


def ics_method(purpose: str, held: Holding, change: SeatChange | None) -> str | None:
    if purpose in CONFIRMATIONS and held.confirmed:
        return REQUEST
    if purpose == "cancelled" and change is not None and change.all_cancelled:
        return CANCEL
    return None


def sender_holding(book: SeatBook, mail: ParsedMail, change: SeatChange | None) -> Holding:
    """What the sender holds now (after `change`)."""
    if change is not None and change.registrations:
        # Just loaded by the seat change: the identity map answers without SQL (holding sorts them).
        found = (book.session.get(Registration, rid) for rid in change.registrations)
        return holding(book, [r for r in found if r is not None])
    return holding(book, sender_registrations(book.session, sender_addresses(mail)))


def greeting_name(display_name: str) -> str | None:
    """The name to greet with, when the display name looks like a person's or company's name."""
    name = " ".join((display_name or "").split())
    if not name or "@" in name or len(name) > 60:
        return None
    return name


def _answerable(address: str, own: set[str]) -> bool:
    """A promotion is not sent to our own or a no-reply address (the seat is still given)."""
    address = address.strip().lower()
    return "@" in address and address not in own and not UNANSWERABLE.match(address)


def _language(value: str | None) -> Language:
    try:
        return Language(value or "nb")
    except ValueError:
        return Language.NB


def _sequence(session: Session, recipient: str) -> int:
    """The iCalendar SEQUENCE for a new invitation to `recipient`: the number of replies sent to them
    before.  It grows with every invitation, so each one supersedes (or cancels) the previous."""
    stmt = select(func.count()).select_from(OutboxItem).where(
        func.lower(OutboxItem.recipient) == recipient.strip().lower())
    return int(session.scalar(stmt) or 0)

