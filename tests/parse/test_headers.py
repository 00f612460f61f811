"""Header decoding helpers: RFC 2047, raw 8-bit bytes, message ids, dates."""

from __future__ import annotations

from datetime import timedelta

from mailbot.parse.headers import decode_header_value, message_ids, normalise_msgid, parse_date


def test_rfc2047_q_and_b_words_and_folding():
    assert decode_header_value("=?iso-8859-1?q?P=E5melding_til_verksted?=") == "Påmelding til verksted"
    assert decode_header_value("=?utf-8?b?UMOlbWVsZGluZw==?=\r\n =?utf-8?q?_n=C3=A5?=") == "Påmelding nå"


def test_multibyte_character_split_across_two_encoded_words():
    # "å" is C3 A5 in UTF-8; some mailers split it over two words.
    assert decode_header_value("=?utf-8?q?P=C3?= =?utf-8?q?=A5melding?=") == "Påmelding"


def test_unknown_charset_and_broken_base64_do_not_fail():
    assert decode_header_value("=?x-unknown?q?bl=C3=A5?=") == "blå"
    assert decode_header_value("=?utf-8?b?###?=") == "=?utf-8?b?###?="


def test_raw_8bit_header_bytes_latin1_and_utf8():
    latin1 = "Påmelding".encode("latin-1").decode("ascii", "surrogateescape")
    utf8 = "Påmelding".encode("utf-8").decode("ascii", "surrogateescape")
    assert decode_header_value(latin1) == "Påmelding"
    assert decode_header_value(utf8) == "Påmelding"


def test_message_ids_are_normalised_with_angle_brackets():
    assert normalise_msgid("  <abc@example.no>  ") == "<abc@example.no>"
    assert normalise_msgid("abc@example.no") == "<abc@example.no>"
    assert normalise_msgid("   ") is None
    assert message_ids("<a@x> <b@y>\r\n <a@x>") == ("<a@x>", "<b@y>")


def test_dates_are_timezone_aware():
    date = parse_date("Mon, 4 May 2026 10:02:00 +0200")
    assert date is not None and date.utcoffset() == timedelta(hours=2)
    assert parse_date("Mon, 4 May 2026 10:02:00 -0000").utcoffset() == timedelta(0)
    assert parse_date("not a date") is None
