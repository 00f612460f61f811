"""Prove that the server fixtures in conftest.py / tests/servers work."""

from __future__ import annotations

import asyncio
import email
import email.policy
import imaplib
import socket
import ssl
import time
from email.message import EmailMessage

import aiosmtplib
import imapclient
import pytest

from servers import unavailable
from servers.postgres import PostgresDatabase, postgres_reachable

pytestmark = pytest.mark.e2e

FOLDER = "Klimaverksted/Påmeldinger"


def raw_message(subject="Hei", body="Hallo verden", sender="anne@example.org", to="bot@example.org") -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{time.time_ns()}@example.org>"
    msg.set_content(body)
    return msg.as_bytes().replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")


# ------------------------------------------------------------------ IMAP
def test_append_and_fetch_back(dovecot):
    uid = dovecot.append("INBOX", raw_message(subject="Påmelding kurs"), flags=("$Foo",))
    assert uid == 1
    assert dovecot.folder_uids("INBOX") == [1]
    assert dovecot.fetch_flags("INBOX") == {1: ("$Foo",)}
    with dovecot.client() as c:
        c.select_folder("INBOX")
        data = c.fetch([uid], ["BODY.PEEK[]", "ENVELOPE"])
        parsed = email.message_from_bytes(data[uid][b"BODY[]"], policy=email.policy.default)
        assert parsed["Subject"] == "Påmelding kurs"
        caps = c.capabilities()
        for cap in (b"IDLE", b"MOVE", b"UIDPLUS"):
            assert cap in caps
    assert list(dovecot.fetch_messages("INBOX")) == [1]


def test_unicode_folder_and_uid_move(dovecot):
    dovecot.create_folder(FOLDER)
    assert FOLDER in dovecot.list_folders()
    uid = dovecot.append("INBOX", raw_message())
    with dovecot.client() as c:
        delim = {name: d for _f, d, name in c.list_folders()}[FOLDER]
        assert delim == b"/"
        c.select_folder("INBOX")
        c.move([uid], FOLDER)  # UID MOVE
    assert dovecot.folder_uids("INBOX") == []
    assert dovecot.folder_uids(FOLDER) == [1]


def test_idle_notified_of_append_from_other_client(dovecot):
    with dovecot.client() as c:
        c.select_folder("INBOX")
        c.idle()
        t0 = time.monotonic()
        dovecot.append("INBOX", raw_message())  # second connection
        seen = []
        while time.monotonic() - t0 < 3 and not any(r[1] == b"EXISTS" for r in seen if len(r) > 1):
            seen += c.idle_check(timeout=0.5)
        c.idle_done()
    assert any(len(r) > 1 and r[1] == b"EXISTS" for r in seen), seen
    assert time.monotonic() - t0 < 3


def test_idle_can_be_hidden_for_polling(dovecot_factory):
    srv = dovecot_factory(idle=False)
    with srv.client() as c:
        caps = c.capabilities()
        assert b"IDLE" not in caps and b"MOVE" in caps
        c.select_folder("INBOX")
        srv.append("INBOX", raw_message())
        c.noop()
        assert c.search("ALL") == [1]


def test_dot_separator_option(dovecot_factory):
    srv = dovecot_factory(separator=".")
    srv.create_folder("A.B")
    with srv.client() as c:
        assert {name: d for _f, d, name in c.list_folders()}["A.B"] == b"."


def test_tls_with_trustme_ca(dovecot_tls, tls_files):
    # implicit TLS, verified against the trustme CA
    with dovecot_tls.client() as c:
        assert c.select_folder("INBOX")[b"EXISTS"] == 0
    # STARTTLS on the plain port
    with dovecot_tls.client(starttls=True) as c:
        c.noop()
    # without the CA the handshake must fail
    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(
            dovecot_tls.host, port=dovecot_tls.tls_port, ssl=True, ssl_context=ssl.create_default_context(), timeout=5
        )
    # plaintext LOGIN before STARTTLS is refused
    c = imapclient.IMAPClient(dovecot_tls.host, port=dovecot_tls.port, ssl=False, timeout=5)
    assert b"LOGINDISABLED" in c.capabilities()
    with pytest.raises(imapclient.exceptions.LoginError):
        c.login(dovecot_tls.user, dovecot_tls.password)
    c.shutdown()


@pytest.mark.fault
def test_restart_keeps_messages_and_port(dovecot):
    dovecot.append("INBOX", raw_message(subject="one"))
    dovecot.append(FOLDER, raw_message(subject="two"))
    port = dovecot.port
    old = dovecot.client()
    old.select_folder("INBOX")
    dovecot.restart()
    assert dovecot.port == port
    assert dovecot.folder_uids("INBOX") == [1]
    assert dovecot.folder_uids(FOLDER) == [1]
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        old.noop()
    # UIDs continue after the crash
    assert dovecot.append("INBOX", raw_message(subject="three")) == 2


@pytest.mark.fault
def test_kill_connections(dovecot):
    c = dovecot.client()
    c.select_folder("INBOX")
    assert dovecot.kill_connections() == 1
    with pytest.raises((imaplib.IMAP4.abort, imaplib.IMAP4.error, OSError)):
        c.noop()
        c.noop()
    # server itself is still fine
    with dovecot.client() as c2:
        c2.noop()


@pytest.mark.fault
def test_crash_and_start_again(dovecot):
    dovecot.append("INBOX", raw_message())
    dovecot.crash()
    with pytest.raises(OSError):
        socket.create_connection((dovecot.host, dovecot.port), timeout=2).close()
    dovecot.start_again()
    assert dovecot.folder_uids("INBOX") == [1]


def test_session_dovecot(dovecot_session):
    with dovecot_session.client() as c:
        c.noop()


# ------------------------------------------------------------------ SMTP
def _mail(to=("kari@example.org",), subject="Re: påmelding"):
    msg = EmailMessage()
    msg["From"] = "bot@example.org"
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content("Takk for påmeldingen!")
    return msg


def _send(server, msg, **kw):
    kw.setdefault("start_tls", False)
    return asyncio.run(aiosmtplib.send(msg, hostname=server.host, port=server.port, timeout=10, **kw))


def test_smtp_recorder_receives(smtp_server):
    _send(smtp_server, _mail())
    [rec] = smtp_server.wait_for(1, timeout=5)
    assert rec.mail_from == "bot@example.org"
    assert rec.rcpt_tos == ["kari@example.org"]
    assert rec.message["Subject"] == "Re: påmelding"
    assert "Takk for påmeldingen!" in rec.message.get_content()
    assert b"Subject: " in rec.raw
    assert rec.tls is False and rec.auth_login is None


@pytest.mark.fault
def test_smtp_tempfail_gives_4xx(smtp_server):
    smtp_server.set_mode("tempfail")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as ei:
        _send(smtp_server, _mail())
    assert ei.value.recipients[0].code == 451
    smtp_server.set_mode("tempfail_data", times=1)
    with pytest.raises(aiosmtplib.SMTPDataError) as ei:
        _send(smtp_server, _mail())
    assert 400 <= ei.value.code < 500
    _send(smtp_server, _mail())  # times=1 used up -> ok again
    assert len(smtp_server.wait_for(1)) == 1
    assert smtp_server.mode == "ok"


@pytest.mark.fault
def test_smtp_permfail_for_one_recipient(smtp_server):
    smtp_server.set_mode("permfail_for:bad@example.org")
    errors, _resp = _send(smtp_server, _mail(to=("bad@example.org", "good@example.org")))
    assert errors["bad@example.org"].code == 550
    [rec] = smtp_server.wait_for(1)
    assert rec.rcpt_tos == ["good@example.org"]


@pytest.mark.fault
def test_smtp_down_and_up(smtp_server):
    port = smtp_server.port
    smtp_server.set_mode("down")
    with pytest.raises((aiosmtplib.SMTPConnectError, OSError)):
        _send(smtp_server, _mail())
    smtp_server.up()
    assert smtp_server.port == port
    _send(smtp_server, _mail())
    smtp_server.wait_for(1)


def test_smtp_starttls_and_auth(smtp_server_tls, tls_files):
    _send(
        smtp_server_tls,
        _mail(),
        start_tls=True,
        tls_context=tls_files.client_context(),
        username="mailbot",
        password="smtpsecret",
    )
    [rec] = smtp_server_tls.wait_for(1)
    assert rec.tls is True and rec.auth_login == "mailbot"
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        _send(smtp_server_tls, _mail(), start_tls=True, tls_context=tls_files.client_context(),
              username="mailbot", password="wrong")
    with pytest.raises((aiosmtplib.SMTPConnectError, ssl.SSLError)):  # cert not trusted without the CA
        _send(smtp_server_tls, _mail(), start_tls=True, tls_context=ssl.create_default_context())


# ------------------------------------------------------------- databases
def test_pg_helper_creates_and_drops_database():
    reason = postgres_reachable()
    if reason:
        unavailable(reason)
    import sqlalchemy as sa

    with PostgresDatabase() as db:
        assert db.exists()
        assert db.url.startswith("postgresql+psycopg://postgres@127.0.0.1:5432/mailbot_test_")
        engine = sa.create_engine(db.url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_database()")).scalar() == db.name
        engine.dispose()
    assert not db.exists()


def test_db_url_is_usable(db_url):
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(sa.text("INSERT INTO t (id, name) VALUES (1, 'Påmelding')"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM t")).scalar() == "Påmelding"
    engine.dispose()
