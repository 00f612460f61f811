"""The outbox table seen from the senders: which rows are due, and recording what happened to each.

Every outcome is written in its own short transaction, so one row's result is durable before the next row
is tried, and a crash loses at most the row in flight.  Rows delivered (the server's 250, or the .eml
written) are marked by `SentMarks` on a connection held for the delivery run (cheap), the rest by `_update`.
Times are stored and read back as aware UTC datetimes (store.models.UtcDateTime).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, func, select, update

from mailbot.store.db import Database
from mailbot.store.models import OutboxItem

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class DeliveryReport:
    """What one delivery run did.  `errors` has one line per retried or failed row."""

    sent: int
    retried: int
    failed: int
    errors: tuple[str, ...]


@dataclass
class Tally:
    """Collects outcomes during a run; `report()` freezes them."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def report(self) -> DeliveryReport:
        return DeliveryReport(self.sent, self.retried, self.failed, tuple(self.errors))


@dataclass(frozen=True)
class DueItem:
    """A pending outbox row, detached from any session."""

    id: int
    message_id: str
    recipient: str
    raw: bytes
    attempts: int


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, ... at most 1 h."""
    return min(BACKOFF_BASE * (2 ** max(0, min(attempts - 1, 20))), BACKOFF_MAX)


def due_items(db: Database, now: datetime, limit: int) -> list[DueItem]:
    """Pending rows whose next_attempt_at has come, oldest first."""
    query = (select(OutboxItem)
             .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
             .order_by(OutboxItem.created_at, OutboxItem.id).limit(limit))
    with db.session() as session:
        return [DueItem(row.id, row.message_id, row.recipient, row.raw, row.attempts)
                for row in session.scalars(query)]


def next_due(db: Database) -> datetime | None:
    """The earliest next_attempt_at of all pending rows (UTC), or None when nothing is pending."""
    with db.session() as session:
        return session.scalar(select(func.min(OutboxItem.next_attempt_at)).where(OutboxItem.status == "pending"))


class SentMarks:
    """Marks rows the server accepted (250) as sent, each in its own commit right after its 250, on one
    database connection held for the whole delivery run.  The duplicate window stays one reply (a crash
    between a 250 and its commit), and a mark costs ~0.1 ms instead of the ~0.7 ms of a new ORM session per
    row (measured on SQLite).  A context manager: the connection is returned when the run ends."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None

    def __enter__(self) -> SentMarks:
        self._connection = self.db.engine.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def add(self, item: DueItem, now: datetime) -> None:
        """Commit `item` as sent now (a row no longer pending is left alone, as `_update` does)."""
        if self._connection is None:
            raise RuntimeError("SentMarks is used outside its `with` block")
        with self._connection.begin():
            self._connection.execute(_MARK_SENT, {"row_id": item.id, "when": now,
                                                  "tries": item.attempts + 1})


_OUTBOX = OutboxItem.__table__
_MARK_SENT = (update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.status == "pending")
              .values(status="sent", sent_at=bindparam("when"), attempts=bindparam("tries"), last_error=None))


def mark_failed(db: Database, item: DueItem, error: str) -> None:
    _update(db, item, status="failed", attempts=item.attempts + 1, last_error=error[:MAX_ERROR_CHARS])


def mark_retry(db: Database, item: DueItem, now: datetime, error: str, max_attempts: int) -> bool:
    """Count a failed attempt and schedule the next with backoff; after `max_attempts` the row is failed.
    Returns True when the row is now failed for good."""
    attempts = item.attempts + 1
    if attempts >= max_attempts:
        _update(db, item, status="failed", attempts=attempts,
                last_error=f"gave up after {attempts} attempts: {error}"[:MAX_ERROR_CHARS])
        return True
    _update(db, item, attempts=attempts, next_attempt_at=now + backoff(attempts),
            last_error=error[:MAX_ERROR_CHARS])
    return False


def _update(db: Database, item: DueItem, **values: object) -> None:
    # Only a row still pending is changed: a row another process already settled stays as it is.
    with db.session() as session:
        session.execute(update(OutboxItem)
                        .where(OutboxItem.id == item.id, OutboxItem.status == "pending").values(**values))
