"""A crash between the commit and the IMAP move: after a restart every message is filed once and answered once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from faults.mails import build
from faults.support import REPO, db_state, folder_message_ids, replies, run_cli, write_config

pytestmark = [pytest.mark.fault, pytest.mark.slow]

HOOK = Path(__file__).with_name("crash_between.py")
MAILS = [
    ("registration", "Klimaverksted/Påmeldinger", build(1, "Ola Hansen <ola@hansen-bygg.example>",
     "Påmelding til klimaverksted", "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\n"
     "Med vennlig hilsen\nOla Hansen\nHansen Bygg AS\n", prefix="crash")),
    ("input", "Klimaverksted/Innspill", build(2, "Jonas Vik <jonas@sykkelbud.example>", "Innspill om sykkellogistikk",
     "Hei,\n\nVi kan dessverre ikke delta, men sender et innspill. Kommunen bør legge til rette for "
     "sykkellogistikk i sentrum med egne lastesoner og ladepunkter for elektriske lastesykler.\n\n"
     "Mvh\nJonas Vik\nSykkelbud Drammen AS\n", prefix="crash")),
    ("auto_reply", "Klimaverksted/Automatiske svar", build(3, "Siv Moen <siv@moen-elektro.example>",
     "Automatisk svar: Påmelding", "Jeg er på ferie til 20. mai og leser ikke e-post.\n",
     {"Auto-Submitted": "auto-replied"}, prefix="crash")),
]
ANSWERED = {"<crash-0001@test.example>", "<crash-0002@test.example>"}


@pytest.mark.parametrize("mode", ["before_move", "after_move"])
def test_crash_between_commit_and_move(mode, tmp_path, dovecot, smtp_server, db_url, env):
    for _kind, _folder, raw in MAILS:
        dovecot.append("INBOX", raw)
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url)

    crashed = subprocess.run([sys.executable, str(HOOK), str(config), mode], capture_output=True, text=True,
                             env=env, cwd=REPO, timeout=120)
    assert crashed.returncode == 137, f"the hook did not fire:\n{crashed.stdout}\n{crashed.stderr}"
    assert f"crashing {mode} with 3 message(s)" in crashed.stdout
    state = db_state(db_url)
    assert len(state.messages) == 3, "the batch was committed before the crash"
    assert all(m.filed_at is None for m in state.messages.values() if m.target_folder)
    assert smtp_server.messages == [], "nothing is sent before filing"

    run_cli(["run", "--once", "--config", str(config)], env)

    for n, (_kind, folder, _raw) in enumerate(MAILS, start=1):
        assert folder_message_ids(dovecot, folder) == [f"<crash-{n:04d}@test.example>"], f"{folder}: once"
    assert dovecot.folder_uids("INBOX") == []
    state = db_state(db_url)
    assert all(m.filed_at is not None for m in state.messages.values()), "every row is marked filed"
    got = replies(smtp_server)
    assert sorted(r.in_reply_to for r in got) == sorted(ANSWERED), "exactly one reply per answered message"

    before = len(smtp_server.messages)
    run_cli(["run", "--once", "--config", str(config)], env)
    assert len(smtp_server.messages) == before, "a further run sends nothing"
