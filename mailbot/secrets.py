"""Passwords and OAuth2 tokens, read only when a connection needs them.

A `Credentials` (mailbot.config) says where a secret lives: an environment variable (`password_env`), a file
(`password_file`) or a command printing an OAuth2 access token (`token_command`).  `SecretSource` resolves
it.  Every failure is a SecretError naming the config key, never the secret; every value handed out is
registered with mailbot.logs.redact, so even a careless log line shows "***" instead.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mailbot.config import Credentials
from mailbot.errors import SecretError
from mailbot.logs import kv, redact

log = logging.getLogger("mailbot.secrets")

TOKEN_COMMAND_TIMEOUT_S = 30.0
TOKEN_TTL_S = 300.0  # access tokens usually live an hour; re-asking every 5 minutes is cheap and safe


@dataclass
class _CachedToken:
    value: str
    expires: float


class SecretSource:
    """Resolves Credentials to a password or an OAuth2 token.

    `environ` defaults to os.environ (read at call time, so a changed environment is seen).  Tokens are
    cached per (section, command) for `token_ttl` seconds; `forget()` drops them, e.g. after a refused login.
    """

    def __init__(self, environ: Mapping[str, str] | None = None, token_ttl: float = TOKEN_TTL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._environ = environ
        self._token_ttl = token_ttl
        self._clock = clock
        self._tokens: dict[tuple[str, str], _CachedToken] = {}

    def secret(self, creds: Credentials) -> str:
        """What to authenticate with: the token for auth = "xoauth2", else the password."""
        return self.token(creds) if creds.auth == "xoauth2" else self.password(creds)

    def password(self, creds: Credentials) -> str:
        """The password from `password_env` or `password_file`, surrounding whitespace stripped."""
        if creds.password_env:
            return _handed_out(self._from_env(creds.section, creds.password_env))
        if creds.password_file:
            return _handed_out(self._from_file(creds))
        raise SecretError(f"{creds.section}.password_env", "no password_env or password_file is configured")

    def token(self, creds: Credentials) -> str:
        """An OAuth2 access token printed by `token_command` (cached for a few minutes)."""
        key = f"{creds.section}.token_command"
        if not creds.token_command:
            raise SecretError(key, "no token_command is configured")
        cache_key = (creds.section, creds.token_command)
        cached = self._tokens.get(cache_key)
        if cached is not None and cached.expires > self._clock():
            return cached.value
        value = _handed_out(_run_token_command(key, creds.token_command))
        self._tokens[cache_key] = _CachedToken(value, self._clock() + self._token_ttl)
        return value

    def forget(self, creds: Credentials) -> None:
        """Drop a cached token, so the next `token()` runs the command again (after a refused login)."""
        self._tokens.pop((creds.section, creds.token_command or ""), None)

    def _from_env(self, section: str, name: str) -> str:
        environ = os.environ if self._environ is None else self._environ
        key = f"{section}.password_env"
        if name not in environ:
            raise SecretError(key, f"environment variable {name} is not set")
        value = environ[name].strip()
        if not value:
            raise SecretError(key, f"environment variable {name} is empty")
        return value

    def _from_file(self, creds: Credentials) -> str:
        key = f"{creds.section}.password_file"
        try:
            value = creds.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretError(key, f"cannot read {creds.password_file}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise SecretError(key, f"{creds.password_file} is not UTF-8 text") from None
        if not value:
            raise SecretError(key, f"{creds.password_file} is empty")
        return value


def _handed_out(secret: str) -> str:
    """Register `secret` with the log redaction (mailbot.logs) before anyone can log it by mistake."""
    redact(secret)
    return secret


def _run_token_command(key: str, command: str) -> str:
    """Run `command` without a shell; its stripped stdout is the token.  Stderr is reported, stdout never."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(key, f"cannot split the command line: {exc}") from None
    if not argv:
        raise SecretError(key, "the command is empty")
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=TOKEN_COMMAND_TIMEOUT_S, check=False)
    except FileNotFoundError:
        raise SecretError(key, f"command not found: {argv[0]}") from None
    except PermissionError:
        raise SecretError(key, f"command not executable: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise SecretError(key, f"{argv[0]} did not finish within {TOKEN_COMMAND_TIMEOUT_S:.0f} s") from None
    except OSError as exc:
        raise SecretError(key, f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SecretError(key, f"{argv[0]} exited with status {done.returncode}"
                               + (f": {detail[-1][:200]}" if detail else ""))
    token = done.stdout.decode("utf-8", "replace").strip()
    if not token:
        raise SecretError(key, f"{argv[0]} printed no token")
    log.debug(kv("token_obtained", key=key))
    return token
