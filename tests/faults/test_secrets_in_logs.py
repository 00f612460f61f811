"""Passwords never reach the output, not even at DEBUG: LOGIN to Dovecot and AUTH to SMTP with distinctive
passwords, a run at logging.level = "DEBUG", and the output searched for them (and for their base64, which
SASL PLAIN/LOGIN put on the wire)."""

from __future__ import annotations

import base64
import signal
import time

import pytest

from faults.mails import build
from faults.support import mailbot_env, replies, run_cli, start_daemon, wait_until, write_config

pytestmark = [pytest.mark.fault, pytest.mark.slow]

IMAP_PASSWORD = "Imap-Pw-7qX2vR9t"
SMTP_USER, SMTP_PASSWORD = "mailbot", "Smtp-Pw-4kM8zW1p"
WRONG_PASSWORD = "Wrong-Pw-3nB6yH5c"


def forms(secret: str) -> list[str]:
    """The secret as it could leak: plain, and base64-encoded as in SASL PLAIN (\\0user\\0pw) and LOGIN."""
    return [secret, base64.b64encode(secret.encode()).decode(),
            base64.b64encode(f"\0{SMTP_USER}\0{secret}".encode()).decode(),
            base64.b64encode(f"\0mailbot\0{secret}".encode()).decode()]


def assert_hidden(output: str, *secrets: str) -> None:
    for secret in secrets:
        for form in forms(secret):
            assert form not in output, f"a password ({form!r}) appears in the output"


def mails() -> list[bytes]:
    return [build(1, "Ola Hansen <ola@hansen-bygg.example>", "Påmelding til klimaverksted",
                  "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\nOla Hansen\n"
                  "Hansen Bygg AS\n", prefix="secret"),
            build(2, "Jonas Vik <jonas@sykkelbud.example>", "Innspill om sykkellogistikk",
                  "Hei,\n\nKommunen bør legge til rette for sykkellogistikk i sentrum med egne lastesoner.\n\n"
                  "Mvh\nJonas Vik\nSykkelbud Drammen AS\n", prefix="secret")]


@pytest.fixture
def servers(dovecot_factory, smtp_factory):
    dovecot = dovecot_factory(password=IMAP_PASSWORD)
    smtp = smtp_factory(auth=(SMTP_USER, SMTP_PASSWORD))  # AUTH offered; mailbot logs in since a user is set
    for raw in mails():
        dovecot.append("INBOX", raw)
    return dovecot, smtp


@pytest.mark.parametrize("smtp_password", [SMTP_PASSWORD, WRONG_PASSWORD], ids=["smtp-ok", "smtp-refused"])
def test_no_password_in_debug_output(smtp_password, servers, tmp_path, db_url):
    dovecot, smtp = servers
    config = write_config(tmp_path / "config.toml", dovecot, smtp, db_url, log_level="DEBUG", smtp_user=SMTP_USER)
    result = run_cli(["run", "--once", "--config", str(config)], mailbot_env(dovecot, smtp_password))
    output = result.stdout + result.stderr
    assert " DEBUG " in output, "the run really logged at DEBUG"
    if smtp_password == SMTP_PASSWORD:
        assert {m.auth_login for m in smtp.messages} == {SMTP_USER}, "the replies went out authenticated"
        assert len(replies(smtp)) == 2
    else:
        assert smtp.messages == [] and "send_retry" in output, "the refused login was logged (without the password)"
    assert_hidden(output, IMAP_PASSWORD, SMTP_PASSWORD, WRONG_PASSWORD)


def test_no_password_in_output_of_a_refused_imap_login(servers, tmp_path, db_url):
    dovecot, smtp = servers
    config = write_config(tmp_path / "config.toml", dovecot, smtp, db_url, log_level="DEBUG", smtp_user=SMTP_USER)
    env = mailbot_env(dovecot, SMTP_PASSWORD)
    env["MAILBOT_TEST_IMAP_PASSWORD"] = WRONG_PASSWORD
    log = tmp_path / "daemon.log"
    proc = start_daemon(config, env, log)
    try:
        wait_until(lambda: "refused" in log.read_text(), 60, 0.1, "the refused login to be logged")
        time.sleep(1.5)  # one more attempt after the first backoff
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert_hidden(log.read_text(), IMAP_PASSWORD, SMTP_PASSWORD, WRONG_PASSWORD)
