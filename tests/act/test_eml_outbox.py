"""EmlOutbox: the embedded default writes each reply to <outbox>/<message-id>.eml."""

from __future__ import annotations

import asyncio

from act_helpers import make_reply, queue, rows

from mailbot.act.eml import EmlOutbox, eml_name


def test_writes_one_file_per_row_and_marks_it_sent(tmp_path, db, clock):
    queue(db, clock, make_reply(1), make_reply(2))
    outbox = EmlOutbox(tmp_path / "outbox", clock)
    report = asyncio.run(outbox.deliver_pending(db))
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == ["reply-1.confirmed@mailbot.drammen.example.eml", "reply-2.confirmed@mailbot.drammen.example.eml"]
    for row in rows(db).values():
        assert row.status == "sent"
        assert (tmp_path / "outbox" / eml_name(row.message_id)).read_bytes() == row.raw
    assert asyncio.run(outbox.deliver_pending(db)).sent == 0
    assert outbox.next_due(db) is None


def test_unwritable_outbox_is_retried(tmp_path, db, clock):
    queue(db, clock, make_reply(1))
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the directory should be")
    report = asyncio.run(EmlOutbox(blocker, clock).deliver_pending(db))
    assert (report.sent, report.retried) == (0, 1)
    [row] = rows(db).values()
    assert row.status == "pending" and row.attempts == 1 and "cannot write" in row.last_error


def test_file_names_are_safe_and_distinct():
    assert eml_name("<abc@x.no>") == "abc@x.no.eml"
    odd = [eml_name("<../../etc/passwd@x>"), eml_name("<a/b@x>"), eml_name("<a_b@x>"), eml_name("<.hidden@x>")]
    assert all("/" not in n and not n.startswith(".") for n in odd)
    assert len(set(odd)) == len(odd)
