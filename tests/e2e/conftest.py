"""Helpers for end-to-end tests: a config.toml pointing at the test servers, and running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def write_config(path: Path, dovecot, smtp, db_url: str, capacity: int = 50, extra: str = "") -> Path:
    """A config for `mailbot run` against the private Dovecot and the SMTP recorder."""
    imap = (f'[imap]\nhost = "{dovecot.host}"\nport = {dovecot.port}\nsecurity = "none"\n'
            f'username = "{dovecot.user}"\npassword_env = "MAILBOT_TEST_IMAP_PASSWORD"\n'
            f'poll_interval = 1\ntimeout = 10\n')
    smtp_part = (f'[smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
                 f'sender = "Klimaverksted <klimaverksted@drammen.kommune.example>"\ntimeout = 10\n')
    path.write_text(f"""
[event]
name = "Klimaverksted for næringslivet"
date = 2027-06-01
start = "14:00"
end = "16:00"
location = "Drammen rådhus"
capacity = {capacity}

{imap}
{smtp_part}
[advisor]
email = "radgiver@drammen.kommune.example"
name = "Marte Solbakken"
digest_time = "00:00"

[database]
url = "{db_url}"

[replies]
bot_addresses = ["klimaverksted@drammen.kommune.example"]
{extra}
""", encoding="utf-8")
    return path


def mailbot_env(dovecot) -> dict[str, str]:
    env = dict(os.environ)
    env["MAILBOT_TEST_IMAP_PASSWORD"] = dovecot.password
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "mailbot.cli", *args], capture_output=True, text=True,
                            env=env, timeout=timeout, cwd=REPO)
    assert result.returncode == 0, f"mailbot {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def bot_config(tmp_path, dovecot, smtp_server, db_url):
    return write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url)
