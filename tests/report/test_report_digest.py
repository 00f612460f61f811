"""The daily digest: figures checked against the database, escaping, once a day, timing."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
import threading
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

from report_data import T0, add_attendee, add_input, add_message, add_outbox, populate
from sqlalchemy import func, select, text

from mailbot.act.outbox import enqueue
from mailbot.domain import FocusArea
from mailbot.report.digest import build_digest, digest_message_id, digest_now, due_digest
from mailbot.store.models import Digest, OutboxItem, SeatEvent, Setting

MORNING = datetime(2027, 5, 4, 5, 30, tzinfo=timezone.utc)  # 07:30 in Oslo (CEST), after digest_time 07:00
EARLY = datetime(2027, 5, 4, 4, 30, tzinfo=timezone.utc)  # 06:30 in Oslo


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        self.tags.append(tag)


def _scalar(session, sql: str) -> int:
    return session.execute(text(sql)).scalar_one()


def test_figures_match_the_database(db, settings):
    with db.session() as s:
        pop = populate(s, confirmed=60, waitlisted=10, inputs=45)
        add_message(s, "kari@y.example", kind="question", status="review", subject="Parkering?")
        add_message(s, "per@z.example", kind="other", status="shunted", error="ValueError: bad")
        add_message(s, "lav@z.example", kind="input", status="decided", confidence=0.2)
        add_outbox(s, "feil@adresse.example", status="failed", error="550 user unknown")
    with db.session() as s:
        content = build_digest(s, settings, MORNING, None)
        assert content.confirmed == _scalar(s, "SELECT count(*) FROM attendees WHERE status='confirmed'") == 60
        assert content.waitlisted == _scalar(s, "SELECT count(*) FROM attendees WHERE status='waitlisted'") == 10
        assert content.capacity == 60
        by_area = dict(s.execute(text("SELECT primary_area, count(*) FROM inputs GROUP BY primary_area")).all())
        assert {a.value: n for a, n in content.inputs_by_area.items()} == by_area
        assert tuple(content.inputs_by_area[FocusArea(a)] for a in
                     ("mobilitet", "bygg_og_arealbruk", "baerekraftig_ressursbruk")) == pop.inputs_per_area
        counts = content.needs_human
        assert (counts.review, counts.shunted, counts.questions, counts.low_confidence,
                counts.failed_outbox, counts.items) == (1, 1, 1, 1, 1, 4)
        assert content.new_inputs == 45
    assert "Påmeldte: 60 av 60 plasser" in content.text
    assert "[████████████████████] 60 av 60" in content.text
    assert "Fullt." in content.text
    assert "Påmeldte: 60 av 60 plasser" in content.html
    # The waiting list, in queue order, in both parts.
    positions = [content.text.index(f"Venter {q:02d}, Venteselskap {q:02d}") for q in range(1, 11)]
    assert positions == sorted(positions)
    html_positions = [content.html.index(f"Venter {q:02d}") for q in range(1, 11)]
    assert html_positions == sorted(html_positions)
    labels = ("Mobilitet", "Bygg og arealbruk", "Bærekraftig ressursbruk")
    assert pop.inputs_per_area == (24, 14, 7)
    for label, n in zip(labels, pop.inputs_per_area, strict=True):
        assert re.search(rf"{label}\s+{n}\b", content.text), label
        assert f"{label} ({n})" in content.text  # the new-inputs group heading
    assert re.search(r"Totalt\s+45\b", content.text)
    assert "Parkering?" in content.text and "Spørsmål som bør besvares" in content.text
    assert "550 user unknown" in content.text and "Svaret vårt kom ikke fram" in content.html
    assert "Usikker tolkning (20\u00a0%)" in content.text


def test_changes_and_lists_cover_only_what_came_after_since(db, settings):
    since = T0 + timedelta(days=1)
    with db.session() as s:
        add_attendee(s, "Gammel Påmelding", "Før AS", "f@for.example", at=T0)
        add_input(s, "Før AS", "Gammelt innspill om sykkel.", "mobilitet", at=T0)
        add_attendee(s, "Ny Påmelding", "Etter AS", "n@etter.example", at=since + timedelta(hours=2))
        add_attendee(s, "Avmeldt Person", "Etter AS", "a@etter.example", status="cancelled",
                     at=since + timedelta(hours=3))
        add_attendee(s, "Flyttet Opp", "Opp AS", "o@opp.example", event="promoted", at=since + timedelta(hours=4))
        add_input(s, "Etter AS", "Nytt innspill om ombruk av materialer.", "baerekraftig_ressursbruk",
                  at=since + timedelta(hours=5))
    with db.session() as s:
        content = build_digest(s, settings, MORNING + timedelta(days=1), since)
    assert content.changes == 3 and content.new_inputs == 1
    assert "Gammel Påmelding" not in content.text and "Gammelt innspill" not in content.text
    assert "Ny Påmelding (Etter AS): påmeldt" in content.text
    assert "1 ny påmelding, 1 avmelding, 1 fikk plass fra ventelisten\n" in content.text
    assert "Flyttet Opp (Opp AS): fikk plass fra ventelisten" in content.text
    assert "Nytt innspill om ombruk av materialer." in content.text
    assert "Siden forrige oversikt 4. mai kl. 10.00" in content.text
    assert content.inputs_by_area[FocusArea.MOBILITET] == 1  # totals still count everything


def test_change_lines_show_the_detail_only_where_it_adds_something(db, settings):
    with db.session() as s:
        kari = add_attendee(s, "Kari", "Bytte AS", "k@bytte.example", at=T0)
        s.add(SeatEvent(attendee_id=kari.id, action="substituted", detail="Ola → Kari, Bytte AS",
                        created_at=T0 + timedelta(hours=1)))
        s.add(SeatEvent(attendee_id=None, action="capacity_changed", detail="60 → 70",
                        created_at=T0 + timedelta(hours=2)))
    with db.session() as s:
        text = build_digest(s, settings, MORNING, None).text
    assert "Kari (Bytte AS): påmeldt, " in text  # not "påmeldt – Kari, Bytte AS"
    assert "Kari (Bytte AS): byttet ut – Ola → Kari, Bytte AS" in text
    assert "60 → 70: capacity_changed" in text
    assert "1 ny påmelding, 1 bytte av deltaker, 1 capacity_changed" in text


def test_user_strings_are_escaped_in_html(db, settings):
    script = "<script>alert(1)</script>"
    with db.session() as s:
        add_attendee(s, "Eva", script, "eva@x.example", status="waitlisted", queue_position=1)
        add_input(s, script, f"Vi mener {script} at kommunen bør gjøre mer.", "mobilitet",
                  key_terms=[script])
        add_message(s, "x@y.example", kind="question", status="review", subject=script, name=script,
                    reasons=[script])
    with db.session() as s:
        content = build_digest(s, settings, MORNING, None)
    parser = _Tags()
    parser.feed(content.html)
    assert "script" not in parser.tags
    assert "<script" not in content.html.lower()
    assert content.html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5
    assert script in content.text  # plain text is not HTML: it keeps the characters


def test_html_is_outlook_safe(db, settings):
    with db.session() as s:
        populate(s, confirmed=30, waitlisted=0, inputs=3)
    with db.session() as s:
        html = build_digest(s, settings, MORNING, None).html
    parser = _Tags()
    parser.feed(html)
    assert not {"script", "img", "link", "style", "iframe", "object", "form"} & set(parser.tags)
    assert "http://" not in html and "https://" not in html
    assert 'width="50%"' in html  # 30 of 60: the bar is a two-cell table
    assert "Påmeldte: 30 av 60 plasser" in html


def test_digest_is_due_once_a_day(db, settings):
    with db.session() as s:
        populate(s, confirmed=5, waitlisted=0, inputs=1)
    with db.session() as s:
        reply = due_digest(s, settings, MORNING)
    with db.session() as s:
        again = due_digest(s, settings, MORNING + timedelta(hours=3))
        rows = s.scalars(select(Digest)).all()
    assert reply is not None and again is None
    assert len(rows) == 1 and rows[0].day.isoformat() == "2027-05-04"
    assert reply.message_id == "<mailbot.digest.2027-05-04@drammen.kommune.example>"
    assert rows[0].outbox_message_id == reply.message_id
    assert reply.to == "radgiver@drammen.kommune.example" and reply.purpose == "digest"
    assert reply.subject.startswith("Daglig oversikt – Klimaverksted for næringslivet")
    assert [a.filename for a in reply.attachments] == ["deltakere.csv", "innspill.csv"]
    people = list(csv.reader(io.StringIO(reply.attachments[0].data.decode("utf-8-sig")), delimiter=";"))
    assert len(people) == 6 and people[0][0] == "Navn"


def test_next_day_digest_lists_changes_since_the_previous_one(db, settings):
    with db.session() as s:
        due_digest(s, settings, MORNING)
    with db.session() as s:
        add_attendee(s, "Etter Første", "Ny AS", "e@ny.example", at=MORNING + timedelta(hours=1))
    with db.session() as s:
        reply = due_digest(s, settings, MORNING + timedelta(days=1))
    assert reply is not None and "2027-05-05" in reply.message_id
    assert "Siden forrige oversikt 4. mai kl. 07.30" in reply.text
    assert "Etter Første (Ny AS): påmeldt" in reply.text


def test_not_due_before_digest_time(db, settings):
    with db.session() as s:
        assert due_digest(s, settings, EARLY) is None
        assert s.scalar(select(func.count()).select_from(Digest)) == 0
    with db.session() as s:
        assert due_digest(s, settings, EARLY + timedelta(hours=1)) is not None


def test_two_racing_transactions_claim_the_day_once(db, settings):
    """The first transaction holds its claim uncommitted while the second tries: exactly one digest."""
    results: dict[str, object] = {}
    claimed = threading.Event()
    release = threading.Event()

    def first() -> None:
        with db.session() as s:
            results["first"] = due_digest(s, settings, MORNING)
            claimed.set()
            release.wait(10)

    def second() -> None:
        claimed.wait(10)
        with db.session() as s:
            results["second"] = due_digest(s, settings, MORNING)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    claimed.wait(10)
    threads[1].join(0.5)  # the second is now blocked on the first's lock (or finished, wrongly)
    release.set()
    for t in threads:
        t.join(30)
    assert results["first"] is not None and results["second"] is None
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Digest)) == 1


def test_digest_now_print_records_nothing_and_send_claims_today(db, settings):
    with db.session() as s:
        printed = digest_now(s, settings, MORNING, record=False)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Digest)) == 0
        sent = digest_now(s, settings, MORNING, record=True)
    with db.session() as s:
        assert due_digest(s, settings, MORNING + timedelta(hours=1)) is None  # already went today
        manual = digest_now(s, settings, MORNING + timedelta(hours=2), record=True)
        assert s.scalar(select(func.count()).select_from(Digest)) == 1
    assert printed.text and sent.message_id == digest_message_id(settings, MORNING.date())
    assert manual.message_id != sent.message_id and manual.message_id.startswith("<mailbot.digest.2027-05-04.")


def test_capacity_override_and_overbooking(db, settings):
    with db.session() as s:
        populate(s, confirmed=50, waitlisted=0, inputs=0)
        s.add(Setting(name="capacity", value="40"))
    with db.session() as s:
        content = build_digest(s, settings, MORNING, None)
    assert content.capacity == 40
    assert "Påmeldte: 50 av 40 plasser" in content.text
    assert "10 flere bekreftet enn plassene tilsier" in content.text
    assert "Kapasiteten er endret fra konfigurasjonen." in content.text


def test_empty_database_digest_reads_well(db, settings):
    with db.session() as s:
        content = build_digest(s, settings, MORNING, None)
    assert "Påmeldte: 0 av 60 plasser" in content.text
    assert "[░░░░░░░░░░░░░░░░░░░░] 0 av 60" in content.text
    for phrase in ("Ingen endringer i påmeldingene.", "Ingen står på ventelisten.", "Ingen nye innspill.",
                   "Ingenting trenger oppfølging."):
        assert phrase in content.text and phrase in content.html


def test_due_digest_goes_through_the_real_outbox(db, settings):
    """The reply due_digest returns is accepted by act.outbox.enqueue and arrives as text + HTML + 2 CSVs."""
    with db.session() as s:
        populate(s, confirmed=3, waitlisted=1, inputs=2)
    with db.session() as s:
        reply = due_digest(s, settings, MORNING)
        assert enqueue(s, reply, settings.reply_sender, None) is not None
    with db.session() as s:
        row = s.scalars(select(OutboxItem)).one()
    assert (row.purpose, row.recipient, row.status) == ("digest", settings.advisor_email, "pending")
    msg = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert msg["Message-ID"] == "<mailbot.digest.2027-05-04@drammen.kommune.example>"
    assert msg.get_body(("plain",)).get_content().startswith("Daglig oversikt – Klimaverksted")
    assert "Påmeldte: 3 av 60 plasser" in msg.get_body(("html",)).get_content()
    files = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
    assert set(files) == {"deltakere.csv", "innspill.csv"}
    people = files["deltakere.csv"]
    people = people.decode("utf-8-sig") if isinstance(people, bytes) else people.removeprefix("\ufeff")
    assert [r[0] for r in csv.reader(io.StringIO(people), delimiter=";")][1:] == [
        "Deltaker 000", "Deltaker 001", "Deltaker 002", "Venter 01"]


AFTER_EVENT = datetime(2027, 6, 3, 5, 30, tzinfo=timezone.utc)  # two days after the event (2027-06-01)


def test_after_the_event_a_digest_goes_only_when_mail_came_in(db, settings):
    with db.session() as s:
        populate(s, confirmed=5, waitlisted=0, inputs=1)
    with db.session() as s:
        assert due_digest(s, settings, AFTER_EVENT) is not None  # the first after the event: figures changed
    with db.session() as s:
        assert due_digest(s, settings, AFTER_EVENT + timedelta(days=1)) is None  # a quiet day: no digest
        assert s.scalar(select(func.count()).select_from(Digest)) == 1  # and the day is not claimed
    with db.session() as s:
        add_message(s, "sen@innspill.example", kind="input", at=AFTER_EVENT + timedelta(days=1, hours=2))
    with db.session() as s:
        late = due_digest(s, settings, AFTER_EVENT + timedelta(days=2))
    assert late is not None and "2027-06-05" in late.message_id


def test_before_the_event_a_quiet_day_still_gets_its_digest(db, settings):
    with db.session() as s:
        assert due_digest(s, settings, MORNING) is not None
    with db.session() as s:
        assert due_digest(s, settings, MORNING + timedelta(days=1)) is not None
