"""The typed, frozen settings every stage receives (built and validated by mailbot.config)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

MB = 1024 * 1024
DEFAULT_MAX_MESSAGE_MB = 25  # what most providers accept (Gmail 25 MB); larger mail is rare and deliberate
BATCH_BYTES = 64 * MB  # the raw mail one batch may hold (at least one message, however large)
HEADER_BYTES = 256 * 1024  # of a truncated message's header section (real ones are a few KB)
BODY_PREFIX_BYTES = 1 * MB  # of a truncated message's body: the text parts and the start of the first file


@dataclass(frozen=True)
class SizeLimits:
    """How much of a message intake reads (`max_message_mb` of [imap] or [maildir]); see
    mailbot.intake.limits."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_MB * MB
    batch_bytes: int = BATCH_BYTES
    header_bytes: int = HEADER_BYTES
    body_prefix_bytes: int = BODY_PREFIX_BYTES

    def too_large(self, size: int) -> bool:
        return size > self.max_message_bytes

    def read_size(self, size: int) -> int:
        """The bytes the bot will hold for a message of `size` bytes."""
        return min(size, self.header_bytes + self.body_prefix_bytes) if self.too_large(size) else size


@dataclass(frozen=True)
class EventSettings:
    name: str
    date: date
    start: time
    end: time
    location: str
    capacity: int
    timezone: str
    max_per_organization: int | None
    registration_deadline: datetime | None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start, tzinfo=self.tz)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.date, self.end, tzinfo=self.tz)


@dataclass(frozen=True)
class Credentials:
    """Where a secret comes from; the secret itself is only read when connecting (mailbot.secrets)."""

    section: str
    username: str | None
    password_env: str | None
    password_file: Path | None
    token_command: str | None
    auth: str  # "login" | "xoauth2"


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str
    credentials: Credentials
    ca_file: Path | None
    inbox: str
    folder_prefix: str
    poll_interval: float
    idle: bool
    idle_renew: float
    batch_size: int
    timeout: float
    limits: SizeLimits = SizeLimits()


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    credentials: Credentials
    ca_file: Path | None
    sender: str
    timeout: float
    max_attempts: int


@dataclass(frozen=True)
class FolderSettings:
    """Sub-folder names under imap.folder_prefix (or under the Maildir)."""

    registrations: str
    cancellations: str
    inputs: str
    review: str
    automatic: str


@dataclass(frozen=True)
class ReplySettings:
    max_per_sender_per_day: int
    require_authentication: bool
    bot_addresses: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    config_path: Path | None
    event: EventSettings
    imap: ImapSettings | None
    smtp: SmtpSettings | None
    maildir_path: Path | None
    maildir_limits: SizeLimits
    outbox_path: Path | None
    advisor_email: str
    advisor_name: str
    digest_time: time
    database_url: str
    folders: FolderSettings
    replies: ReplySettings
    retention_days: int | None
    min_confidence: float
    rules_path: Path
    model_path: Path
    log_level: str

    @property
    def reply_sender(self) -> str:
        """The From address of every reply: smtp.sender, else the bot's first own address."""
        if self.smtp is not None:
            return self.smtp.sender
        return self.replies.bot_addresses[0] if self.replies.bot_addresses else self.advisor_email

    def folder(self, name: str) -> str:
        """Full folder path for a sub-folder name, e.g. 'Klimaverksted/Påmeldinger'."""
        prefix = self.imap.folder_prefix if self.imap else "Klimaverksted"
        return f"{prefix}/{name}" if prefix else name


def default_rules_path() -> Path:
    """The rules/ directory shipped next to the package (a source checkout or an editable install)."""
    return Path(__file__).resolve().parent.parent / "rules"


def default_model_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "model"
