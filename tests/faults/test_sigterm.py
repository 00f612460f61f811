"""SIGTERM: the daemon stops within a few seconds with exit code 0 -- waiting in IDLE, polling, backing off
from a dead server, or in the middle of a batch (which it finishes message by message, losing nothing)."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from faults.mails import build, mixed
from faults.support import (bulk_append, db_state, duplicate_ids, idle_sessions, mailbot_env, replies, run_cli,
                            start_daemon, wait_until, write_config)

pytestmark = [pytest.mark.fault, pytest.mark.slow]

STOP_WITHIN_S = 3.0  # "a few seconds"; without a message in hand nothing should take longer than closing up


def registration(n: int) -> bytes:
    return build(n, f"Ola Hansen <ola{n}@hansen-bygg.example>", "Påmelding til klimaverksted",
                 "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\nOla Hansen\n"
                 "Hansen Bygg AS\n", prefix="term")


def stop(proc) -> tuple[int, float]:
    """SIGTERM `proc`; (exit code, seconds it took).  Kills it if it overstays the test's patience."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=30)
    except Exception:  # noqa: BLE001
        proc.kill()
        proc.wait()
        raise
    return code, time.monotonic() - started


@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
def test_sigterm_while_waiting_for_mail(idle, tmp_path, dovecot_factory, smtp_server, db_url, capsys):
    dovecot = dovecot_factory(idle=idle)
    dovecot.append("INBOX", registration(1))
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, idle=idle, poll_interval=30)
    proc = start_daemon(config, mailbot_env(dovecot), tmp_path / "daemon.log")
    wait_until(lambda: replies(smtp_server), 60, 0.1, "the first reply")
    if idle:
        wait_until(lambda: idle_sessions(dovecot), 20, 0.1, "IDLE")
    else:
        time.sleep(1.0)  # in its 30 s poll sleep by now
    code, took = stop(proc)
    with capsys.disabled():
        print(f"\nSIGTERM ({'IDLE' if idle else 'polling'}): exit {code} after {took:.2f} s")
    assert code == 0
    assert took < STOP_WITHIN_S
    assert "signal=SIGTERM" in (tmp_path / "daemon.log").read_text()


def test_sigterm_while_backing_off(tmp_path, dovecot, smtp_server, db_url, env):
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url)
    log = tmp_path / "daemon.log"
    dovecot.crash()
    proc = start_daemon(config, env, log)
    wait_until(lambda: log.read_text().count("retrying") >= 3, 60, 0.1, "three failed connection attempts")
    code, took = stop(proc)
    assert code == 0 and took < STOP_WITHIN_S


def test_sigterm_mid_batch_finishes_in_hand_and_loses_nothing(tmp_path, dovecot, smtp_server, db_url, env, capsys):
    mails = mixed(120, registrations=50, cancellations=10, inputs=30, auto_replies=10, questions=4, seed=5,
                  prefix="term")
    bulk_append(dovecot, [m.raw for m in mails])
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, capacity=40, batch_size=20)
    proc = start_daemon(config, env, tmp_path / "daemon.log")
    wait_until(lambda: len(smtp_server.messages) >= 10, 60, 0.05, "ten replies")
    code, took = stop(proc)
    done = len(db_state(db_url).messages)
    with capsys.disabled():
        print(f"\nSIGTERM mid-run: exit {code} after {took:.2f} s with {done} of {len(mails)} messages done")
    assert code == 0 and took < STOP_WITHIN_S
    assert done < len(mails), "stopped before the end (else this test proves nothing)"

    run_cli(["run", "--once", "--config", str(config)], env)
    got = replies(smtp_server)
    assert not duplicate_ids(got)
    state = db_state(db_url)
    promoted = {mid for mid, o in state.outbox.items() if o.purpose == "promoted"}
    per_message = Counter(r.in_reply_to for r in got if r.message_id not in promoted)
    assert per_message == Counter({m.message_id: 1 for m in mails if m.answered})
    assert len(state.messages) == len(mails)
    assert all(o.status == "sent" for o in state.outbox.values())
