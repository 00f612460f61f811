"""ImapMailbox against a private Dovecot (tests/servers/dovecot.py): reading, filing, waiting."""

from __future__ import annotations

import time

import pytest
from intake_helpers import KEYWORD, REGISTRATIONS, REVIEW, imap_settings, later, raw_message, secrets_for

from mailbot.domain import IncomingMail
from mailbot.intake.imap import ImapMailbox
from mailbot.intake.imap_folders import move_uids

pytestmark = pytest.mark.e2e


@pytest.fixture
def mailbox(dovecot):
    box = ImapMailbox(imap_settings(dovecot), secrets_for(dovecot))
    box.open()
    yield box
    box.close()


def append_many(server, count: int) -> dict[int, bytes]:
    sent = {}
    for n in range(1, count + 1):
        raw = raw_message(n)
        sent[server.append("INBOX", raw)] = raw
    return sent


def flatten(batches) -> list[IncomingMail]:
    return [mail for batch in batches for mail in batch]


def test_pending_in_batches_with_raw_bytes_and_uids_without_setting_seen(dovecot, mailbox):
    sent = append_many(dovecot, 5)
    batches = list(mailbox.pending(0, 2))
    assert [len(b) for b in batches] == [2, 2, 1]
    mails = flatten(batches)
    assert [m.uid for m in mails] == sorted(sent) == [1, 2, 3, 4, 5]
    assert all(m.raw == sent[m.uid] for m in mails)
    assert all(m.uidvalidity == mailbox.uidvalidity() and m.uidvalidity for m in mails)
    assert all(m.mailbox == f"imap://mailbot@127.0.0.1:{dovecot.port}/INBOX" == mailbox.name for m in mails)
    assert all("\\Seen" not in flags for flags in dovecot.fetch_flags("INBOX").values())


def test_pending_after_a_uid(dovecot, mailbox):
    append_many(dovecot, 5)
    assert list(mailbox.pending(5, 10)) == []  # UID SEARCH 6:* answers UID 5: filtered
    assert list(mailbox.pending(99, 10)) == []
    assert [m.uid for m in flatten(mailbox.pending(3, 10))] == [4, 5]


def test_file_moves_into_norwegian_folders_with_keyword_and_is_idempotent(dovecot, mailbox):
    append_many(dovecot, 4)
    mails = flatten(mailbox.pending(0, 10))
    moves = [(mails[0], REGISTRATIONS), (mails[1], REVIEW), (mails[2], REGISTRATIONS)]
    mailbox.file(moves, KEYWORD)
    assert dovecot.folder_uids("INBOX") == [4]
    assert len(dovecot.folder_uids(REGISTRATIONS)) == 2
    assert len(dovecot.folder_uids(REVIEW)) == 1
    for folder in (REGISTRATIONS, REVIEW):
        assert all(KEYWORD in flags and "\\Seen" not in flags for flags in dovecot.fetch_flags(folder).values())
    with dovecot.client() as c:
        subscribed = {name for _flags, _delim, name in c.list_sub_folders()}
    assert {REGISTRATIONS, REVIEW, "Klimaverksted"} <= subscribed

    mailbox.file(moves, KEYWORD)  # again, as after a crash before the daemon recorded the move
    assert dovecot.folder_uids("INBOX") == [4]
    assert len(dovecot.folder_uids(REGISTRATIONS)) == 2 and len(dovecot.folder_uids(REVIEW)) == 1


def test_file_on_a_server_with_dot_separator(dovecot_factory):
    server = dovecot_factory(separator=".")
    server.append("INBOX", raw_message(1))
    box = ImapMailbox(imap_settings(server), secrets_for(server))
    box.open()
    try:
        box.file([(flatten(box.pending(0, 10))[0], REGISTRATIONS)], KEYWORD)
    finally:
        box.close()
    assert "Klimaverksted.Påmeldinger" in server.list_folders()
    assert server.folder_uids("Klimaverksted.Påmeldinger") == [1]
    assert server.folder_uids("INBOX") == []


def test_file_skips_mail_from_another_uidvalidity(dovecot, mailbox):
    append_many(dovecot, 1)
    [mail] = flatten(mailbox.pending(0, 10))
    stale = IncomingMail(raw=b"", mailbox=mail.mailbox, uid=mail.uid, uidvalidity=mail.uidvalidity + 1)
    mailbox.file([(stale, REGISTRATIONS)], KEYWORD)
    assert dovecot.folder_uids("INBOX") == [1]


def test_copy_fallback_when_move_is_not_used(dovecot):
    append_many(dovecot, 3)
    dovecot.create_folder(REVIEW)
    with dovecot.client() as c:
        c.select_folder("INBOX")
        move_uids(c, [1, 3], REVIEW, use_move=False)
    assert dovecot.folder_uids("INBOX") == [2]  # UID EXPUNGE removed only the two
    assert len(dovecot.folder_uids(REVIEW)) == 2


def test_wait_returns_true_soon_after_another_client_appends(dovecot, mailbox):
    list(mailbox.pending(0, 10))
    later(0.5, lambda: dovecot.append("INBOX", raw_message(1)))
    start = time.monotonic()
    assert mailbox.wait(10) is True
    assert time.monotonic() - start < 2.5
    assert [m.uid for m in flatten(mailbox.pending(0, 10))] == [1]


def test_wait_returns_false_after_the_timeout_without_mail(mailbox):
    start = time.monotonic()
    assert mailbox.wait(1.0) is False
    assert 0.9 <= time.monotonic() - start < 2.0


def test_wait_notices_mail_announced_before_it_started(dovecot, mailbox):
    append_many(dovecot, 1)
    [first] = flatten(mailbox.pending(0, 10))
    dovecot.append("INBOX", raw_message(2))
    mailbox.file([(first, REVIEW)], KEYWORD)  # its responses carry the EXISTS for the new message
    start = time.monotonic()
    assert mailbox.wait(5) is True
    assert time.monotonic() - start < 1.0


def test_idle_is_renewed_and_still_notices_mail(dovecot):
    box = ImapMailbox(imap_settings(dovecot, idle_renew=0.3), secrets_for(dovecot))
    box.open()
    try:
        assert box.wait(0.8) is False  # spans several IDLE commands
        later(0.9, lambda: dovecot.append("INBOX", raw_message(1)))
        assert box.wait(5) is True
    finally:
        box.close()


def test_wait_polls_when_the_server_has_no_idle(dovecot_factory):
    server = dovecot_factory(idle=False)
    box = ImapMailbox(imap_settings(server, poll_interval=0.3), secrets_for(server))
    box.open()
    try:
        start = time.monotonic()
        assert box.wait(10) is True
        assert 0.25 <= time.monotonic() - start < 1.5
        start = time.monotonic()
        assert box.wait(0.1) is True  # the poll interval is capped at the timeout
        assert time.monotonic() - start < 0.5
    finally:
        box.close()
