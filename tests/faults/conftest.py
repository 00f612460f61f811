"""Fixtures for the fault tests: the servers come from tests/conftest.py, the helpers from faults.support."""

from __future__ import annotations

import pytest

from faults.support import mailbot_env


@pytest.fixture
def env(dovecot) -> dict[str, str]:
    """The environment `mailbot` needs for the private Dovecot (its password in MAILBOT_TEST_IMAP_PASSWORD)."""
    return mailbot_env(dovecot)

