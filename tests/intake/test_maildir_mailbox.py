"""MaildirMailbox in a tmp Maildir; and a Maildir filed by us, read back through a real Dovecot."""

from __future__ import annotations

import os
import time

import pytest
from intake_helpers import KEYWORD, REGISTRATIONS, REVIEW, deliver_to_maildir, later, raw_message

from mailbot.errors import MailboxConnectionError
from mailbot.intake.base import Mailbox
from mailbot.intake.maildir import MaildirMailbox


@pytest.fixture
def maildir(tmp_path):
    box = MaildirMailbox(tmp_path / "Maildir")
    box.open()
    yield box
    box.close()


def flatten(batches):
    return [mail for batch in batches for mail in batch]


def test_open_creates_a_fresh_maildir_and_refuses_a_file(tmp_path):
    box = MaildirMailbox(tmp_path / "data" / "Maildir")
    box.open()
    assert all((tmp_path / "data" / "Maildir" / sub).is_dir() for sub in ("new", "cur", "tmp"))
    assert isinstance(box, Mailbox) and box.uidvalidity() is None
    (tmp_path / "not-a-dir").write_text("x")
    with pytest.raises(MailboxConnectionError, match="not-a-dir"):
        MaildirMailbox(tmp_path / "not-a-dir").open()


def test_pending_in_delivery_order_and_batches(maildir):
    base = time.time() - 100
    # delivered out of name order: mtime decides; cur/ and new/ both count
    paths = [deliver_to_maildir(maildir.path, 3, "new", base + 3),
             deliver_to_maildir(maildir.path, 1, "cur", base + 1, ":2,S"),
             deliver_to_maildir(maildir.path, 2, "new", base + 2),
             deliver_to_maildir(maildir.path, 5, "new", base + 5),
             deliver_to_maildir(maildir.path, 4, "cur", base + 4, ":2,")]
    batches = list(maildir.pending(0, 2))
    assert [len(b) for b in batches] == [2, 2, 1]
    mails = flatten(batches)
    expected = sorted(paths, key=lambda p: p.stat().st_mtime_ns)
    assert [m.source_path for m in mails] == [str(p) for p in expected]
    assert all(m.raw == p.read_bytes() for m, p in zip(mails, expected))
    assert all(m.uid is None and m.uidvalidity is None and m.mailbox == maildir.name for m in mails)
    assert [m.source_path for m in flatten(maildir.pending(999, 10))] == [str(p) for p in expected]  # ignored


def test_file_into_maildir_plus_plus_folders_keeps_name_and_flags(maildir):
    read = deliver_to_maildir(maildir.path, 1, "cur", suffix=":2,S")
    unread = deliver_to_maildir(maildir.path, 2, "new")
    other = deliver_to_maildir(maildir.path, 3, "new")
    mails = {m.source_path: m for m in flatten(maildir.pending(0, 10))}
    moves = [(mails[str(read)], REGISTRATIONS), (mails[str(unread)], REVIEW)]
    maildir.file(moves, KEYWORD)
    registrations = maildir.path / ".Klimaverksted.P&AOU-meldinger"
    review = maildir.path / ".Klimaverksted.Til vurdering"
    assert maildir.folder_path(REGISTRATIONS) == registrations
    for folder in (registrations, review):
        assert all((folder / sub).is_dir() for sub in ("cur", "new", "tmp"))
        assert (folder / "maildirfolder").is_file()
    assert (registrations / "cur" / read.name).read_bytes() == mails[str(read)].raw
    assert (review / "cur" / unread.name).exists()  # same name: no ":2,S", so still unread
    assert [m.source_path for m in flatten(maildir.pending(0, 10))] == [str(other)]

    maildir.file(moves, KEYWORD)  # again: already filed, no error, nothing changes
    assert sorted(os.listdir(registrations / "cur")) == [read.name]


def test_file_finds_a_message_a_mail_client_moved_to_cur(maildir):
    path = deliver_to_maildir(maildir.path, 1, "new")
    [mail] = flatten(maildir.pending(0, 10))
    seen = maildir.path / "cur" / (path.name + ":2,S")
    os.rename(path, seen)  # the advisor's client read it meanwhile
    maildir.file([(mail, REGISTRATIONS)], KEYWORD)
    assert (maildir.folder_path(REGISTRATIONS) / "cur" / seen.name).exists()
    assert list((maildir.path / "cur").iterdir()) == []


def test_wait_notices_delivery_and_times_out(maildir):
    list(maildir.pending(0, 10))
    start = time.monotonic()
    assert maildir.wait(1.2) is False
    assert 1.1 <= time.monotonic() - start < 2.5
    list(maildir.pending(0, 10))
    later(0.3, lambda: deliver_to_maildir(maildir.path, 1))
    start = time.monotonic()
    assert maildir.wait(10) is True
    assert time.monotonic() - start < 2.0


def test_wait_notices_mail_delivered_between_pending_and_wait(maildir):
    list(maildir.pending(0, 10))
    deliver_to_maildir(maildir.path, 1)
    start = time.monotonic()
    assert maildir.wait(5) is True
    assert time.monotonic() - start < 0.5


@pytest.mark.e2e
def test_dovecot_serves_the_folders_we_filed_into(dovecot_factory):
    server = dovecot_factory(separator=".")
    server.append("INBOX", raw_message(1))
    server.append("INBOX", raw_message(2))
    box = MaildirMailbox(server.maildir())
    box.open()
    mails = flatten(box.pending(0, 10))
    box.file([(mails[0], REGISTRATIONS), (mails[1], REVIEW)], KEYWORD)
    for root, dirs, files in os.walk(server.maildir()):  # Dovecot runs as nobody and keeps indexes there
        for name in dirs + files:
            os.chown(os.path.join(root, name), 65534, 65534)
    assert server.folder_uids("Klimaverksted.Påmeldinger") == [1]
    assert server.folder_uids("Klimaverksted.Til vurdering") == [1]
    assert server.folder_uids("INBOX") == []
    # Maildir files have LF line ends; IMAP serves CRLF
    assert server.fetch_messages("Klimaverksted.Påmeldinger")[1] == mails[0].raw.replace(b"\n", b"\r\n")
