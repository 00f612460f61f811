"""Server fixtures for mailbot's tests (real Dovecot, SMTP recorder, DBs).

Missing servers (Dovecot not installed, PostgreSQL not reachable, not root)
skip the test with a reason -- except when CI=true, where they FAIL.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

# Make tests/servers importable as ``servers`` whatever pytest's import mode.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from servers import ServerUnavailable, make_tls_files, running_in_ci, unavailable
from servers.dovecot import DovecotServer, find_dovecot
from servers.postgres import PostgresDatabase, postgres_reachable
from servers.smtp import SmtpRecorder

DEFAULT_TEST_TIMEOUT = 120  # seconds, per test, unless marked otherwise


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end test against real IMAP/SMTP servers")
    config.addinivalue_line("markers", "fault: fault-injection test (server restarts, dropped connections, SMTP errors)")
    config.addinivalue_line("markers", "slow: slow test (seconds or more)")


def pytest_collection_modifyitems(config, items):
    # A generous default timeout (pytest-timeout) for every test that does not
    # set its own and when none was given on the command line / in ini.
    try:
        cli_timeout = config.getoption("timeout")
    except (ValueError, AttributeError):
        return  # pytest-timeout not installed
    try:
        ini_timeout = config.getini("timeout")
    except (ValueError, KeyError):
        ini_timeout = None
    if cli_timeout or ini_timeout:
        return
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TEST_TIMEOUT))


def pytest_report_header(config):
    return f"mailbot test DB: {_db_kind()} (MAILBOT_TEST_DB), CI={running_in_ci()}"


def _db_kind() -> str:
    kind = os.environ.get("MAILBOT_TEST_DB", "sqlite").strip().lower() or "sqlite"
    if kind in ("postgres", "pg"):
        kind = "postgresql"
    if kind not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"MAILBOT_TEST_DB must be 'sqlite' or 'postgresql', not {kind!r}")
    return kind


# ----------------------------------------------------------------- TLS
@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """``servers.TlsFiles``: trustme CA (``.ca``, ``.ca_path``) and a server
    cert/key for 127.0.0.1, 127.0.0.2, localhost (``.cert_path``,
    ``.key_path``); ``.client_context()`` trusts only that CA."""
    return make_tls_files(tmp_path_factory.mktemp("tls"))


# -------------------------------------------------------------- Dovecot
def _require_dovecot() -> None:
    try:
        find_dovecot()
    except ServerUnavailable as exc:
        unavailable(str(exc))


@contextmanager
def _started_servers(start):
    """A factory for a fixture: `make(**kwargs)` calls `start(**kwargs)` and remembers the server; on exit
    every server it started is stopped, the newest first."""
    started = []

    def make(**kwargs):
        server = start(**kwargs)
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture
def dovecot_factory():
    """``make(**kwargs) -> DovecotServer`` (started); all stopped at teardown.
    kwargs as for ``DovecotServer`` (idle=False, tls=..., separator=".", ...)."""
    _require_dovecot()
    with _started_servers(lambda **kwargs: DovecotServer(**kwargs).start()) as make:
        yield make


@pytest.fixture
def dovecot(dovecot_factory) -> DovecotServer:
    """A fresh private Dovecot (plain IMAP on 127.0.0.1, user mailbot/secret)."""
    return dovecot_factory()


@pytest.fixture
def dovecot_tls(dovecot_factory, tls_files) -> DovecotServer:
    """Fresh Dovecot with ssl=required on 127.0.0.2: implicit TLS on
    ``.tls_port``, STARTTLS (LOGINDISABLED before it) on ``.port``.
    ``.client()`` verifies against ``tls_files.ca_path``."""
    return dovecot_factory(tls=(tls_files.cert_path, tls_files.key_path), tls_ca=tls_files.ca_path)


@pytest.fixture(scope="session")
def dovecot_session():
    """One Dovecot shared by the whole session -- for read-mostly tests.
    Don't restart/kill it; use your own folder names."""
    _require_dovecot()
    srv = DovecotServer().start()
    yield srv
    srv.stop()


# ----------------------------------------------------------------- SMTP
@pytest.fixture
def smtp_factory():
    """``make(**kwargs) -> SmtpRecorder`` (started); all stopped at teardown.
    kwargs: tls=TlsFiles|(cert, key), require_starttls, auth=(user, pw),
    auth_required, port."""
    with _started_servers(lambda **kwargs: SmtpRecorder(**kwargs).start()) as make:
        yield make


@pytest.fixture
def smtp_server(smtp_factory) -> SmtpRecorder:
    """Plain SMTP recorder on 127.0.0.1 (no TLS, no AUTH)."""
    return smtp_factory()


@pytest.fixture
def smtp_server_tls(smtp_factory, tls_files) -> SmtpRecorder:
    """SMTP recorder offering STARTTLS (trustme cert) and AUTH PLAIN/LOGIN
    with user ``mailbot`` / password ``smtpsecret`` (AUTH not required)."""
    return smtp_factory(tls=tls_files, auth=("mailbot", "smtpsecret"))


# ------------------------------------------------------------ databases
@pytest.fixture
def pg_url():
    """SQLAlchemy URL of a fresh, empty PostgreSQL database (dropped after)."""
    reason = postgres_reachable()
    if reason:
        unavailable(reason)
    db = PostgresDatabase().create()
    yield db.url
    db.drop()


@pytest.fixture
def db_url(request, tmp_path):
    """SQLAlchemy URL of a fresh, empty database of the kind selected by
    MAILBOT_TEST_DB: "sqlite" (default, file in tmp_path) or "postgresql"."""
    if _db_kind() == "postgresql":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'mailbot.db'}"


@pytest.fixture
def db(db_url):
    """A migrated mailbot.store.db.Database on db_url (disposed after)."""
    from mailbot.store.db import Database

    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()
