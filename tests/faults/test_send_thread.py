"""Sending in a thread while the next batch is prepared (act.sending.Sending): every reply once, in order, and a
failure in the thread reaches the loop (which backs off and retries) instead of being lost."""

from __future__ import annotations

import asyncio
import sys
import pytest
from sqlalchemy.exc import OperationalError

from faults.mails import build
from faults.support import IMAP_PASSWORD_ENV, db_state, duplicate_ids, received, replies, write_config
from mailbot.act.outbox import enqueue
from mailbot.act.smtp import make_sender
from mailbot.config import load_settings
from mailbot.act.sending import Sending
from mailbot.daemon import build_daemon
from mailbot.domain import OutgoingReply
from mailbot.secrets import SecretSource
from mailbot.store.db import Database

SENDER = "Klimaverksted <klimaverksted@drammen.kommune.example>"

pytestmark = [pytest.mark.fault]


def registration(n: int) -> bytes:
    return build(n, f"Person {n} <person{n}@firma{n}.example>", "Påmelding til klimaverksted",
                 f"Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nHilsen\nPerson {n}\n"
                 f"Firma{n} AS\n", prefix="thread")


def test_batches_are_sent_while_the_next_is_prepared_each_reply_once(tmp_path, dovecot, smtp_server, db_url,
                                                                        monkeypatch):
    monkeypatch.setenv(IMAP_PASSWORD_ENV, dovecot.password)
    for n in range(1, 10):
        dovecot.append("INBOX", registration(n))
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, batch_size=2, capacity=5)
    daemon = build_daemon(load_settings(config))
    seen: list[tuple[int, int]] = []  # (messages committed, replies sent) as each batch's commit begins
    real_commit = daemon.pipeline.commit

    def commit(prepared):  # noqa: ANN001, ANN202 - records the state each batch's commit starts from
        state = db_state(db_url)
        seen.append((len(state.messages), sum(o.status == "sent" for o in state.outbox.values())))
        return real_commit(prepared)

    daemon.pipeline.commit = commit
    try:
        report = daemon.run_once()
    finally:
        daemon.mailbox.close()
        daemon.db.dispose()
    assert report.processed == 9 and report.sent == len(received(smtp_server)) == 10, "9 replies + the digest"
    # Five batches; each commit starts after the previous batch's replies were all sent (its send thread
    # was waited for), so sending never lags more than one batch behind deciding.
    assert seen == [(0, 0), (2, 2), (4, 4), (6, 6), (8, 8)]
    got = replies(smtp_server)
    assert len(got) == 9 and not duplicate_ids(got)
    assert {o.status for o in db_state(db_url).outbox.values()} == {"sent"}


def test_an_error_in_the_send_thread_is_raised_where_the_daemon_waits(tmp_path, smtp_server):
    broken = tmp_path / "not-a-database"
    broken.mkdir()  # SQLite cannot open a directory: the thread's first query fails
    db = Database(f"sqlite:///{broken}")
    sender = make_sender(_settings(tmp_path / "config.toml", smtp_server), SecretSource(environ={}))
    sending = Sending(sender, db)
    assert sending.wait() is None, "nothing started yet"
    interval = sys.getswitchinterval()
    sending.start()
    assert sys.getswitchinterval() < interval, "the sender resumes quickly after each SMTP answer"
    with pytest.raises(OperationalError):
        sending.wait()
    assert sys.getswitchinterval() == interval, "and the interpreter's setting is put back"
    assert sending.wait() is None, "the error is handed over once"
    sending.start()
    assert sending.wait(raise_error=False) is None


def test_a_delivery_run_in_the_thread_reports_what_it_sent(tmp_path, smtp_server, db_url):
    db = Database(db_url)
    db.migrate()
    try:
        with db.session() as session:
            for n in (1, 2):
                enqueue(session, OutgoingReply(f"<thread-{n}@mailbot.example>", f"p{n}@example.no", "Re: Hei",
                                               "Takk!\n", "", None, (), "confirmed"), SENDER, None)
        sender = make_sender(_settings(tmp_path / "config.toml", smtp_server), SecretSource(environ={}))
        sending = Sending(sender, db)
        sending.start()
        report = sending.wait()
        assert (report.sent, report.failed) == (2, 0)
        assert sorted(m.rcpt_tos[0] for m in smtp_server.wait_for(2)) == ["p1@example.no", "p2@example.no"]
        assert asyncio.run(sender.deliver_pending(db)).sent == 0, "both were marked sent"
    finally:
        db.dispose()


def _settings(path, smtp_server):  # noqa: ANN001, ANN202 - Settings for the SMTP side only
    class NoImap:
        host, port, user, password = "127.0.0.1", 1, "nobody", "x"
    return load_settings(write_config(path, NoImap(), smtp_server, "sqlite:///" + str(path.with_suffix(".db"))))
