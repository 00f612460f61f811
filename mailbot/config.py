"""config.toml -> one frozen Settings object, validated at start.

Every problem is reported with the key it concerns ("imap.port: must be an integer between 1 and 65535").
`load_settings` collects all problems and raises one ConfigError listing them; nothing starts on a bad
config.  Relative paths are resolved against the directory of the config file.  Secrets are never read
from the file itself: see `password_env`, `password_file` and `token_command`, resolved by mailbot.secrets.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailbot.config_mail import read_imap, read_limits, read_smtp
from mailbot.config_reader import TomlReader, bare_address, looks_like_address, read_time, resolve_sqlite_url
from mailbot.errors import ConfigError
from mailbot.settings import (Credentials, EventSettings, FolderSettings, ImapSettings, ReplySettings, Settings,
                              SmtpSettings, default_model_path, default_rules_path)

__all__ = ["Credentials", "EventSettings", "FolderSettings", "ImapSettings", "ReplySettings", "Settings",
           "SmtpSettings", "default_model_path", "default_rules_path", "load_settings", "settings_from_dict"]
KNOWN_SECTIONS = {
    "event", "imap", "smtp", "maildir", "outbox", "advisor", "database", "folders", "replies",
    "privacy", "understanding", "logging",
}


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
    r = TomlReader(data, base)
    for name in data:
        if name not in KNOWN_SECTIONS:
            r.problems.append(f"{name}: unknown section")
    event = _event(r)
    imap = read_imap(r)
    smtp = read_smtp(r)
    maildir = r.section("maildir")
    r.check_unknown(maildir, "maildir", {"path", "max_message_mb"})
    maildir_path = r.path(maildir, "maildir", "path", "data/Maildir") if imap is None else None
    maildir_limits = read_limits(r, maildir, "maildir")
    outbox = r.section("outbox")
    outbox_path = r.path(outbox, "outbox", "path", "data/outbox") if smtp is None else None
    advisor = r.section("advisor")
    r.check_unknown(advisor, "advisor", {"email", "name", "digest_time"})
    advisor_email = r.get(advisor, "advisor", "email", str)
    if advisor_email is not None and not looks_like_address(advisor_email):
        r.problems.append(f"advisor.email: not an e-mail address: {advisor_email!r}")
    digest_time = read_time(r, advisor, "advisor", "digest_time", "07:00")
    database = r.section("database")
    r.check_unknown(database, "database", {"url"})
    db_url = r.get(database, "database", "url", str, "sqlite:///data/mailbot.sqlite3")
    db_url = resolve_sqlite_url(db_url, base) if db_url else db_url
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
        config_path=config_path, event=event, imap=imap, smtp=smtp, maildir_path=maildir_path, maildir_limits=maildir_limits,
        outbox_path=outbox_path, advisor_email=advisor_email,
        advisor_name=r.get(advisor, "advisor", "name", str, "Klimarådgiveren"),
        digest_time=digest_time, database_url=db_url, folders=folders, replies=replies,
        retention_days=retention, min_confidence=min_conf, rules_path=rules_path, model_path=model_path,
        log_level=level.upper(),
    )


def _event(r: TomlReader) -> EventSettings | None:
    sec = r.section("event")
    if sec is None:
        r.problems.append("event: missing section [event]")
        return None
    allowed = {"name", "date", "start", "end", "location", "capacity", "timezone", "max_per_organization",
               "registration_deadline"}
    r.check_unknown(sec, "event", allowed)
    name = r.get(sec, "event", "name", str)
    day = r.get(sec, "event", "date", date)
    start = read_time(r, sec, "event", "start")
    end = read_time(r, sec, "event", "end")
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


def _deadline(r: TomlReader, sec: dict, tz: str | None) -> datetime | None:
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


def _folders(r: TomlReader) -> FolderSettings:
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


def _replies(r: TomlReader, smtp: SmtpSettings | None, advisor_email: str | None) -> ReplySettings:
    sec = r.section("replies")
    r.check_unknown(sec, "replies", {"max_per_sender_per_day", "require_authentication", "bot_addresses"})
    limit = r.get(sec, "replies", "max_per_sender_per_day", int, 5)
    if limit is not None and limit < 1:
        r.problems.append("replies.max_per_sender_per_day: must be at least 1")
    addresses = r.get(sec, "replies", "bot_addresses", list, [])
    if any(not isinstance(a, str) or not looks_like_address(a) for a in addresses or []):
        r.problems.append("replies.bot_addresses: must be a list of e-mail addresses")
        addresses = []
    own = {a.lower() for a in addresses or []}
    if smtp and smtp.sender:
        own.add(bare_address(smtp.sender).lower())
    return ReplySettings(max_per_sender_per_day=limit,
                         require_authentication=r.get(sec, "replies", "require_authentication", bool, False),
                         bot_addresses=tuple(sorted(own)))
