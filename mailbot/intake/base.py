"""The Mailbox protocol: what the daemon needs from a mailbox, whatever kind it is.

Two implementations: `ImapMailbox` (mailbot.intake.imap) and `MaildirMailbox` (mailbot.intake.maildir).
The daemon's loop is: open() -> pending() -> handle each batch -> file() -> wait() -> pending() ...
On MailboxConnectionError it calls close(), backs off and calls open() again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from mailbot.domain import IncomingMail

if TYPE_CHECKING:
    from mailbot.config import Settings
    from mailbot.secrets import SecretSource


@runtime_checkable
class Mailbox(Protocol):
    """A source of incoming mail that can also file handled mail into folders."""

    name: str  # "imap://user@host:993/INBOX" or "maildir:/path"; the key of MailboxState

    def open(self) -> None:
        """Connect, authenticate and select the inbox.  Callable again after a failure or close()
        (it starts from scratch).  Raises MailboxConnectionError (or MailboxTimeoutError)."""

    def close(self) -> None:
        """Drop the connection.  Idempotent, never raises."""

    def uidvalidity(self) -> int | None:
        """The inbox's UIDVALIDITY as of the last open(); None for Maildir."""

    def pending(self, after_uid: int, batch_size: int) -> Iterator[list[IncomingMail]]:
        """Messages in the inbox, in ascending UID (IMAP: only UID > after_uid) or delivery order (Maildir:
        all, after_uid ignored), in lists of at most `batch_size`.  Never changes the messages' read state."""

    def file(self, moves: Sequence[tuple[IncomingMail, str]], keyword: str) -> None:
        """Tag each mail with `keyword` (where supported) and move it into its folder (a full path with "/"
        as separator), creating folders as needed.  Idempotent: a mail already moved is not an error."""

    def wait(self, timeout: float) -> bool:
        """Block until new mail may have arrived (True) or `timeout` seconds passed without news (False)."""


def open_mailbox(settings: Settings, secrets: SecretSource | None = None) -> Mailbox:
    """The configured mailbox: ImapMailbox when [imap] is set, else a MaildirMailbox on maildir.path.

    Only constructs it; the caller calls open() (and again after a MailboxConnectionError), so a server
    that is down at start-up is retried like one that goes down later.
    """
    # Imported here: the implementations import this module's neighbours, and callers that only need the
    # Protocol should not pull in imapclient.
    from mailbot.intake.imap import ImapMailbox
    from mailbot.intake.maildir import MaildirMailbox
    from mailbot.secrets import SecretSource

    if settings.imap is None:
        return MaildirMailbox(settings.maildir_path, limits=settings.maildir_limits)
    return ImapMailbox(settings.imap, secrets if secrets is not None else SecretSource())
