"""Fixtures for the bad-input tests: the environment for the CLI against Dovecot, module-scoped servers for
modules that examine one expensive run, and an in-process pipeline (no servers) for fuzzing.  Databases are
SQLite, or PostgreSQL when MAILBOT_TEST_DB=postgresql, as everywhere in the suite."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from faults.support import mailbot_env
from mailbot.config import load_settings
from mailbot.desk.decide import Desk
from mailbot.pipeline import Pipeline
from mailbot.store.db import Database
from mailbot.understand.classifier import Classifier

CONFIG = """
[event]
name = "Klimaverksted for næringslivet"
date = 2027-06-01
start = "14:00"
end = "16:00"
location = "Drammen rådhus"
capacity = 10

[maildir]
path = "Maildir"

[outbox]
path = "outbox"

[advisor]
email = "radgiver@drammen.kommune.example"

[database]
url = "sqlite:///mailbot.sqlite3"

[replies]
bot_addresses = ["klimaverksted@drammen.kommune.example"]
max_per_sender_per_day = 1000
"""


@pytest.fixture
def env(dovecot) -> dict[str, str]:
    """The environment `mailbot` needs for the private Dovecot (its password in MAILBOT_TEST_IMAP_PASSWORD)."""
    return mailbot_env(dovecot)


@dataclass
class InProcess:
    pipeline: Pipeline
    db: Database


def _wants_postgresql() -> bool:
    return os.environ.get("MAILBOT_TEST_DB", "sqlite").strip().lower() in ("postgresql", "postgres", "pg")


@pytest.fixture(scope="module")
def module_db_url(tmp_path_factory):
    """A fresh database for one module: SQLite, or PostgreSQL when MAILBOT_TEST_DB=postgresql (like db_url)."""
    if not _wants_postgresql():
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'mailbot.sqlite3'}"
        return
    from servers import unavailable
    from servers.postgres import PostgresDatabase, postgres_reachable

    reason = postgres_reachable()
    if reason:
        unavailable(reason)
    database = PostgresDatabase().create()
    try:
        yield database.url
    finally:
        database.drop()


@pytest.fixture(scope="module")
def in_process(tmp_path_factory, module_db_url) -> InProcess:
    """One Pipeline (parse -> understand -> desk -> commit) on a fresh database (SQLite, or PostgreSQL when
    MAILBOT_TEST_DB says so), shared by a module's examples (hypothesis runs many per test; building the
    classifier once keeps that fast)."""
    directory = tmp_path_factory.mktemp("pipeline")
    (directory / "config.toml").write_text(CONFIG.replace("sqlite:///mailbot.sqlite3", module_db_url),
                                           encoding="utf-8")
    settings = load_settings(directory / "config.toml")
    clock = lambda: datetime(2027, 5, 10, 10, 0, tzinfo=timezone.utc)  # noqa: E731 - a fixed clock
    db = Database(settings.database_url)
    db.migrate()
    classifier = Classifier.load(settings.rules_path, settings.model_path, settings.min_confidence,
                                 settings.replies.bot_addresses)
    pipeline = Pipeline(settings, db, classifier, Desk(settings, settings.rules_path, clock), clock)
    yield InProcess(pipeline, db)
    db.dispose()


@pytest.fixture(scope="module")
def module_servers(tmp_path_factory, module_db_url):
    """(dovecot, smtp, db_url, env, directory) shared by one module: a private Dovecot, an SMTP recorder and a
    database of the kind MAILBOT_TEST_DB selects -- for modules that check one expensive run from several
    angles.  Missing servers skip (fail on CI), as the function-scoped fixtures in tests/conftest.py do."""
    from servers import ServerUnavailable, unavailable
    from servers.dovecot import DovecotServer, find_dovecot
    from servers.smtp import SmtpRecorder

    try:
        find_dovecot()
    except ServerUnavailable as exc:
        unavailable(str(exc))
    dovecot = DovecotServer().start()
    smtp = SmtpRecorder().start()
    try:
        yield dovecot, smtp, module_db_url, mailbot_env(dovecot), tmp_path_factory.mktemp("servers")
    finally:
        smtp.stop()
        dovecot.stop()
