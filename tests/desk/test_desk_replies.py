"""Rendered replies: facts in each language, HTML escaping, subject, threading, Message-ID, .ics."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from desk_support import BOT, RULES_DIR, START, mail, understood
from icalendar import Calendar

from mailbot.desk.replies import PURPOSES, Replies, ReplyFacts, Thread, reply_message_id, reply_subject
from mailbot.desk.results import Holding, SeatChange
from mailbot.domain import FocusArea, Kind, Language, ReplyPlan

THREAD = Thread("<orig@firma.no>", "<orig@firma.no>", ("<first@firma.no>",), "Påmelding")
RICH = ReplyFacts(
    greeting_name="Ola Nordmann",
    change=SeatChange(confirmed=("Ola Nordmann", "Kari Holm"), waitlisted=("Per Lie",), cancelled=("Eva Lund",),
                      already=("Siv Hå",), substituted=(("Tor Vik", "Liv Ask"),), all_cancelled=False),
    holding=Holding(confirmed=("Ola Nordmann", "Kari Holm"), waiting=(("Per Lie", 3),)),
    has_input=True, input_areas=(FocusArea.MOBILITET, FocusArea.BAEREKRAFTIG_RESSURSBRUK), closed="deadline",
    deadline=datetime(2027, 5, 25, 23, 59, tzinfo=ZoneInfo("Europe/Oslo")), promoted=("Per Lie",))

FACTS = {
    Language.NB: ("tirsdag 1. juni 2027", "kl. 14.00–16.00", "Med vennlig hilsen", "på denne e-posten"),
    Language.NN: ("tysdag 1. juni 2027", "kl. 14.00–16.00", "Med venleg helsing", "på denne e-posten"),
    Language.EN: ("Tuesday 1 June 2027", "14:00–16:00", "Kind regards", "to this e-mail"),
}


@pytest.fixture
def replies(settings) -> Replies:
    return Replies(settings, RULES_DIR / "templates")


def render(replies, purpose, language=Language.NB, facts=RICH, method=None, to="ola@firma.no", sequence=0):
    plan = ReplyPlan(purpose, to, language, facts.pairs(), method)
    return replies.render(plan, THREAD, START, sequence)


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_reply_states_the_facts(replies, purpose, language):
    reply = render(replies, purpose, language)
    date, time, regards, how = FACTS[language]
    for part in (reply.text, reply.html):
        for fact in ("Klimaverksted for næringslivet", date, time, "Drammen rådhus, Engene 1, Drammen", regards,
                     "Marte Solbakken", "Drammen kommune", how):
            assert fact in part, (purpose, language, fact)
    if purpose not in ("registration_closed",):
        assert "Ola Nordmann" in reply.text and "Kari Holm" in reply.text  # names and seats held
    assert "{{" not in reply.text and "{%" not in reply.text and "\n\n\n" not in reply.text
    assert reply.text.startswith(("Hei, Ola Nordmann!\n\n", "Dear Ola Nordmann,\n\n"))


@pytest.mark.parametrize(("language", "words"), [
    (Language.NB, ("Takk for påmeldingen til Klimaverksted for næringslivet!", "«mobilitet» og «bærekraftig ressursbruk»", "to plasser",
                   "Per Lie (nr. 3 i køen)")),
    (Language.NN, ("Takk for påmeldinga til Klimaverksted for næringslivet!", "«mobilitet» og «berekraftig ressursbruk»", "to plassar",
                   "Vi gler oss til å sjå dykk!")),
    (Language.EN, ("Thank you for registering for Klimaverksted for næringslivet!", "“mobility” and “sustainable resource use”", "two places",
                   "Per Lie (no. 3 in line)")),
])
def test_confirmation_in_each_language(replies, language, words):
    reply = render(replies, "confirmed", language)
    for word in words:
        assert word in reply.text


@pytest.mark.parametrize(("language", "expected"), [
    (Language.NB, "under temaet «bygg og arealbruk»"),
    (Language.NN, "under temaet «bygg og arealbruk»"),
    (Language.EN, "under the focus area “buildings and land use”"),
])
def test_input_received_names_the_area_and_how_it_is_used(replies, language, expected):
    facts = ReplyFacts(greeting_name="Ola", has_input=True, input_areas=(FocusArea.BYGG_OG_AREALBRUK,))
    reply = render(replies, "input_received", language, facts)
    assert expected in reply.text
    used = {Language.NB: ("klimastrategien", "diskusjonene på Klimaverksted"),
            Language.NN: ("klimastrategien", "diskusjonane på Klimaverksted"),
            Language.EN: ("climate strategy", "discussions at Klimaverksted")}[language]
    assert all(u in reply.text for u in used)
    assert not reply.attachments  # no seat, no invitation


def test_html_escapes_names_text_keeps_them(replies):
    evil = '<script>alert("x")</script>'
    facts = ReplyFacts(greeting_name=evil, change=SeatChange(confirmed=(evil,)), holding=Holding(confirmed=(evil,)))
    reply = render(replies, "confirmed", facts=facts)
    assert "<script>" not in reply.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in reply.html
    assert evil in reply.text
    assert reply.html.startswith("<!DOCTYPE html>") and 'style="' in reply.html


def test_partly_confirmed_summary(replies):
    facts = ReplyFacts(change=SeatChange(confirmed=("A", "B"), waitlisted=("C",)))
    assert "Kort oppsummert: 2 bekreftet, 1 på venteliste." in render(replies, "partly_confirmed", facts=facts).text


@pytest.mark.parametrize(("original", "expected"), [
    ("Påmelding", "Re: Påmelding"),
    ("Re: Påmelding", "Re: Påmelding"),
    ("RE: re:  Sv: AW: Påmelding", "Re: Påmelding"),
    ("SV: Re[2]: Påmelding", "Re: Påmelding"),
    ("Påmelding\r\nBcc: victim@example.com", "Re: Påmelding Bcc: victim@example.com"),
    ("", "Re: Klimaverksted for næringslivet"),
    ("Referat fra møtet", "Re: Referat fra møtet"),
])
def test_subject(original, expected):
    assert reply_subject(original, "Klimaverksted for næringslivet") == expected


def test_long_subject_is_cut_at_a_word():
    subject = reply_subject("Påmelding " + "klimaverksted " * 30, "x")
    assert len(subject) <= 4 + 121 and subject.endswith("klimaverksted…")
    assert "\n" not in subject and "\r" not in subject


def test_message_id_is_deterministic_and_threading(replies):
    reply = render(replies, "confirmed")
    expected = reply_message_id("<orig@firma.no>", "confirmed", "ola@firma.no", BOT)
    assert reply.message_id == expected == render(replies, "confirmed").message_id
    assert re.fullmatch(r"<mailbot\.[0-9a-f]{24}@drammen\.kommune\.example>", reply.message_id)
    assert render(replies, "waitlisted").message_id != expected
    assert reply.in_reply_to == "<orig@firma.no>"
    assert reply.references == ("<first@firma.no>", "<orig@firma.no>")
    assert reply.subject == "Re: Påmelding" and reply.to == "ola@firma.no"


def _calendar(reply):
    (attachment,) = reply.attachments
    assert attachment.filename == "invitasjon.ics"
    return attachment, Calendar.from_ical(attachment.data)


def test_invitation_parses_with_the_event(replies, settings):
    reply = render(replies, "confirmed", method="REQUEST", sequence=2)
    attachment, calendar = _calendar(reply)
    assert attachment.content_type == "text/calendar; method=REQUEST; charset=utf-8"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Oslo"]
    (event,) = calendar.events
    assert event.start == datetime(2027, 6, 1, 14, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    assert event.end == datetime(2027, 6, 1, 16, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert str(event["SUMMARY"]) == "Klimaverksted for næringslivet"
    assert str(event["LOCATION"]) == "Drammen rådhus, Engene 1, Drammen"
    assert str(event["ORGANIZER"]) == f"mailto:{BOT}"
    assert str(event["ATTENDEE"]) == "mailto:ola@firma.no"
    assert event["ATTENDEE"].params["CN"] == "Ola Nordmann"
    assert event.sequence == 2
    other = render(replies, "confirmed", method="REQUEST", to="kari@annet.no")
    assert _calendar(other)[1].events[0]["UID"] == event["UID"]  # one UID per event


def test_cancel_invitation_same_uid(replies):
    request = _calendar(render(replies, "confirmed", method="REQUEST", sequence=0))[1]
    cancel = _calendar(render(replies, "cancelled", method="CANCEL", sequence=1))[1]
    assert str(cancel["METHOD"]) == "CANCEL"
    assert cancel.events[0]["UID"] == request.events[0]["UID"]
    assert str(cancel.events[0]["STATUS"]) == "CANCELLED"


def test_sequence_grows_with_each_invitation_to_a_recipient(harness):
    sender = "ola.nordmann@asplanviak.no"
    sequences = []
    for names in (("Ola Nordmann",), ("Per Lie",), ("Liv Ask",)):
        d = harness.send(mail(sender), understood(Kind.REGISTRATION, *names, seats=1))
        sequences.append(_calendar(d.replies[0])[1].events[0].sequence)
    d = harness.send(mail(sender), understood(Kind.CANCELLATION))
    cancel = _calendar(d.replies[0])[1]
    assert str(cancel["METHOD"]) == "CANCEL"
    assert sequences == sorted(set(sequences)) and cancel.events[0].sequence > sequences[-1]


def test_reply_goes_to_reply_to_in_the_senders_language(harness):
    d = harness.send(mail("ola@firma.no", reply_to="pamelding@firma.no", subject="Sv: Re: Klimaverksted"),
                     understood(Kind.REGISTRATION, seats=1, language=Language.NN))
    (reply,) = d.replies
    assert reply.to == "pamelding@firma.no" and reply.subject == "Re: Klimaverksted"
    # the sender alone is addressed as "deg", not by their own name
    assert "Vi stadfester plass til deg." in reply.text and "tysdag 1. juni 2027" in reply.text
    assert reply.html.count("<p ") >= 5 and '<html lang="nn">' in reply.html
    assert START.tzinfo is timezone.utc
