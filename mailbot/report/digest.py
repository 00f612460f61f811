"""The advisor's daily digest: seats, waiting list, what changed, new inputs, what needs a human.

`due_digest` is what the daemon calls on every cycle: once the local clock (event.timezone) has passed
advisor.digest_time it claims today's Digest row and returns the digest as an OutgoingReply, which the
caller enqueues in the same transaction.  After the event day a digest goes out only when mail has come in
since the previous one (late inputs still reach the advisor; unchanged seat figures do not, every day).  The Digest table's unique `day` is the guarantee of "never twice
a day": two processes racing both try to insert; one wins, the other gets an IntegrityError inside a
savepoint and returns None.  `digest_now` serves `mailbot digest --print/--send`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.domain import FileAttachment, FocusArea, OutgoingReply
from mailbot.report import digest_data as data
from mailbot.report.common import AREA_LABELS, AREA_ORDER, NO_AREA_LABEL, nb_date, nb_datetime, nb_time
from mailbot.store.models import as_utc
from mailbot.report.export import export_inputs, export_participants_csv
from mailbot.report.figures import AreaTotals, area_totals, capacity, seat_counts
from mailbot.report.render import SeatBar, render
from mailbot.store.models import Digest, Message

PURPOSE = "digest"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class DigestContent:
    """A rendered digest and the figures in it.  `inputs_by_area` are totals (all inputs so far)."""

    subject: str
    text: str
    html: str
    attachments: tuple[FileAttachment, ...]
    confirmed: int
    capacity: int
    waitlisted: int
    inputs_by_area: Mapping[FocusArea, int]
    needs_human: data.NeedsHumanCounts
    new_inputs: int
    changes: int
    since: datetime | None


@dataclass(frozen=True)
class AreaTotal:
    label: str
    count: int
    new: int


@dataclass(frozen=True)
class DigestView:
    """Everything the two templates show (their variables are exactly these fields)."""

    title: str
    today: str
    event_when: str
    location: str
    countdown: str
    bar: SeatBar
    capacity_overridden: bool
    waitlisted: int
    cancelled: int
    since_text: str
    changes: data.Changes
    waiting: tuple[data.WaitingEntry, ...]
    new_inputs: tuple[data.AreaInputs, ...]
    new_inputs_total: int
    human: tuple[data.HumanItem, ...]
    human_counts: data.NeedsHumanCounts
    human_more: int
    totals: tuple[AreaTotal, ...]
    totals_sum: int


def build_digest(session: Session, settings: Settings, now: datetime, since: datetime | None) -> DigestContent:
    """Build (never send or record) the digest as of `now`, listing changes after `since` (None: all)."""
    now, since = as_utc(now), as_utc(since)
    totals = area_totals(session)
    view = _view(session, settings, now, since, totals)
    context = {f.name: getattr(view, f.name) for f in dataclasses.fields(view)}
    template_dir = settings.rules_path / "templates" / "digest"
    return DigestContent(
        subject=_subject(settings, now),
        text=render(template_dir, "digest.txt", context),
        html=render(template_dir, "digest.html", context),
        attachments=_attachments(session, settings),
        confirmed=view.bar.confirmed, capacity=view.bar.capacity, waitlisted=view.waitlisted,
        inputs_by_area=totals.by_area, needs_human=view.human_counts,
        new_inputs=view.new_inputs_total, changes=len(view.changes.items) + view.changes.more, since=since)


def due_digest(session: Session, settings: Settings, now: datetime) -> OutgoingReply | None:
    """Today's digest if it is due and not yet claimed (claiming it inserts today's Digest row), else None."""
    local = as_utc(now).astimezone(settings.event.tz)
    if local.time() < settings.digest_time:
        return None
    day = local.date()
    if _digest_for(session, day) is not None:
        return None
    since = session.scalar(select(Digest.created_at).where(Digest.day < day).order_by(Digest.day.desc()).limit(1))
    if day > settings.event.date and nothing_new_since(session, since):
        return None  # after the event a digest of unchanged figures is noise: it goes only when mail came in
    message_id = digest_message_id(settings, day)
    if not _claim(session, day, now, message_id):
        return None  # another process claimed today between our check and our insert
    return _reply(settings, build_digest(session, settings, now, since), message_id)


def nothing_new_since(session: Session, since: datetime | None) -> bool:
    """Whether no message has been stored since `since` (the previous digest; None: there was none)."""
    if since is None:
        return False
    newer = select(Message.id).where(Message.created_at > since).limit(1)
    return session.scalar(newer) is None


def digest_now(session: Session, settings: Settings, now: datetime, record: bool) -> OutgoingReply:
    """The digest as of now, listing changes since the digest before today's (so `--print` after the
    morning digest shows what the advisor got today, brought up to date).

    record=False (`digest --print`): only build.  record=True (`digest --send`): if today has no Digest row
    yet, claim it (the scheduled digest then does not go out again today) and use today's Message-ID;
    if today's digest already went, the reply gets a Message-ID of its own so the outbox takes it too.
    """
    day = as_utc(now).astimezone(settings.event.tz).date()
    since = session.scalar(select(Digest.created_at).where(Digest.day < day)
                           .order_by(Digest.created_at.desc()).limit(1))
    message_id = digest_message_id(settings, day)
    claimed = record and _digest_for(session, day) is None and _claim(session, day, now, message_id)
    if record and not claimed:
        message_id = digest_message_id(settings, day, extra=as_utc(now).strftime("%H%M%S%f"))
    return _reply(settings, build_digest(session, settings, now, since), message_id)


def digest_message_id(settings: Settings, day: date, extra: str | None = None) -> str:
    """`<mailbot.digest.YYYY-MM-DD@domain>`, the domain taken from the reply sender's address."""
    domain = parseaddr(settings.reply_sender)[1].rpartition("@")[2] or "localhost"
    suffix = f".{extra}" if extra else ""
    return f"<mailbot.digest.{day.isoformat()}{suffix}@{domain}>"


def _digest_for(session: Session, day: date) -> int | None:
    return session.scalar(select(Digest.id).where(Digest.day == day))


def _claim(session: Session, day: date, now: datetime, message_id: str) -> bool:
    """Insert the Digest row for `day` inside a savepoint; False when another transaction already has."""
    try:
        with session.begin_nested():
            session.add(Digest(day=day, created_at=now, outbox_message_id=message_id))
    except IntegrityError:
        return False
    return True


def _reply(settings: Settings, content: DigestContent, message_id: str) -> OutgoingReply:
    return OutgoingReply(message_id=message_id, to=settings.advisor_email, subject=content.subject,
                         text=content.text, html=content.html, in_reply_to=None, references=(),
                         purpose=PURPOSE, attachments=content.attachments)


def _subject(settings: Settings, now: datetime) -> str:
    day = now.astimezone(settings.event.tz).date()
    return f"Daglig oversikt – {settings.event.name} ({nb_date(day, year=False)})"


def _attachments(session: Session, settings: Settings) -> tuple[FileAttachment, ...]:
    """deltakere.csv and innspill.csv, in the form Norwegian Excel opens with a double-click."""
    tz = settings.event.timezone
    people = export_participants_csv(session, tz=tz, excel=True)
    inputs = export_inputs(session, "csv", tz=tz, excel=True)
    return (FileAttachment("deltakere.csv", CSV_TYPE, people.encode("utf-8")),
            FileAttachment("innspill.csv", CSV_TYPE, inputs.encode("utf-8")))


def _view(session: Session, settings: Settings, now: datetime, since: datetime | None,
          totals: AreaTotals) -> DigestView:
    tz = settings.event.timezone
    seats = seat_counts(session)
    cap = capacity(session, settings)
    new = data.new_inputs(session, since, tz)
    human, counts, more = data.needs_human(session, settings, since)
    return DigestView(
        title=f"Daglig oversikt – {settings.event.name}",
        today=nb_date(now.astimezone(settings.event.tz).date(), weekday=True).capitalize(),
        event_when=_event_when(settings), location=settings.event.location,
        countdown=_countdown(settings, now), bar=SeatBar(seats.confirmed, cap.seats),
        capacity_overridden=cap.overridden, waitlisted=seats.waitlisted, cancelled=seats.cancelled,
        since_text=f"Siden forrige oversikt {nb_datetime(since, tz)}" if since else "Så langt",
        changes=data.changes_since(session, since, tz), waiting=data.waiting_list(session, tz),
        new_inputs=new, new_inputs_total=sum(g.count for g in new),
        human=human, human_counts=counts, human_more=more,
        totals=_area_totals(totals, new), totals_sum=totals.total)


def _area_totals(totals: AreaTotals, new: tuple[data.AreaInputs, ...]) -> tuple[AreaTotal, ...]:
    fresh = {g.area: g.count for g in new}
    rows = [AreaTotal(AREA_LABELS[a], totals.by_area[a], fresh.get(a, 0)) for a in AREA_ORDER]
    if totals.unassigned:
        rows.append(AreaTotal(NO_AREA_LABEL, totals.unassigned, fresh.get(None, 0)))
    return tuple(rows)


def _event_when(settings: Settings) -> str:
    event = settings.event
    return f"{nb_date(event.date, weekday=True)} kl. {nb_time(event.starts_at)}–{nb_time(event.ends_at)}"


def _countdown(settings: Settings, now: datetime) -> str:
    days = (settings.event.date - now.astimezone(settings.event.tz).date()).days
    if days > 1:
        return f"om {days} dager"
    return {1: "i morgen", 0: "i dag"}.get(days, "er gjennomført")
