"""IMAP faults: Dovecot killed and restarted in the middle of a run; the connection cut while the daemon waits
in IDLE; the server down for a few seconds.  The bot reconnects with backoff, continues from its checkpoint,
and decides, files and answers every message exactly once."""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import Counter

import pytest

from faults.mails import build, mixed
from faults.support import (bulk_append, db_state, duplicate_ids, folder_message_ids, idle_sessions, replies,
                            run_cli, start_daemon, wait_until, write_config)

pytestmark = [pytest.mark.fault, pytest.mark.slow]

DECIDED = re.compile(r" decided key=(\S+)")


def decided_keys(log: str) -> Counter:
    return Counter(DECIDED.findall(log))


def test_dovecot_restarted_mid_batch(tmp_path, dovecot, smtp_server, db_url, env, capsys):
    mails = mixed(200, registrations=60, cancellations=10, inputs=50, auto_replies=30, questions=6, seed=3,
                  prefix="restart")
    bulk_append(dovecot, [m.raw for m in mails])
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, capacity=40, batch_size=5)
    restarts: list[tuple[int, float]] = []

    def restart_twice() -> None:
        for after in (25, 80):  # replies received: restart while the run is well under way, twice
            wait_until(lambda: len(smtp_server.messages) >= after, 120, what=f"{after} replies")
            restarts.append((len(smtp_server.messages), time.monotonic()))
            dovecot.restart()

    thread = threading.Thread(target=restart_twice, daemon=True)
    thread.start()
    started = time.monotonic()
    result = run_cli(["run", "--once", "--config", str(config)], env, timeout=180)
    took = time.monotonic() - started
    thread.join(timeout=5)
    assert len(restarts) == 2, "both restarts happened while the run was going"

    log = result.stderr
    reconnects = log.count("mailbox_opened") - 1
    assert "retrying" in log and reconnects >= 2, "the bot backed off and opened the mailbox again"
    assert "Traceback" not in log
    decided = decided_keys(log)
    assert set(decided) == {m.message_id for m in mails}, "every message decided"
    assert max(decided.values()) == 1, f"decided twice: {[k for k, n in decided.items() if n > 1]}"

    got = replies(smtp_server)
    assert not duplicate_ids(got)
    per_message = Counter(r.in_reply_to for r in got)
    answered = {m.message_id for m in mails if m.answered}
    state = db_state(db_url)
    promoted = {mid for mid, o in state.outbox.items() if o.purpose == "promoted"}
    sender_replies = Counter(r.in_reply_to for r in got if r.message_id not in promoted)
    assert set(sender_replies) == answered and set(sender_replies.values()) == {1}, "one reply per answered message"
    assert len(per_message) == len(answered)
    for folder in {m.folder for m in mails}:
        expected = sorted(m.message_id for m in mails if m.folder == folder)
        assert sorted(folder_message_ids(dovecot, folder)) == expected, f"{folder}: each message once"
    with capsys.disabled():
        print(f"\nDovecot restarted after {[n for n, _ in restarts]} replies; run took {took:.1f} s, "
              f"{reconnects} reconnect(s); {len(got)} replies, none twice")


def registration(n: int, prefix: str) -> bytes:
    return build(n, f"Kari Berg {n} <kari{n}@berg-transport.example>", "Påmelding til klimaverksted",
                 "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\nKari Berg\n"
                 "Berg Transport AS\n", prefix=prefix)


def answered_within(smtp_server, in_reply_to: str, seconds: float) -> float:
    started = time.monotonic()
    wait_until(lambda: any(r.in_reply_to == in_reply_to for r in replies(smtp_server)), seconds, 0.1,
               f"a reply to {in_reply_to}")
    return time.monotonic() - started


@pytest.fixture
def running_daemon(tmp_path, dovecot, smtp_server, db_url, env):
    """`mailbot run` (IDLE) with one message handled and the daemon waiting in IDLE; SIGTERM at the end."""
    dovecot.append("INBOX", registration(1, "idle"))
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url)
    log = tmp_path / "daemon.log"
    proc = start_daemon(config, env, log)
    try:
        answered_within(smtp_server, "<idle-0001@test.example>", 60)
        wait_until(lambda: idle_sessions(dovecot), 20, 0.1, "the daemon to enter IDLE")
        yield proc, log
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except Exception:  # noqa: BLE001 - never leave it running
                proc.kill()
                proc.wait()


def test_connection_cut_during_idle(running_daemon, dovecot, smtp_server, capsys):
    proc, log = running_daemon
    assert dovecot.kill_connections() >= 1
    time.sleep(0.5)
    dovecot.append("INBOX", registration(2, "idle"))
    took = answered_within(smtp_server, "<idle-0002@test.example>", 15)
    assert proc.poll() is None, "the daemon survived the dropped connection"
    wait_until(lambda: idle_sessions(dovecot), 20, 0.1, "the daemon to enter IDLE again")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    text = log.read_text()
    assert [r.in_reply_to for r in replies(smtp_server)] == ["<idle-0001@test.example>", "<idle-0002@test.example>"]
    assert max(decided_keys(text).values()) == 1
    with capsys.disabled():
        print(f"\nIDLE connection cut: new mail answered {took:.1f} s after it arrived")


def test_dovecot_down_for_seconds_during_idle(running_daemon, dovecot, smtp_server):
    proc, log = running_daemon
    dovecot.crash()
    time.sleep(3)
    dovecot.start_again()
    dovecot.append("INBOX", registration(2, "idle"))
    answered_within(smtp_server, "<idle-0002@test.example>", 30)
    assert proc.poll() is None
    text = log.read_text()
    waits = [float(x) for x in re.findall(r"retrying .*retry_in=([\d.]+)", text)]
    assert waits and waits == sorted(waits) and waits[0] >= 1, f"capped exponential backoff: {waits}"
    assert len(waits) < 2 or waits[1] >= 2 * waits[0]
    assert [r.in_reply_to for r in replies(smtp_server)] == ["<idle-0001@test.example>", "<idle-0002@test.example>"]
