"""Seat scenarios on a real migrated database: capacity, waiting list, cancellations, substitutions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from desk_support import mail, understood
from sqlalchemy import select

from mailbot.domain import FocusArea, Kind
from mailbot.errors import ConfigError
from mailbot.store.models import Input, Registration, SeatEvent

REG, CANCEL = Kind.REGISTRATION, Kind.CANCELLATION


def org_mail(person: str, domain: str, **kw):
    first, last = person.split()
    return mail(f"{first.lower()}.{last.lower()}@{domain}", person, **kw)


def test_fills_to_capacity_then_waitlists_in_arrival_order(harness):
    d1 = harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=1))
    d2 = harness.send(org_mail("Kari Holm", "b.no"), understood(REG, "Kari Holm", "Per Lie", seats=2))
    d3 = harness.send(org_mail("Anne Berg", "c.no"), understood(REG, seats=1))
    d4 = harness.send(org_mail("Jon Dahl", "d.no"), understood(REG, seats=1))
    assert [r.purpose for d in (d1, d2, d3, d4) for r in d.replies] == [
        "confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert harness.attendees() == [
        ("Ola Nordmann", "confirmed", None), ("Kari Holm", "confirmed", None), ("Per Lie", "confirmed", None),
        ("Anne Berg", "waitlisted", 1), ("Jon Dahl", "waitlisted", 2)]
    assert d4.folder == harness.settings.folders.registrations and d4.status == "decided"
    assert "nr. 2 i køen" in d4.replies[0].text


def test_partly_confirmed_says_how_many_of_each(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=1))
    d = harness.send(org_mail("Kari Holm", "b.no"), understood(REG, "Kari Holm", "Per Lie", "Liv Ask", seats=3))
    reply = d.replies[0]
    assert reply.purpose == "partly_confirmed"
    assert "Kort oppsummert: 2 bekreftet, 1 på venteliste." in reply.text
    assert [s for _, s, _ in harness.attendees()] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    assert "seats: 2 confirmed, 1 waitlisted" in d.reasons


def test_unnamed_seats_count_and_show(harness):
    d = harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=3))
    assert harness.attendees() == [("Ola Nordmann", "confirmed", None), (None, "confirmed", None),
                                   (None, "confirmed", None)]
    assert "Ola Nordmann og to personer til (tre plasser)" in d.replies[0].text


def test_sender_fills_the_seat_without_a_name(harness):
    harness.send(mail("laura@freight.example", "Laura Smith", text="Tom Evans will join me, two people."),
                 understood(REG, "Tom Evans", seats=2))
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, "Kari Holm", seats=1))  # just Kari
    assert [n for n, _, _ in harness.attendees()] == ["Tom Evans", "Laura Smith", "Kari Holm"]


def test_cancellation_promotes_first_in_line_and_mails_them(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, "Ola Nordmann", "Eva Lund", "Tor Vik", seats=3))
    first = org_mail("Anne Berg", "c.no", subject="Påmelding")
    harness.send(first, understood(REG, seats=1))
    harness.send(org_mail("Jon Dahl", "d.no"), understood(REG, seats=1))
    d = harness.send(org_mail("Ola Nordmann", "a.no", text="Eva kan ikke komme."),
                     understood(CANCEL, withdrawn=("Eva",)))
    assert harness.status_of("Eva Lund") == "cancelled"
    assert harness.status_of("Anne Berg") == "confirmed" and harness.status_of("Jon Dahl") == "waitlisted"
    purposes = {r.purpose: r for r in d.replies}
    assert set(purposes) == {"cancelled", "promoted"}
    promoted = purposes["promoted"]
    assert promoted.to == "anne.berg@c.no"
    assert promoted.in_reply_to == first.message_id and promoted.subject == "Re: Påmelding"
    assert "og du har nå fått plass fra ventelisten" in promoted.text
    assert [a.filename for a in promoted.attachments] == ["invitasjon.ics"]
    assert d.status == "decided" and d.folder == harness.settings.folders.cancellations
    with harness.db.session() as s:
        actions = [e.action for e in s.scalars(select(SeatEvent).order_by(SeatEvent.id))]
    assert actions[-2:] == ["cancelled", "promoted"]


def test_whole_cancellation_frees_all_and_sends_calendar_cancel(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, "Ola Nordmann", "Eva Lund", seats=2))
    harness.send(org_mail("Anne Berg", "c.no"), understood(REG, seats=1))
    harness.send(org_mail("Jon Dahl", "d.no"), understood(REG, seats=1))
    harness.send(org_mail("Liv Ask", "e.no"), understood(REG, seats=1))
    d = harness.send(org_mail("Ola Nordmann", "a.no", text="Vi må dessverre melde oss av."), understood(CANCEL))
    assert [harness.status_of(n) for n in ("Ola Nordmann", "Eva Lund", "Jon Dahl", "Liv Ask")] == [
        "cancelled", "cancelled", "confirmed", "confirmed"]
    cancelled = next(r for r in d.replies if r.purpose == "cancelled")
    assert cancelled.attachments[0].content_type.startswith("text/calendar; method=CANCEL")
    assert sorted(r.to for r in d.replies if r.purpose == "promoted") == ["jon.dahl@d.no", "liv.ask@e.no"]


def test_partial_cancellation_by_number_cancels_waiting_places_first(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, "Ola Nordmann", "Eva Lund", "Tor Vik", "Siv Hå",
                                                               seats=4))
    d = harness.send(org_mail("Ola Nordmann", "a.no", text="Vi blir én færre."), understood(CANCEL, seats=1))
    assert harness.status_of("Siv Hå") == "cancelled"  # the one waiting, not a confirmed seat
    assert harness.count("confirmed") == 3
    assert d.replies[0].purpose == "cancelled" and not d.replies[0].attachments


def test_withdrawn_and_newcomer_in_one_message_is_a_swap(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, "Ola Nordmann", "Eva Lund", "Tor Vik", seats=3))
    harness.send(org_mail("Anne Berg", "c.no"), understood(REG, seats=1))
    d = harness.send(org_mail("Ola Nordmann", "a.no", text="Ola kan ikke, Kari kommer."),
                     understood(CANCEL, "Kari Moe", withdrawn=("Ola Nordmann",)))
    # Kari takes Ola's seat instead of queueing behind Anne.
    assert harness.status_of("Kari Moe") == "confirmed" and harness.status_of("Anne Berg") == "waitlisted"
    assert "Kari Moe tar over plassen til Ola Nordmann" in d.replies[0].text
    assert [r.purpose for r in d.replies] == ["cancelled"]


def test_substitution_keeps_seat_and_records_event(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, "Ola Nordmann", "Eva Lund", seats=2))
    d = harness.send(org_mail("Ola Nordmann", "a.no", text="Kari kommer i stedet for Eva."),
                     understood(REG, "Kari Moe", substitutes=(("Eva", "Kari Moe"),)))
    assert [(n, s) for n, s, _ in harness.attendees()] == [("Ola Nordmann", "confirmed"), ("Kari Moe", "confirmed")]
    assert d.replies[0].purpose == "confirmed"
    assert "Kari Moe tar over plassen til Eva Lund" in d.replies[0].text
    with harness.db.session() as s:
        event = s.scalars(select(SeatEvent).where(SeatEvent.action == "substituted")).one()
        assert event.detail.startswith("Eva Lund → Kari Moe")


def test_substitution_from_colleague_matches_by_domain(harness):
    harness.send(org_mail("Ola Nordmann", "asplan.no"), understood(REG, "Ola Nordmann", "Eva Lund", seats=2))
    d = harness.send(org_mail("Kari Moe", "asplan.no", text="Jeg kommer i stedet for Eva."),
                     understood(REG, "Kari Moe", substitutes=(("Eva Lund", "Kari Moe"),)))
    assert harness.status_of("Kari Moe") == "confirmed" and harness.count("confirmed") == 2
    assert d.status == "decided"


def test_same_person_twice_is_one_seat(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=1))
    d = harness.send(org_mail("Ola Nordmann", "a.no", text="Jeg melder meg på."), understood(REG, seats=1))
    assert harness.count("confirmed") == 1
    assert d.replies[0].purpose == "already_registered"
    assert "Vi ser at du allerede er påmeldt" in d.replies[0].text
    # the same name from a colleague in the same organisation is the same person too
    d = harness.send(org_mail("Kari Moe", "a.no"), understood(REG, "Ola Nordmann", seats=1))
    assert harness.count("confirmed") == 1 and d.replies[0].purpose == "already_registered"


def test_adding_people_updates_the_registration(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=1))
    d = harness.send(org_mail("Ola Nordmann", "a.no", text="Kan jeg også melde på Per?"),
                     understood(REG, "Per Lie", seats=1))
    assert [n for n, _, _ in harness.attendees()] == ["Ola Nordmann", "Per Lie"]
    assert d.replies[0].purpose == "confirmed"
    assert "Ola Nordmann og Per Lie (to plasser)" in d.replies[0].text
    d = harness.send(org_mail("Ola Nordmann", "a.no", text="Vi blir en til."), understood(REG, seats=1))
    assert harness.count("confirmed") == 3 and d.replies[0].purpose == "confirmed"
    with harness.db.session() as s:
        assert len(s.scalars(select(Registration)).all()) == 1


def test_cancellation_matching_nothing_goes_to_review_unanswered(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=1))
    d = harness.send(org_mail("Ukjent Person", "z.no", text="Jeg melder meg av."), understood(CANCEL))
    assert d.status == "review" and d.folder == harness.settings.folders.review and d.replies == ()
    assert any("matches no registration" in r for r in d.reasons)
    assert harness.count("confirmed") == 1


def test_unmatched_name_changes_nothing(harness):
    harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, "Ola Nordmann", "Eva Lund", seats=2))
    d = harness.send(org_mail("Ola Nordmann", "a.no"), understood(CANCEL, withdrawn=("Eva Lund", "Petter Smart")))
    assert d.status == "review" and harness.count("confirmed") == 2


def test_deadline_passed_no_seat_but_input_kept(make_harness):
    deadline = datetime(2027, 5, 20, 23, 59)
    harness = make_harness(registration_deadline=deadline)
    harness.clock.now = datetime(2027, 5, 25, 9, 0, tzinfo=timezone.utc)
    d = harness.send(org_mail("Ola Nordmann", "a.no"),
                     understood(REG, seats=1, has_input=True, focus_areas=(FocusArea.MOBILITET,)))
    assert harness.attendees() == []
    assert d.replies[0].purpose == "registration_closed"
    assert "Påmeldingsfristen til Klimaverksted for næringslivet gikk ut torsdag 20. mai 2027" in d.replies[0].text
    assert any(r.startswith("registration_closed:") for r in d.reasons)
    with harness.db.session() as s:
        assert s.scalars(select(Input.primary_area)).all() == ["mobilitet"]


def test_after_event_start_registration_is_closed(harness):
    harness.clock.now = harness.settings.event.starts_at + timedelta(minutes=5)
    d = harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=1))
    assert harness.attendees() == [] and d.replies[0].purpose == "registration_closed"
    assert "allerede funnet sted" in d.replies[0].text


def test_capacity_raise_promotes_lower_never_unconfirms(harness):
    for person, domain in (("Ola Nordmann", "a.no"), ("Kari Holm", "b.no"), ("Anne Berg", "c.no"),
                           ("Jon Dahl", "d.no"), ("Liv Ask", "e.no")):
        harness.send(org_mail(person, domain), understood(REG, seats=1))
    with harness.db.session() as s:
        replies = harness.desk.set_capacity(s, 4)
        assert harness.desk.capacity(s) == 4
    assert [r.to for r in replies] == ["jon.dahl@d.no"] and replies[0].purpose == "promoted"
    assert harness.status_of("Liv Ask") == "waitlisted"
    with harness.db.session() as s:
        assert harness.desk.set_capacity(s, 2) == ()
    assert harness.count("confirmed") == 4  # nobody loses a seat
    d = harness.send(org_mail("Per Lie", "f.no"), understood(REG, seats=1))
    assert d.replies[0].purpose == "waitlisted"
    with harness.db.session() as s, pytest.raises(ConfigError):
        harness.desk.set_capacity(s, 0)


def test_reconcile_promotes_after_config_raise(make_harness):
    small = make_harness(capacity=1)
    small.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=1))
    small.send(org_mail("Kari Holm", "b.no"), understood(REG, seats=1))
    bigger = make_harness(capacity=2)  # same database, config raised while "down"
    with bigger.db.session() as s:
        replies = bigger.desk.reconcile(s)
    assert [r.to for r in replies] == ["kari.holm@b.no"]
    with bigger.db.session() as s:
        assert bigger.desk.reconcile(s) == ()  # nothing more to do


def test_max_per_organization(make_harness):
    harness = make_harness(capacity=10, max_per_organization=2)
    d = harness.send(org_mail("Ola Nordmann", "a.no"),
                     understood(REG, "Ola Nordmann", "Eva Lund", "Tor Vik", seats=3, organization="A AS"))
    assert harness.count("confirmed") == 2
    assert "Hver virksomhet kan melde på inntil to personer, så Tor Vik er dessverre ikke påmeldt." in d.replies[0].text
    d = harness.send(org_mail("Kari Moe", "a.no"), understood(REG, seats=1))
    assert d.status == "review" and harness.count("confirmed") == 2


def test_input_is_stored_with_its_areas(harness):
    text = "Vi foreslår flere ladepunkter for varebiler."
    d = harness.send(org_mail("Ola Nordmann", "a.no", text=text, subject="Innspill"),
                     understood(Kind.INPUT, organization="A AS", key_terms=("ladepunkt",),
                                focus_areas=(FocusArea.MOBILITET, FocusArea.BYGG_OG_AREALBRUK)))
    assert d.folder == harness.settings.folders.inputs and d.replies[0].purpose == "input_received"
    with harness.db.session() as s:
        row = s.scalars(select(Input)).one()
        assert (row.text, row.primary_area, row.focus_areas, row.organization, row.key_terms) == (
            text, "mobilitet", ["mobilitet", "bygg_og_arealbruk"], "A AS", ["ladepunkt"])
    assert harness.attendees() == []


def test_low_confidence_changes_nothing(harness):
    d = harness.send(org_mail("Ola Nordmann", "a.no"), understood(REG, seats=2, confidence=0.3))
    assert d.status == "review" and d.replies == () and harness.attendees() == []
