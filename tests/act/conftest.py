"""Fixtures for the act stage: a migrated database (SQLite or PostgreSQL, see MAILBOT_TEST_DB) and a clock."""

from __future__ import annotations

import pytest
from act_helpers import Clock

from mailbot.store.db import Database


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()
