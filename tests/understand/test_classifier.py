"""The combiner: loop guard → rules + model → Understanding (mailbot.understand.classifier).

Uses the shipped rules and the default model (data/model, trained on first use from rules/training).
"""

from __future__ import annotations

import pytest
from builders import HOST, make_mail

from mailbot.config import default_model_path, default_rules_path
from mailbot.domain import Attachment, FocusArea, Kind
from mailbot.rulebook import Verdict
from mailbot.understand.classifier import Classifier, combine

BOT = (HOST,)


@pytest.fixture(scope="module")
def classifier():
    return Classifier.load(default_rules_path(), default_model_path(), 0.6, BOT)


def test_registration_is_answered_with_reasons_from_rules_and_model(classifier):
    result = classifier.classify(make_mail(
        subject="Påmelding klimaverksted", new_text="Hei!\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.",
        signature="Med vennlig hilsen\nKari Nordby\nSolberg Transport AS"))
    assert result.kind == Kind.REGISTRATION and result.should_reply
    assert result.confidence >= 0.6
    assert any(r.startswith("intent registration_phrase") for r in result.reasons)
    assert any(r.startswith("model: registration") for r in result.reasons)
    assert result.seats == 1 and not result.has_input


def test_auto_reply_never_reaches_the_intent_classifier(classifier):
    result = classifier.classify(make_mail(
        subject="Automatisk svar: Påmelding", new_text="Jeg melder meg på når jeg er tilbake.",
        headers={"Auto-Submitted": "auto-replied"}))
    assert result.kind == Kind.AUTO_REPLY and not result.should_reply
    assert not any(r.startswith(("intent", "model")) for r in result.reasons)


def test_list_mail_that_is_not_clearly_for_us_is_other(classifier):
    result = classifier.classify(make_mail(
        subject="Nyhetsbrev mai", new_text="Les om årets beste klimatiltak og vårt nye kurs i klimaregnskap.",
        headers={"List-Unsubscribe": "<mailto:unsubscribe@news.example>", "Precedence": "bulk"}))
    assert result.kind == Kind.OTHER and not result.should_reply


def test_question_gets_no_reply(classifier):
    result = classifier.classify(make_mail(subject="Parkering", new_text="Hei! Er det mulig å parkere ved rådhuset?"))
    assert result.kind == Kind.QUESTION and not result.should_reply


def test_input_gets_focus_areas_primary_first_and_key_terms(classifier):
    text = ("Hei,\n\nVi kan ikke komme, men sender våre innspill til klimastrategien. Kommunen bør bygge flere "
            "sykkelveier og sikker sykkelparkering ved knutepunktene, og stille krav om utslippsfrie "
            "varebiler i varelevering i sentrum. Vi har byttet ut halve bilparken med elbiler.")
    result = classifier.classify(make_mail(subject="Innspill til klimastrategien", new_text=text))
    assert result.kind == Kind.INPUT and result.has_input and result.should_reply
    assert result.focus_areas[0] == FocusArea.MOBILITET
    assert {"sykkelparkering", "elbil"} <= set(result.key_terms)


def test_input_in_an_attachment_counts(classifier):
    document = Attachment("innspill.pdf", "application/pdf", 20_000, text=(
        "Innspill fra Eikeren Betong AS. Vi mener kommunen bør stille krav om ombruk av byggematerialer, "
        "sortering av byggavfall og gjenvinning av betong i alle kommunale byggeprosjekter. " * 3))
    result = classifier.classify(make_mail(subject="Innspill", new_text="Hei, se vedlagt.", attachments=[document]))
    assert result.kind == Kind.INPUT and result.focus_areas
    assert any(r.startswith("intent document_attachment") for r in result.reasons)


def test_reply_to_our_confirmation_adding_a_seat_is_a_registration(classifier):
    result = classifier.classify(make_mail(
        subject="SV: Bekreftelse på påmelding", new_text="Hei igjen! Vi blir en til fra oss, Per Hansen kommer også.",
        quoted="> Du er påmeldt klimaverkstedet mandag 1. juni kl. 14–16.\n> Vi gleder oss til å se deg!"))
    assert result.kind == Kind.REGISTRATION and result.should_reply


def test_areas_only_in_the_quoted_invitation_do_not_count(classifier):
    result = classifier.classify(make_mail(
        subject="Re: Invitasjon: klimaverksted om mobilitet, bygg og arealbruk og bærekraftig ressursbruk",
        new_text="Jeg melder meg på!",
        quoted="> Tema: mobilitet, bygg og arealbruk og bærekraftig ressursbruk.\n> Meld deg på innen 20. mai."))
    assert result.kind == Kind.REGISTRATION and result.focus_areas == ()


def test_registration_naming_an_area(classifier):
    result = classifier.classify(make_mail(
        new_text="Jeg melder meg på verkstedet, og vil gjerne være med i gruppen om mobilitet og transport."))
    assert result.kind == Kind.REGISTRATION and result.focus_areas == (FocusArea.MOBILITET,)
    assert not result.has_input  # naming an interest is not input


def test_low_confidence_goes_to_review_unanswered(classifier):
    strict = Classifier(classifier.model, classifier.intents, classifier.lexicon, classifier.loopguard,
                        min_confidence=0.999, bot_addresses=BOT)
    result = strict.classify(make_mail(subject="", new_text="Vi kommer kanskje, men vet ikke helt ennå."))
    assert result.kind == Kind.QUESTION and not result.should_reply
    assert any("for review" in r for r in result.reasons)


def test_loop_guard_no_reply_wins_over_a_confident_registration(classifier):
    result = classifier.classify(make_mail(new_text="Jeg melder meg på klimaverkstedet.", from_addr=HOST))
    assert not result.should_reply


def test_classify_many_equals_classify_one_by_one(classifier):
    mails = [make_mail(new_text="Jeg melder meg på."), make_mail(new_text="Jeg må melde avbud."),
             make_mail(new_text="Auto", headers={"Auto-Submitted": "auto-replied"}),
             make_mail(subject="", new_text="")]
    assert classifier.classify_many(mails) == [classifier.classify(m) for m in mails]
    assert classifier.classify_many([]) == []


def test_combine_adds_rule_weights_to_model_log_odds():
    model = {"registration": 0.4, "question": 0.4, "other": 0.2}
    plain = combine(model, [])
    assert plain[Kind.REGISTRATION] == pytest.approx(0.4)
    boosted = combine(model, [Verdict("r", "registration", "x", 2.0)])
    assert boosted[Kind.REGISTRATION] > 0.8 and sum(boosted.values()) == pytest.approx(1.0)
    # A kind only a rule names still competes.
    assert combine(model, [Verdict("r", "auto_reply", "x", 3.0)])[Kind.AUTO_REPLY] > 0
