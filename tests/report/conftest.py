"""Fixtures for the report tests: a migrated database (SQLite or PostgreSQL, see db_url) and settings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Make report_data importable whatever pytest's import mode (bench/bench_digest.py does the same).
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from report_data import make_settings  # noqa: E402

from mailbot.store.db import Database  # noqa: E402


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)
