"""Marking accepted replies sent (act.queue.SentMarks): one commit per reply right after its 250, on a
connection held for the run; and a kill -9 between a 250 and its commit."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from act_helpers import make_reply, queue, rows, smtp_settings
from sqlalchemy import update

from mailbot.act.queue import SentMarks, due_items
from mailbot.act.smtp import SmtpSender
from mailbot.secrets import SecretSource
from mailbot.store.models import OutboxItem

HERE = Path(__file__).resolve().parent


def statuses(db) -> list[str]:  # noqa: ANN001
    return sorted(row.status for row in rows(db).values())


def test_each_mark_is_committed_at_once(db, clock):
    queue(db, clock, *(make_reply(n, to=f"p{n}@example.no") for n in range(3)))
    first, second, _third = due_items(db, clock.now, 10)
    with SentMarks(db) as marks:
        marks.add(first, clock.now)
        assert statuses(db) == ["pending", "pending", "sent"], "visible to another session before the next"
        marks.add(second, clock.now)
        assert statuses(db) == ["pending", "sent", "sent"]
    sent = [row for row in rows(db).values() if row.status == "sent"]
    assert all(row.attempts == 1 and row.sent_at is not None and row.last_error is None for row in sent)


def test_a_row_settled_elsewhere_is_left_alone_and_use_outside_the_block_is_refused(db, clock):
    queue(db, clock, make_reply(1))
    [item] = due_items(db, clock.now, 10)
    with db.session() as session:
        session.execute(update(OutboxItem).values(status="failed", last_error="550 no such user"))
    marks = SentMarks(db)
    with pytest.raises(RuntimeError):
        marks.add(item, clock.now)
    with marks:
        marks.add(item, clock.now)
    [row] = rows(db).values()
    assert (row.status, row.last_error) == ("failed", "550 no such user")


CHILD = """
import asyncio, os, signal, sys
sys.path.insert(0, {here!r})
from act_helpers import smtp_settings
from mailbot.act import queue
from mailbot.act.smtp import SmtpSender
from mailbot.secrets import SecretSource
from mailbot.store.db import Database

class Server:
    host, port = {host!r}, {port!r}

queue.SentMarks.add = lambda self, item, now: os.kill(os.getpid(), signal.SIGKILL)  # dies before the commit
asyncio.run(SmtpSender(smtp_settings(Server()), SecretSource(environ={{}})).deliver_pending(Database({url!r})))
"""


def test_kill_between_the_250_and_its_commit_sends_that_reply_once_more(smtp_server, db, clock, db_url):
    queue(db, clock, *(make_reply(n, to=f"p{n}@example.no") for n in range(3)))
    code = CHILD.format(here=str(HERE), host=smtp_server.host, port=smtp_server.port, url=db_url)
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert child.returncode == -9, child.stderr
    [first] = smtp_server.wait_for(1)
    assert statuses(db) == ["pending"] * 3, "the process died after the first 250, before its commit"

    sender = SmtpSender(smtp_settings(smtp_server), SecretSource(environ={}), clock)
    assert asyncio.run(sender.deliver_pending(db)).sent == 3 and statuses(db) == ["sent"] * 3
    received = smtp_server.wait_for(4)
    again = [m for m in received[1:] if m.message["Message-ID"] == first.message["Message-ID"]]
    assert [m.raw for m in again] == [first.raw], "the one duplicate: the same bytes, the same Message-ID"
    assert asyncio.run(sender.deliver_pending(db)).sent == 0
    assert len(smtp_server.messages) == 4
