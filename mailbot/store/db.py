"""Engine, sessions and locks.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every transaction starts with
BEGIN IMMEDIATE: the write lock is taken up front, so two processes never interleave seat changes and a
busy database means waiting (up to `busy_timeout`), not failing.  On PostgreSQL, seat changes take a
transaction-scoped advisory lock (`lock_seats`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("mailbot.store")

SQLITE_BUSY_TIMEOUT_S = 30.0
SEAT_LOCK_KEY = 0x6D61696C  # arbitrary advisory-lock id ("mail")


class Database:
    """One engine and session factory.  Use `session()` for a unit of work that commits on success."""

    def __init__(self, url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT_S) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends normally, rolled back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent)."""
        from mailbot.store.migrate import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str, busy_timeout: float = SQLITE_BUSY_TIMEOUT_S) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, busy_timeout)
    return create_engine(url, pool_pre_ping=True, future=True)


def _sqlite_engine(url: str, busy_timeout: float) -> Engine:
    path = url.split("sqlite:///", 1)[-1]
    pool = {}
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # One connection stays open; a second one (the daemon's send thread, while the next batch is
        # prepared) is closed when it is returned, so its page cache (up to 2 MB) does not stay in memory.
        pool = {"pool_size": 1, "max_overflow": 8}
    engine = create_engine(url, connect_args={"timeout": busy_timeout}, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # noqa: ANN001
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def lock_seats(session: Session) -> None:
    """Serialise seat changes across processes for the rest of this transaction.

    SQLite already holds the write lock (BEGIN IMMEDIATE); PostgreSQL takes an advisory transaction lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEAT_LOCK_KEY})
