"""Throw-away PostgreSQL databases on the machine's local server.

The local cluster (127.0.0.1:5432) uses trust auth; both the ``postgres``
and ``root`` roles are superusers there, we use ``postgres``.  Override with
MAILBOT_TEST_PG_HOST / MAILBOT_TEST_PG_PORT / MAILBOT_TEST_PG_USER.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import Optional

from . import ServerUnavailable

__all__ = ["PostgresDatabase", "pg_settings", "postgres_reachable"]


def pg_settings() -> tuple:
    return (
        os.environ.get("MAILBOT_TEST_PG_HOST", "127.0.0.1"),
        int(os.environ.get("MAILBOT_TEST_PG_PORT", "5432")),
        os.environ.get("MAILBOT_TEST_PG_USER", "postgres"),
    )


def postgres_reachable(host: Optional[str] = None, port: Optional[int] = None, timeout: float = 3.0) -> Optional[str]:
    """None if a PostgreSQL server answers at host:port, else the reason."""
    d_host, d_port, user = pg_settings()
    host = host or d_host
    port = port or d_port
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        return f"PostgreSQL not reachable at {host}:{port}: {exc}"
    try:
        import psycopg

        with psycopg.connect(host=host, port=port, user=user, dbname="postgres", connect_timeout=int(timeout) or 1):
            pass
    except Exception as exc:  # auth / startup problems
        return f"PostgreSQL at {host}:{port} refused user {user!r}: {exc}"
    return None


class PostgresDatabase:
    """Context manager: ``CREATE DATABASE mailbot_test_<random>`` on enter,
    ``DROP DATABASE ... WITH (FORCE)`` on exit.

    ``.url`` is the SQLAlchemy URL
    ``postgresql+psycopg://postgres@127.0.0.1:5432/<name>``; ``.name``,
    ``.dsn`` (libpq conninfo for psycopg) are there too."""

    def __init__(self, prefix: str = "mailbot_test", *, host=None, port=None, user=None) -> None:
        d_host, d_port, d_user = pg_settings()
        self.host = host or d_host
        self.port = port or d_port
        self.user = user or d_user
        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self._created = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.name}"

    @property
    def dsn(self) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={self.name}"

    def _admin(self):
        import psycopg

        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True, connect_timeout=5
        )

    def create(self) -> "PostgresDatabase":
        reason = postgres_reachable(self.host, self.port)
        if reason:
            raise ServerUnavailable(reason)
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self._created = True
        return self

    def drop(self) -> None:
        if not self._created:
            return
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._created = False

    def exists(self) -> bool:
        with self._admin() as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)).fetchone() is not None

    def __enter__(self) -> "PostgresDatabase":
        return self.create()

    def __exit__(self, *exc) -> None:
        self.drop()
