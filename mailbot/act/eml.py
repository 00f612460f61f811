"""EmlOutbox: 'delivers' the outbox by writing each reply to <path>/<message-id>.eml (no [smtp] configured).

Each file appears atomically (written to a hidden temporary file, then renamed), so whoever picks the files
up never sees half a message.  Writing the same row twice (a crash before the commit) rewrites the same
file name with the same bytes, so no duplicate appears.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from mailbot.act.queue import DeliveryReport, DueItem, SentMarks, Tally, due_items, mark_retry, next_due
from mailbot.logs import kv
from mailbot.store.db import Database
from mailbot.store.models import utcnow

log = logging.getLogger("mailbot.act")

MAX_ATTEMPTS = 8  # a full disk or a read-only directory is retried like a 4xx, then given up
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def eml_name(message_id: str) -> str:
    """A safe file name for a Message-ID: "<a.b@c>" -> "a.b@c.eml".  Anything unusual is replaced, with a
    short hash added so two different ids never share a file."""
    bare = message_id.strip().strip("<>")
    safe = _UNSAFE.sub("_", bare)[:180].lstrip(".") or "message"
    if safe != bare:
        safe += "-" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return safe + ".eml"


class EmlOutbox:
    """Writes pending outbox rows to .eml files in `path` (created when missing) and marks them sent."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = utcnow) -> None:
        self.path = Path(path)
        self.clock = clock

    def next_due(self, db: Database) -> datetime | None:
        return next_due(db)

    async def deliver_pending(self, db: Database, limit: int = 500) -> DeliveryReport:
        tally = Tally()
        with SentMarks(db) as marks:
            for item in due_items(db, self.clock(), limit):
                self._deliver(db, item, tally, marks)
        return tally.report()

    def _deliver(self, db: Database, item: DueItem, tally: Tally, marks: SentMarks) -> None:
        try:
            target = self.write(item)
        except OSError as exc:
            error = f"cannot write to {self.path}: {exc.strerror or exc}"
            gave_up = mark_retry(db, item, self.clock(), error, MAX_ATTEMPTS)
            tally.failed += gave_up
            tally.retried += not gave_up
            tally.errors.append(f"{item.message_id}: {error}")
            log.warning(kv("eml_failed", message_id=item.message_id, error=error))
            return
        marks.add(item, self.clock())
        tally.sent += 1
        log.info(kv("sent", message_id=item.message_id, file=target.name))

    def write(self, item: DueItem) -> Path:
        """Write one row atomically; returns the file's path."""
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.path / eml_name(item.message_id)
        tmp = self.path / f".{target.name}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(item.raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target
