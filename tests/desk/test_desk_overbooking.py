"""Two OS processes register 200 people for 60 seats at the same time on one database: never overbooked.

Each process runs the desk exactly as the daemon does (one transaction per message, seat lock, replies
queued in the outbox).  Without the lock, both processes would read "seats left" before either commits.
"""

from __future__ import annotations

import multiprocessing

import pytest
from desk_support import register_many
from sqlalchemy import func, select

from mailbot.store.db import Database
from mailbot.store.models import Attendee, OutboxItem

PEOPLE, SEATS = 200, 60


def run_two_processes(url: str, base) -> None:  # noqa: ANN001 - Path
    Database(url).migrate()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    workers = [ctx.Process(target=register_many, args=(url, str(base), list(range(k, PEOPLE, 2)), start))
               for k in (0, 1)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
    assert [w.exitcode for w in workers] == [0, 0]


def assert_not_overbooked(url: str) -> None:
    db = Database(url)
    with db.session() as s:
        counts = dict(s.execute(select(Attendee.status, func.count()).group_by(Attendee.status)).all())
        positions = s.scalars(select(Attendee.queue_position).where(Attendee.status == "waitlisted")).all()
        replies = dict(s.execute(select(OutboxItem.purpose, func.count()).group_by(OutboxItem.purpose)).all())
    db.dispose()
    assert counts == {"confirmed": SEATS, "waitlisted": PEOPLE - SEATS}
    assert sorted(positions) == list(range(1, PEOPLE - SEATS + 1))  # unique, gapless, in arrival order
    assert replies == {"confirmed": SEATS, "waitlisted": PEOPLE - SEATS}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_processes_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    run_two_processes(url, tmp_path)
    assert_not_overbooked(url)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_processes_postgresql(pg_url, tmp_path):
    run_two_processes(pg_url, tmp_path)
    assert_not_overbooked(pg_url)
