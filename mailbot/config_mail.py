"""The [imap] and [smtp] sections: servers, transport security and where credentials come from."""

from __future__ import annotations

from mailbot.config_reader import TomlReader, is_loopback, looks_like_address
from mailbot.settings import DEFAULT_MAX_MESSAGE_MB, MB, Credentials, ImapSettings, SizeLimits, SmtpSettings

SECURITY_MODES = ("tls", "starttls", "none")
AUTH_MODES = ("login", "xoauth2")


def _credentials(r: TomlReader, sec: dict, section: str) -> Credentials:
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


def _security(r: TomlReader, sec: dict, section: str, host: str | None, default_port: dict[str, int]) -> tuple:
    security = r.get(sec, section, "security", str, "tls")
    if security not in SECURITY_MODES:
        r.problems.append(f"{section}.security: must be one of {', '.join(SECURITY_MODES)}, got {security!r}")
        security = "tls"
    if security == "none" and host and not is_loopback(host):
        r.problems.append(f"{section}.security: \"none\" sends passwords in clear text and is only allowed "
                          f"for a loopback host, not {host!r}")
    port = r.get(sec, section, "port", int, default_port[security])
    if port is not None and not 1 <= port <= 65535:
        r.problems.append(f"{section}.port: must be between 1 and 65535, got {port}")
    ca_file = r.path(sec, section, "ca_file", None)
    if ca_file is not None and not ca_file.is_file():
        r.problems.append(f"{section}.ca_file: no such file: {ca_file}")
    return security, port, ca_file


def read_imap(r: TomlReader) -> ImapSettings | None:
    sec = r.section("imap")
    if sec is None:
        return None
    r.check_unknown(sec, "imap", {
        "host", "port", "security", "username", "password_env", "password_file", "token_command", "auth",
        "ca_file", "inbox", "folder_prefix", "poll_interval", "idle", "idle_renew", "batch_size", "timeout",
        "max_message_mb"})
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
        timeout=r.get(sec, "imap", "timeout", float, 60.0), limits=read_limits(r, sec, "imap"),
    )


def read_limits(r: TomlReader, sec: dict | None, section: str) -> SizeLimits:
    """`max_message_mb`: larger messages are read only in part and go to a human (mailbot.intake.limits)."""
    mb = r.get(sec, section, "max_message_mb", float, float(DEFAULT_MAX_MESSAGE_MB))
    if mb is not None and not 1 <= mb <= 1024:
        r.problems.append(f"{section}.max_message_mb: must be between 1 and 1024 (MB)")
        mb = None
    return SizeLimits(max_message_bytes=int((mb or DEFAULT_MAX_MESSAGE_MB) * MB))


def read_smtp(r: TomlReader) -> SmtpSettings | None:
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
    if sender is not None and not looks_like_address(sender):
        r.problems.append(f"smtp.sender: not an e-mail address: {sender!r}")
    attempts = r.get(sec, "smtp", "max_attempts", int, 8)
    if attempts is not None and attempts < 1:
        r.problems.append("smtp.max_attempts: must be at least 1")
    return SmtpSettings(host=host, port=port, security=security, credentials=creds, ca_file=ca_file,
                        sender=sender, timeout=r.get(sec, "smtp", "timeout", float, 30.0), max_attempts=attempts)
