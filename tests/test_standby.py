"""The mailbox lease: one `mailbot run` owns a mailbox; a second waits as a hot standby and takes over when
the first stops.  Lease unit tests on the selected database, then two real daemons against Dovecot."""

from __future__ import annotations

import signal

import pytest
from faults.mails import build
from faults.support import mailbot_env, replies, run_cli, start_daemon, wait_until, write_config
from sqlalchemy import create_engine, text

from mailbot.store.lease import AdvisoryLease, make_lease
from mailbot.standby import EXIT_MAILBOX_BUSY

REGISTRATION = "Hei!\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nHilsen {name}\nFirma {n} AS\n"


def test_one_holder_per_mailbox_and_release_frees_it(db_url):
    first, second = make_lease(db_url, "imap://a@host/INBOX"), make_lease(db_url, "imap://a@host/INBOX")
    other = make_lease(db_url, "imap://b@host/INBOX")
    try:
        assert first.try_acquire()
        assert not second.try_acquire()  # the same mailbox is taken
        assert other.try_acquire()  # another mailbox is independent
        assert first.still_held()
        first.release()
        assert second.try_acquire()
    finally:
        for lease in (first, second, other):
            lease.release()


def test_a_lost_postgresql_session_is_noticed(pg_url):
    lease = make_lease(pg_url, "imap://a@host/INBOX")
    assert isinstance(lease, AdvisoryLease) and lease.try_acquire()
    engine = create_engine(pg_url)
    with engine.connect() as conn:  # an operator (or a network cut) ends the lease's session
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks "
                          "WHERE locktype = 'advisory' AND objid = :k AND pid <> pg_backend_pid()"),
                     {"k": lease.key & 0xFFFFFFFF})
    engine.dispose()
    assert not lease.still_held()
    taker = make_lease(pg_url, "imap://a@host/INBOX")
    assert taker.try_acquire()  # the lock went with the session
    taker.release()
    lease.release()


@pytest.mark.e2e
@pytest.mark.timeout(180)
def test_a_standby_takes_over_when_the_owner_stops(tmp_path, dovecot, smtp_server, db_url):
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, digest_time="23:59")
    env = mailbot_env(dovecot)
    owner_log, standby_log = tmp_path / "owner.log", tmp_path / "standby.log"
    owner = start_daemon(config, env, owner_log)
    standby = None
    try:
        wait_until(lambda: "ready" in owner_log.read_text(), 60, what="the owner to be ready")
        standby = start_daemon(config, env, standby_log)
        wait_until(lambda: "standby" in standby_log.read_text(), 60, what="the second daemon to stand by")
        busy = run_cli(["run", "--once", "--config", str(config)], env, check=False)
        assert busy.returncode == EXIT_MAILBOX_BUSY, busy.stderr  # a one-shot run does not barge in

        dovecot.append("INBOX", build(1, "Kari Nordmann <kari@firma1.example>", "Påmelding",
                                      REGISTRATION.format(name="Kari Nordmann", n=1)))
        wait_until(lambda: len(replies(smtp_server)) == 1, 30, what="the owner's reply")
        assert "lease_acquired" not in standby_log.read_text()

        owner.send_signal(signal.SIGTERM)
        assert owner.wait(30) == 0
        wait_until(lambda: "ready" in standby_log.read_text(), 30, what="the standby to take over")
        dovecot.append("INBOX", build(2, "Per Hansen <per@firma2.example>", "Påmelding",
                                      REGISTRATION.format(name="Per Hansen", n=2)))
        wait_until(lambda: len(replies(smtp_server)) == 2, 30, what="the new owner's reply")
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(30) == 0
    finally:
        for proc in (owner, standby):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    recipients = sorted(r.to[0] for r in replies(smtp_server))
    assert recipients == ["kari@firma1.example", "per@firma2.example"]  # each answered once, by one owner
