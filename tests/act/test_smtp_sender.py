"""SmtpSender against the aiosmtpd recorder (tests/servers/smtp.py): exactly-once, retries, failures, TLS."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from act_helpers import ImplicitTlsServer, make_reply, queue, rows, smtp_settings

from mailbot.act.smtp import EmlOutbox, SmtpSender, make_sender
from mailbot.config import Credentials
from mailbot.secrets import SecretSource

NOBODY = SecretSource(environ={})


def deliver(sender, db):
    return asyncio.run(sender.deliver_pending(db))


def test_delivers_each_pending_row_exactly_once(smtp_server, db, clock):
    queue(db, clock, *(make_reply(n, to=f"person{n}@example.no") for n in range(3)))
    sender = SmtpSender(smtp_settings(smtp_server), NOBODY, clock)
    report = deliver(sender, db)
    assert (report.sent, report.retried, report.failed, report.errors) == (3, 0, 0, ())
    received = smtp_server.wait_for(3)
    assert sorted(m.message["Message-ID"] for m in received) == sorted(rows(db))
    assert {tuple(m.rcpt_tos) for m in received} == {(f"person{n}@example.no",) for n in range(3)}
    assert all(m.mail_from == "klimaverksted@drammen.kommune.example" for m in received)
    for row in rows(db).values():
        assert row.status == "sent" and row.sent_at is not None and row.last_error is None
    again = deliver(sender, db)
    assert again.sent == 0
    assert len(smtp_server.messages) == 3
    assert sender.next_due(db) is None


def test_sends_oldest_first(smtp_server, db, clock):
    queue(db, clock, make_reply(1, to="first@example.no"), make_reply(2, to="second@example.no"))
    deliver(SmtpSender(smtp_settings(smtp_server), NOBODY, clock), db)
    assert [m.rcpt_tos for m in smtp_server.wait_for(2)] == [["first@example.no"], ["second@example.no"]]


@pytest.mark.fault
@pytest.mark.parametrize("mode", ["tempfail", "tempfail_data"])
def test_temporary_failure_is_retried_after_backoff(smtp_server, db, clock, mode):
    queue(db, clock, make_reply(1))
    sender = SmtpSender(smtp_settings(smtp_server), NOBODY, clock)
    smtp_server.set_mode(mode)
    report = deliver(sender, db)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    [row] = rows(db).values()
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at == clock.now + timedelta(seconds=30)
    assert "451" in row.last_error
    assert sender.next_due(db) == clock.now + timedelta(seconds=30)

    smtp_server.set_mode("ok")
    assert deliver(sender, db).sent == 0  # not due yet: nothing is tried
    assert smtp_server.messages == []
    clock.advance(seconds=31)
    assert deliver(sender, db).sent == 1
    assert deliver(sender, db).sent == 0
    assert len(smtp_server.wait_for(1)) == 1
    [row] = rows(db).values()
    assert row.status == "sent" and row.attempts == 2


@pytest.mark.fault
def test_gives_up_after_max_attempts(smtp_server, db, clock):
    queue(db, clock, make_reply(1))
    sender = SmtpSender(smtp_settings(smtp_server, max_attempts=3), NOBODY, clock)
    smtp_server.set_mode("tempfail")
    delays = []
    for _ in range(3):
        report = deliver(sender, db)
        [row] = rows(db).values()
        delays.append(row.next_attempt_at - clock.now)
        clock.advance(hours=2)
    assert report.failed == 1 and "gave up after 3 attempts" in report.errors[0]
    assert row.status == "failed" and row.attempts == 3 and "451" in row.last_error
    assert delays[:2] == [timedelta(seconds=30), timedelta(seconds=60)]


@pytest.mark.fault
def test_permanent_failure_for_one_recipient_does_not_stop_the_others(smtp_server, db, clock):
    queue(db, clock, make_reply(1, to="good1@example.no"), make_reply(2, to="bad@example.no"),
          make_reply(3, to="good2@example.no"))
    smtp_server.set_mode("permfail_for:bad@example.no")
    report = deliver(SmtpSender(smtp_settings(smtp_server), NOBODY, clock), db)
    assert (report.sent, report.retried, report.failed) == (2, 0, 1)
    assert "bad@example.no" in report.errors[0] and "550" in report.errors[0]
    by_recipient = {row.recipient: row for row in rows(db).values()}
    assert by_recipient["bad@example.no"].status == "failed"
    assert "550" in by_recipient["bad@example.no"].last_error
    assert by_recipient["good1@example.no"].status == by_recipient["good2@example.no"].status == "sent"
    assert sorted(m.rcpt_tos[0] for m in smtp_server.wait_for(2)) == ["good1@example.no", "good2@example.no"]


@pytest.mark.fault
def test_server_down_is_a_retry_then_delivered_once(smtp_server, db, clock):
    queue(db, clock, make_reply(1), make_reply(2))
    sender = SmtpSender(smtp_settings(smtp_server), NOBODY, clock)
    smtp_server.set_mode("down")
    report = deliver(sender, db)
    assert (report.sent, report.retried, report.failed) == (0, 2, 0)
    assert all("cannot connect" in e for e in report.errors)
    assert all(r.status == "pending" and r.attempts == 1 for r in rows(db).values())
    smtp_server.up()
    clock.advance(minutes=1)
    assert deliver(sender, db).sent == 2
    assert len(smtp_server.wait_for(2)) == 2
    assert deliver(sender, db).sent == 0


def test_starttls_and_auth(smtp_server_tls, tls_files, db, clock):
    queue(db, clock, make_reply(1))
    secrets = SecretSource(environ={"MAILBOT_SMTP_PASSWORD": "smtpsecret\n"})
    settings = smtp_settings(smtp_server_tls, security="starttls", ca_file=tls_files.ca_path,
                             username="mailbot", password_env="MAILBOT_SMTP_PASSWORD")
    assert deliver(SmtpSender(settings, secrets, clock), db).sent == 1
    [received] = smtp_server_tls.wait_for(1)
    assert received.tls is True and received.auth_login == "mailbot"


@pytest.mark.fault
def test_untrusted_certificate_and_wrong_password_are_retried(smtp_server_tls, tls_files, db, clock):
    queue(db, clock, make_reply(1))
    secrets = SecretSource(environ={"PW": "wrong"})
    no_ca = smtp_settings(smtp_server_tls, security="starttls", username="mailbot", password_env="PW")
    report = deliver(SmtpSender(no_ca, secrets, clock), db)
    assert report.retried == 1 and "CERTIFICATE_VERIFY_FAILED" in report.errors[0]
    clock.advance(hours=1)
    wrong_pw = smtp_settings(smtp_server_tls, security="starttls", ca_file=tls_files.ca_path,
                             username="mailbot", password_env="PW")
    report = deliver(SmtpSender(wrong_pw, secrets, clock), db)
    assert report.retried == 1 and "535" in report.errors[0]
    assert "wrong" not in report.errors[0]
    [row] = rows(db).values()
    assert row.status == "pending" and row.attempts == 2
    assert smtp_server_tls.messages == []


def test_make_sender_picks_smtp_or_eml(tmp_path):
    from mailbot.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text('[event]\nname = "K"\ndate = 2027-06-01\nstart = "14:00"\nend = "16:00"\n'
                      'location = "Drammen"\ncapacity = 10\n[advisor]\nemail = "a@example.no"\n')
    assert isinstance(make_sender(load_settings(config), NOBODY), EmlOutbox)
    config.write_text(config.read_text() + '[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\n'
                                           'sender = "bot@example.no"\n')
    assert isinstance(make_sender(load_settings(config), NOBODY), SmtpSender)


def test_implicit_tls_with_xoauth2_token_from_a_command(tls_files, db, clock, tmp_path):
    script = tmp_path / "token.sh"
    script.write_text("#!/bin/sh\necho ya29.test-token\n")
    script.chmod(0o755)
    queue(db, clock, make_reply(1))
    with ImplicitTlsServer(tls_files, token="ya29.test-token") as server:
        settings = replace(smtp_settings(server, security="tls", ca_file=tls_files.ca_path),
                           credentials=Credentials("smtp", "bot@example.no", None, None, str(script), "xoauth2"))
        assert deliver(SmtpSender(settings, SecretSource(environ={}), clock), db).sent == 1
        [(mail_from, rcpt_tos, _raw, login)] = server.messages
        assert rcpt_tos == ["kari.nordmann@example.no"] and login == "bot@example.no"

        queue(db, clock, make_reply(2))
        server.token = "ya29.rotated"  # the cached token is refused: retried, and the cache is dropped
        secrets = SecretSource(environ={})
        sender = SmtpSender(settings, secrets, clock)
        report = deliver(sender, db)
        assert report.retried == 1 and "535" in report.errors[0]
        script.write_text("#!/bin/sh\necho ya29.rotated\n")
        clock.advance(minutes=1)
        assert deliver(sender, db).sent == 1


@pytest.mark.fault
def test_missing_password_is_a_retry_naming_the_key(smtp_server_tls, tls_files, db, clock):
    queue(db, clock, make_reply(1))
    settings = smtp_settings(smtp_server_tls, security="starttls", ca_file=tls_files.ca_path,
                             username="mailbot", password_env="MAILBOT_SMTP_PASSWORD")
    report = deliver(SmtpSender(settings, NOBODY, clock), db)
    assert report.retried == 1
    assert "smtp.password_env: environment variable MAILBOT_SMTP_PASSWORD is not set" in report.errors[0]
    [row] = rows(db).values()
    assert row.status == "pending" and row.attempts == 1
