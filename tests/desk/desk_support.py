"""Builders shared by the desk tests (and by the spawned processes of the overbooking test).

Kept free of pytest so a `multiprocessing` child can import it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select

from mailbot.config import Settings, settings_from_dict
from mailbot.desk.decide import Desk
from mailbot.domain import Attendee, Decision, Kind, Language, ParsedMail, Understanding
from mailbot.store.db import Database
from mailbot.store.models import Attendee as AttendeeRow, Message, OutboxItem

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
BOT = "klimaverksted@drammen.kommune.example"
START = datetime(2027, 5, 1, 10, 0, tzinfo=timezone.utc)
_counter = itertools.count(1)


def make_settings(base: Path, replies: dict | None = None, **event: object) -> Settings:
    """Settings like the shipped config, with [event] keys overridden by `event`, [replies] by `replies`."""
    data = {
        "event": {"name": "Klimaverksted for næringslivet", "date": date(2027, 6, 1), "start": "14:00",
                  "end": "16:00", "location": "Drammen rådhus, Engene 1, Drammen", "capacity": 3, **event},
        "advisor": {"email": "klimaradgiver@drammen.kommune.example", "name": "Marte Solbakken"},
        "smtp": {"host": "127.0.0.1", "security": "none", "sender": f"Klimaverksted Drammen kommune <{BOT}>"},
        "replies": {"bot_addresses": [BOT], **(replies or {})},
    }
    return settings_from_dict(data, base=base)


def mail(from_addr: str = "ola.nordmann@asplanviak.no", from_name: str = "Ola Nordmann", *,
         subject: str = "Påmelding til klimaverkstedet", text: str = "Jeg vil gjerne melde meg på.",
         reply_to: str | None = None, headers: tuple[tuple[str, str], ...] = (),
         message_id: str | None = None, references: tuple[str, ...] = ()) -> ParsedMail:
    """A parsed message as parse would produce it."""
    message_id = message_id or f"<m{next(_counter)}.{id(text)}@sender.example>"
    all_headers = (("from", f"{from_name} <{from_addr}>"), ("subject", subject), *headers)
    return ParsedMail(
        key=message_id, message_id=message_id, from_addr=from_addr, from_name=from_name, reply_to=reply_to,
        to=(BOT,), cc=(), subject=subject, date=START, in_reply_to=None, references=references,
        content_type="text/plain", headers=tuple((k.lower(), v) for k, v in all_headers), text=text,
        new_text=text, quoted="", signature="", html="", attachments=(), defects=(), raw_size=len(text))


def understood(kind: Kind = Kind.REGISTRATION, *names: str, **kw: object) -> Understanding:
    """An Understanding with sensible defaults: confident, to be answered, Bokmål."""
    kw.setdefault("should_reply", True)
    kw.setdefault("confidence", 0.95)
    kw.setdefault("language", Language.NB)
    return Understanding(kind=kind, attendees=tuple(Attendee(n) for n in names), **kw)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    """A desk on a real, migrated database, used the way the daemon uses it."""

    settings: Settings
    db: Database
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        self.desk = Desk(self.settings, RULES_DIR, self.clock)

    def send(self, parsed: ParsedMail, u: Understanding, queue: bool = True) -> Decision:
        """One message through the desk, in one transaction, replies queued as the daemon does."""
        from mailbot.act.outbox import enqueue

        with self.db.session() as session:
            row = Message(key=parsed.key, message_id=parsed.message_id, sender=parsed.from_addr,
                          sender_name=parsed.from_name, subject=parsed.subject, kind=u.kind.value,
                          status="decided", reasons=list(u.reasons), created_at=self.clock())
            session.add(row)
            session.flush()
            decision = self.desk.decide(session, row, parsed, u)
            for reply in decision.replies if queue else ():
                enqueue(session, reply, self.settings.reply_sender, row.id)
            row.status = decision.status
        return decision

    def attendees(self) -> list[tuple[str | None, str, int | None]]:
        with self.db.session() as session:
            rows = session.scalars(select(AttendeeRow).order_by(AttendeeRow.id))
            return [(a.name, a.status, a.queue_position) for a in rows]

    def status_of(self, name: str) -> str:
        found = [s for n, s, _ in self.attendees() if n == name and s != "cancelled"]
        return found[0] if found else "cancelled"

    def count(self, status: str) -> int:
        return sum(1 for _, s, _ in self.attendees() if s == status)

    def outbox(self) -> list[OutboxItem]:
        with self.db.session() as session:
            return list(session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def register_many(url: str, base: str, people: list[int], start: object) -> None:
    """Process entry point for the overbooking test: wait for `start` (a Barrier), then register each
    person in `people` (one seat each, one transaction each), the way the daemon would."""
    db = Database(url)
    harness = Harness(make_settings(Path(base), capacity=60), db)
    start.wait(timeout=60)
    for i in people:
        harness.send(mail(f"person{i}@firma{i}.no", f"Person Nummer{i}"), understood(Kind.REGISTRATION, seats=1))
    db.dispose()
