"""Messages the database may refuse as they are -- NUL bytes in the text (PostgreSQL text cannot hold them), a
5,000-character sender name (longer than the name columns) -- must not stop the bot: each is stored or
shunted, the run ends normally, and the next message is handled as usual."""

from __future__ import annotations

import pytest

from badinput import hostile
from faults.mails import build
from faults.support import db_state, replies, run_cli, write_config

pytestmark = [pytest.mark.slow]

NUL = (b"From: =?utf-8?q?Ola=00Hansen?= <ola@hansen-bygg.example>\r\nTo: klimaverksted@drammen.kommune.example\r\n"
       b"Subject: =?utf-8?q?P=C3=A5melding=00?=\r\nMessage-ID: <poison-nul@test.example>\r\n"
       b"Date: Mon, 10 May 2027 10:00:00 +0200\r\n\r\n"
       b"Hei,\r\n\r\nJeg vil gjerne melde meg p\x00 klimaverkstedet 1. juni.\x00\r\n\r\nOla Hansen\r\n")
LONG_NAME = build(2, f'"{"Lund" * 1250}" <nils@lund-eiendom.example>', "Påmelding til klimaverksted",
                  hostile.REGISTRATION_TEXT.format(name="Nils Lund", org="Lund Eiendom AS"),
                  message_id="<poison-long-name@test.example>")


def test_database_hostile_text_does_not_stop_the_bot(tmp_path, dovecot, smtp_server, db_url, env):
    for raw in (NUL, LONG_NAME, hostile.control_registration()):
        dovecot.append("INBOX", raw)
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url)
    result = run_cli(["run", "--once", "--config", str(config)], env, check=False)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]

    rows = {m.message_id: m for m in db_state(db_url).messages.values()}
    for message_id in ("<poison-nul@test.example>", "<poison-long-name@test.example>", hostile.mid("control")):
        assert message_id in rows, f"{message_id} is stored"
        assert rows[message_id].reasons
    long_name = rows["<poison-long-name@test.example>"]
    assert (long_name.status, long_name.kind) == ("decided", "registration"), (long_name.status, long_name.reasons)
    assert hostile.mid("control") in {r.in_reply_to for r in replies(smtp_server)}
    assert run_cli(["run", "--once", "--config", str(config)], env).returncode == 0, "and the next run too"
