"""compose(): the bytes of a reply, parsed back; enqueue(): the transactional outbox row."""

from __future__ import annotations

import email
import email.policy
import email.utils
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from act_helpers import SENDER, make_reply, queue, rows
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.act.outbox import clean_header, compose, enqueue, recipient_address
from mailbot.domain import FileAttachment


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_headers_threading_and_loop_guard_markers():
    now = datetime(2027, 5, 20, 10, 30, tzinfo=timezone.utc)
    msg = parse(compose(make_reply(7), SENDER, now))
    assert msg["From"].addresses[0].addr_spec == "klimaverksted@drammen.kommune.example"
    assert msg["From"].addresses[0].display_name == "Klimaverksted Drammen kommune"
    assert msg["To"].addresses[0].addr_spec == "kari.nordmann@example.no"
    assert msg["Subject"] == "Re: Påmelding til klimaverkstedet"
    assert email.utils.parsedate_to_datetime(msg["Date"]) == now
    assert msg["Message-ID"] == "<reply-7.confirmed@mailbot.drammen.example>"
    assert msg["In-Reply-To"] == "<request-7@example.no>"
    assert msg["References"].split() == ["<thread-start@example.no>", "<request-7@example.no>"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Mailbot"] == "1"
    assert msg["MIME-Version"] == "1.0"


def test_structure_alternative_inside_mixed_with_calendar_and_csv():
    csv = FileAttachment("deltakere.csv", "text/csv", "navn;organisasjon\nKari;Bygg AS\n".encode())
    reply = make_reply(attachments=make_reply().attachments + (csv,))
    msg = parse(compose(reply, SENDER))
    assert msg.get_content_type() == "multipart/mixed"
    alternative, ics, table = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html = alternative.iter_parts()
    assert plain.get_content_type() == "text/plain" and plain.get_content_charset() == "utf-8"
    assert "Takk for påmeldingen!" in plain.get_content()
    assert html.get_content_type() == "text/html" and "<p>Hei Kari,</p>" in html.get_content()
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    assert ics.get_filename() == "klimaverksted.ics"
    assert ics.get_payload(decode=True) == b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    assert table.get_content_type() == "text/csv" and table.get_filename() == "deltakere.csv"
    assert table.get_payload(decode=True).decode() == "navn;organisasjon\nKari;Bygg AS\n"


def test_plain_alternative_without_attachments_and_plain_only_without_html():
    msg = parse(compose(make_reply(attachments=()), SENDER))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    plain_only = parse(compose(make_reply(attachments=(), html=""), SENDER))
    assert plain_only.get_content_type() == "text/plain"
    assert "Du har fått plass" in plain_only.get_content()


def test_message_is_7bit_with_crlf_lines():
    raw = compose(make_reply(), SENDER)
    assert all(b < 128 for b in raw)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_subject_with_crlf_cannot_inject_a_header():
    raw = compose(make_reply(subject="Hei\r\nBcc: x@y"), SENDER)
    msg = parse(raw)
    assert msg["Bcc"] is None
    assert msg["Subject"] == "Hei Bcc: x@y"
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert not any(line.startswith(b"Bcc:") for line in header_block.split(b"\r\n"))


@pytest.mark.parametrize("to", ["kari@example.no\r\nCc: evil@example.com",
                                "Kari\r\nCc: evil@example.com <kari@example.no>",
                                "kari@example.no, evil@example.com", "Kari Nordmann", ""])
def test_recipient_that_is_not_exactly_one_address_is_refused(to):
    with pytest.raises(ValueError, match="exactly one address"):
        compose(replace(make_reply(), to=to), SENDER)


def test_recipient_name_with_line_break_is_kept_on_one_line():
    msg = parse(compose(replace(make_reply(), to="Kari\r\n Nordmann Ås <kari@example.no>"), SENDER))
    assert msg["Cc"] is None
    [address] = msg["To"].addresses
    assert (address.display_name, address.addr_spec) == ("Kari Nordmann Ås", "kari@example.no")


def test_long_subject_is_folded_and_reads_back_whole():
    subject = "Re: " + " ".join(["Påmelding til klimaverkstedet for næringslivet i Drammen"] * 4)
    raw = compose(make_reply(subject=subject), SENDER)
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in header_block.split(b"\r\n")) <= 78
    assert parse(raw)["Subject"] == subject


def test_auto_generated_when_not_a_reply():
    msg = parse(compose(make_reply(in_reply_to=None, references=(), purpose="digest"), SENDER))
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["In-Reply-To"] is None and msg["References"] is None


def test_bad_message_id_and_several_recipients_are_refused():
    with pytest.raises(ValueError, match="Message-ID"):
        compose(make_reply(message_id="no at sign"), SENDER)
    with pytest.raises(ValueError, match="exactly one address"):
        compose(make_reply(to="a@example.no, b@example.no"), SENDER)
    assert recipient_address('"Nordmann, Kari" <kari@example.no>') == "kari@example.no"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_subject_reads_back_as_its_cleaned_self(subject):
    msg = parse(compose(make_reply(subject=subject, attachments=()), SENDER))
    assert msg["Subject"] == clean_header(subject)
    assert [k.lower() for k in msg.keys()].count("subject") == 1
    assert msg["Bcc"] is None


# ------------------------------------------------------------------ enqueue
def test_enqueue_stores_a_pending_row_once(db, clock):
    [item_id] = queue(db, clock, make_reply(1))
    with db.session() as session:
        assert enqueue(session, make_reply(1), SENDER, None) is None
    [row] = rows(db).values()
    assert row.id == item_id and row.status == "pending" and row.attempts == 0
    assert row.next_attempt_at == row.created_at == clock.now  # aware UTC as read (UtcDateTime)
    assert row.recipient == "kari.nordmann@example.no"
    assert row.purpose == "confirmed"
    assert parse(row.raw)["Message-ID"] == row.message_id == "<reply-1.confirmed@mailbot.drammen.example>"


def test_enqueue_is_part_of_the_callers_transaction(db):
    with pytest.raises(RuntimeError), db.session() as session:
        assert enqueue(session, make_reply(2), SENDER, None) is not None
        raise RuntimeError("the seat change failed")
    assert rows(db) == {}
