"""config.toml -> one frozen Settings object, validated at start.

Every problem is reported with the key it concerns ("imap.port: must be an integer between 1 and 65535").
`load_settings` collects all problems and raises one ConfigError listing them; nothing starts on a bad
config.  Relative paths are resolved against the directory of the config file.  Secrets are never read
from the file itself: see `password_env`, `password_file` and `token_command`, resolved by mailbot.secrets.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailbot.errors import ConfigError

SECURITY_MODES = ("tls", "starttls", "none")
AUTH_MODES = ("login", "xoauth2")
KNOWN_SECTIONS = {
    "event", "imap", "smtp", "maildir", "outbox", "advisor", "database", "folders", "replies",
    "privacy", "understanding", "logging",
}


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


class _Reader:
    """Reads typed values out of the TOML tree, collecting problems instead of raising at the first."""

    def __init__(self, data: dict[str, Any], base: Path) -> None:
        self.data = data
        self.base = base
        self.problems: list[str] = []

    def section(self, name: str) -> dict[str, Any] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problems.append(f"{name}: must be a table ([{name}])")
            return None
        return value

    def get(self, sec: dict | None, section: str, key: str, kind: type, default: Any = ..., ) -> Any:
        full = f"{section}.{key}"
        if sec is None or key not in sec:
            if default is ...:
                self.problems.append(f"{full}: missing (required)")
                return None
            return default
        value = sec[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.problems.append(f"{full}: must be {kind.__name__}, got {type(value).__name__} {value!r}")
            return None if default is ... else default
        return value

    def path(self, sec: dict | None, section: str, key: str, default: str | None = None) -> Path | None:
        value = self.get(sec, section, key, str, default)
        if value is None:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.base / path).resolve()

    def check_unknown(self, sec: dict | None, section: str, allowed: set[str]) -> None:
        for key in (sec or {}):
            if key not in allowed:
                self.problems.append(f"{section}.{key}: unknown key")


def load_settings(path: str | Path) -> Settings:
    """Load and validate `path`.  Raises ConfigError naming every bad key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: config file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    return settings_from_dict(data, base=path.resolve().parent, config_path=path.resolve())


def settings_from_dict(data: dict[str, Any], base: Path, config_path: Path | None = None) -> Settings:
    r = _Reader(data, base)
    for name in data:
        if name not in KNOWN_SECTIONS:
            r.problems.append(f"{name}: unknown section")
    event = _event(r)
    imap = _imap(r)
    smtp = _smtp(r)
    maildir = r.section("maildir")
    maildir_path = r.path(maildir, "maildir", "path", "data/Maildir") if imap is None else None
    outbox = r.section("outbox")
    outbox_path = r.path(outbox, "outbox", "path", "data/outbox") if smtp is None else None
    advisor = r.section("advisor")
    r.check_unknown(advisor, "advisor", {"email", "name", "digest_time"})
    advisor_email = r.get(advisor, "advisor", "email", str)
    if advisor_email is not None and not _looks_like_address(advisor_email):
        r.problems.append(f"advisor.email: not an e-mail address: {advisor_email!r}")
    digest_time = _time(r, advisor, "advisor", "digest_time", "07:00")
    database = r.section("database")
    r.check_unknown(database, "database", {"url"})
    db_url = r.get(database, "database", "url", str, "sqlite:///data/mailbot.sqlite3")
    db_url = _resolve_sqlite_url(db_url, base) if db_url else db_url
    if db_url and not db_url.startswith(("sqlite", "postgresql")):
        r.problems.append(f"database.url: only sqlite:/// and postgresql:// URLs are supported, got {db_url!r}")
    folders = _folders(r)
    replies = _replies(r, smtp, advisor_email)
    privacy = r.section("privacy")
    r.check_unknown(privacy, "privacy", {"retention_days"})
    retention = r.get(privacy, "privacy", "retention_days", int, None)
    if retention is not None and retention < 0:
        r.problems.append("privacy.retention_days: must be 0 or more")
    und = r.section("understanding")
    r.check_unknown(und, "understanding", {"min_confidence", "rules_path", "model_path"})
    min_conf = r.get(und, "understanding", "min_confidence", float, 0.6)
    if min_conf is not None and not 0.0 <= min_conf <= 1.0:
        r.problems.append("understanding.min_confidence: must be between 0 and 1")
    rules_path = r.path(und, "understanding", "rules_path", str(default_rules_path()))
    model_path = r.path(und, "understanding", "model_path", str(default_model_path()))
    logging_sec = r.section("logging")
    r.check_unknown(logging_sec, "logging", {"level"})
    level = r.get(logging_sec, "logging", "level", str, "INFO")
    if level and level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        r.problems.append(f"logging.level: must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    if r.problems:
        raise ConfigError(r.problems)
    return Settings(
        config_path=config_path, event=event, imap=imap, smtp=smtp, maildir_path=maildir_path,
        outbox_path=outbox_path, advisor_email=advisor_email,
        advisor_name=r.get(advisor, "advisor", "name", str, "Klimarådgiveren"),
        digest_time=digest_time, database_url=db_url, folders=folders, replies=replies,
        retention_days=retention, min_confidence=min_conf, rules_path=rules_path, model_path=model_path,
        log_level=level.upper(),
    )


def default_rules_path() -> Path:
    """The rules/ directory shipped next to the package (a source checkout or an editable install)."""
    return Path(__file__).resolve().parent.parent / "rules"


def default_model_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "model"


def _event(r: _Reader) -> EventSettings | None:
    sec = r.section("event")
    if sec is None:
        r.problems.append("event: missing section [event]")
        return None
    allowed = {"name", "date", "start", "end", "location", "capacity", "timezone", "max_per_organization",
               "registration_deadline"}
    r.check_unknown(sec, "event", allowed)
    name = r.get(sec, "event", "name", str)
    day = r.get(sec, "event", "date", date)
    start = _time(r, sec, "event", "start")
    end = _time(r, sec, "event", "end")
    location = r.get(sec, "event", "location", str)
    capacity = r.get(sec, "event", "capacity", int)
    if capacity is not None and capacity < 1:
        r.problems.append(f"event.capacity: must be at least 1, got {capacity}")
    tz = r.get(sec, "event", "timezone", str, "Europe/Oslo")
    try:
        ZoneInfo(tz or "")
    except (ZoneInfoNotFoundError, ValueError):
        r.problems.append(f"event.timezone: unknown time zone {tz!r}")
        tz = None
    if start and end and end <= start:
        r.problems.append("event.end: must be after event.start")
    per_org = r.get(sec, "event", "max_per_organization", int, None)
    if per_org is not None and per_org < 1:
        r.problems.append("event.max_per_organization: must be at least 1")
    deadline = _deadline(r, sec, tz)
    if None in (name, day, start, end, location, capacity, tz):
        return None
    return EventSettings(name, day, start, end, location, capacity, tz, per_org, deadline)


def _deadline(r: _Reader, sec: dict, tz: str | None) -> datetime | None:
    value = sec.get("registration_deadline")
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59))
    if not isinstance(value, datetime):
        r.problems.append("event.registration_deadline: must be a TOML date or date-time")
        return None
    if value.tzinfo is None and tz:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value


def _time(r: _Reader, sec: dict | None, section: str, key: str, default: str | None = None) -> time | None:
    raw = sec.get(key, default) if sec is not None else default
    if raw is None:
        r.problems.append(f"{section}.{key}: missing (required)")
        return None
    if isinstance(raw, time):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d{1,2}:\d{2}", raw):
        hours, minutes = (int(x) for x in raw.split(":"))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    r.problems.append(f"{section}.{key}: must be a time like \"14:00\", got {raw!r}")
    return None


def _credentials(r: _Reader, sec: dict, section: str) -> Credentials:
    username = r.get(sec, section, "username", str, None)
    password_env = r.get(sec, section, "password_env", str, None)
    password_file = r.path(sec, section, "password_file", None)
    token_command = r.get(sec, section, "token_command", str, None)
    auth = r.get(sec, section, "auth", str, "xoauth2" if token_command else "login")
    if "password" in sec:
        r.problems.append(f"{section}.password: secrets are never read from the config file; "
                          f"use {section}.password_env or {section}.password_file")
    if auth not in AUTH_MODES:
        r.problems.append(f"{section}.auth: must be one of {', '.join(AUTH_MODES)}, got {auth!r}")
    if password_env and password_file:
        r.problems.append(f"{section}.password_file: give either password_env or password_file, not both")
    if auth == "xoauth2" and not token_command:
        r.problems.append(f"{section}.token_command: required when {section}.auth = \"xoauth2\"")
    if auth == "login" and username and not (password_env or password_file):
        r.problems.append(f"{section}.password_env: a username is set but no password_env or password_file")
    return Credentials(section, username, password_env, password_file, token_command, auth or "login")


def _security(r: _Reader, sec: dict, section: str, host: str | None, default_port: dict[str, int]) -> tuple:
    security = r.get(sec, section, "security", str, "tls")
    if security not in SECURITY_MODES:
        r.problems.append(f"{section}.security: must be one of {', '.join(SECURITY_MODES)}, got {security!r}")
        security = "tls"
    if security == "none" and host and not _is_loopback(host):
        r.problems.append(f"{section}.security: \"none\" sends passwords in clear text and is only allowed "
                          f"for a loopback host, not {host!r}")
    port = r.get(sec, section, "port", int, default_port[security])
    if port is not None and not 1 <= port <= 65535:
        r.problems.append(f"{section}.port: must be between 1 and 65535, got {port}")
    ca_file = r.path(sec, section, "ca_file", None)
    if ca_file is not None and not ca_file.is_file():
        r.problems.append(f"{section}.ca_file: no such file: {ca_file}")
    return security, port, ca_file


def _imap(r: _Reader) -> ImapSettings | None:
    sec = r.section("imap")
    if sec is None:
        return None
    r.check_unknown(sec, "imap", {
        "host", "port", "security", "username", "password_env", "password_file", "token_command", "auth",
        "ca_file", "inbox", "folder_prefix", "poll_interval", "idle", "idle_renew", "batch_size", "timeout"})
    host = r.get(sec, "imap", "host", str)
    security, port, ca_file = _security(r, sec, "imap", host, {"tls": 993, "starttls": 143, "none": 143})
    creds = _credentials(r, sec, "imap")
    if creds.username is None:
        r.problems.append("imap.username: missing (required)")
    poll = r.get(sec, "imap", "poll_interval", float, 60.0)
    if poll is not None and poll <= 0:
        r.problems.append("imap.poll_interval: must be more than 0 seconds")
    renew = r.get(sec, "imap", "idle_renew", float, 25 * 60.0)
    if renew is not None and not 0 < renew < 29 * 60:
        r.problems.append("imap.idle_renew: must be between 0 and 1740 seconds (RFC 2177: under 29 minutes)")
    batch = r.get(sec, "imap", "batch_size", int, 200)
    if batch is not None and batch < 1:
        r.problems.append("imap.batch_size: must be at least 1")
    prefix = r.get(sec, "imap", "folder_prefix", str, "Klimaverksted")
    return ImapSettings(
        host=host, port=port, security=security, credentials=creds, ca_file=ca_file,
        inbox=r.get(sec, "imap", "inbox", str, "INBOX"), folder_prefix=(prefix or "").strip("/"),
        poll_interval=poll, idle=r.get(sec, "imap", "idle", bool, True), idle_renew=renew, batch_size=batch,
        timeout=r.get(sec, "imap", "timeout", float, 60.0),
    )


def _smtp(r: _Reader) -> SmtpSettings | None:
    sec = r.section("smtp")
    if sec is None:
        return None
    r.check_unknown(sec, "smtp", {
        "host", "port", "security", "username", "password_env", "password_file", "token_command", "auth",
        "ca_file", "sender", "timeout", "max_attempts"})
    host = r.get(sec, "smtp", "host", str)
    security, port, ca_file = _security(r, sec, "smtp", host, {"tls": 465, "starttls": 587, "none": 25})
    creds = _credentials(r, sec, "smtp")
    sender = r.get(sec, "smtp", "sender", str)
    if sender is not None and not _looks_like_address(sender):
        r.problems.append(f"smtp.sender: not an e-mail address: {sender!r}")
    attempts = r.get(sec, "smtp", "max_attempts", int, 8)
    if attempts is not None and attempts < 1:
        r.problems.append("smtp.max_attempts: must be at least 1")
    return SmtpSettings(host=host, port=port, security=security, credentials=creds, ca_file=ca_file,
                        sender=sender, timeout=r.get(sec, "smtp", "timeout", float, 30.0), max_attempts=attempts)


def _folders(r: _Reader) -> FolderSettings:
    sec = r.section("folders")
    defaults = {"registrations": "Påmeldinger", "cancellations": "Avmeldinger", "inputs": "Innspill",
                "review": "Til vurdering", "automatic": "Automatiske svar"}
    r.check_unknown(sec, "folders", set(defaults))
    values = {k: r.get(sec, "folders", k, str, v) for k, v in defaults.items()}
    seen: dict[str, str] = {}
    for key, value in values.items():
        if not value or not value.strip("/"):
            r.problems.append(f"folders.{key}: must not be empty")
        if value in seen:
            r.problems.append(f"folders.{key}: same folder as folders.{seen[value]} ({value!r})")
        seen[value] = key
    return FolderSettings(**values)


def _replies(r: _Reader, smtp: SmtpSettings | None, advisor_email: str | None) -> ReplySettings:
    sec = r.section("replies")
    r.check_unknown(sec, "replies", {"max_per_sender_per_day", "require_authentication", "bot_addresses"})
    limit = r.get(sec, "replies", "max_per_sender_per_day", int, 5)
    if limit is not None and limit < 1:
        r.problems.append("replies.max_per_sender_per_day: must be at least 1")
    addresses = r.get(sec, "replies", "bot_addresses", list, [])
    if any(not isinstance(a, str) or not _looks_like_address(a) for a in addresses or []):
        r.problems.append("replies.bot_addresses: must be a list of e-mail addresses")
        addresses = []
    own = {a.lower() for a in addresses or []}
    if smtp and smtp.sender:
        own.add(_bare_address(smtp.sender).lower())
    return ReplySettings(max_per_sender_per_day=limit,
                         require_authentication=r.get(sec, "replies", "require_authentication", bool, False),
                         bot_addresses=tuple(sorted(own)))


def _resolve_sqlite_url(url: str, base: Path) -> str:
    """Make a relative sqlite:///path relative to the config file's directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        return prefix + str((base / url[len(prefix):]).resolve())
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bare_address(value: str) -> str:
    match = re.search(r"<([^>]+)>", value)
    return (match.group(1) if match else value).strip()


def _looks_like_address(value: str) -> bool:
    return re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", _bare_address(value)) is not None
