"""The mailbox lease: one daemon process owns one mailbox at a time; a second one waits as a hot standby.

Two daemons on one mailbox would not overbook (seat changes are locked) nor decide a message twice (the
message key is unique), but both would fetch every message and race each other's filing.  So `mailbot run`
first takes the lease, and holds it until it exits:

- SQLite (one machine by nature): an exclusive `flock` on a file next to the database.  The kernel releases
  it when the process ends, however it ends (kill -9 included).
- PostgreSQL: a session-level advisory lock on a connection kept for the purpose.  The server releases it
  when that connection ends, so a crashed host frees the mailbox as soon as its connection is gone.

A standby polls every `poll_interval` seconds.  `still_held()` tells the owner whether it still has the lease
(the PostgreSQL connection can drop); an owner that lost it must stop, and a restart makes it a standby.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from mailbot.logs import kv

log = logging.getLogger("mailbot.store")

LEASE_LOCK_CLASS = 0x6C656173  # advisory-lock class id ("leas"), apart from the seat lock


def lease_key(mailbox: str) -> int:
    """A stable signed 32-bit number for a mailbox name (PostgreSQL's two-key advisory locks take int4)."""
    digest = hashlib.sha256(mailbox.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


class FileLease:
    """The lease as an flock on `<database>.<mailbox hash>.lease` (SQLite)."""

    def __init__(self, database_path: Path, mailbox: str) -> None:
        self.path = database_path.with_name(f"{database_path.name}.{lease_key(mailbox) & 0xFFFFFFFF:08x}.lease")
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for a curious operator: who holds it
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None  # an flock lasts as long as the descriptor

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing drops the flock


class AdvisoryLease:
    """The lease as a session-level advisory lock on a dedicated PostgreSQL connection."""

    def __init__(self, url: str, mailbox: str) -> None:
        self.key = lease_key(mailbox)
        self._engine: Engine = create_engine(url, poolclass=NullPool)
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        conn = self._engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": LEASE_LOCK_CLASS, "k": self.key})
        if got.scalar():
            conn.commit()
            self._conn = conn
            return True
        conn.rollback()
        conn.close()
        return False

    def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.rollback()
            return True
        except Exception:  # noqa: BLE001 - any failure means the session, and with it the lock, may be gone
            return False

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()  # ending the session releases the lock
            except Exception:  # noqa: BLE001 - a dead connection has released it already
                pass
        self._engine.dispose()


def make_lease(database_url: str, mailbox: str) -> FileLease | AdvisoryLease | None:
    """The lease for `mailbox` in the configured database; None for an in-memory SQLite database."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLease(database_url, mailbox)
    if not url.database or url.database == ":memory:":
        return None
    return FileLease(Path(url.database), mailbox)


def wait_for_lease(lease: FileLease | AdvisoryLease, mailbox: str, stopping: Callable[[], bool],
                   poll_interval: float = 1.0) -> bool:
    """Block until the lease is ours (True) or `stopping()` turns true first (False)."""
    announced = False
    while not stopping():
        if lease.try_acquire():
            log.info(kv("lease_acquired", mailbox=mailbox))
            return True
        if not announced:
            log.info(kv("standby", mailbox=mailbox, reason="another mailbot process holds this mailbox"))
            announced = True
        time.sleep(poll_interval)
    return False
