"""Fixtures for the act stage: a clock (the migrated database `db` comes from tests/conftest.py)."""

from __future__ import annotations

import pytest
from act_helpers import Clock



@pytest.fixture
def clock() -> Clock:
    return Clock()
