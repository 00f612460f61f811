"""What the digest lists, read from the database as typed rows ready for the templates.

Every list covers "since the last digest" (`since`; None = everything so far), except the waiting list,
which is always shown whole.  Long lists are cut at a fixed length and say how many were left out: the
CSV attachments always hold everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.domain import FocusArea
from mailbot.report.common import AREA_ORDER, area_label, focus_area, nb_date, nb_datetime, plural, to_local
from mailbot.report.extract import extract
from mailbot.report.queries import NO_NAME, attendee_rows
from mailbot.store.models import Attendee, Input, Message, Organization, OutboxItem, Registration, SeatEvent

MAX_CHANGES = 60
MAX_INPUTS_PER_AREA = 20
MAX_HUMAN_ITEMS = 60
MAX_REASONS = 6
MAX_REASON_CHARS = 200

# action -> (one line's verb, summary singular, summary plural).  Unknown actions are shown as stored.
ACTIONS: dict[str, tuple[str, str, str]] = {
    "registered": ("påmeldt", "ny påmelding", "nye påmeldinger"),
    "confirmed": ("påmeldt", "ny påmelding", "nye påmeldinger"),
    "waitlisted": ("satt på venteliste", "satt på venteliste", "satt på venteliste"),
    "promoted": ("fikk plass fra ventelisten", "fikk plass fra ventelisten", "fikk plass fra ventelisten"),
    "substituted": ("byttet ut", "bytte av deltaker", "bytter av deltaker"),
    "cancelled": ("avmeldt", "avmelding", "avmeldinger"),
}
PLAIN_ACTIONS = frozenset({"registered", "confirmed", "waitlisted", "promoted", "cancelled"})


@dataclass(frozen=True)
class WaitingEntry:
    position: int
    name: str
    organisation: str
    since: str


@dataclass(frozen=True)
class Change:
    verb: str
    name: str
    organisation: str
    when: str
    detail: str


@dataclass(frozen=True)
class Changes:
    summary: tuple[str, ...]  # "3 nye påmeldinger", "1 avmelding"
    items: tuple[Change, ...]
    more: int


@dataclass(frozen=True)
class InputEntry:
    organisation: str
    when: str
    extract: str
    key_terms: tuple[str, ...]
    also: tuple[str, ...]  # labels of the input's other focus areas


@dataclass(frozen=True)
class AreaInputs:
    area: FocusArea | None
    label: str
    count: int
    items: tuple[InputEntry, ...]

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass(frozen=True)
class HumanItem:
    direction: str  # "Fra" (a message to us) or "Til" (our reply that failed)
    who: str
    subject: str
    when: str
    why: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class NeedsHumanCounts:
    """How many messages/replies need a human, by cause; one message can have several causes."""

    review: int = 0
    shunted: int = 0
    questions: int = 0
    low_confidence: int = 0
    failed_outbox: int = 0
    items: int = 0  # distinct messages and replies


def waiting_list(session: Session, tz: str) -> tuple[WaitingEntry, ...]:
    rows = attendee_rows(session, "waitlisted")
    return tuple(WaitingEntry(i, r.display_name, r.organisation or "", nb_date(to_local(r.registered_at, tz)
                                                                               .date(), year=False))
                 for i, r in enumerate(rows, start=1))


def changes_since(session: Session, since: datetime | None, tz: str) -> Changes:
    stmt = (select(SeatEvent.action, SeatEvent.detail, SeatEvent.created_at, Attendee.name, Organization.name,
                   Message.organization)
            .outerjoin(Attendee, SeatEvent.attendee_id == Attendee.id)
            .outerjoin(Registration, Attendee.registration_id == Registration.id)
            .outerjoin(Organization, Registration.organization_id == Organization.id)
            .outerjoin(Message, Registration.message_id == Message.id)
            .order_by(SeatEvent.created_at, SeatEvent.id))
    if since is not None:
        stmt = stmt.where(SeatEvent.created_at > since)
    rows = session.execute(stmt).all()
    tally: dict[str, int] = {}
    for action, *_ in rows:
        tally[action] = tally.get(action, 0) + 1
    items = tuple(_change(*row, tz) for row in rows[:MAX_CHANGES])
    return Changes(tuple(_summary(action, n) for action, n in tally.items()), items, len(rows) - len(items))


def _change(action: str, detail: str | None, at: datetime, name: str | None, org: str | None,
            msg_org: str | None, tz: str) -> Change:
    """One line.  The desk's `detail` ("<name>, <organisation>") repeats what the attendee row says, so it
    is shown only where it adds something: a substitution ("Ola → Kari"), an unknown action, or an
    attendee whose name is gone."""
    verb = ACTIONS.get(action, (action,))[0]
    if not name:
        return Change(verb, detail or NO_NAME, "" if detail else (org or msg_org or ""), nb_datetime(at, tz), "")
    extra = (detail or "") if action not in PLAIN_ACTIONS else ""
    return Change(verb, name, org or msg_org or "", nb_datetime(at, tz), extra)


def _summary(action: str, count: int) -> str:
    _, one, many = ACTIONS.get(action, (action, action, action))
    return plural(count, one, many)


def new_inputs(session: Session, since: datetime | None, tz: str) -> tuple[AreaInputs, ...]:
    """New inputs grouped by focus area (the three areas in fixed order, then inputs without one)."""
    stmt = select(Input.organization, Input.sender, Input.primary_area, Input.focus_areas, Input.text,
                  Input.key_terms, Input.created_at).order_by(Input.created_at, Input.id)
    if since is not None:
        stmt = stmt.where(Input.created_at > since)
    groups: dict[FocusArea | None, list[InputEntry]] = {}
    for org, sender, primary, areas, text, terms, at in session.execute(stmt):
        area = focus_area(primary, areas)
        also = tuple(area_label(a) for a in dict.fromkeys(areas or []) if focus_area(a) not in (None, area))
        entry = InputEntry(org or sender or "(ukjent avsender)", nb_date(to_local(at, tz).date(), year=False),
                           extract(text), tuple(str(t) for t in (terms or [])[:8]), also)
        groups.setdefault(area, []).append(entry)
    order = [a for a in (*AREA_ORDER, None) if a in groups]
    return tuple(AreaInputs(a, area_label(a), len(groups[a]), tuple(groups[a][:MAX_INPUTS_PER_AREA]))
                 for a in order)


def needs_human(session: Session, settings: Settings, since: datetime | None,
                ) -> tuple[tuple[HumanItem, ...], NeedsHumanCounts, int]:
    """Messages in review/shunted, questions, low-confidence messages and failed replies, oldest first.

    Returns (items shown, counts, items left out).
    """
    tz = settings.event.timezone
    messages = _flagged_messages(session, settings, since)
    failed = _failed_replies(session, since)
    counts = NeedsHumanCounts(
        review=sum(1 for m in messages if m.status == "review"),
        shunted=sum(1 for m in messages if m.status == "shunted"),
        questions=sum(1 for m in messages if m.kind == "question"),
        low_confidence=sum(1 for m in messages if _low(m.confidence, settings)),
        failed_outbox=len(failed), items=len(messages) + len(failed))
    items = [_message_item(m, settings, tz) for m in messages] + [_reply_item(r, tz) for r in failed]
    return tuple(items[:MAX_HUMAN_ITEMS]), counts, max(0, len(items) - MAX_HUMAN_ITEMS)


def _flagged_messages(session: Session, settings: Settings, since: datetime | None) -> list:
    stmt = (select(Message.sender, Message.sender_name, Message.subject, Message.created_at, Message.status,
                   Message.kind, Message.confidence, Message.reasons, Message.error)
            .where(or_(Message.status.in_(("review", "shunted")), Message.kind == "question",
                       Message.confidence < settings.min_confidence))
            .order_by(Message.created_at, Message.id))
    if since is not None:
        stmt = stmt.where(Message.created_at > since)
    return session.execute(stmt).all()


def _failed_replies(session: Session, since: datetime | None) -> list:
    stmt = (select(OutboxItem.recipient, OutboxItem.subject, OutboxItem.created_at, OutboxItem.last_error)
            .where(OutboxItem.status == "failed").order_by(OutboxItem.created_at, OutboxItem.id))
    if since is not None:
        # A reply can fail long after it was queued: a later attempt (next_attempt_at) counts as new too.
        stmt = stmt.where(or_(OutboxItem.created_at > since, OutboxItem.next_attempt_at > since))
    return session.execute(stmt).all()


def _low(confidence: float | None, settings: Settings) -> bool:
    return confidence is not None and confidence < settings.min_confidence


def _message_item(m, settings: Settings, tz: str) -> HumanItem:  # noqa: ANN001 - a Row
    why = []
    if m.status == "review":
        why.append("Lagt til vurdering")
    if m.status == "shunted":
        why.append("Feil under behandling")
    if m.kind == "question":
        why.append("Spørsmål som bør besvares")
    if _low(m.confidence, settings):
        why.append(f"Usikker tolkning ({round(m.confidence * 100)}\u00a0%)")
    reasons = [str(r) for r in (m.reasons or [])]
    if m.error:
        reasons.append(f"Feil: {m.error.strip().splitlines()[-1] if m.error.strip() else m.error}")
    who = f"{m.sender_name} <{m.sender}>" if m.sender_name and m.sender else (m.sender or "(ukjent avsender)")
    return HumanItem("Fra", who, m.subject or "(uten emne)", nb_datetime(m.created_at, tz), tuple(why),
                     _trim(reasons))


def _reply_item(r, tz: str) -> HumanItem:  # noqa: ANN001 - a Row
    reasons = [r.last_error] if r.last_error else []
    return HumanItem("Til", r.recipient, r.subject or "(uten emne)", nb_datetime(r.created_at, tz),
                     ("Svaret vårt kom ikke fram",), _trim(reasons))


def _trim(reasons: list[str]) -> tuple[str, ...]:
    cut = [r if len(r) <= MAX_REASON_CHARS else r[: MAX_REASON_CHARS - 1] + "…" for r in reasons]
    if len(cut) > MAX_REASONS:
        cut = cut[:MAX_REASONS] + [f"… og {len(reasons) - MAX_REASONS} til"]
    return tuple(cut)
