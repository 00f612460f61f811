"""Size limits at intake: a message above max_message_mb is read only in part (header + start of the body),
marked truncated with its full size, and a batch never holds more than batch_bytes of mail."""

from __future__ import annotations

import os
from dataclasses import replace
from email.message import EmailMessage

import pytest
from intake_helpers import deliver_to_maildir, imap_settings, raw_message, secrets_for

from mailbot.config import settings_from_dict
from mailbot.errors import ConfigError
from mailbot.intake.imap import ImapMailbox
from mailbot.intake.limits import join_prefix, size_batches, split_prefix
from mailbot.intake.maildir import MaildirMailbox
from mailbot.settings import SizeLimits

SMALL = SizeLimits(max_message_bytes=100_000, batch_bytes=250_000, header_bytes=4096, body_prefix_bytes=2048)


def large_message(megabytes: float) -> bytes:
    """A registration whose text comes first, followed by a large attachment (as mail clients lay it out)."""
    msg = EmailMessage()
    msg["From"] = "Stor Avsender <stor@example.no>"
    msg["To"] = "klimaverksted@drammen.kommune.example"
    msg["Subject"] = "Påmelding med vedlegg"
    msg["Message-ID"] = "<large-1@example.no>"
    msg.set_content("Hei!\n\nVi melder på to personer til klimaverkstedet.\n")
    msg.add_attachment(os.urandom(int(megabytes * 1024 * 1024)), maintype="application", subtype="pdf",
                       filename="rapport.pdf")
    return msg.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# ----------------------------------------------------------------------------------------- pure helpers
def test_size_batches_bound_messages_and_bytes_and_skip_vanished():
    sizes = {1: 100_000, 2: 100_000, 3: 100_000, 4: 10, 5: 10, 7: 10}
    assert size_batches([1, 2, 3, 4, 5, 6, 7], sizes, 200, SMALL) == [[1, 2], [3, 4, 5, 7]]
    assert size_batches([4, 5, 7], sizes, 2, SMALL) == [[4, 5], [7]]


def test_an_oversized_message_counts_only_what_is_read_and_still_forms_a_batch():
    tiny = replace(SMALL, batch_bytes=1000)
    assert SMALL.read_size(5_000_000) == 4096 + 2048
    assert size_batches([1, 2], {1: 5_000_000, 2: 5_000_000}, 10, tiny) == [[1], [2]]


def test_split_prefix_keeps_the_header_and_the_start_of_the_body():
    raw = b"Subject: x\r\nFrom: a@b.example\r\n\r\n" + b"A" * 10_000
    cut = split_prefix(raw, SMALL)
    assert cut == b"Subject: x\r\nFrom: a@b.example\r\n\r\n" + b"A" * 2048
    assert split_prefix(b"Subject: x\n\nbody", SMALL) == b"Subject: x\n\nbody"


def test_a_header_without_its_end_is_closed_so_it_parses_as_a_header():
    assert join_prefix(b"Subject: x\r\nX-Long: aaa", b"") == b"Subject: x\r\nX-Long: aaa\r\n\r\n"
    assert split_prefix(b"Subject: " + b"y" * 9000, SMALL).endswith(b"y\r\n\r\n")
    assert len(split_prefix(b"Subject: " + b"y" * 9000, SMALL)) == 4096 + 4


# ----------------------------------------------------------------------------------------- IMAP (Dovecot)
def test_imap_reads_an_oversized_message_in_part_without_setting_seen(dovecot):
    big, small = large_message(0.5), raw_message(2)
    big_uid, small_uid = dovecot.append("INBOX", big), dovecot.append("INBOX", small)
    settings = replace(imap_settings(dovecot), limits=SMALL)
    box = ImapMailbox(settings, secrets_for(dovecot))
    box.open()
    try:
        mails = [m for batch in box.pending(0, 10) for m in batch]
    finally:
        box.close()
    by_uid = {m.uid: m for m in mails}
    assert set(by_uid) == {big_uid, small_uid}
    cut = by_uid[big_uid]
    assert cut.truncated and cut.size == len(big)
    header_end = big.index(b"\r\n\r\n") + 4
    assert cut.raw == big[:header_end + SMALL.body_prefix_bytes]
    assert b"Vi melder p" in cut.raw  # the text part is inside the prefix
    whole = by_uid[small_uid]
    assert (whole.truncated, whole.raw, whole.size) == (False, small, len(small))
    assert all("\\Seen" not in flags for flags in dovecot.fetch_flags("INBOX").values())


def test_imap_batches_are_bounded_by_bytes(dovecot):
    for n in range(6):
        dovecot.append("INBOX", raw_message(n, subject="x" * 10) + b"B" * 90_000)
    limits = replace(SMALL, max_message_bytes=1_000_000)  # nothing truncated; 250 KB per batch
    box = ImapMailbox(replace(imap_settings(dovecot), limits=limits), secrets_for(dovecot))
    box.open()
    try:
        batches = list(box.pending(0, 200))
    finally:
        box.close()
    assert [len(b) for b in batches] == [2, 2, 2]
    assert not any(m.truncated for b in batches for m in b)


# ----------------------------------------------------------------------------------------- Maildir
def test_maildir_reads_an_oversized_file_in_part(tmp_path):
    box = MaildirMailbox(tmp_path / "Maildir", limits=SMALL)
    box.open()
    big = large_message(0.3)
    (tmp_path / "Maildir" / "new" / "1.big").write_bytes(big)
    deliver_to_maildir(tmp_path / "Maildir", 2)
    mails = [m for batch in box.pending(0, 10) for m in batch]
    cut = next(m for m in mails if m.source_path.endswith("1.big"))
    assert cut.truncated and cut.size == len(big)
    assert cut.raw == big[:big.index(b"\r\n\r\n") + 4 + SMALL.body_prefix_bytes]
    assert [m.truncated for m in mails].count(False) == 1


# ----------------------------------------------------------------------------------------- config
def base_config() -> dict:
    return {"event": {"name": "K", "date": __import__("datetime").date(2027, 6, 1), "start": "14:00",
                      "end": "16:00", "location": "Drammen", "capacity": 10},
            "advisor": {"email": "radgiver@drammen.kommune.example"}}


@pytest.mark.parametrize("value", [0, 0.5, 5000, "big"])
def test_a_bad_max_message_mb_is_refused_naming_the_key(tmp_path, value):
    data = base_config() | {"maildir": {"max_message_mb": value}}
    with pytest.raises(ConfigError, match=r"maildir\.max_message_mb"):
        settings_from_dict(data, base=tmp_path)


def test_max_message_mb_sets_the_limit(tmp_path):
    settings = settings_from_dict(base_config() | {"maildir": {"max_message_mb": 10}}, base=tmp_path)
    assert settings.maildir_limits.max_message_bytes == 10 * 1024 * 1024
    assert settings_from_dict(base_config(), base=tmp_path).maildir_limits.max_message_bytes == 25 * 1024 * 1024
