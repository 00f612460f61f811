"""Fixtures for the intake tests (the shared servers come from tests/conftest.py)."""

from __future__ import annotations

import pytest
from intake_helpers import oauth_dovecot_class
from servers import ServerUnavailable, running_in_ci
from servers.dovecot import find_dovecot


@pytest.fixture
def oauth_dovecot():
    """A private Dovecot offering XOAUTH2; the valid token is "ya29.dovecot-token".
    Skipped when Dovecot is unavailable, failed on CI (like the shared fixtures)."""
    try:
        find_dovecot()
    except ServerUnavailable as exc:
        if running_in_ci():
            pytest.fail(f"required test server unavailable on CI: {exc}", pytrace=False)
        pytest.skip(str(exc))
    server = oauth_dovecot_class()(password="ya29.dovecot-token").start()
    yield server
    server.stop()
