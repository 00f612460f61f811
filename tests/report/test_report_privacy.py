"""forget() and purge_expired(): personal data goes, counts stay."""

from __future__ import annotations

from datetime import datetime, timezone

from report_data import add_attendee, add_input, add_message, add_outbox, make_settings, populate
from sqlalchemy import select

from mailbot.report.privacy import FORGOTTEN, forget, purge_expired
from mailbot.report.status import status
from mailbot.store.models import Attendee, Input, Message, OutboxItem, Registration, SeatEvent


def _counts(session, settings) -> dict:
    data = status(session, settings).to_json()
    return {k: data[k] for k in ("confirmed", "waitlisted", "cancelled", "inputs", "kinds", "statuses")}


def _person(s, email="Ola.Nordmann@Bedrift.example"):
    attendee = add_attendee(s, "Ola Nordmann", "Bedrift AS", email)
    add_input(s, "Bedrift AS", "Vi vil ha flere ladepunkter.", "mobilitet", sender=email)
    add_outbox(s, f"Ola Nordmann <{email}>", status="sent")
    add_outbox(s, email, status="pending", subject="Re: Påmelding – Ola Nordmann")
    return attendee


def test_forget_removes_a_persons_data_and_keeps_counts(db, settings):
    with db.session() as s:
        populate(s, confirmed=5, waitlisted=2, inputs=3)
        attendee_id = _person(s).id
        add_outbox(s, "radgiver@drammen.kommune.example", purpose="digest", status="sent")
        colleague = add_attendee(s, "Kollega", "Bedrift AS", "kollega@bedrift.example").id
        s.add(SeatEvent(attendee_id=colleague, action="registered",
                        detail="Kollega, Ola.Nordmann@Bedrift.example"))  # no organisation: the contact
        before = _counts(s, settings)
    with db.session() as s:
        report = forget(s, "  ola.nordmann@BEDRIFT.example ")
    with db.session() as s:
        attendee = s.get(Attendee, attendee_id)
        assert (attendee.name, attendee.email, attendee.status) == (None, None, "confirmed")
        registration = s.get(Registration, attendee.registration_id)
        assert (registration.contact_email, registration.contact_name) == ("", None)
        message = s.get(Message, registration.message_id)
        assert (message.sender, message.sender_name, message.subject, message.raw, message.new_text) == (
            None, None, None, None, None)
        assert message.kind == "registration" and message.key  # kept: counts and dedup
        item = s.scalars(select(Input).where(Input.organization == "Bedrift AS")).one()
        assert item.sender is None and item.text == "Vi vil ha flere ladepunkter."
        replies = s.scalars(select(OutboxItem).where(OutboxItem.purpose == "confirmed")
                            .order_by(OutboxItem.id)).all()[-2:]
        assert [(r.recipient, r.raw, r.subject) for r in replies] == [(FORGOTTEN, b"", "")] * 2
        assert [r.status for r in replies] == ["sent", "cancelled"]  # the unsent one is withdrawn
        digest = s.scalars(select(OutboxItem).where(OutboxItem.purpose == "digest")).one()
        assert digest.raw == b"" and digest.recipient == "radgiver@drammen.kommune.example"
        assert s.scalars(select(SeatEvent.detail).where(SeatEvent.attendee_id == attendee_id)).one() is None
        details = select(SeatEvent.detail).where(SeatEvent.attendee_id == colleague).order_by(SeatEvent.id)
        assert s.scalars(details).all() == ["Kollega, Bedrift AS", None]
        assert s.get(Attendee, colleague).name == "Kollega"
        after = _counts(s, settings)
    assert after == before
    assert report.to_json() == {"attendees": 1, "registrations": 1, "messages": 2, "inputs": 1, "outbox": 3,
                                "seat_events": 2, "total": 10}
    with db.session() as s:
        assert forget(s, "ola.nordmann@bedrift.example").total == 0  # nothing left to remove


def test_forget_touches_no_one_else(db, settings):
    with db.session() as s:
        _person(s, "o_a@x.example")
        other = add_attendee(s, "Ola Annen", "Annen AS", "ola@x.example").id
        add_outbox(s, "ola@x.example")
        add_message(s, "ikke-o_a@x.example", kind="question", status="review")
    with db.session() as s:
        report = forget(s, "o_a@x.example")
    with db.session() as s:
        assert s.get(Attendee, other).name == "Ola Annen"
        assert s.scalars(select(OutboxItem.recipient).where(OutboxItem.recipient == "ola@x.example")).one()
        assert s.scalars(select(Message.sender).where(Message.sender == "ikke-o_a@x.example")).one()
    assert report.attendees == 1 and report.messages == 2


def test_forget_refuses_a_non_address(db):
    with db.session() as s:
        try:
            forget(s, "Ola Nordmann")
        except ValueError as exc:
            assert "not an e-mail address" in str(exc)
        else:
            raise AssertionError("forget accepted a name")


def test_purge_waits_for_the_retention_period(db, tmp_path):
    settings = make_settings(tmp_path, retention_days=30)
    with db.session() as s:
        _person(s)
    with db.session() as s:
        report = purge_expired(s, settings, datetime(2027, 6, 30, 12, tzinfo=timezone.utc))  # day 29
        assert report.total == 0
        assert s.scalars(select(Attendee.name)).one() == "Ola Nordmann"
    with db.session() as s:  # no retention configured: never purged
        assert purge_expired(s, make_settings(tmp_path), datetime(2030, 1, 1, tzinfo=timezone.utc)).total == 0


def test_purge_after_retention_keeps_only_anonymous_counts(db, tmp_path):
    settings = make_settings(tmp_path, retention_days=30)
    with db.session() as s:
        populate(s, confirmed=8, waitlisted=3, inputs=6)
        _person(s)
        add_message(s, "q@x.example", kind="question", status="review", error="Traceback: boom")
        before = _counts(s, settings)
    with db.session() as s:
        report = purge_expired(s, settings, datetime(2027, 7, 1, 8, tzinfo=timezone.utc))  # day 30
    with db.session() as s:
        assert s.scalars(select(Attendee).where(Attendee.name.is_not(None) | Attendee.email.is_not(None))).all() == []
        assert s.scalars(select(Registration).where(Registration.contact_email != "")).all() == []
        assert s.scalars(select(Message).where(Message.sender.is_not(None) | Message.raw.is_not(None)
                                               | Message.subject.is_not(None) | Message.error.is_not(None))).all() == []
        assert s.scalars(select(Input).where(Input.sender.is_not(None) | (Input.text != ""))).all() == []
        assert set(s.scalars(select(OutboxItem.recipient))) == {FORGOTTEN}
        assert s.scalars(select(SeatEvent).where(SeatEvent.detail.is_not(None))).all() == []
        assert _counts(s, settings) == before
        assert sorted(s.scalars(select(Input.primary_area).distinct())) == [
            "baerekraftig_ressursbruk", "bygg_og_arealbruk", "mobilitet"]
    assert (report.attendees, report.messages, report.inputs, report.outbox) == (12, 20, 7, 2)
    with db.session() as s:
        assert purge_expired(s, settings, datetime(2027, 7, 2, tzinfo=timezone.utc)).total == 0
