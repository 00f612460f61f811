"""UtcDateTime (mailbot.store.models): every time column stores UTC and reads back aware UTC, on SQLite
(which keeps no zone) and PostgreSQL (which answers in the session's zone) alike."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from mailbot.act.queue import next_due
from mailbot.store.db import Database
from mailbot.store.models import OutboxItem

OSLO = ZoneInfo("Europe/Oslo")


def _add(db: Database, key: str, when: datetime) -> None:
    with db.session() as session:
        session.add(OutboxItem(message_id=key, purpose="test", recipient="a@example.org", subject="s", raw=b"x",
                               status="pending", next_attempt_at=when))
        session.commit()


def _read(db: Database, key: str) -> datetime:
    with db.session() as session:
        return session.scalar(select(OutboxItem.next_attempt_at).where(OutboxItem.message_id == key))


def test_an_aware_local_time_reads_back_as_the_same_instant_in_utc(db):
    local = datetime(2027, 6, 1, 14, 0, tzinfo=OSLO)  # 12:00 UTC (summer time)
    _add(db, "<oslo@test>", local)
    back = _read(db, "<oslo@test>")
    assert back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert back == local and back.hour == 12


def test_a_naive_time_is_taken_as_utc(db):
    _add(db, "<naive@test>", datetime(2027, 6, 1, 12, 0))
    assert _read(db, "<naive@test>") == datetime(2027, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_comparisons_and_aggregates_see_utc(db):
    _add(db, "<early@test>", datetime(2027, 6, 1, 13, 30, tzinfo=OSLO))  # 11:30 UTC
    _add(db, "<late@test>", datetime(2027, 6, 1, 12, 0, tzinfo=timezone.utc))
    # Stored as UTC, so the Oslo time sorts before the later UTC one, and a bound Oslo time compares right.
    assert next_due(db) == datetime(2027, 6, 1, 11, 30, tzinfo=timezone.utc)
    with db.session() as session:
        before_noon = session.scalar(select(func.count()).select_from(OutboxItem)
                                     .where(OutboxItem.next_attempt_at < datetime(2027, 6, 1, 13, 45, tzinfo=OSLO)))
    assert before_noon == 1


def test_the_stored_value_is_utc(db):
    _add(db, "<digits@test>", datetime(2027, 6, 1, 14, 0, tzinfo=OSLO))
    # What another reader of the database sees: SQLite keeps digits (they must be UTC's), PostgreSQL an instant.
    query = ("SELECT next_attempt_at FROM outbox" if db.engine.dialect.name == "sqlite" else
             "SELECT to_char(next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM outbox")
    with db.engine.connect() as connection:
        stored = connection.execute(text(query)).scalar()
    assert stored.startswith("2027-06-01 12:00:00")
