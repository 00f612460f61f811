"""Fixtures for the desk tests: settings, and a desk on a migrated, empty database.

The database kind follows MAILBOT_TEST_DB like the top-level `db_url` fixture ("sqlite" by default, or
"postgresql").  Migrating costs more than most desk tests, so it happens once per session: SQLite tests get
a copy of a migrated file, PostgreSQL tests share one migrated database that is emptied (TRUNCATE) before
each test.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from desk_support import Harness, make_settings  # noqa: E402
from servers import running_in_ci  # noqa: E402
from servers.postgres import PostgresDatabase, postgres_reachable  # noqa: E402

from mailbot.store.db import Database  # noqa: E402
from mailbot.store.models import Base  # noqa: E402


def _postgres_selected() -> bool:
    return os.environ.get("MAILBOT_TEST_DB", "sqlite").strip().lower() in ("postgresql", "postgres", "pg")


def _require_postgres() -> None:
    reason = postgres_reachable()
    if reason:
        if running_in_ci():
            pytest.fail(f"required test server unavailable on CI: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("desk-template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def migrated_postgres():
    _require_postgres()
    server = PostgresDatabase(prefix="mailbot_desk").create()
    db = Database(server.url)
    db.migrate()
    db.dispose()
    yield server.url
    server.drop()


@pytest.fixture
def database(request, tmp_path):
    if _postgres_selected():
        url = request.getfixturevalue("migrated_postgres")
        db = Database(url)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
    else:
        url = f"sqlite:///{tmp_path / 'mailbot.sqlite3'}"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), url[len("sqlite:///"):])
        db = Database(url)
    yield db
    db.dispose()


@pytest.fixture
def make_harness(database, tmp_path):
    """make_harness(**event) -> Harness with [event] overrides (capacity=3 unless given)."""

    def make(**event) -> Harness:
        return Harness(make_settings(tmp_path, **event), database)

    return make


@pytest.fixture
def harness(make_harness) -> Harness:
    return make_harness()
