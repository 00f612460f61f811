"""Intent rules (mailbot.understand.intent, rules/intents.toml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from builders import make_mail

from mailbot.config import default_rules_path
from mailbot.domain import Attachment
from mailbot.errors import RulesError
from mailbot.understand.intent import IntentFacts, IntentRules

BOT = ("klimaverksted@drammen.kommune.example",)


@pytest.fixture(scope="module")
def rules():
    return IntentRules.load(default_rules_path())


def fired(rules, mail, lemmas: str = "") -> dict[str, str]:
    """rule name -> outcome of every rule that fired."""
    facts = IntentFacts.from_mail(mail, lemmas, BOT)
    return {v.rule: v.outcome for v in rules.run(facts)}


@pytest.mark.parametrize("text, rule, kind", [
    ("Hei! Vi melder oss på klimaverkstedet.", "registration_phrase", "registration"),
    ("Eg vil gjerne delta på verkstaden.", "registration_phrase", "registration"),
    ("Takk for bekreftelsen. Vi blir en til, min kollega Per kommer også.", "registration_more_seats", "registration"),
    ("We would like to attend the workshop.", "registration_english", "registration"),
    ("Jeg må dessverre melde avbud.", "cancellation_phrase", "cancellation"),
    ("Please cancel our registration.", "cancellation_english", "cancellation"),
    ("Jeg kan dessverre ikke komme 1. juni.", "cannot_attend", "cancellation"),
    ("Vedlagt følger våre innspill til klimastrategien.", "input_phrase", "input"),
    ("Vi foreslår at kommunen bygger flere sykkelveier.", "proposal_language", "input"),
    ("Er det mulig å delta digitalt?", "question_mark", "question"),
    ("Er det mulig å delta digitalt?", "question_phrase", "question"),
    ("Is there parking near the venue?", "question_english", "question"),
    ("Vedlagt er faktura 2026-113 med forfallsdato 30. mai.", "commercial_or_scam", "other"),
])
def test_pattern_rules_fire(rules, text, rule, kind):
    assert fired(rules, make_mail(subject="", new_text=text)).get(rule) == kind


def test_unless_stops_a_rule(rules):
    # A newsletter's "meld deg av" is not a cancellation; "jeg kan ikke" blocks "vil gjerne komme".
    newsletter = make_mail(new_text="Ønsker du ikke nyhetsbrevet, meld deg av her.")
    assert "cancellation_phrase" not in fired(rules, newsletter)
    assert "registration_phrase" not in fired(rules, make_mail(new_text="Jeg vil gjerne komme, men kan ikke."))


def test_inherited_subject_is_not_read(rules):
    assert "registration_subject" in fired(rules, make_mail(subject="Påmelding", new_text="Hei"))
    assert "registration_subject" not in fired(rules, make_mail(subject="SV: Påmelding", new_text="Hei"))


def test_quoted_history_is_not_read(rules):
    mail = make_mail(subject="", new_text="Takk.", quoted="> Meld deg på klimaverkstedet innen 20. mai.")
    assert fired(rules, mail) == {}


def test_document_attachment(rules):
    long_doc = Attachment("innspill.pdf", "application/pdf", 9000, text="ord " * 200)
    short_doc = Attachment("logo.pdf", "application/pdf", 900, text="Logo")
    assert fired(rules, make_mail(new_text="Se vedlagt.", attachments=[long_doc]))["document_attachment"] == "input"
    assert "document_attachment" not in fired(rules, make_mail(new_text="Hei", attachments=[short_doc]))


def test_internal_and_bulk_senders(rules):
    colleague = make_mail(new_text="Rommet er booket.", from_addr="per.hansen@drammen.kommune.example")
    assert fired(rules, colleague)["internal_sender"] == "other"
    newsletter = make_mail(new_text="Nytt fra oss", headers={"List-Unsubscribe": "<mailto:u@news.example>"})
    assert fired(rules, newsletter)["bulk_sender"] == "other"
    assert "bulk_sender" not in fired(rules, make_mail(new_text="Hei", headers={"Precedence": "first-class"}))


def test_verdict_reason_shows_the_match(rules):
    facts = IntentFacts.from_mail(make_mail(subject="", new_text="Vi melder oss på."), "", BOT)
    verdict = next(v for v in rules.run(facts) if v.rule == "registration_phrase")
    assert "'melder oss på'" in verdict.reason and verdict.weight > 0


def test_substance_needs_views_not_just_interest(rules):
    interest = IntentFacts.from_mail(make_mail(new_text="Jeg melder meg på, interessert i mobilitet."), "", BOT)
    assert rules.substance.check(interest, area_score=3.0) is None
    views = ("Vi melder oss på. Vi mener kommunen bør bygge flere ladepunkter for tunge kjøretøy ved havna, "
             "og at kollektivtilbudet til industriområdene må bli bedre for skiftarbeidere som starter tidlig. "
             "Vi har gode erfaringer med egen bildeling for ansatte og deler gjerne tallene.")
    facts = IntentFacts.from_mail(make_mail(new_text=views), "", BOT)
    assert rules.substance.check(facts, area_score=9.0) is not None
    assert rules.substance.check(facts, area_score=1.0) is None


def _rules_with(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copy(default_rules_path() / "intents.toml", tmp_path / "intents.toml")
    path = tmp_path / "intents.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("old, new, message", [
    ('"registration_phrase", ', '"registration_frase", ', "unknown rule 'registration_frase'"),
    ('"registration_phrase", ', '"registration_phrase", "registration_phrase", ', "listed twice"),
    ('"registration_phrase", ', "", "not listed in order: registration_phrase"),
    ('kind = "registration"', 'kind = "signup"', "kind must be one of"),
    ("weight = 2.5", "weight = 0", "weight must be a number"),
    ('field = "body"', 'field = "html"', "field must be one of"),
    ("'\\bavmelding\\b', ", "'(unclosed', ", "bad pattern"),
    ("[builtin]\n", "[builtin]\nspam_filter = { kind = \"other\", weight = 1 }\n", "no such built-in rule"),
    ("[pattern.commercial_or_scam]", "[pattern.question_mark]", "belongs to a built-in rule"),
])
def test_bad_rules_refuse_to_load(tmp_path, old, new, message):
    with pytest.raises(RulesError, match=message):
        IntentRules.load(_rules_with(tmp_path, old, new))


def test_shipped_rules_run_in_file_order(rules):
    names = [name for name, _rule in rules.rules]
    assert names[0] == "registration_phrase" and len(names) == len(set(names)) == 21
