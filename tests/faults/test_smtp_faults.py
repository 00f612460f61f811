"""SMTP faults: the server down for a while, temporary (4xx) and permanent (5xx) refusals.

The daemon runs in-process (build_daemon + run_once) against the real Dovecot and the SMTP recorder, with a
clock the test moves, so the backoff (30 s, 1 min, 2 min, ...) can be stepped through without waiting.
The clock starts on 10 May 2027 at 06:00 in Oslo, before the digest time (07:00), so no digest goes out
until the test moves the clock past it.
"""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone

import pytest

from faults.mails import build
from faults.support import ADVISOR, IMAP_PASSWORD_ENV, db_state, received, replies, run_cli, write_config
from mailbot.config import load_settings
from mailbot.daemon import build_daemon

pytestmark = [pytest.mark.fault]

START = datetime(2027, 5, 10, 4, 0, tzinfo=timezone.utc)  # 06:00 in Oslo (CEST)


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def registration(n: int, name: str, address: str) -> bytes:
    return build(n, f"{name} <{address}>", "Påmelding til klimaverksted",
                 f"Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\n{name}\n"
                 f"{name.split()[-1]} Bygg AS\n", prefix="smtp")


PEOPLE = [("Ola Hansen", "ola@hansen-bygg.example"), ("Kari Berg", "kari@berg-transport.example"),
          ("Nils Lund", "nils@lund-eiendom.example"), ("Eva Dahl", "eva@dahl-regnskap.example")]


@pytest.fixture
def daemon_factory(tmp_path, dovecot, smtp_server, db_url, monkeypatch):
    """make(clock) -> a Daemon built by build_daemon against the test servers (closed at teardown)."""
    monkeypatch.setenv(IMAP_PASSWORD_ENV, dovecot.password)
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, digest_time="07:00")
    built = []

    def make(clock: Clock):
        daemon = build_daemon(load_settings(config), clock=clock)
        built.append(daemon)
        return daemon

    make.config = config
    yield make
    for daemon in built:
        daemon.mailbox.close()
        daemon.db.dispose()


def outbox_attempts(db_url: str) -> dict[str, tuple[str, int]]:
    """(status, attempts) of each reply, by recipient (the advisor's digest left out)."""
    return {o.recipient: (o.status, o.attempts) for o in db_state(db_url).outbox.values() if o.recipient != ADVISOR}


def test_smtp_down_then_back_delivers_each_reply_once(dovecot, smtp_server, db_url, daemon_factory):
    for n, (name, address) in enumerate(PEOPLE, start=1):
        dovecot.append("INBOX", registration(n, name, address))
    clock = Clock()
    daemon = daemon_factory(clock)

    smtp_server.down()
    report = daemon.run_once()
    assert report.sent == 0 and report.count("decided") == 4
    assert set(outbox_attempts(db_url).values()) == {("pending", 1)}, "queued, one failed attempt each"

    clock.advance(seconds=10)
    smtp_server.up()
    assert daemon.run_once().sent == 0, "the backoff (30 s after the first attempt) is respected"
    assert smtp_server.messages == []

    clock.advance(seconds=25)
    assert daemon.run_once().sent == 4, "due again 30 s after the failed attempt: delivered"
    clock.advance(hours=2)
    daemon.run_once()
    got = replies(smtp_server)
    assert sorted(r.rcpt_tos for r in got) == sorted((a,) for _n, a in PEOPLE), "each reply exactly once"
    assert set(outbox_attempts(db_url).values()) == {("sent", 2)}


@pytest.mark.parametrize("mode", ["tempfail", "tempfail_data"])
def test_4xx_is_retried_with_growing_backoff(mode, dovecot, smtp_server, db_url, daemon_factory):
    name, address = PEOPLE[0]
    dovecot.append("INBOX", registration(1, name, address))
    clock = Clock()
    daemon = daemon_factory(clock)

    smtp_server.set_mode(mode)
    daemon.run_once()  # attempt 1 at t=0 -> next at +30 s
    assert len(smtp_server.rejections) == 1
    clock.advance(seconds=31)
    daemon.run_once()  # attempt 2 at t=31 s -> next at +60 s
    assert len(smtp_server.rejections) == 2
    assert outbox_attempts(db_url)[address] == ("pending", 2)
    clock.advance(seconds=55)
    daemon.run_once()
    assert len(smtp_server.rejections) == 2, "not tried again before the doubled backoff (60 s) has passed"

    smtp_server.set_mode("ok")
    clock.advance(seconds=10)
    assert daemon.run_once().sent == 1
    assert [r.rcpt_tos for r in replies(smtp_server)] == [(address,)]
    assert outbox_attempts(db_url)[address] == ("sent", 3)


def _refused_run(dovecot, smtp_server, db_url, daemon_factory):
    """Four registrations; the SMTP server refuses one recipient with 550.  (daemon, clock, that address)."""
    for n, (name, address) in enumerate(PEOPLE, start=1):
        dovecot.append("INBOX", registration(n, name, address))
    refused = PEOPLE[1][1]
    clock = Clock()
    daemon = daemon_factory(clock)
    smtp_server.set_mode(f"permfail_for:{refused}")
    report = daemon.run_once()
    assert report.sent == 3 and report.failed == 1
    assert sorted(r.rcpt_tos[0] for r in replies(smtp_server)) == sorted(a for _n, a in PEOPLE if a != refused)
    assert outbox_attempts(db_url)[refused] == ("failed", 1), "a 5xx is not retried"
    return daemon, clock, refused


def test_5xx_fails_that_reply_only_and_the_mailed_digest_shows_it(dovecot, smtp_server, db_url, daemon_factory):
    daemon, clock, refused = _refused_run(dovecot, smtp_server, db_url, daemon_factory)
    smtp_server.set_mode("ok")
    clock.advance(hours=3)
    daemon.run_once()  # 09:00 in Oslo: the digest is due
    assert outbox_attempts(db_url)[refused] == ("failed", 1), "a failed reply stays failed"
    assert refused not in {r.rcpt_tos[0] for r in replies(smtp_server)}
    [digest] = [r for r in received(smtp_server) if r.to_advisor]
    text = email.message_from_bytes(digest.raw, policy=email.policy.default).get_body(("plain",)).get_content()
    assert refused in text and "Svaret vårt kom ikke fram" in text, "the e-mailed digest lists the failed reply"
    assert "550" in text, "with the server's answer"


def test_5xx_is_shown_by_digest_print(dovecot, smtp_server, db_url, daemon_factory, env):
    _daemon, _clock, refused = _refused_run(dovecot, smtp_server, db_url, daemon_factory)
    printed = run_cli(["digest", "--print", "--config", str(daemon_factory.config)], env).stdout
    assert refused in printed and "Svaret vårt kom ikke fram" in printed, printed
