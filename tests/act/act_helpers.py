"""Helpers for the act tests: a settable clock, replies, queueing and SMTP settings."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from mailbot.act.outbox import enqueue
from mailbot.config import Credentials, SmtpSettings
from mailbot.domain import FileAttachment, OutgoingReply
from mailbot.store.db import Database
from mailbot.store.models import OutboxItem

SENDER = "Klimaverksted Drammen kommune <klimaverksted@drammen.kommune.example>"


class Clock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_reply(n: int = 1, to: str = "kari.nordmann@example.no", **overrides) -> OutgoingReply:
    values = dict(
        message_id=f"<reply-{n}.confirmed@mailbot.drammen.example>",
        to=f"Kari Nordmann <{to}>",
        subject="Re: Påmelding til klimaverkstedet",
        text="Hei Kari,\n\nTakk for påmeldingen! Du har fått plass på klimaverkstedet 1. juni.\n\nHilsen\nMarte\n",
        html="<p>Hei Kari,</p><p>Takk for påmeldingen! Du har fått plass på klimaverkstedet 1. juni.</p>",
        in_reply_to=f"<request-{n}@example.no>",
        references=("<thread-start@example.no>", f"<request-{n}@example.no>"),
        purpose="confirmed",
        attachments=(FileAttachment("klimaverksted.ics", "text/calendar; method=REQUEST",
                                    b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"),),
    )
    values.update(overrides)
    return OutgoingReply(**values)


def queue(db: Database, clock: Clock, *replies: OutgoingReply) -> list[int]:
    """Enqueue replies at the clock's time (each in its own transaction, as the pipeline does)."""
    ids = []
    for reply in replies:
        with db.session() as session:
            item = enqueue(session, reply, SENDER, None, now=clock.now)
            assert item is not None
            ids.append(item.id)
    return ids


def rows(db: Database) -> dict[str, OutboxItem]:
    """Outbox rows by Message-ID (detached)."""
    with db.session() as session:
        return {row.message_id: row for row in session.scalars(select(OutboxItem))}


def smtp_settings(server, *, security: str = "none", port: int | None = None, ca_file=None,
                  username: str | None = None, password_env: str | None = None,
                  max_attempts: int = 8) -> SmtpSettings:
    creds = Credentials(section="smtp", username=username, password_env=password_env, password_file=None,
                        token_command=None, auth="login")
    return SmtpSettings(host=server.host, port=port or server.port, security=security, credentials=creds,
                        ca_file=ca_file, sender=SENDER, timeout=10.0, max_attempts=max_attempts)


class ImplicitTlsServer:
    """An aiosmtpd server speaking TLS from the first byte (port 465 style) and offering AUTH XOAUTH2 with
    one valid `token`.  The shared recorder (tests/servers/smtp.py) only offers STARTTLS and PLAIN/LOGIN."""

    def __init__(self, tls_files, token: str) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        from servers import free_port

        self.host, self.port, self.token = "127.0.0.1", free_port(), token
        self.messages: list[tuple[str, list[str], bytes, str | None]] = []
        server = self

        class Handler:
            async def auth_XOAUTH2(self, smtp, args):  # noqa: N802 - aiosmtpd looks up "auth_<MECHANISM>"
                fields = dict(part.split("=", 1) for part in
                              base64.b64decode(args[1]).decode().split("\x01") if "=" in part)
                ok = fields.get("auth") == f"Bearer {server.token}"
                return AuthResult(success=ok, handled=False, auth_data=fields.get("user") if ok else None)

            async def handle_DATA(self, smtp, session, envelope):  # noqa: N802
                server.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                                        session.auth_data))
                return "250 OK"

        self.controller = Controller(Handler(), hostname=self.host, port=self.port,
                                     ssl_context=tls_files.server_context(), auth_require_tls=False,
                                     authenticator=lambda *args: AuthResult(success=False), ready_timeout=10)

    def __enter__(self) -> "ImplicitTlsServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
