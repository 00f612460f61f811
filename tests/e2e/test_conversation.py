"""20 mixed messages APPENDed to a real Dovecot -> `mailbot run --once` -> replies at a real SMTP server."""

from __future__ import annotations

import pytest

from .conftest import mailbot_env, run_cli
from .mailfactory import mixed_mailbox

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ANSWERED = {"registration", "cancellation", "input"}
FOLDERS = {"registration": "Klimaverksted/Påmeldinger", "cancellation": "Klimaverksted/Avmeldinger",
           "input": "Klimaverksted/Innspill", "question": "Klimaverksted/Til vurdering",
           "auto_reply": "Klimaverksted/Automatiske svar", "bounce": "Klimaverksted/Automatiske svar"}
ADVISOR = "radgiver@drammen.kommune.example"


def sender_of(raw: bytes) -> str:
    from email import message_from_bytes
    from email.utils import parseaddr

    return parseaddr(message_from_bytes(raw)["From"])[1].lower()


def test_twenty_messages_answered_exactly_once_and_filed(dovecot, smtp_server, bot_config):
    mails = mixed_mailbox()
    for _kind, raw in mails:
        dovecot.append("INBOX", raw)
    env = mailbot_env(dovecot)

    run_cli(["run", "--once", "--config", str(bot_config)], env)

    replies = [m for m in smtp_server.messages if ADVISOR not in m.rcpt_tos]
    got = sorted(r for m in replies for r in m.rcpt_tos)
    expected = sorted(sender_of(raw) for kind, raw in mails if kind in ANSWERED)
    assert got == expected
    for message in replies:
        assert message.message["Auto-Submitted"] == "auto-replied"
        assert message.message["In-Reply-To"], "replies are threaded"
    digests = [m for m in smtp_server.messages if ADVISOR in m.rcpt_tos]
    assert len(digests) == 1

    for kind, folder in FOLDERS.items():
        count = sum(1 for k, _ in mails if k == kind)
        if kind == "auto_reply":
            count += sum(1 for k, _ in mails if k == "bounce")
        if kind == "bounce":
            continue
        assert len(dovecot.folder_uids(folder)) == count, folder
    inbox = dovecot.fetch_messages("INBOX")
    assert len(inbox) == sum(1 for k, _ in mails if k == "other")
    flags = dovecot.fetch_flags("INBOX")
    assert all("$MailbotFiled" not in f and "\\Seen" not in f for f in flags.values()), "inbox mail untouched"
    filed = dovecot.fetch_flags("Klimaverksted/Påmeldinger")
    assert all("$MailbotFiled" in f and "\\Seen" not in f for f in filed.values())

    count_before = len(smtp_server.messages)
    run_cli(["run", "--once", "--config", str(bot_config)], env)
    assert len(smtp_server.messages) == count_before, "a second run sends nothing"


def test_status_json_reports_seats_and_inputs(dovecot, smtp_server, bot_config):
    import json

    for _kind, raw in mixed_mailbox():
        dovecot.append("INBOX", raw)
    env = mailbot_env(dovecot)
    run_cli(["run", "--once", "--config", str(bot_config)], env)
    status = json.loads(run_cli(["status", "--json", "--config", str(bot_config)], env).stdout)
    # 4 single registrations + 2 (Moe) + 1 (English) + 2 (Holm) - 1 cancelled (Eva) = 8
    assert status["confirmed"] == 8
    assert status["waitlisted"] == 0
    assert status["capacity"] == 50
    assert sum(status["inputs"].values()) >= 5
    assert status["review"] == 2
    assert status["outbox_pending"] == 0
