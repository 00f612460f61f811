"""Helpers for the intake tests: messages, settings for the private Dovecot, a secret source."""

from __future__ import annotations

import os
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from mailbot.config import Credentials, ImapSettings
from mailbot.secrets import SecretSource

PASSWORD_ENV = "MAILBOT_TEST_IMAP_PASSWORD"
REGISTRATIONS = "Klimaverksted/Påmeldinger"
REVIEW = "Klimaverksted/Til vurdering"
KEYWORD = "$MailbotFiled"


def raw_message(n: int, subject: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Deltaker {n} <deltaker{n}@example.no>"
    msg["To"] = "klimaverksted@drammen.kommune.example"
    msg["Subject"] = subject or f"Påmelding nr. {n}"
    msg["Message-ID"] = f"<msg-{n}-{time.time_ns()}@example.no>"
    msg.set_content(f"Hei!\n\nVi melder på {n} person(er) til klimaverkstedet.\n\nHilsen Åse\n")
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def imap_settings(server, *, security: str = "none", port: int | None = None, ca_file: Path | None = None,
                  idle: bool = True, poll_interval: float = 0.2, idle_renew: float = 600.0,
                  timeout: float = 10.0, user: str | None = None) -> ImapSettings:
    creds = Credentials(section="imap", username=user or server.user, password_env=PASSWORD_ENV,
                        password_file=None, token_command=None, auth="login")
    return ImapSettings(host=server.host, port=port or server.port, security=security, credentials=creds,
                        ca_file=ca_file, inbox="INBOX", folder_prefix="Klimaverksted", poll_interval=poll_interval,
                        idle=idle, idle_renew=idle_renew, batch_size=200, timeout=timeout)


def secrets_for(server, password: str | None = None) -> SecretSource:
    return SecretSource(environ={PASSWORD_ENV: password if password is not None else server.password})


def later(seconds: float, action) -> threading.Thread:
    """Run `action` in a thread after `seconds` (another client delivering mail meanwhile)."""
    def run() -> None:
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def deliver_to_maildir(maildir: Path, n: int, sub: str = "new", mtime: float | None = None,
                       suffix: str = "") -> Path:
    """Put message `n` into maildir/<sub>/ the way an MDA does (tmp/, then rename)."""
    name = f"{time.time_ns()}.M{n}P{os.getpid()}.test{suffix}"
    tmp = maildir / "tmp" / name
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(raw_message(n))
    target = maildir / sub / name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(tmp, target)
    if mtime is not None:
        os.utime(target, (mtime, mtime))
    return target


def oauth_dovecot_class():
    """A DovecotServer that also offers AUTH=XOAUTH2, taking the user's password as the valid token
    (Dovecot verifies the bearer token through the passdb).  The shared fixture has no switch for this,
    so the generated config is amended after it is written."""
    from servers.dovecot import DovecotServer

    class OAuthDovecot(DovecotServer):
        def _write_config(self) -> None:
            super()._write_config()
            text = self.config_path.read_text()
            if "auth_mechanisms = plain login\n" not in text:
                raise RuntimeError("tests/servers/dovecot.py changed: cannot enable XOAUTH2")
            self.config_path.write_text(text.replace("auth_mechanisms = plain login\n",
                                                     "auth_mechanisms = plain login xoauth2\n"))

    return OAuthDovecot
