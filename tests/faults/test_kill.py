"""kill -9 at random moments: nothing lost, nothing twice, seats right.

200 messages (registrations beyond the capacity, so the waiting list and promotions are exercised;
cancellations, inputs, questions, auto-replies and other mail) are APPENDed to a real Dovecot.  The daemon
(`mailbot run --config`, forked from a warmed-up fork server so that a restart takes milliseconds, not the
~4 s of a cold start) is SIGKILLed at seeded-random moments, 20 rounds, then `mailbot run --once` finishes.

The one duplicate the design allows: the SMTP server accepted a reply (250) and the process died before the
commit marking the outbox row sent.  The retry then sends the *same* row again: the same bytes (the raw is
stored once, in the outbox) with the same deterministic Message-ID, which the recipient's client folds.
This test tolerates a duplicate only in that form, prints how often it happened, and fails on any other
duplicate (a second decision: another reply Message-ID for the same message) and on any loss.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict

import pytest

from faults.mails import mixed
from faults.support import (ForkServer, bulk_append, db_state, duplicate_ids, folder_message_ids, replies,
                            run_cli, status_json, write_config)

pytestmark = [pytest.mark.fault, pytest.mark.slow, pytest.mark.timeout(240)]

ROUNDS = 20
SEED = 20270601
CAPACITY = 60
REGISTRATIONS = 90
CANCELLATIONS = 20
KILL_AFTER = (0.2, 1.5)  # seconds after the fork; spreads the 20 kills over every phase of the work


def killed_in(log: str) -> str:
    """The daemon's last logged event before the kill: where in its work it died, roughly."""
    lines = log.strip().splitlines()
    return lines[-1].split()[4] if lines and len(lines[-1].split()) > 4 else "start-up"


def test_kill_minus_nine_loses_nothing_and_answers_once(tmp_path, dovecot, smtp_server, db_url, env, capsys):
    mails = mixed(200, registrations=REGISTRATIONS, cancellations=CANCELLATIONS, inputs=40, auto_replies=20,
                  questions=6, seed=7)
    bulk_append(dovecot, [m.raw for m in mails])
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, capacity=CAPACITY, batch_size=10)

    rng = random.Random(SEED)
    progress, phases = [], Counter()
    server = ForkServer(config, env)
    try:
        for round_no in range(ROUNDS):
            log = tmp_path / f"round-{round_no:02d}.log"
            pid = server.spawn(["run", "--config", str(config)], str(log))
            time.sleep(rng.uniform(*KILL_AFTER))
            server.kill(pid)
            progress.append((len(db_state(db_url).messages), len(smtp_server.messages)))
            phases[killed_in(log.read_text())] += 1
    finally:
        server.close()
    final = run_cli(["run", "--once", "--config", str(config)], env)
    assert "Traceback" not in final.stderr, final.stderr

    got = replies(smtp_server)
    state = db_state(db_url)
    window_hits = duplicate_ids(got)
    distinct = {r.message_id: r for r in got}
    purpose = {mid: item.purpose for mid, item in state.outbox.items()}
    per_message = Counter(r.in_reply_to for r in distinct.values() if purpose.get(r.message_id) != "promoted")
    promotions = Counter(r.in_reply_to for r in distinct.values() if purpose.get(r.message_id) == "promoted")
    by_id = {m.message_id: m for m in mails}
    second_decisions = {mid: n for mid, n in per_message.items() if n > 1}
    unexpected = {mid: n for mid, n in per_message.items() if mid not in by_id or not by_id[mid].answered}
    lost = [m.message_id for m in mails if m.answered and per_message[m.message_id] == 0]
    unsent = {mid: (o.status, o.last_error) for mid, o in state.outbox.items() if o.status != "sent"}
    with capsys.disabled():
        print(f"\nkill -9: {ROUNDS} rounds, killed after (last log event): {dict(phases)}"
              f"\nkill -9: progress (messages in DB, SMTP messages) after each round: {progress}"
              f"\nkill -9: {len(got)} replies received, {len(distinct)} distinct; duplicates with the same "
              f"Message-ID (SMTP accepted, commit not done): {sum(n - 1 for n in window_hits.values())} "
              f"{window_hits}; second decisions: {len(second_decisions)}; lost: {len(lost)}; "
              f"outbox not sent: {len(unsent)}; promotions: {sum(promotions.values())}")

    assert not second_decisions, f"a message was answered twice with different replies: {second_decisions}"
    assert not unexpected, f"replies to messages that must not be answered: {unexpected}"
    assert not lost, f"answered messages without a reply: {lost}"
    assert not unsent, f"outbox rows not sent: {unsent}"
    assert all(n == 1 for n in promotions.values()), f"a promotion e-mail went out twice: {promotions}"
    for mid, count in window_hits.items():  # the tolerated form only: byte-identical, same Message-ID
        assert len({r.raw for r in got if r.message_id == mid}) == 1, f"{mid} sent {count}x with different bytes"

    stored = {m.message_id for m in state.messages.values()}
    assert {m.message_id for m in mails} <= stored, "every message is in the database"
    assert len(state.messages) == len(mails), "no message stored twice"
    expected_folders = defaultdict(list)
    for m in mails:
        expected_folders[m.folder].append(m.message_id)
    for folder, ids in expected_folders.items():
        assert sorted(folder_message_ids(dovecot, folder)) == sorted(ids), f"{folder}: wrong messages"

    status = status_json(config, env)
    active = REGISTRATIONS - CANCELLATIONS
    assert status["confirmed"] == state.confirmed == min(CAPACITY, active)
    assert status["waitlisted"] == state.waitlisted == max(0, active - CAPACITY)
    assert status["cancelled"] == state.cancelled == CANCELLATIONS
    assert status["confirmed"] <= status["capacity"] == CAPACITY
    assert status["outbox_pending"] == 0 and status["outbox_failed"] == 0
