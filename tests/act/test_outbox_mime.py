"""The direct MIME writer (mailbot.act.mime) against the email package: the same message, read back."""

from __future__ import annotations

import email
import email.errors
import email.policy
import email.utils
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from act_helpers import SENDER, make_reply
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.act import mime
from mailbot.act.outbox import clean_header, compose, compose_with_email_package
from mailbot.domain import FileAttachment

NOW = datetime(2027, 5, 20, 10, 30, tzinfo=timezone.utc)
HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Auto-Submitted",
           "X-Auto-Response-Suppress", "X-Mailbot", "MIME-Version")


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def summary(raw: bytes) -> tuple:
    """What a reader sees: header values, and each leaf part's type, parameters, filename and content."""
    msg = parse(raw)
    headers = tuple((name, msg.get_all(name)) for name in HEADERS)
    leaves = tuple((p.get_content_type(), sorted(p.get_params() or []), p.get_filename(),
                    p.get_payload(decode=True)) for p in msg.walk() if not p.is_multipart())
    types = tuple(p.get_content_type() for p in msg.walk())
    return headers, leaves, types


def same_as_email_package(reply) -> None:  # noqa: ANN001
    fast, reference = compose(reply, SENDER, NOW), compose_with_email_package(reply, SENDER, NOW)
    assert summary(fast) == summary(reference)
    assert all(b < 128 for b in fast) and b"\n" not in fast.replace(b"\r\n", b"")
    assert max(len(line) for line in fast.split(b"\r\n\r\n", 1)[0].split(b"\r\n")) <= 78


def test_direct_writer_matches_the_email_package_for_every_shape():
    csv = FileAttachment("deltakere.csv", "text/csv", "navn;org\nKåre;Bygg AS\n".encode())
    for reply in (make_reply(), make_reply(attachments=()), make_reply(attachments=(), html=""),
                  make_reply(html=""), make_reply(attachments=make_reply().attachments + (csv,)),
                  make_reply(in_reply_to=None, references=(), purpose="digest"),
                  replace(make_reply(), to='"Nordmann, Kåre Øystein" <kari@x.no>'),
                  replace(make_reply(), to='"Nordmann, Kari" <kari@x.no>'), replace(make_reply(), to="kari@x.no"),
                  make_reply(text="a line = with trailing space \nand a long one " + "x" * 200, html="<b>é</b>")):
        same_as_email_package(reply)


def test_unusual_replies_fall_back_to_the_email_package():
    odd = replace(make_reply(), to="Kåre <kåre@example.no>")  # the email package refuses it, as before
    with pytest.raises(email.errors.NonASCIILocalPartDefect):
        compose(odd, SENDER)
    ics = FileAttachment("invitasjon-æøå.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\n")
    assert parse(compose(make_reply(attachments=(ics,)), SENDER)).get_payload()[1].get_filename() == \
        "invitasjon-æøå.ics"


def test_encoded_words_stay_within_75_characters_and_split_between_characters():
    words = mime.encoded_words("Påmelding " * 20)
    assert len(words) > 1 and all(len(w) <= 75 for w in words)
    assert parse(b"Subject: " + " ".join(words).encode() + b"\r\n\r\n")["Subject"] == ("Påmelding " * 20)


@settings(max_examples=300, deadline=None)
@given(subject=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200),
       name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_any_subject_and_name_read_back_as_themselves(subject, name):
    """Read back exactly as cleaned (the email package itself can lose a space between two of its own
    encoded words, e.g. in '𐀀 \x80', so the oracle is the cleaned text, not its output)."""
    reply = make_reply(subject=subject, attachments=())
    try:
        reply = replace(reply, to=f"{name.replace('<', ' ').replace('>', ' ')} <kari@example.no>")
        compose_with_email_package(reply, SENDER, NOW)
        expected_name = clean_header([n for n, a in email.utils.getaddresses([clean_header(reply.to)]) if a][0])
    except ValueError:  # a name the recipient check refuses (it holds an address, a comma list, ...)
        reply = make_reply(subject=subject, attachments=(), to="kari@example.no")
        expected_name = "Kari Nordmann"
    fast = parse(compose(reply, SENDER, NOW))
    assert fast["Subject"] == clean_header(subject)
    try:
        mime.address(expected_name, "kari@example.no")
    except mime.Unusual:  # written by the email package, as before (which is lossy for some long names)
        expected = parse(compose_with_email_package(reply, SENDER, NOW))["To"].addresses
        assert fast["To"].addresses == expected
    else:
        assert [(a.display_name, a.addr_spec) for a in fast["To"].addresses] == [(expected_name, "kari@example.no")]
