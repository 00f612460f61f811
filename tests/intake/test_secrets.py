"""SecretSource: passwords from the environment or a file, OAuth2 tokens from a command (cached)."""

from __future__ import annotations

import logging
import shlex
import sys
from pathlib import Path

import pytest

from mailbot.config import Credentials, load_settings
from mailbot.errors import SecretError
from mailbot.intake.base import open_mailbox
from mailbot.intake.imap import ImapMailbox
from mailbot.intake.maildir import MaildirMailbox
from mailbot.secrets import SecretSource


def creds(**values) -> Credentials:
    base = dict(section="imap", username="bot@example.no", password_env=None, password_file=None,
                token_command=None, auth="login")
    base.update(values)
    return Credentials(**base)


def token_script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "token.py"
    script.write_text(body)
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def test_password_from_environment_is_stripped():
    source = SecretSource(environ={"PW": "  hemmelig\n"})
    assert source.password(creds(password_env="PW")) == "hemmelig"
    assert source.secret(creds(password_env="PW")) == "hemmelig"


def test_missing_or_empty_environment_variable_names_the_key():
    with pytest.raises(SecretError, match="^imap.password_env: environment variable PW is not set$"):
        SecretSource(environ={}).password(creds(password_env="PW"))
    with pytest.raises(SecretError, match="smtp.password_env: environment variable PW is empty"):
        SecretSource(environ={"PW": " \n"}).password(creds(section="smtp", password_env="PW"))


def test_password_from_file(tmp_path):
    secret_file = tmp_path / "pw"
    secret_file.write_text("fra-fil\n")
    assert SecretSource(environ={}).password(creds(password_file=secret_file)) == "fra-fil"
    with pytest.raises(SecretError, match="imap.password_file: cannot read .*missing"):
        SecretSource(environ={}).password(creds(password_file=tmp_path / "missing"))


def test_no_source_configured():
    with pytest.raises(SecretError, match="imap.password_env: no password_env or password_file"):
        SecretSource(environ={}).password(creds())


def test_token_command_runs_without_a_shell_and_is_cached(tmp_path):
    counter = tmp_path / "count"
    command = token_script(tmp_path, f"""
import pathlib
p = pathlib.Path({str(counter)!r})
n = int(p.read_text()) + 1 if p.exists() else 1
p.write_text(str(n))
print(f"token-{{n}}")
""") + " ';' 'echo injected'"
    now = [0.0]
    source = SecretSource(environ={}, token_ttl=300, clock=lambda: now[0])
    xoauth = creds(auth="xoauth2", token_command=command)
    assert source.secret(xoauth) == "token-1"
    assert source.token(xoauth) == "token-1"  # cached
    now[0] = 301
    assert source.token(xoauth) == "token-2"  # expired
    source.forget(xoauth)
    assert source.token(xoauth) == "token-3"


def test_token_command_failures_name_the_key_and_never_the_output(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    failing = creds(auth="xoauth2", token_command=token_script(
        tmp_path, "import sys\nprint('half-a-token')\nsys.stderr.write('invalid_grant\\n')\nsys.exit(3)\n"))
    with pytest.raises(SecretError, match="imap.token_command: .* exited with status 3: invalid_grant") as info:
        SecretSource(environ={}).token(failing)
    assert "half-a-token" not in str(info.value)
    with pytest.raises(SecretError, match="imap.token_command: command not found: /no/such/tool"):
        SecretSource(environ={}).token(creds(auth="xoauth2", token_command="/no/such/tool --flag"))
    empty = creds(auth="xoauth2", token_command=token_script(tmp_path, "print('   ')\n"))
    with pytest.raises(SecretError, match="printed no token"):
        SecretSource(environ={}).token(empty)
    good = creds(auth="xoauth2", token_command=token_script(tmp_path, "print('s3cr3t-token')\n"))
    assert SecretSource(environ={}).token(good) == "s3cr3t-token"
    assert "s3cr3t-token" not in caplog.text


def test_open_mailbox_chooses_by_config(tmp_path):
    config = tmp_path / "config.toml"
    event = ('[event]\nname = "K"\ndate = 2027-06-01\nstart = "14:00"\nend = "16:00"\nlocation = "Drammen"\n'
             'capacity = 10\n[advisor]\nemail = "a@example.no"\n')
    config.write_text(event + '[maildir]\npath = "mail"\n')
    box = open_mailbox(load_settings(config))
    assert isinstance(box, MaildirMailbox) and box.path == tmp_path / "mail"
    config.write_text(event + '[imap]\nhost = "127.0.0.1"\nsecurity = "none"\nusername = "bot"\n'
                              'password_env = "PW"\n')
    box = open_mailbox(load_settings(config), SecretSource(environ={}))
    assert isinstance(box, ImapMailbox) and box.name == "imap://bot@127.0.0.1:143/INBOX"
