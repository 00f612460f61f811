"""The desk: for one understood message, decide its folder and status, change seats, store input, and
render the replies.  Rules decide (desk.rules); the seat book and the renderer act.

Contract with the daemon (mailbot.pipeline): `decide` runs inside the daemon's transaction, after the
Message row is added, and never commits.  The replies it returns are queued by the daemon in the same
transaction, so seats, inputs and replies are stored together or not at all.  At most one reply goes to
the sender of a message; promotions go to the people promoted (their registration's contact address).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.desk.answers import Answers
from mailbot.desk.results import SeatChange
from mailbot.desk.rules import REPLY_WINDOW, DeskFacts, Plan, combine, load_rules
from mailbot.desk.seats import SeatBook, capacity_override, store_capacity
from mailbot.desk.signup import register
from mailbot.desk.withdraw import cancel
from mailbot.domain import Decision, Kind, OutgoingReply, ParsedMail, Understanding
from mailbot.errors import ConfigError
from mailbot.rulebook import run_rules
from mailbot.store.db import lock_seats
from mailbot.store.models import Input, Message, OutboxItem

SEAT_KINDS = (Kind.REGISTRATION, Kind.CANCELLATION)


class Desk:
    """Seats, waiting list and replies.  One per process; holds no state between calls."""

    def __init__(self, settings: Settings, rules_dir: Path,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.settings = settings
        self.clock = clock
        self.rules = load_rules(Path(rules_dir))
        self.answers = Answers(settings, Path(rules_dir) / "templates")

    # -- capacity ---------------------------------------------------------------------------------------

    def capacity(self, session: Session) -> int:
        """The seats in force: `mailbot capacity set N` when given, else event.capacity from the config."""
        return capacity_override(session) or self.settings.event.capacity

    def set_capacity(self, session: Session, capacity: int) -> tuple[OutgoingReply, ...]:
        """Store a new capacity and fill any seats it frees from the waiting list; the promotion e-mails
        are returned for the caller to queue.  Lowering it never un-confirms anyone."""
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ConfigError([f"capacity: must be a whole number of seats, at least 1, got {capacity!r}"])
        lock_seats(session)
        store_capacity(session, capacity)
        return self._promote(SeatBook(session, capacity, self._now()))

    def reconcile(self, session: Session) -> tuple[OutgoingReply, ...]:
        """Fill free seats from the waiting list (e.g. event.capacity was raised while the bot was down)."""
        lock_seats(session)
        return self._promote(SeatBook(session, self.capacity(session), self._now()))

    def _promote(self, book: SeatBook) -> tuple[OutgoingReply, ...]:
        book.promote()
        return self.answers.promotions(book)

    # -- one message ------------------------------------------------------------------------------------

    def decide(self, session: Session, row: Message, mail: ParsedMail, u: Understanding) -> Decision:
        """Decide `row` (already added to `session`); see the module docstring for the contract."""
        now = self._now()
        if row.id is None:
            session.add(row)
            session.flush()
        counts = _reply_counts(session, mail, row.id, now)
        plan = self._plan(mail, u, now, counts)
        if plan.review:
            return self._review(plan.reasons)
        book = SeatBook(session, self.settings.event.capacity, now, row.id)
        change = self._seats(book, mail, u, plan)
        if change is not None and (change.unresolved or _nothing_possible(change)):
            problems = change.unresolved or ("the organisation's seat limit is reached: nothing registered",)
            return self._review(plan.reasons + tuple(f"review: {p}" for p in problems))
        reasons = plan.reasons + ((change.summary(),) if change is not None else ())
        if _has_input(u):
            self._store_input(session, row, mail, u, now)
            reasons += (f"input stored under {', '.join(a.value for a in u.focus_areas) or 'no focus area'}",)
        replies = []
        if plan.may_reply:
            reply = self.answers.to_sender(book, row, mail, u, plan, change, sequence=counts.ever)
            replies += [reply] if reply is not None else []
        replies += self.answers.promotions(book)
        folder = getattr(self.settings.folders, plan.folder_key) if plan.folder_key else None
        return Decision("decided" if folder else "ignored", folder, tuple(replies), reasons)

    def _plan(self, mail: ParsedMail, u: Understanding, now: datetime, counts: ReplyCounts) -> Plan:
        facts = DeskFacts(mail, u, self.settings, now, replies_last_day=counts.last_day,
                          replies_to_message=counts.to_message)
        return combine(run_rules(self.rules, facts))

    def _seats(self, book: SeatBook, mail: ParsedMail, u: Understanding, plan: Plan) -> SeatChange | None:
        if u.kind not in SEAT_KINDS or (plan.closed and u.kind is Kind.REGISTRATION):
            return None
        lock_seats(book.session)
        book.capacity = self.capacity(book.session)  # read under the lock
        limit = self.settings.event.max_per_organization
        return register(book, mail, u, limit) if u.kind is Kind.REGISTRATION else cancel(book, mail, u, limit)

    def _review(self, reasons: tuple[str, ...]) -> Decision:
        return Decision("review", self.settings.folders.review, (), reasons)

    def _store_input(self, session: Session, row: Message, mail: ParsedMail, u: Understanding,
                     now: datetime) -> None:
        session.add(Input(
            message_id=row.id, organization=(u.organization or None) and u.organization[:255],
            sender=mail.from_addr[:320], focus_areas=[a.value for a in u.focus_areas],
            primary_area=u.focus_areas[0].value if u.focus_areas else None, text=mail.new_text or mail.text,
            attachment_text=mail.attachment_text or None, key_terms=list(u.key_terms), created_at=now))

    def _now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)


def _has_input(u: Understanding) -> bool:
    return u.kind is Kind.INPUT or (u.has_input and u.kind in SEAT_KINDS)


def _nothing_possible(change: SeatChange) -> bool:
    """A registration refused entirely by the per-organisation limit: a human should answer that."""
    return bool(change.over_limit) and not (change.added or change.already or change.substituted)


@dataclass(frozen=True)
class ReplyCounts:
    """Outbox counts read before deciding (one statement): replies queued to the sender's reply address in
    the last 24 hours and ever (the .ics SEQUENCE of a reply to them), and replies to this very message."""

    last_day: int
    ever: int
    to_message: int


def _reply_counts_statement():  # noqa: ANN202 - a Select
    # Built once: constructing a statement costs more than running this one (three index lookups).
    to_sender = func.lower(OutboxItem.recipient) == bindparam("recipient")
    count = select(func.count()).select_from(OutboxItem)
    last_day = count.where(to_sender, OutboxItem.created_at >= bindparam("since")).scalar_subquery()
    ever = count.where(to_sender).scalar_subquery()
    to_message = count.where(OutboxItem.source_message_id == bindparam("message_id")).scalar_subquery()
    return select(last_day, ever, to_message)


_REPLY_COUNTS = _reply_counts_statement()


def _reply_counts(session: Session, mail: ParsedMail, message_id: int | None, now: datetime) -> ReplyCounts:
    params = {"recipient": mail.reply_address.strip().lower(), "since": now - REPLY_WINDOW,
              "message_id": message_id if message_id is not None else -1}
    row = session.execute(_REPLY_COUNTS, params).one()
    return ReplyCounts(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))
