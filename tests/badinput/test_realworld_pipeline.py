"""Every message of the real-world corpus (1,471 messages from public mail projects' test suites) through the
whole bot against Dovecot: APPEND them all, `mailbot run --once`, then check

  * the run ends normally (exit 0, no traceback) and every message is stored: decided, ignored or review,
    or shunted with its error -- each with its reasons;
  * no message its source labels `bounce` or `auto_reply` is answered (no outbox row, no SMTP reply);
  * nothing is lost from the mailbox (every message is in the inbox or one of the bot's folders).

Skipped when the corpus is absent, except on CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import csv
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from faults.support import bulk_append, db_state, received, run_cli, write_config
from mailbot.parse.mime import parse_message

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "realworld"
MACHINE = ("bounce", "auto_reply")
STORED = ("decided", "ignored", "review")
RUN_BUDGET_S = 600  # ~25 s here (2 cores); the budget only catches a pathological slowdown or a hang


def corpus() -> list[tuple[Path, str]]:
    """(file, MANIFEST category) for every message, in a fixed order."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"real-world corpus missing on CI: {CORPUS}", pytrace=False)
        pytest.skip(f"real-world corpus not found at {CORPUS}")
    with manifest.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(CORPUS / row["file"], row["category"]) for row in sorted(rows, key=lambda r: r["file"])]


def fetch_inbox(dovecot) -> dict[int, bytes]:
    """The inbox as the bot will read it (UID -> bytes), before the bot runs."""
    return dovecot.fetch_messages("INBOX")


def test_every_realworld_message_through_the_bot(tmp_path, dovecot, smtp_server, db_url, env, capsys):
    messages = corpus()
    assert len(messages) > 1000
    started = time.monotonic()
    uids = bulk_append(dovecot, [path.read_bytes() for path, _ in messages])
    appended = time.monotonic() - started
    assert -1 not in uids and len(set(uids)) == len(messages), "Dovecot took every message"
    category = dict(zip(uids, (c for _, c in messages)))
    name = dict(zip(uids, (str(p.relative_to(CORPUS)) for p, _ in messages)))
    as_read = fetch_inbox(dovecot)
    keys = {uid: parse_message(raw).key for uid, raw in as_read.items()}

    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url)
    started = time.monotonic()
    result = run_cli(["run", "--once", "--config", str(config)], env, timeout=RUN_BUDGET_S)
    took = time.monotonic() - started
    assert "Traceback" not in result.stderr, result.stderr[-5000:]

    state = db_state(db_url)
    by_id = {m.id: m for m in state.messages.values()}
    missing = [name[uid] for uid in uids if keys[uid] not in state.messages]
    assert not missing, f"{len(missing)} message(s) not stored, e.g. {missing[:5]}"
    statuses = Counter(m.status for m in state.messages.values())
    assert set(statuses) <= {*STORED, "shunted"}, statuses
    for row in state.messages.values():
        assert row.reasons, f"{row.key}: stored without a reason"
        if row.status == "shunted":
            assert row.error, f"{row.key}: shunted without its error"

    machine = {keys[uid] for uid in uids if category[uid] in MACHINE}
    answered_machine = sorted(name[uid] for uid in uids for o in state.outbox.values()
                              if o.source_message_id and by_id[o.source_message_id].key == keys[uid]
                              and category[uid] in MACHINE)
    assert not answered_machine, f"bounces/auto-replies answered: {answered_machine}"
    machine_ids = {by_id_key.message_id for by_id_key in state.messages.values() if by_id_key.key in machine}
    replies = [r for r in received(smtp_server) if not r.to_advisor]
    assert not [r for r in replies if r.in_reply_to and r.in_reply_to in machine_ids], "SMTP replies to machines"

    filed = sum(len(dovecot.folder_uids(folder)) for folder in dovecot.list_folders())
    assert filed == len(messages), f"{len(messages) - filed} message(s) lost from the mailbox"

    with capsys.disabled():
        kinds = Counter(m.kind for m in state.messages.values())
        print(f"\nrealworld through Dovecot: {len(messages)} messages appended in {appended:.1f} s, "
              f"`run --once` took {took:.1f} s; {len(state.messages)} distinct keys; statuses {dict(statuses)}; "
              f"kinds {dict(kinds)}; {len(replies)} replies sent, {len(machine)} bounce/auto_reply keys, "
              f"none answered")
