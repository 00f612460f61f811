"""The combiner: loop guard → rules + model → Understanding (mailbot.understand.classifier).

Uses the shipped rules and the default model (data/model, trained on first use from rules/training).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from builders import HOST, make_mail

from mailbot.config import default_model_path, default_rules_path
from mailbot.domain import Attachment, FocusArea, Kind
from mailbot.errors import RulesError
from mailbot.rulebook import Verdict
from mailbot.understand.classifier import Classifier, combine
from mailbot.understand.evaluate import classify_files, evaluate

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


def test_a_bad_extraction_rule_stops_the_load_not_the_first_message(tmp_path):
    # The extraction rules (rules/extract.toml) are read by Classifier.load like every other rule file, so
    # `mailbot run` refuses to start on a typo instead of failing on every message it reads.
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_path(), rules, ignore=shutil.ignore_patterns("training"))
    path = rules / "extract.toml"
    old = 'order = ["org_in_signature", "org_in_body", "org_in_subject"]'
    assert old in path.read_text(encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace(old, old.replace("org_in_subject", "org_in_nowhere")),
                    encoding="utf-8")
    with pytest.raises(RulesError, match="unknown rule 'org_in_nowhere'"):
        Classifier.load(rules, tmp_path / "model")
    assert not (tmp_path / "model").exists()  # refused before any training


def test_low_confidence_goes_to_review_unanswered(classifier):
    strict = Classifier(classifier.model, classifier.intents, classifier.lexicon, classifier.loopguard,
                        classifier.extractor, min_confidence=0.999, bot_addresses=BOT)
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


REALWORLD = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "realworld"


@pytest.mark.skipif(not (REALWORLD / "MANIFEST.tsv").is_file(), reason="real-world corpus not found")
def test_real_world_mail_is_never_answered(classifier):
    """1,471 real messages from mail projects' test suites (bounces, auto-replies, spam, broken MIME, foreign
    languages): none is about the workshop, so none may get a reply, and none may crash a batch."""
    with (REALWORLD / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        files = [REALWORLD / row["file"] for row in csv.DictReader(handle, delimiter="\t")]
    results = list(classify_files(files, classifier))
    assert len(results) == len(files) > 1400
    assert all(set(r) >= {"file", "kind", "should_reply", "reasons"} for r in results)
    answered = [r["file"] for r in results if r["should_reply"]]
    assert answered == []


JSON_KEYS = ["file", "kind", "has_input", "focus_areas", "seats", "attendees", "organization", "language",
             "should_reply", "confidence", "reasons"]


def _eml(path: Path, subject: str, body: str) -> Path:
    path.write_bytes((f"From: Kari Nordby <kari@holmen-transport.example>\r\nTo: {HOST}\r\nSubject: {subject}\r\n"
                      f"Message-ID: <{path.stem}@holmen-transport.example>\r\nContent-Type: text/plain; "
                      f"charset=utf-8\r\n\r\n{body}\r\n").encode("utf-8"))
    return path


def test_classify_files_gives_the_cli_json_objects(classifier, tmp_path):
    good = _eml(tmp_path / "a.eml", "Påmelding", "Hei! Vi melder oss på, to personer fra Holmen Transport AS.")
    results = list(classify_files([good, tmp_path / "missing.eml"], classifier))
    assert list(results[0]) == JSON_KEYS
    assert results[0]["kind"] == "registration" and results[0]["seats"] == 2 and results[0]["should_reply"]
    assert list(results[1]) == [*JSON_KEYS, "error"]
    assert results[1]["kind"] == "other" and results[1]["should_reply"] is False
    assert "missing.eml" in results[1]["error"]


def test_evaluate_reports_fields_kinds_confusion_and_mistakes(classifier, tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    _eml(mail_dir / "r.eml", "Påmelding", "Jeg melder meg på klimaverkstedet.")
    _eml(mail_dir / "q.eml", "Parkering", "Er det mulig å parkere ved rådhuset?")
    labels = [{"file": "r.eml", "kind": "registration", "focus_areas": [], "seats": 1, "organization": None,
               "has_input": False, "language": "nb", "should_reply": True},
              {"file": "q.eml", "kind": "cancellation", "focus_areas": [], "seats": None, "organization": None,
               "has_input": False, "language": "nb", "should_reply": True}]  # deliberately wrong label
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(label) for label in labels), encoding="utf-8")
    report = evaluate(mail_dir, tmp_path / "labels.jsonl", classifier)
    assert report.count == 2 and report.accuracy["kind"] == 0.5
    assert report.reply_precision == 1.0 and report.reply_recall == 0.5
    assert report.per_kind["registration"] == (1.0, 1.0, 1)
    assert report.confusion[("cancellation", "question")] == 1
    assert report.mistakes[0].file == "q.eml" and report.mistakes[0].field == "kind"
    text = report.render()
    assert "should_reply precision" in text and "worst mistakes" in text and "q.eml" in text


def test_an_unreadable_attachment_is_named_in_the_reasons(classifier):
    broken = Attachment("notat.pdf", "application/pdf", 60_000_000, error="too large (60 MB > 20 MB)")
    result = classifier.classify(make_mail(new_text="Jeg melder meg på klimaverkstedet.", attachments=[broken]))
    assert result.kind == Kind.REGISTRATION
    assert "attachment notat.pdf: too large (60 MB > 20 MB) (its text was not read)" in result.reasons
