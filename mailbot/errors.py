"""All errors mailbot raises on purpose.

Every error derives from MailbotError; errors that describe a failed connection or a timeout also derive
from the matching built-in so callers can catch them either way.  Partial failures (one message out of a
batch) are results, not exceptions: see the per-message boundary in mailbot.daemon.
"""

from __future__ import annotations


class MailbotError(Exception):
    """Base class of every error mailbot raises deliberately."""


class ConfigError(MailbotError, ValueError):
    """The configuration is invalid.  `problems` lists every problem, each naming its key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems))


class RulesError(MailbotError, ValueError):
    """A rule file in rules/ is invalid (unknown or duplicate rule name, bad pattern, bad type)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class SecretError(MailbotError, RuntimeError):
    """A password or token could not be obtained (env var unset, file unreadable, command failed)."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(f"{key}: {problem}")


class MailboxConnectionError(MailbotError, ConnectionError):
    """The IMAP server could not be reached, refused login, or dropped the connection."""

    def __init__(self, host: str, port: int, problem: str) -> None:
        self.host = host
        self.port = port
        super().__init__(f"IMAP {host}:{port}: {problem}")


class MailboxTimeoutError(MailboxConnectionError, TimeoutError):
    """The IMAP server did not answer in time."""


class SmtpDeliveryError(MailbotError, ConnectionError):
    """An SMTP delivery failed.  `permanent` is True for 5xx answers, which are not retried."""

    def __init__(self, recipient: str, code: int | None, problem: str, permanent: bool) -> None:
        self.recipient = recipient
        self.code = code
        self.permanent = permanent
        super().__init__(f"SMTP to {recipient}: {code or ''} {problem}".strip())


class ParseError(MailbotError, ValueError):
    """A message could not be parsed at all (not even headers).  Such a message is shunted to review."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(f"message {key}: {problem}")


class AttachmentError(MailbotError, ValueError):
    """An attachment's text could not be extracted within the size and time limits."""

    def __init__(self, filename: str, problem: str) -> None:
        self.filename = filename
        super().__init__(f"attachment {filename!r}: {problem}")


class ModelError(MailbotError, RuntimeError):
    """The trained classifier is missing or does not match the training corpus."""


class LeaseError(MailbotError, RuntimeError):
    """Another process holds the mailbox lease."""
