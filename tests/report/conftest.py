"""Fixtures for the report tests: settings (the migrated database `db` comes from tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Make report_data importable whatever pytest's import mode (bench/bench_digest.py does the same).
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from report_data import make_settings  # noqa: E402



@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)
