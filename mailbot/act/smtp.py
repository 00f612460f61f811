"""Delivering the outbox over SMTP (aiosmtplib), or to .eml files when no [smtp] is configured.

Delivery is at-least-once with a very small duplicate window: a row is marked sent in its own commit right
after the server's 250 (act.queue.SentMarks, on a connection held for the run), so only a crash between that
250 and that commit sends the reply twice (and the deterministic Message-ID lets the recipient's client fold
the duplicate).  4xx answers and connection
problems are retried with capped exponential backoff; 5xx answers fail the row at once (the digest lists
failed rows).  One failing row never stops the others.
"""

from __future__ import annotations

import email.utils
import logging
import ssl
from collections.abc import Callable
from datetime import datetime

import aiosmtplib

from mailbot.act.eml import EmlOutbox
from mailbot.act.queue import (DeliveryReport, DueItem, SentMarks, Tally, due_items, mark_failed, mark_retry,
                               next_due)
from mailbot.config import Settings, SmtpSettings
from mailbot.errors import SecretError
from mailbot.logs import kv
from mailbot.secrets import SecretSource
from mailbot.store.db import Database
from mailbot.store.models import utcnow

log = logging.getLogger("mailbot.act")

__all__ = ["DeliveryReport", "EmlOutbox", "SmtpSender", "make_sender"]


class SmtpSender:
    """Sends due outbox rows over one SMTP connection per run (reconnecting when it drops)."""

    def __init__(self, settings: SmtpSettings, secrets: SecretSource,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.secrets = secrets
        self.clock = clock
        self.envelope_from = email.utils.parseaddr(settings.sender)[1] or settings.sender

    def next_due(self, db: Database) -> datetime | None:
        return next_due(db)

    async def deliver_pending(self, db: Database, limit: int = 500) -> DeliveryReport:
        """Send every due pending row, oldest first.  Not being able to connect or log in (server down,
        untrusted certificate, refused password, no password or token at all) counts as a failed attempt
        for every due row: retried with backoff, so intake and filing go on while sending cannot."""
        items = due_items(db, self.clock(), limit)
        tally = Tally()
        smtp: aiosmtplib.SMTP | None = None
        with SentMarks(db) as marks:
            try:
                for index, item in enumerate(items):
                    if smtp is None or not smtp.is_connected:
                        try:
                            smtp = await self._connect()
                        except (aiosmtplib.SMTPException, OSError, SecretError) as exc:
                            self._retry_all(db, items[index:], f"cannot connect: {_describe(exc)}", tally)
                            break
                    if not await self._send(db, smtp, item, tally, marks):
                        await _quit(smtp)  # its state is unknown after a connection error: start afresh
                        smtp = None
            finally:
                if smtp is not None:
                    await _quit(smtp)
        report = tally.report()
        if items:
            log.info(kv("smtp_run", sent=report.sent, retried=report.retried, failed=report.failed))
        return report

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        context = None
        if s.security != "none":
            context = ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file else None)
        smtp = aiosmtplib.SMTP(hostname=s.host, port=s.port, timeout=s.timeout, use_tls=s.security == "tls",
                               start_tls=s.security == "starttls", tls_context=context)
        await smtp.connect()
        try:
            await self._authenticate(smtp)
        except BaseException:
            smtp.close()
            raise
        return smtp

    async def _authenticate(self, smtp: aiosmtplib.SMTP) -> None:
        creds = self.settings.credentials
        if not creds.username:
            return
        secret = self.secrets.secret(creds)
        try:
            if creds.auth == "xoauth2":
                await smtp.auth_xoauth2(creds.username, secret)
            else:
                await smtp.login(creds.username, secret)  # the best of the server's PLAIN/LOGIN/CRAM-MD5
        except aiosmtplib.SMTPAuthenticationError:
            if creds.auth == "xoauth2":
                self.secrets.forget(creds)
            raise

    async def _send(self, db: Database, smtp: aiosmtplib.SMTP, item: DueItem, tally: Tally,
                    marks: SentMarks) -> bool:
        """Try one row and record the outcome.  False when the connection is no longer usable."""
        try:
            await smtp.sendmail(self.envelope_from, [item.recipient], item.raw)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            self._settle(db, item, refused.code, refused.message, tally)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            self._retry(db, item, f"connection lost: {_describe(exc)}", tally)
            return False
        except aiosmtplib.SMTPResponseException as exc:
            self._settle(db, item, exc.code, exc.message, tally)
        except (aiosmtplib.SMTPException, ValueError) as exc:  # no SMTPUTF8, an address that cannot be sent
            self._fail(db, item, _describe(exc), tally)
        else:
            # The server said 250: the reply is delivered.  Record it now, in its own commit.  A crash between
            # the 250 and this commit is the only way the same reply can go out twice.
            marks.add(item, self.clock())
            tally.sent += 1
            log.info(kv("sent", message_id=item.message_id))
        return True

    def _settle(self, db: Database, item: DueItem, code: int, message: str, tally: Tally) -> None:
        text = f"{code} {message}".strip()
        if 500 <= code < 600:
            self._fail(db, item, text, tally)
        else:
            self._retry(db, item, text, tally)

    def _fail(self, db: Database, item: DueItem, error: str, tally: Tally) -> None:
        mark_failed(db, item, error)
        tally.failed += 1
        tally.errors.append(f"{item.message_id} to {item.recipient}: {error}")
        log.error(kv("send_failed", message_id=item.message_id, error=error))

    def _retry(self, db: Database, item: DueItem, error: str, tally: Tally) -> None:
        if mark_retry(db, item, self.clock(), error, self.settings.max_attempts):
            tally.failed += 1
            tally.errors.append(f"{item.message_id} to {item.recipient}: gave up after "
                                f"{self.settings.max_attempts} attempts: {error}")
            log.error(kv("send_failed", message_id=item.message_id, attempts=self.settings.max_attempts, error=error))
            return
        tally.retried += 1
        tally.errors.append(f"{item.message_id} to {item.recipient}: will retry: {error}")
        log.warning(kv("send_retry", message_id=item.message_id, error=error))

    def _retry_all(self, db: Database, items: list[DueItem], error: str, tally: Tally) -> None:
        log.warning(kv("smtp_unavailable", host=self.settings.host, port=self.settings.port, error=error))
        for item in items:
            self._retry(db, item, error, tally)


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.quit()
    except Exception:  # noqa: BLE001 - the connection may already be gone
        smtp.close()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def make_sender(settings: Settings, secrets: SecretSource,
                clock: Callable[[], datetime] = utcnow) -> SmtpSender | EmlOutbox:
    """SmtpSender when [smtp] is configured, else the .eml outbox directory (the embedded default).
    `clock` decides which rows are due and when a retry comes; pass the daemon's clock."""
    if settings.smtp is not None:
        return SmtpSender(settings.smtp, secrets, clock)
    return EmlOutbox(settings.outbox_path, clock)
