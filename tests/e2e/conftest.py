"""End-to-end fixtures.  The config writer and CLI runner are the suite's shared ones (faults.support)."""

from __future__ import annotations

import pytest

from faults.support import mailbot_env, run_cli, write_config

__all__ = ["mailbot_env", "run_cli", "write_config"]


@pytest.fixture
def bot_config(tmp_path, dovecot, smtp_server, db_url):
    return write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url)
