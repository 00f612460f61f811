"""Builders for report tests and bench/bench_digest.py: settings and model rows inserted directly.

The report stage reads what the desk wrote; these builders write the same rows by hand so the report can be
checked against a database whose contents the test knows exactly.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from mailbot.config import Settings, settings_from_dict
from mailbot.store.models import Attendee, Input, Message, Organization, OutboxItem, Registration, SeatEvent

AREAS = ("mobilitet", "bygg_og_arealbruk", "baerekraftig_ressursbruk")
T0 = datetime(2027, 5, 3, 8, 0, tzinfo=timezone.utc)  # a Monday, a month before the workshop
_keys = itertools.count(1)


def make_settings(base: Path, capacity: int = 60, retention_days: int | None = None,
                  digest_time: str = "07:00") -> Settings:
    data = {
        "event": {"name": "Klimaverksted for næringslivet", "date": datetime(2027, 6, 1).date(),
                  "start": "14:00", "end": "16:00", "location": "Drammen rådhus", "capacity": capacity},
        "advisor": {"email": "radgiver@drammen.kommune.example", "digest_time": digest_time},
        "replies": {"bot_addresses": ["klimaverksted@drammen.kommune.example"]},
    }
    if retention_days is not None:
        data["privacy"] = {"retention_days": retention_days}
    return settings_from_dict(data, base=base)


def add_message(session: Session, sender: str, *, kind: str = "registration", status: str = "decided",
                at: datetime = T0, subject: str = "Påmelding", confidence: float = 0.9,
                organization: str | None = None, reasons: list | None = None, error: str | None = None,
                name: str | None = None) -> Message:
    n = next(_keys)
    msg = Message(key=f"<m{n}@test>", message_id=f"<m{n}@test>", sender=sender, sender_name=name,
                  subject=subject, kind=kind, status=status, confidence=confidence, organization=organization,
                  reasons=reasons or [f"rule_{kind}: matched"], error=error, new_text=f"Tekst fra {sender}",
                  raw=f"From: {sender}\r\n\r\nhei".encode(), received_at=at, created_at=at)
    session.add(msg)
    session.flush()
    return msg


def add_attendee(session: Session, name: str, org: str, email: str, *, status: str = "confirmed",
                 queue_position: int | None = None, at: datetime = T0, focus_area: str | None = "mobilitet",
                 event: str | None = None) -> Attendee:
    """One registration with one attendee (and its message, organisation and seat event)."""
    msg = add_message(session, email, at=at, organization=org, name=name)
    organization = Organization(name=org, domain=email.split("@")[1], created_at=at)
    registration = Registration(organization=organization, contact_email=email, contact_name=name,
                                message_id=msg.id, focus_area=focus_area, created_at=at)
    attendee = Attendee(registration=registration, name=name, email=email, status=status,
                        queue_position=queue_position, registered_at=at, changed_at=at)
    session.add_all([organization, registration, attendee])
    session.flush()
    action = event or ("registered" if status == "confirmed" else status)
    session.add(SeatEvent(attendee_id=attendee.id, action=action, detail=f"{name}, {org}", created_at=at))
    return attendee


def add_input(session: Session, org: str, text: str, area: str, *, sender: str | None = None,
              at: datetime = T0, key_terms: list | None = None, attachment_text: str | None = None,
              also: tuple[str, ...] = ()) -> Input:
    sender = sender or f"post@{org.lower().replace(' ', '')}.example"
    msg = add_message(session, sender, kind="input", at=at, organization=org, subject="Innspill")
    item = Input(message_id=msg.id, organization=org, sender=sender, focus_areas=[area, *also],
                 primary_area=area, text=text, attachment_text=attachment_text,
                 key_terms=key_terms or ["sykkel", "lading"], created_at=at)
    session.add(item)
    return item


def add_outbox(session: Session, recipient: str, *, status: str = "sent", at: datetime = T0,
               purpose: str = "confirmed", subject: str = "Re: Påmelding", error: str | None = None) -> OutboxItem:
    n = next(_keys)
    item = OutboxItem(message_id=f"<out{n}@test>", purpose=purpose, recipient=recipient, subject=subject,
                      raw=b"To: " + recipient.encode() + b"\r\n\r\nBekreftet", status=status, created_at=at,
                      next_attempt_at=at, last_error=error)
    session.add(item)
    return item


@dataclass(frozen=True)
class Population:
    confirmed: int
    waitlisted: int
    inputs_per_area: tuple[int, int, int]


def populate(session: Session, confirmed: int, waitlisted: int, inputs: int,
             start: datetime = T0) -> Population:
    """`confirmed` seats, `waitlisted` in queue order, `inputs` spread 3:2:1 over the areas.

    The same rows as add_attendee/add_input, written with bulk INSERT ... RETURNING: the 500 + 500
    database for the timing test is built in a blink on SQLite and PostgreSQL alike.
    """
    people = [(f"Deltaker {i:03d}", f"Bedrift {i % 40:02d} AS", f"d{i}@bedrift{i % 40}.example", "confirmed",
               None, start + timedelta(minutes=i), AREAS[i % 3]) for i in range(confirmed)]
    people += [(f"Venter {q:02d}", f"Venteselskap {q:02d}", f"v{q}@vente.example", "waitlisted", q,
                start + timedelta(hours=10, minutes=q), "mobilitet") for q in range(1, waitlisted + 1)]
    _bulk_attendees(session, people)
    per_area = [0, 0, 0]
    rows = []
    for i in range(inputs):
        area = (0, 0, 0, 1, 1, 2)[i % 6]
        per_area[area] += 1
        text = f"Hei,\nVi foreslår tiltak nummer {i} for {AREAS[area]}. Det vil kutte utslipp. Mer tekst her."
        rows.append((f"Innspiller {i:03d} AS", text, AREAS[area], start + timedelta(hours=1, minutes=i)))
    _bulk_inputs(session, rows)
    return Population(confirmed, waitlisted, tuple(per_area))


def _bulk(session: Session, model, rows: list[dict]) -> list[int]:  # noqa: ANN001
    if not rows:
        return []
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(stmt, rows))


def _messages(session: Session, rows: list[tuple[str, str, str, datetime, str | None]]) -> list[int]:
    """rows: (sender, kind, organisation, at, name)."""
    return _bulk(session, Message, [
        dict(key=f"<m{next(_keys)}@test>", sender=sender, sender_name=name, subject="Påmelding", kind=kind,
             status="decided", confidence=0.9, organization=org, reasons=[f"rule_{kind}: matched"],
             new_text=f"Tekst fra {sender}", raw=b"raw", received_at=at, created_at=at, has_input=False,
             should_reply=False, focus_areas=[])
        for sender, kind, org, at, name in rows])


def _bulk_attendees(session: Session, people: list[tuple]) -> None:
    message_ids = _messages(session, [(email, "registration", org, at, name)
                                      for name, org, email, _, _, at, _ in people])
    org_ids = _bulk(session, Organization, [dict(name=org, domain=email.split("@")[1], created_at=at)
                                            for _, org, email, _, _, at, _ in people])
    reg_ids = _bulk(session, Registration, [
        dict(organization_id=oid, contact_email=email, contact_name=name, message_id=mid, focus_area=area,
             created_at=at)
        for (name, _, email, _, _, at, area), oid, mid in zip(people, org_ids, message_ids, strict=True)])
    attendee_ids = _bulk(session, Attendee, [
        dict(registration_id=rid, name=name, email=email, status=status, queue_position=q, registered_at=at,
             changed_at=at)
        for (name, _, email, status, q, at, _), rid in zip(people, reg_ids, strict=True)])
    _bulk(session, SeatEvent, [
        dict(attendee_id=aid, action="registered" if status == "confirmed" else status, detail=f"{name}, {org}",
             created_at=at)
        for (name, org, _, status, _, at, _), aid in zip(people, attendee_ids, strict=True)])


def _bulk_inputs(session: Session, rows: list[tuple[str, str, str, datetime]]) -> None:
    senders = [f"post@{org.lower().replace(' ', '')}.example" for org, *_ in rows]
    message_ids = _messages(session, [(sender, "input", org, at, None)
                                      for sender, (org, _, _, at) in zip(senders, rows, strict=True)])
    _bulk(session, Input, [
        dict(message_id=mid, organization=org, sender=sender, focus_areas=[area], primary_area=area, text=text,
             key_terms=["sykkel", "lading"], created_at=at)
        for (org, text, area, at), sender, mid in zip(rows, senders, message_ids, strict=True)])
