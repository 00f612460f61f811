"""config.toml -> Settings: defaults, validation messages that name the key, and check-config's exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.config import load_settings
from mailbot.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]

MINIMAL = """
[event]
name = "Klimaverksted"
date = 2027-06-01
start = "14:00"
end = "16:00"
location = "Drammen rådhus"
capacity = 60

[advisor]
email = "radgiver@kommune.example"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    return info.value.problems


def test_shipped_config_is_valid_and_embedded():
    settings = load_settings(REPO / "config.toml")
    assert settings.imap is None and settings.smtp is None
    assert settings.maildir_path == (REPO / "data" / "Maildir").resolve()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.folder(settings.folders.registrations) == "Klimaverksted/Påmeldinger"


def test_minimal_config_gets_documented_defaults(tmp_path):
    settings = load_settings(write(tmp_path, MINIMAL))
    assert settings.event.timezone == "Europe/Oslo"
    assert settings.digest_time.hour == 7
    assert settings.replies.max_per_sender_per_day == 5
    assert settings.outbox_path == tmp_path / "data" / "outbox"


@pytest.mark.parametrize("change, key", [
    ('capacity = 60', "event.capacity"),
    ('start = "14:00"', "event.start"),
    ('email = "radgiver@kommune.example"', "advisor.email"),
])
def test_bad_values_name_their_key(tmp_path, change, key):
    bad = {"capacity = 60": "capacity = 0", 'start = "14:00"': 'start = "two o\'clock"',
           'email = "radgiver@kommune.example"': 'email = "not an address"'}[change]
    problems = problems_of(tmp_path, MINIMAL.replace(change, bad))
    assert any(p.startswith(key + ":") for p in problems), problems


def test_missing_required_key_is_named(tmp_path):
    problems = problems_of(tmp_path, MINIMAL.replace('location = "Drammen rådhus"\n', ""))
    assert "event.location: missing (required)" in problems


def test_security_none_only_on_loopback(tmp_path):
    text = MINIMAL + '[imap]\nhost = "imap.example.org"\nsecurity = "none"\nusername = "u"\npassword_env = "X"\n'
    problems = problems_of(tmp_path, text)
    assert any(p.startswith("imap.security:") and "loopback" in p for p in problems)
    ok = load_settings(write(tmp_path, text.replace("imap.example.org", "127.0.0.1")))
    assert ok.imap.port == 143


def test_password_in_file_is_refused(tmp_path):
    text = MINIMAL + '[smtp]\nhost = "smtp.example.org"\nsender = "a@b.example"\npassword = "hunter2"\n'
    problems = problems_of(tmp_path, text)
    assert any(p.startswith("smtp.password:") for p in problems)


def test_xoauth2_needs_token_command(tmp_path):
    text = MINIMAL + '[imap]\nhost = "h.example"\nusername = "u"\nauth = "xoauth2"\n'
    assert any(p.startswith("imap.token_command:") for p in problems_of(tmp_path, text))


def test_unknown_key_and_section_are_refused(tmp_path):
    problems = problems_of(tmp_path, MINIMAL + "\n[event2]\nx = 1\n" + "")
    assert "event2: unknown section" in problems
    problems = problems_of(tmp_path, MINIMAL.replace("capacity = 60", "capacity = 60\ncapacty = 61"))
    assert "event.capacty: unknown key" in problems


def test_end_before_start_is_a_contradiction(tmp_path):
    problems = problems_of(tmp_path, MINIMAL.replace('end = "16:00"', 'end = "13:00"'))
    assert "event.end: must be after event.start" in problems


def test_check_config_exits_2_and_names_the_key(tmp_path):
    path = write(tmp_path, MINIMAL.replace("capacity = 60", 'capacity = "many"'))
    result = subprocess.run([sys.executable, "-m", "mailbot.cli", "check-config", "--config", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "event.capacity" in result.stderr
