"""`mailbot status`: JSON keys and numbers."""

from __future__ import annotations

import json

from report_data import add_message, add_outbox, populate

from mailbot.report.status import status
from mailbot.store.models import Digest, Setting


def test_status_json_has_the_documented_keys_and_counts(db, settings):
    with db.session() as s:
        populate(s, confirmed=12, waitlisted=3, inputs=7)
        add_message(s, "q@x.example", kind="question", status="review")
        add_message(s, "e@x.example", kind="other", status="shunted")
        add_outbox(s, "a@x.example", status="pending")
        add_outbox(s, "b@x.example", status="pending")
        add_outbox(s, "c@x.example", status="failed")
    with db.session() as s:
        report = status(s, settings)
    data = json.loads(json.dumps(report.to_json()))
    assert {"capacity", "confirmed", "waitlisted", "inputs", "review", "outbox_pending"} <= set(data)
    assert (data["capacity"], data["confirmed"], data["waitlisted"], data["review"]) == (60, 12, 3, 2)
    assert data["inputs"] == {"mobilitet": 4, "bygg_og_arealbruk": 2, "baerekraftig_ressursbruk": 1}
    assert (data["outbox_pending"], data["outbox_failed"], data["outbox_sent"]) == (2, 1, 0)
    assert data["kinds"] == {"registration": 15, "input": 7, "question": 1, "other": 1}
    assert data["messages"] == 24 and data["last_digest"] is None
    assert "12 of 60 confirmed" in report.render()


def test_empty_database_lists_every_area_with_zero(db, settings):
    with db.session() as s:
        data = status(s, settings).to_json()
    assert data["inputs"] == {"mobilitet": 0, "bygg_og_arealbruk": 0, "baerekraftig_ressursbruk": 0}
    assert (data["confirmed"], data["waitlisted"], data["review"], data["outbox_pending"]) == (0, 0, 0, 0)


def test_capacity_setting_overrides_config(db, settings):
    with db.session() as s:
        s.add(Setting(name="capacity", value="75"))
        s.add(Digest(day=settings.event.date))
    with db.session() as s:
        report = status(s, settings)
    assert report.capacity == 75 and report.capacity_overridden
    assert report.to_json()["last_digest"] == "2027-06-01"
    assert "(set at run time)" in report.render()


def test_garbled_capacity_setting_falls_back_to_config(db, settings):
    with db.session() as s:
        s.add(Setting(name="capacity", value="seventy"))
    with db.session() as s:
        assert status(s, settings).capacity == 60
