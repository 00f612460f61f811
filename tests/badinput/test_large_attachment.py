"""A 50 MB attachment: the message is above max_message_mb (25 MB), so intake reads only its header and the
first MB (RFC822.SIZE first, then partial FETCH); memory stays near an empty run's, the message goes to
review with the reason recorded, and the next message is unaffected."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from badinput import hostile
from faults.support import REPO, db_state, received, write_config
from servers.rss import own_peak_command, read_own_peak

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# Intake holds at most the header and 1 MB of body of an oversized message; parsing it costs a few MB more.
# Without the size check the bot held several copies of the 71 MB message (+300 to +410 MB measured).
MAX_EXTRA_MB = 60


def peak_rss_run(config, env, log) -> tuple[int, float, float]:
    """Run `mailbot run --once`; (exit code, peak RSS in MB of that process, seconds)."""
    started = time.monotonic()
    result = log.with_suffix(".rss")  # the bot's own peak, not this process's (see servers.rss)
    command = own_peak_command([sys.executable, "-m", "mailbot.cli", "run", "--once", "--config", str(config)],
                               result)
    with open(log, "wb") as out:
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO, check=True, timeout=240)
    code, peak = read_own_peak(result)
    return code, peak, time.monotonic() - started


def test_50_mb_attachment_keeps_memory_bounded(tmp_path, dovecot, smtp_server, db_url, env, capsys):
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url)
    code, baseline, _ = peak_rss_run(config, env, tmp_path / "baseline.log")  # start-up and an empty inbox
    assert code == 0

    large = hostile.large_attachment(50)
    dovecot.append("INBOX", large)
    dovecot.append("INBOX", hostile.control_registration())
    code, peak, took = peak_rss_run(config, env, tmp_path / "run.log")
    log = (tmp_path / "run.log").read_text()
    with capsys.disabled():
        print(f"\n50 MB attachment ({len(large) / 1e6:.0f} MB message): peak RSS {peak:.0f} MB "
              f"(an empty run: {baseline:.0f} MB), {took:.1f} s")
    assert code == 0, log[-3000:]
    assert "Traceback" not in log

    rows = {m.message_id: m for m in db_state(db_url).messages.values()}
    big, control = rows[hostile.mid("large")], rows[hostile.mid("control")]
    # Its attachment was not read: a human decides (review, no automatic reply); the rest goes on.
    assert (big.status, big.kind) == ("review", "registration"), (big.status, big.kind, big.reasons)
    assert (control.status, control.kind) == ("decided", "registration")
    answered = {r.in_reply_to for r in received(smtp_server) if not r.to_advisor}
    assert answered == {hostile.mid("control")}
    assert any("message too large" in str(r) for r in big.reasons), f"the reason is recorded: {big.reasons}"
    assert big.raw is not None and len(big.raw) < 2_000_000  # only the part that was read is stored
    assert len(dovecot.folder_uids("Klimaverksted/Til vurdering")) == 1  # the whole message, kept for a human
    limit = baseline + MAX_EXTRA_MB
    assert peak < limit, f"peak RSS {peak:.0f} MB, limit {limit:.0f} MB"
