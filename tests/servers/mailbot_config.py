"""One writer of `config.toml` files for running the bot against the private test servers.

Used by the fault, bad-input and end-to-end tests (through faults.support.write_config, which sets their
defaults) and by the benchmarks (bench/harness.write_config, which sets theirs), so a change to the config
schema is made in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Knobs:
    """What the callers turn; each default is the tests' choice."""

    capacity: int = 50
    batch_size: int = 200
    idle: bool = True
    poll_interval: float = 1
    imap_timeout: int = 10
    smtp_timeout: int = 10
    max_attempts: int = 8
    log_level: str = "INFO"
    digest_time: str = "00:00"
    location: str = "Drammen rådhus"
    sender: str = "Klimaverksted <klimaverksted@drammen.kommune.example>"
    advisor_email: str = "radgiver@drammen.kommune.example"
    advisor_name: str = "Marte Solbakken"
    imap_password_env: str = "MAILBOT_TEST_IMAP_PASSWORD"
    smtp_password_env: str = "MAILBOT_TEST_SMTP_PASSWORD"
    smtp_user: str | None = None
    replies: str = ""  # extra lines for [replies]
    model_path: Path | None = None  # None: the default model location


def write_config(path: Path, dovecot, smtp, db_url: str, knobs: Knobs = Knobs()) -> Path:
    """Write a config for `mailbot run` against `dovecot` (tests/servers/dovecot.py) and `smtp` (the
    aiosmtpd recorder), with the database at `db_url`; returns `path`."""
    smtp_auth = (f'username = "{knobs.smtp_user}"\npassword_env = "{knobs.smtp_password_env}"\n'
                 if knobs.smtp_user else "")
    understanding = f'[understanding]\nmodel_path = "{knobs.model_path}"\n\n' if knobs.model_path else ""
    path.write_text(f"""
[event]
name = "Klimaverksted for næringslivet"
date = 2027-06-01
start = "14:00"
end = "16:00"
location = "{knobs.location}"
capacity = {knobs.capacity}

[imap]
host = "{dovecot.host}"
port = {dovecot.port}
security = "none"
username = "{dovecot.user}"
password_env = "{knobs.imap_password_env}"
poll_interval = {knobs.poll_interval}
idle = {"true" if knobs.idle else "false"}
batch_size = {knobs.batch_size}
timeout = {knobs.imap_timeout}

[smtp]
host = "{smtp.host}"
port = {smtp.port}
security = "none"
sender = "{knobs.sender}"
timeout = {knobs.smtp_timeout}
max_attempts = {knobs.max_attempts}
{smtp_auth}
[advisor]
email = "{knobs.advisor_email}"
name = "{knobs.advisor_name}"
digest_time = "{knobs.digest_time}"

[database]
url = "{db_url}"

[replies]
bot_addresses = ["klimaverksted@drammen.kommune.example"]
{knobs.replies}

{understanding}[logging]
level = "{knobs.log_level}"
""", encoding="utf-8")
    return path
