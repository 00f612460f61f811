"""ImapMailbox: the advisor's inbox on an IMAP server (imapclient).

Messages are read with BODY.PEEK[] so the advisor's unread state is left alone.  Progress is tracked by UID
(the daemon stores the highest handled UID per UIDVALIDITY), so nothing depends on \\Seen or on keywords.
Every socket, TLS or IMAP failure becomes MailboxConnectionError (MailboxTimeoutError for timeouts) naming
host:port, and drops the connection: the daemon backs off and calls open() again, which starts afresh.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from mailbot.config import ImapSettings
from mailbot.domain import IncomingMail
from mailbot.errors import MailboxConnectionError, MailboxTimeoutError
from mailbot.intake.imap_fetch import fetch_batch
from mailbot.intake.imap_folders import FolderMap, add_keyword, check_keyword, move_uids, present_uids
from mailbot.intake.limits import size_batches
from mailbot.logs import kv
from mailbot.secrets import SecretSource

log = logging.getLogger("mailbot.intake")

CLOSE_TIMEOUT_S = 5.0  # LOGOUT on a half-dead connection must not hang the daemon for `timeout`


class ImapMailbox:
    """One IMAP inbox.  Not thread-safe: one caller (the daemon loop) at a time."""

    def __init__(self, settings: ImapSettings, secrets: SecretSource) -> None:
        self.settings = settings
        self.secrets = secrets
        user = settings.credentials.username
        self.name = f"imap://{user}@{settings.host}:{settings.port}/{settings.inbox}"
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._permanent_flags: tuple[bytes, ...] = ()
        self._folders: FolderMap | None = None
        self._high_uid: int | None = None  # highest UID pending() has seen; wait() checks beyond it
        self._idling = False  # inside IDLE: close() must hang up instead of sending LOGOUT

    # ------------------------------------------------------------------ connection
    def open(self) -> None:
        self.close()
        s = self.settings
        with self._guard("connect"):
            client = IMAPClient(s.host, port=s.port, ssl=s.security == "tls", ssl_context=self._ssl_context(),
                                timeout=s.timeout)
            self._client = client
            if s.security == "starttls":
                self._starttls(client)
            self._login(client)
            info = client.select_folder(s.inbox)
        self._uidvalidity = info.get(b"UIDVALIDITY")
        self._permanent_flags = tuple(info.get(b"PERMANENTFLAGS", ()))
        _forget_untagged(client)
        log.info(kv("mailbox_opened", mailbox=self.name, uidvalidity=self._uidvalidity, exists=info.get(b"EXISTS")))

    def close(self) -> None:
        client, self._client = self._client, None
        self._folders = None
        self._high_uid = None
        if client is None:
            return
        idling, self._idling = self._idling, False
        try:
            if idling:
                # Cut short in IDLE (a signal): the server would not answer LOGOUT before DONE.  Just hang up.
                client.shutdown()
                return
            client.socket().settimeout(CLOSE_TIMEOUT_S)
            client.logout()
        except Exception:  # noqa: BLE001 - closing must never raise; the connection may already be dead
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001
                pass

    def uidvalidity(self) -> int | None:
        return self._uidvalidity

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.settings.security == "none":
            return None
        ca_file = self.settings.ca_file
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def _starttls(self, client: IMAPClient) -> None:
        if not client.has_capability("STARTTLS"):
            raise MailboxConnectionError(self.settings.host, self.settings.port,
                                         "server does not offer STARTTLS; refusing to log in without TLS")
        client.starttls(self._ssl_context())

    def _login(self, client: IMAPClient) -> None:
        creds = self.settings.credentials
        secret = self.secrets.secret(creds)  # SecretError (config problem) propagates as is
        try:
            if creds.auth == "xoauth2":
                client.oauth2_login(creds.username, secret)
            else:
                client.login(creds.username, secret)
        except LoginError as exc:
            if creds.auth == "xoauth2":
                self.secrets.forget(creds)  # an expired token: fetch a fresh one next time
            raise MailboxConnectionError(self.settings.host, self.settings.port,
                                         f"login as {creds.username} refused: {exc}") from None

    def _require(self) -> IMAPClient:
        if self._client is None:
            raise MailboxConnectionError(self.settings.host, self.settings.port, "not connected (call open())")
        return self._client

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn any failure into MailboxConnectionError and drop the connection (its state is unknown)."""
        host, port = self.settings.host, self.settings.port
        try:
            yield
        except MailboxConnectionError:
            self.close()
            raise
        except TimeoutError as exc:
            self.close()
            raise MailboxTimeoutError(host, port, f"{action}: timed out after {self.settings.timeout:g} s") from exc
        except ssl.SSLError as exc:
            self.close()
            raise MailboxConnectionError(host, port, f"{action}: TLS failed: {exc}") from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            self.close()
            raise MailboxConnectionError(host, port, f"{action}: {type(exc).__name__}: {exc}") from exc
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ reading
    def pending(self, after_uid: int, batch_size: int) -> Iterator[list[IncomingMail]]:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        client = self._require()
        with self._guard("search"):
            # NOOP first: Dovecot resolves "*" against the session's view before taking in new mail, so
            # without it a SEARCH right after delivery misses the new messages.
            client.noop()
            # `UID SEARCH UID n:*` also answers the highest UID when it is below n: filter.
            found = client.search(["UID", f"{after_uid + 1}:*", "NOT", "DELETED"])
        uids = sorted(u for u in found if u > after_uid)
        self._high_uid = max([after_uid, *uids])
        limits = self.settings.limits
        for start in range(0, len(uids), batch_size):
            chunk = uids[start:start + batch_size]
            self._check_current(client)  # outside _guard: a failure here must not close the new connection
            with self._guard("fetch sizes"):
                sizes = client.fetch(chunk, ["RFC822.SIZE"])
            sized = {u: data[b"RFC822.SIZE"] for u, data in sizes.items() if b"RFC822.SIZE" in data}
            for group in size_batches(chunk, sized, batch_size, limits):
                self._check_current(client)
                with self._guard("fetch"):
                    batch = fetch_batch(client, group, sized, limits, self.name, self._uidvalidity)
                log.debug(kv("fetched", mailbox=self.name, count=len(batch)))
                if batch:
                    yield batch

    def _check_current(self, client: IMAPClient) -> None:
        """Raise unless `client` is still the open connection: the caller may have reset it between two
        batches (this generator then belongs to the old one)."""
        if self._client is not client:
            raise MailboxConnectionError(self.settings.host, self.settings.port,
                                         "connection was reset while reading; open() again")

    # ------------------------------------------------------------------ filing
    def file(self, moves: Sequence[tuple[IncomingMail, str]], keyword: str) -> None:
        check_keyword(keyword)
        groups = self._group(moves)
        if not groups:
            return
        client = self._require()
        with self._guard("file"):
            if self._folders is None:
                self._folders = FolderMap(client)
            for folder, uids in groups.items():
                self._file_group(client, folder, uids, keyword)

    def _group(self, moves: Sequence[tuple[IncomingMail, str]]) -> dict[str, list[int]]:
        """UIDs per folder, in order.  Mail from another UIDVALIDITY is skipped: its UIDs now name other
        messages (or none), and moving those would be wrong."""
        groups: dict[str, list[int]] = {}
        for mail, folder in moves:
            if mail.uid is None:
                raise ValueError(f"{self.name}: cannot file a message without a UID ({mail.source_path})")
            if mail.uidvalidity is not None and self._uidvalidity is not None \
                    and mail.uidvalidity != self._uidvalidity:
                log.warning(kv("file_skipped", mailbox=self.name, uid=mail.uid, reason="UIDVALIDITY changed",
                               was=mail.uidvalidity, now=self._uidvalidity))
                continue
            groups.setdefault(folder, []).append(mail.uid)
        return groups

    def _file_group(self, client: IMAPClient, folder: str, uids: list[int], keyword: str) -> None:
        present = present_uids(client, uids)
        if not present:
            log.info(kv("already_filed", mailbox=self.name, folder=folder, uids=_uid_list(uids)))
            return
        target = self._folders.ensure(folder)
        add_keyword(client, present, keyword, self._permanent_flags)
        move_uids(client, present, target)
        log.info(kv("filed", mailbox=self.name, folder=folder, uids=_uid_list(present)))

    # ------------------------------------------------------------------ waiting
    def wait(self, timeout: float) -> bool:
        client = self._require()
        s = self.settings
        if s.idle and client.has_capability("IDLE"):
            with self._guard("idle"):
                return self._news_since_pending(client) or self._idle(client, timeout)
        time.sleep(max(0.0, min(s.poll_interval, timeout)))
        return True

    def _news_since_pending(self, client: IMAPClient) -> bool:
        """Mail that arrived after pending()'s SEARCH may have been announced (EXISTS) in a response to an
        earlier command; IDLE would not announce it again.  One UID SEARCH closes that gap."""
        if self._high_uid is None:
            _forget_untagged(client)
            return False
        client.noop()  # take in new mail first (see pending())
        _forget_untagged(client)
        return any(u > self._high_uid for u in client.search(["UID", f"{self._high_uid + 1}:*"]))

    def _idle(self, client: IMAPClient, timeout: float) -> bool:
        """IDLE until EXISTS/RECENT or `timeout`; re-issue IDLE every idle_renew seconds (RFC 2177)."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            client.idle()
            self._idling = True
            news = self._idle_segment(client, min(remaining, self.settings.idle_renew))
            self._idling = False
            _text, responses = client.idle_done()  # raises if the server went away meanwhile
            if news or _announces_mail(responses):
                return True
        return False

    def _idle_segment(self, client: IMAPClient, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            responses = client.idle_check(timeout=left)
            if any(r and r[0] == b"BYE" for r in responses):
                raise MailboxConnectionError(self.settings.host, self.settings.port,
                                             f"server closed the connection: {responses}")
            if _announces_mail(responses):
                return True
            if not responses and end - time.monotonic() > 0.05:
                # Readable but nothing parsed: imapclient swallows EOF here.  End IDLE; idle_done() will
                # raise if the connection is gone, or we simply re-IDLE.
                return False
        return False


def _uid_list(uids: Sequence[int]) -> str:
    return ",".join(str(u) for u in uids)


def _announces_mail(responses: list) -> bool:
    return any(len(r) >= 2 and isinstance(r[0], int) and r[1] in (b"EXISTS", b"RECENT") and r[0] > 0
               for r in responses)


def _forget_untagged(client: IMAPClient) -> None:
    """Drop unsolicited responses imaplib has collected; on a connection kept for weeks they pile up.
    (imapclient offers no public way; `_imap` is its imaplib.IMAP4 object.)"""
    client._imap.untagged_responses.clear()  # noqa: SLF001
