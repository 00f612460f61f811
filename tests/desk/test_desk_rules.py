"""The desk rules, one by one and combined, without a database; and their effect through the Desk."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from desk_support import BOT, RULES_DIR, START, make_settings, mail, understood

from mailbot.desk import rules as r
from mailbot.desk.rules import DeskFacts, combine, load_rules
from mailbot.domain import Kind
from mailbot.errors import RulesError
from mailbot.rulebook import run_rules
from mailbot.store.models import OutboxItem


def facts(u=None, m=None, settings=None, tmp_path=None, **kw) -> DeskFacts:
    return DeskFacts(m or mail(), u or understood(), settings or make_settings(tmp_path), kw.pop("now", START), **kw)


def plan_for(tmp_path, u=None, m=None, settings=None, **kw):
    shipped = load_rules(RULES_DIR)
    return combine(run_rules(shipped, facts(u, m, settings, tmp_path, **kw)))


@pytest.mark.parametrize(("kind", "folder"), [
    (Kind.REGISTRATION, "registrations"), (Kind.CANCELLATION, "cancellations"), (Kind.INPUT, "inputs"),
    (Kind.QUESTION, "review"), (Kind.AUTO_REPLY, "automatic"), (Kind.BOUNCE, "automatic"), (Kind.OTHER, None)])
def test_each_kind_has_its_folder(tmp_path, kind, folder):
    plan = plan_for(tmp_path, understood(kind))
    assert plan.folder_key == folder
    assert plan.review is (kind is Kind.QUESTION)


def test_automatic_mail_is_never_answered_even_if_understand_says_so(tmp_path):
    for kind in (Kind.AUTO_REPLY, Kind.BOUNCE):
        plan = plan_for(tmp_path, understood(kind, should_reply=True))
        assert not plan.may_reply
        assert any(x.startswith("never_answer_automatic:") for x in plan.reasons)


def test_low_confidence_goes_to_review(tmp_path):
    plan = plan_for(tmp_path, understood(Kind.REGISTRATION, confidence=0.59))
    assert plan.review and plan.folder_key == "review" and not plan.may_reply
    assert any("0.59 is below 0.60" in x for x in plan.reasons)
    assert not plan_for(tmp_path, understood(Kind.REGISTRATION, confidence=0.6)).review
    # unsure "other" mail is not ours: it stays in the inbox rather than in the review folder
    other = plan_for(tmp_path, understood(Kind.OTHER, confidence=0.2))
    assert other.folder_key is None and not other.review


def test_implausible_seat_count_goes_to_review(tmp_path):
    assert plan_for(tmp_path, understood(Kind.REGISTRATION, seats=120)).review
    assert not plan_for(tmp_path, understood(Kind.REGISTRATION, seats=10)).review
    assert not plan_for(tmp_path, understood(Kind.CANCELLATION, seats=120)).review


def test_no_reply_unless_understand_wants_one(tmp_path):
    plan = plan_for(tmp_path, understood(Kind.REGISTRATION, should_reply=False))
    assert not plan.may_reply and plan.folder_key == "registrations" and not plan.review
    assert plan_for(tmp_path, understood(Kind.REGISTRATION)).may_reply


@pytest.mark.parametrize("address", [BOT, "noreply@firma.no", "no-reply@firma.no", "MAILER-DAEMON@mx.no",
                                     "postmaster@firma.no", "do-not-reply@x.no"])
def test_unanswerable_addresses(tmp_path, address):
    verdict = r.unanswerable_address(facts(m=mail(address), tmp_path=tmp_path))
    assert verdict is not None and verdict.outcome == r.NO_REPLY


def test_reply_to_address_counts_not_from(tmp_path):
    m = mail("ola@firma.no", reply_to="noreply@firma.no")
    assert r.unanswerable_address(facts(m=m, tmp_path=tmp_path)) is not None
    assert r.unanswerable_address(facts(m=mail("norah.reply@firma.no"), tmp_path=tmp_path)) is None


def test_authentication_required(tmp_path):
    strict = make_settings(tmp_path, replies={"require_authentication": True})
    ok = mail(headers=(("Authentication-Results", "mx.drammen.kommune.no; spf=pass smtp.mailfrom=firma.no"),))
    dmarc = mail(headers=(("Authentication-Results", "mx.kommune.no; spf=fail; dmarc=pass header.from=x.no"),))
    forged = mail(headers=(("Authentication-Results", "mx.kommune.no; spf=fail; dmarc=fail"),
                           ("Authentication-Results", "evil.example; spf=pass")))
    none = mail()
    input_u = understood(Kind.INPUT)
    assert r.sender_not_authenticated(facts(input_u, ok, strict)) is None
    assert r.sender_not_authenticated(facts(input_u, dmarc, strict)) is None
    assert r.sender_not_authenticated(facts(input_u, forged, strict)).outcome == r.NO_REPLY
    assert "no Authentication-Results" in r.sender_not_authenticated(facts(input_u, none, strict)).reason
    # seat changes from an unauthenticated sender wait for a human
    assert r.sender_not_authenticated(facts(understood(Kind.CANCELLATION), forged, strict)).outcome == r.REVIEW
    assert r.sender_not_authenticated(facts(input_u, forged, tmp_path=tmp_path)) is None  # off by default


def test_sender_reply_limit(tmp_path):
    assert r.sender_reply_limit(facts(tmp_path=tmp_path, replies_last_day=4)) is None
    verdict = r.sender_reply_limit(facts(tmp_path=tmp_path, replies_last_day=5))
    assert verdict.outcome == r.NO_REPLY and "limit 5" in verdict.reason


def test_one_reply_per_message(tmp_path):
    assert r.one_reply_per_message(facts(tmp_path=tmp_path)) is None
    assert r.one_reply_per_message(facts(tmp_path=tmp_path, replies_to_message=1)).outcome == r.NO_REPLY


def test_registration_closed_after_deadline_and_at_start(tmp_path):
    settings = make_settings(tmp_path, registration_deadline=datetime(2027, 5, 20, 12, 0))
    before = datetime(2027, 5, 20, 9, 59, tzinfo=timezone.utc)  # 11:59 in Oslo
    after = datetime(2027, 5, 20, 10, 1, tzinfo=timezone.utc)
    assert r.registration_closed(facts(settings=settings, now=before)) is None
    assert r.registration_closed(facts(settings=settings, now=after)).outcome == r.CLOSED
    open_ended = make_settings(tmp_path)
    started = open_ended.event.starts_at
    assert r.registration_closed(facts(settings=open_ended, now=started - timedelta(seconds=1))) is None
    assert "already started" in r.registration_closed(facts(settings=open_ended, now=started)).reason
    # cancellations and pure swaps are not registrations of new seats
    late = started + timedelta(days=1)
    assert r.registration_closed(facts(understood(Kind.CANCELLATION), settings=open_ended, now=late)) is None
    swap = understood(Kind.REGISTRATION, "Kari", substitutes=(("Ola", "Kari"),))
    assert r.registration_closed(facts(swap, settings=open_ended, now=late)) is None


def test_combine_review_wins_and_no_reply_keeps_folder():
    plan = combine([r.Verdict("a", "file:registrations", "x"), r.Verdict("b", r.NO_REPLY, "y")])
    assert (plan.folder_key, plan.review, plan.may_reply) == ("registrations", False, False)
    assert plan.reasons == ("a: x", "b: y")
    plan = combine([r.Verdict("a", "file:inputs", "x"), r.Verdict("c", r.REVIEW, "z")])
    assert (plan.folder_key, plan.review, plan.may_reply) == ("review", True, False)
    assert combine([r.Verdict("a", "file:", "x")]).folder_key is None


def test_shipped_rule_file_enables_every_rule():
    assert sorted(name for name, _ in load_rules(RULES_DIR)) == sorted(r.desk_rules.names)


@pytest.mark.parametrize(("content", "problem"), [
    ('order = ["file_by_kind", "no_such_rule"]', "unknown rule 'no_such_rule'"),
    ('order = ["file_by_kind", "file_by_kind"]', "listed twice"),
    ('rules = ["file_by_kind"]', "unknown key"),
    ("order = 'file_by_kind'", "must be a list"),
    ("order = [", "not valid TOML"),
])
def test_bad_rule_file_refuses_to_load(tmp_path, content, problem):
    (tmp_path / "desk.toml").write_text(content, encoding="utf-8")
    with pytest.raises(RulesError, match=problem):
        load_rules(tmp_path)


# -- through the Desk, with the outbox on a real database ------------------------------------------------


def test_reply_limit_counts_the_outbox_of_the_last_day(make_harness):
    # The outbox stamps rows with the real time, so the desk's clock must be the real time here too.
    harness = make_harness(date=date(2099, 6, 1))
    harness.clock.now = now = datetime.now(timezone.utc)
    address = "ola.nordmann@asplanviak.no"
    with harness.db.session() as s:
        for hours in (1, 2, 3, 4, 30):  # four within 24 hours, one older
            s.add(OutboxItem(message_id=f"<old{hours}@x>", purpose="confirmed", recipient=address.upper(),
                             subject="s", raw=b"", status="sent", created_at=now - timedelta(hours=hours)))
    first = harness.send(mail(address), understood(Kind.REGISTRATION, seats=1))
    assert [x.purpose for x in first.replies] == ["confirmed"]  # the fifth reply in 24 hours is allowed
    second = harness.send(mail(address), understood(Kind.REGISTRATION, "Per Lie", seats=1))
    assert second.replies == () and harness.count("confirmed") == 2  # seat given, reply withheld
    assert any(x.startswith("sender_reply_limit: 5 replies") for x in second.reasons)


def test_other_mail_is_left_alone(harness):
    d = harness.send(mail(), understood(Kind.OTHER))
    assert (d.status, d.folder, d.replies) == ("ignored", None, ())


def test_question_goes_to_review_unanswered(harness):
    d = harness.send(mail(text="Er det parkering ved rådhuset?"), understood(Kind.QUESTION))
    assert (d.status, d.folder, d.replies) == ("review", harness.settings.folders.review, ())


def test_bounce_filed_automatic_never_answered(harness):
    d = harness.send(mail("mailer-daemon@mx.example"), understood(Kind.BOUNCE, should_reply=True))
    assert (d.status, d.folder, d.replies) == ("decided", harness.settings.folders.automatic, ())


def test_unauthenticated_cancellation_changes_no_seat(make_harness, tmp_path):
    harness = make_harness()
    harness.send(mail(), understood(Kind.REGISTRATION, seats=1))
    strict = type(harness)(make_settings(tmp_path, replies={"require_authentication": True}), harness.db)
    d = strict.send(mail(text="Jeg melder meg av."), understood(Kind.CANCELLATION))
    assert d.status == "review" and d.replies == () and harness.count("confirmed") == 1


def test_only_one_reply_to_the_sender_per_message(harness):
    harness.send(mail("a@a.no", "Ola Nordmann"), understood(Kind.REGISTRATION, "Ola Nordmann", "Eva Lund", seats=2))
    harness.send(mail("b@b.no", "Kari Holm"), understood(Kind.REGISTRATION, seats=1))
    harness.send(mail("c@c.no", "Anne Berg"), understood(Kind.REGISTRATION, seats=1))
    d = harness.send(mail("a@a.no", "Ola Nordmann"), understood(Kind.CANCELLATION, has_input=True))
    to_sender = [x for x in d.replies if x.to == "a@a.no"]
    assert len(to_sender) == 1 and to_sender[0].purpose == "cancelled"
    assert sorted(x.to for x in d.replies if x.purpose == "promoted") == ["c@c.no"]
