"""The database busy: another process holds the write lock for 3 s while the bot runs.  The bot waits and
goes on; nothing is lost or done twice.  (SQLite: BEGIN IMMEDIATE; PostgreSQL: an exclusive table lock.)"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from faults.mails import mixed
from faults.support import REPO, bulk_append, db_state, duplicate_ids, replies, wait_until, write_config

pytestmark = [pytest.mark.fault, pytest.mark.slow]

HOLD_S = 3.0
HOLDER = Path(__file__).with_name("hold_lock.py")


def stored_messages(engine) -> int:
    """Rows in messages, read without taking any lock (0 until the bot has created the table)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM messages")).scalar_one()
    except Exception:  # noqa: BLE001 - no table yet
        return 0


def decision_times(log: str) -> list[float]:
    """Epoch seconds of the bot's "decided" log lines (asctime: local time, milliseconds)."""
    times = []
    for line in log.splitlines():
        if " decided key=" in line:
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            times.append(stamp.timestamp())
    return times


def test_bot_waits_for_a_locked_database(tmp_path, dovecot, smtp_server, db_url, env, capsys):
    mails = mixed(80, registrations=30, cancellations=5, inputs=25, auto_replies=10, questions=4, seed=11,
                  prefix="busy")
    bulk_append(dovecot, [m.raw for m in mails])
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, capacity=20, batch_size=5)
    log = tmp_path / "bot.log"
    with open(log, "wb") as out:
        bot = subprocess.Popen([sys.executable, "-m", "mailbot.cli", "run", "--once", "--config", str(config)],
                               stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    reader = create_engine(db_url)
    try:
        wait_until(lambda: stored_messages(reader) >= 10 or bot.poll() is not None, 90, 0.02, "10 messages")
        assert bot.poll() is None, "the bot finished before the lock could be taken"
        holder = subprocess.run([sys.executable, str(HOLDER), db_url, str(HOLD_S)], capture_output=True, text=True,
                                env=env, cwd=REPO, timeout=60)
        assert holder.returncode == 0, holder.stderr
        stamps = dict(line.split() for line in holder.stdout.split("\n") if line)
        locked, released = float(stamps["locked"]), float(stamps["released"])
        done_at_release = stored_messages(reader)
        assert bot.wait(timeout=120) == 0, log.read_text()
    finally:
        if bot.poll() is None:
            bot.kill()
        reader.dispose()

    output = log.read_text()
    times = decision_times(output)
    during = [t for t in times if locked + 0.2 < t < released - 0.2]
    after = [t for t in times if t > released]
    with capsys.disabled():
        print(f"\nDB busy: lock held {released - locked:.2f} s; {done_at_release} of {len(mails)} messages stored "
              f"when it was released; {len(during)} decisions while locked, {len(after)} after; "
              f"'retrying' logged {output.count('retrying')}x")
    assert not during, "nothing is decided while another process holds the lock"
    assert after, "the bot waited and went on after the lock was released"
    assert "Traceback" not in output

    state = db_state(db_url)
    assert {m.message_id for m in state.messages.values()} == {m.message_id for m in mails}
    got = replies(smtp_server)
    assert not duplicate_ids(got)
    promoted = {mid for mid, o in state.outbox.items() if o.purpose == "promoted"}
    assert Counter(r.in_reply_to for r in got if r.message_id not in promoted) == \
        Counter({m.message_id: 1 for m in mails if m.answered})
    assert all(o.status == "sent" for o in state.outbox.values())
