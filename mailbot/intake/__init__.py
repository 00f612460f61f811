"""intake stage: mailboxes the daemon reads from and files into (IMAP, or a local Maildir)."""

from __future__ import annotations

from mailbot.intake.base import Mailbox, open_mailbox
from mailbot.intake.imap import ImapMailbox
from mailbot.intake.maildir import MaildirError, MaildirMailbox

__all__ = ["ImapMailbox", "Mailbox", "MaildirError", "MaildirMailbox", "open_mailbox"]
