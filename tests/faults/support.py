"""Shared helpers for the fault and bad-input tests: configs for the test servers, running the CLI, reading
what reached the SMTP recorder, the IMAP folders and the database.

Imported as `faults.support` (tests/ is on sys.path, see tests/conftest.py).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import getaddresses, parseaddr
from pathlib import Path

from sqlalchemy import func, inspect, select

from mailbot.store.db import Database
from mailbot.store.models import Attendee, Message, OutboxItem
from servers import mailbot_config
from servers.mailbot_config import Knobs

REPO = Path(__file__).resolve().parents[2]
ADVISOR = "radgiver@drammen.kommune.example"
IMAP_PASSWORD_ENV = "MAILBOT_TEST_IMAP_PASSWORD"
SMTP_PASSWORD_ENV = "MAILBOT_TEST_SMTP_PASSWORD"


def write_config(path: Path, dovecot, smtp, db_url: str, *, capacity: int = 50, batch_size: int = 200,
                 idle: bool = True, poll_interval: float = 1, log_level: str = "INFO", digest_time: str = "00:00",
                 smtp_user: str | None = None, replies: str = "", max_attempts: int = 8) -> Path:
    """A config for `mailbot run` against the private Dovecot and the SMTP recorder (as tests/e2e does, with
    the knobs these tests turn)."""
    knobs = Knobs(capacity=capacity, batch_size=batch_size, idle=idle, poll_interval=poll_interval,
                  log_level=log_level, digest_time=digest_time, smtp_user=smtp_user, replies=replies,
                  max_attempts=max_attempts, advisor_email=ADVISOR, imap_password_env=IMAP_PASSWORD_ENV,
                  smtp_password_env=SMTP_PASSWORD_ENV)
    return mailbot_config.write_config(path, dovecot, smtp, db_url, knobs)


def mailbot_env(dovecot, smtp_password: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env[IMAP_PASSWORD_ENV] = dovecot.password
    if smtp_password is not None:
        env[SMTP_PASSWORD_ENV] = smtp_password
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 180,
            check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "mailbot.cli", *args], capture_output=True, text=True,
                            env=env, timeout=timeout, cwd=REPO)
    if check:
        assert result.returncode == 0, f"mailbot {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def start_daemon(config: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`mailbot run --config CONFIG` in the background, stdout and stderr to `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "mailbot.cli", "run", "--config", str(config)],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)


def wait_until(predicate: Callable[[], object], timeout: float, step: float = 0.05, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(step)


def bulk_append(dovecot, raws: Iterable[bytes], folder: str = "INBOX") -> list[int]:
    """APPEND every message over one connection; the new UIDs in order."""
    import re

    uids = []
    client = dovecot.client()
    try:
        for raw in raws:
            response = client.append(folder, raw)
            if isinstance(response, bytes):
                response = response.decode(errors="replace")
            match = re.search(r"APPENDUID \d+ (\d+)", response or "")
            uids.append(int(match.group(1)) if match else -1)
    finally:
        client.logout()
    return uids


def idle_sessions(dovecot) -> list[int]:
    """PIDs of the bot's Dovecot sessions that are in IDLE right now (from Dovecot's verbose proctitle)."""
    if dovecot.proc is None:
        return []
    try:
        pgid = os.getpgid(dovecot.proc.pid)
    except ProcessLookupError:
        return []
    return [pid for pid, _state, cmd in dovecot._group_members(pgid)  # noqa: SLF001 - test server internals
            if "/imap [" in cmd and cmd.rstrip().endswith("IDLE]")]


def folder_message_ids(dovecot, folder: str) -> list[str]:
    """Message-IDs of every message in `folder` (repeats kept: a message filed twice shows twice)."""
    ids = []
    for raw in dovecot.fetch_messages(folder).values():
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        ids.append((msg.get("Message-ID") or "").strip())
    return ids


# ---------------------------------------------------------------------------------------------- SMTP
@dataclass(frozen=True)
class Received:
    """One message at the SMTP recorder, with the headers these tests look at."""

    message_id: str
    in_reply_to: str
    rcpt_tos: tuple[str, ...]
    to: tuple[str, ...]
    subject: str
    raw: bytes

    @property
    def to_advisor(self) -> bool:
        return ADVISOR in self.rcpt_tos


def received(smtp) -> list[Received]:
    out = []
    for m in smtp.messages:
        msg = email.message_from_bytes(m.raw, policy=email.policy.compat32)
        to = tuple(a.lower() for _n, a in getaddresses(msg.get_all("To") or []))
        out.append(Received((msg.get("Message-ID") or "").strip(), (msg.get("In-Reply-To") or "").strip(),
                            tuple(r.lower() for r in m.rcpt_tos), to, str(msg.get("Subject") or ""), m.raw))
    return out


def replies(smtp) -> list[Received]:
    """Everything at the recorder except the advisor's digests."""
    return [r for r in received(smtp) if not r.to_advisor]


def duplicate_ids(items: Iterable[Received]) -> dict[str, int]:
    """Message-IDs received more than once -> how often."""
    counts = Counter(r.message_id for r in items)
    return {mid: n for mid, n in counts.items() if n > 1}


# ------------------------------------------------------------------------------------------ database
@dataclass(frozen=True)
class DbState:
    messages: dict[str, Message]  # by key
    outbox: dict[str, OutboxItem]  # by Message-ID
    confirmed: int
    waitlisted: int
    cancelled: int


def db_state(db_url: str) -> DbState:
    db = Database(db_url)
    try:
        if not inspect(db.engine).has_table("attendees"):  # not migrated yet (a kill during start-up)
            return DbState({}, {}, 0, 0, 0)
        with db.session() as session:
            messages = {m.key: m for m in session.scalars(select(Message))}
            outbox = {o.message_id: o for o in session.scalars(select(OutboxItem))}
            counts = dict(session.execute(select(Attendee.status, func.count()).group_by(Attendee.status)).all())
            session.expunge_all()
    finally:
        db.dispose()
    return DbState(messages, outbox, counts.get("confirmed", 0), counts.get("waitlisted", 0),
                   counts.get("cancelled", 0))


def status_json(config: Path, env: dict[str, str]) -> dict:
    return json.loads(run_cli(["status", "--json", "--config", str(config)], env).stdout)


def bare(address: str) -> str:
    return (parseaddr(address)[1] or address).lower()


# ------------------------------------------------------------------------------------- fork server
class ForkServer:
    """A Python process that has imported mailbot (spaCy, SQLAlchemy) and warmed the model cache, and forks
    a fresh `mailbot.cli.main(args)` process on request: a daemon that is running within milliseconds
    instead of the ~3-5 s a cold `python -m mailbot.cli` needs.  Used where a test kills and restarts
    the daemon many times.  The forked processes are children of the server; `kill()` SIGKILLs one."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        script = str(Path(__file__).with_name("forkserver.py"))
        scratch = str(Path(config).with_name("forkserver-warmup.sqlite3"))
        self.proc = subprocess.Popen([sys.executable, script, str(config), scratch],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            self.close()
            raise RuntimeError(f"fork server did not start: {line!r}")

    def spawn(self, args: list[str], log: Path) -> int:
        self.proc.stdin.write(json.dumps([args, str(log)]) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    @staticmethod
    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self, pid: int, sig: int = signal.SIGKILL) -> None:
        os.kill(pid, sig)
        wait_until(lambda: not self.alive(pid), 10, 0.01, f"process {pid} to die")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
