"""An SMTP server for tests that records what it receives and can be told to
misbehave (temporary/permanent failures, going down and up again).

Usage::

    with SmtpRecorder() as smtp:
        ... send to smtp.host:smtp.port ...
        [msg] = smtp.wait_for(1, timeout=5)
        assert msg.message["Subject"] == "Re: ..."
"""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import List, Optional, Tuple, Union

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from . import TlsFiles, free_port

__all__ = ["SmtpRecorder", "RecordedMessage"]


@dataclass
class RecordedMessage:
    mail_from: str
    rcpt_tos: List[str]
    raw: bytes
    message: EmailMessage
    peer: object = None
    tls: bool = False
    auth_login: Optional[str] = None
    received_at: float = field(default_factory=time.time)


class _Handler:
    def __init__(self, recorder: "SmtpRecorder") -> None:
        self.recorder = recorder

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        verdict = self.recorder._verdict_rcpt(address)
        if verdict:
            return verdict
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        verdict = self.recorder._verdict_data()
        if verdict:
            return verdict
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        auth_login = None
        if getattr(session, "authenticated", False) and session.auth_data is not None:
            data = session.auth_data
            if isinstance(data, LoginPassword):
                auth_login = data.login.decode("utf-8", "replace")
            else:
                auth_login = str(data)
        self.recorder._record(
            RecordedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                raw=raw,
                message=msg,
                peer=session.peer,
                tls=session.ssl is not None,
                auth_login=auth_login,
            )
        )
        return "250 Message accepted for delivery"


class SmtpRecorder:
    """aiosmtpd ``Controller`` on ``host``:``port`` recording every message.

    Parameters
    ----------
    tls:
        A :class:`tests.servers.TlsFiles` or ``(cert_pem, key_pem)``: offer
        STARTTLS.  ``require_starttls=True`` makes it mandatory.
    auth:
        ``(user, password)``: offer AUTH PLAIN/LOGIN (allowed without TLS,
        ``auth_require_tls=False``).  ``auth_required=True`` refuses MAIL
        before AUTH.

    Modes (:meth:`set_mode`):

    ``"ok"``                  accept everything (default)
    ``"tempfail"``            451 to every RCPT (and DATA)
    ``"tempfail_data"``       accept RCPT, 451 after DATA
    ``"permfail_for:<addr>"`` 550 to RCPT of ``<addr>`` (case-insensitive),
                              everybody else accepted
    ``"permfail"``            550 to every RCPT
    ``"down"``                listener stopped (connection refused);
                              :meth:`up` / any other mode restarts it on the
                              same port
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: Optional[int] = None,
        tls: Union[TlsFiles, Tuple[Union[str, Path], Union[str, Path]], None] = None,
        require_starttls: bool = False,
        auth: Optional[Tuple[str, str]] = None,
        auth_required: bool = False,
        hostname: str = "smtp.mailbot.test",
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.hostname = hostname
        self.auth = auth
        self.auth_required = auth_required
        self.require_starttls = require_starttls
        self.tls_context: Optional[ssl.SSLContext] = None
        if tls is not None:
            if isinstance(tls, TlsFiles):
                self.tls_context = tls.server_context()
            else:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(str(tls[0]), str(tls[1]))
                self.tls_context = ctx

        self._cond = threading.Condition()
        self._messages: List[RecordedMessage] = []
        self._mode = "ok"
        self._mode_remaining: Optional[int] = None
        self.rejections: List[Tuple[str, str]] = []  # (stage/address, reply)
        self._controller: Optional[Controller] = None
        self._ctl_lock = threading.RLock()

    # ------------------------------------------------------------ lifecycle
    def _make_controller(self) -> Controller:
        kwargs = dict(
            hostname=self.host,
            port=self.port,
            server_hostname=self.hostname,
            ready_timeout=10.0,
            decode_data=False,
            enable_SMTPUTF8=True,
        )
        if self.tls_context is not None:
            kwargs.update(tls_context=self.tls_context, require_starttls=self.require_starttls)
        if self.auth is not None:
            kwargs.update(
                authenticator=self._authenticate,
                auth_required=self.auth_required,
                auth_require_tls=False,
            )
        return Controller(_Handler(self), **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and self.auth is not None
            and auth_data.login.decode("utf-8", "replace") == self.auth[0]
            and auth_data.password.decode("utf-8", "replace") == self.auth[1]
        ):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    def start(self) -> "SmtpRecorder":
        return self.up()

    def up(self) -> "SmtpRecorder":
        """(Re)start the listener on the same port."""
        with self._ctl_lock:
            if self._controller is None:
                last = None
                for _ in range(50):  # the port may linger briefly after down()
                    ctl = self._make_controller()
                    try:
                        ctl.start()
                    except Exception as exc:  # address in use, ...
                        last = exc
                        try:
                            ctl.stop()
                        except Exception:
                            pass
                        time.sleep(0.1)
                        continue
                    self._controller = ctl
                    break
                else:
                    raise RuntimeError(f"SMTP recorder could not listen on {self.host}:{self.port}: {last}")
            if self._mode == "down":
                self._mode = "ok"
            return self

    def down(self) -> None:
        """Stop listening (clients get 'connection refused')."""
        with self._ctl_lock:
            if self._controller is not None:
                try:
                    self._controller.stop()
                finally:
                    self._controller = None
            self._mode = "down"

    def stop(self) -> None:
        self.down()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> "SmtpRecorder":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---------------------------------------------------------------- modes
    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str, times: Optional[int] = None) -> None:
        """Switch behaviour (see class doc).  With ``times=N`` a failure mode
        applies to the next N failing replies only, then reverts to "ok"."""
        valid = mode in ("ok", "tempfail", "tempfail_data", "permfail", "down") or (
            mode.startswith("permfail_for:") and len(mode) > len("permfail_for:")
        )
        if not valid:
            raise ValueError(f"unknown SMTP recorder mode {mode!r}")
        if mode == "down":
            self.down()
            return
        with self._cond:
            self._mode = mode
            self._mode_remaining = times
        if self._controller is None:
            self.up()

    def _consume(self, kind: str, reply: str) -> str:
        # caller holds self._cond
        self.rejections.append((kind, reply))
        if self._mode_remaining is not None:
            self._mode_remaining -= 1
            if self._mode_remaining <= 0:
                self._mode = "ok"
                self._mode_remaining = None
        return reply

    def _verdict_rcpt(self, address: str) -> Optional[str]:
        with self._cond:
            mode = self._mode
            if mode == "tempfail":
                return self._consume(address, "451 4.3.0 Temporary failure, try again later")
            if mode == "permfail":
                return self._consume(address, "550 5.1.1 Mailbox unavailable")
            if mode.startswith("permfail_for:"):
                target = mode.split(":", 1)[1].strip().lower()
                if address.strip().strip("<>").lower() == target:
                    return self._consume(address, "550 5.1.1 No such user here")
        return None

    def _verdict_data(self) -> Optional[str]:
        with self._cond:
            if self._mode in ("tempfail", "tempfail_data"):
                return self._consume("DATA", "451 4.3.0 Temporary failure after DATA, try again later")
        return None

    # ------------------------------------------------------------ recording
    def _record(self, msg: RecordedMessage) -> None:
        with self._cond:
            self._messages.append(msg)
            self._cond.notify_all()

    @property
    def messages(self) -> List[RecordedMessage]:
        with self._cond:
            return list(self._messages)

    def messages_to(self, address: str) -> List[RecordedMessage]:
        a = address.lower()
        return [m for m in self.messages if a in (r.lower() for r in m.rcpt_tos)]

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()
            self.rejections.clear()

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> List[RecordedMessage]:
        """Block until at least ``count`` messages were received; return all
        of them.  Raises AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"SMTP recorder got {len(self._messages)} message(s), "
                        f"expected {count} within {timeout}s "
                        f"(mode={self._mode!r}, rejections={self.rejections!r})"
                    )
                self._cond.wait(left)
            return list(self._messages)

    def __repr__(self) -> str:
        return f"<SmtpRecorder {self.host}:{self.port} mode={self._mode!r} messages={len(self._messages)}>"
