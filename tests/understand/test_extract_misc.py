"""Language detection, the organisation reasons, the rule file checks and the speed of extraction."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from builders import make_mail

from mailbot.config import default_rules_path
from mailbot.domain import Kind, Language
from mailbot.errors import RulesError
from mailbot.understand.extract import Extractor, detect_language, extract_details

LANGUAGE_CASES = [
    ("Hei! Jeg kommer gjerne på klimaverkstedet, og vi blir to fra firmaet.", Language.NB),
    ("Vi har noen innspill til strategien: det er ikke nok ladepunkter.", Language.NB),
    ("Eg kjem gjerne, men kva tid startar det?", Language.NN),
    ("Me vil gjerne vere med. Kan dykk sende meir informasjon? Det er berre to av oss frå verksemda.", Language.NN),
    ("Hei, eg kan dessverre ikkje kome likevel.", Language.NN),
    ("I would like to register two colleagues for the workshop.", Language.EN),
    ("Thank you for the invitation. We are looking forward to it!", Language.EN),
    ("Me and my colleague will attend.", Language.EN),
    ("", Language.NB),
    ("Takk!", Language.NB),
]


@pytest.mark.parametrize(("text", "expected"), LANGUAGE_CASES)
def test_detect_language(text, expected):
    assert detect_language(text) is expected


def test_domain_is_a_reason_never_the_organisation():
    details = extract_details(make_mail(new_text="Jeg kommer."), Kind.REGISTRATION)
    assert details.organization is None
    assert any("solberg-transport.example" in r for r in details.reasons)


def test_free_mail_domain_is_not_even_a_reason():
    details = extract_details(make_mail(new_text="Jeg kommer.", from_addr="kari@gmail.com"), Kind.REGISTRATION)
    assert not any("gmail.com" in r for r in details.reasons)


def test_host_name_is_allowed_for_the_hosts_own_staff():
    mail = make_mail(new_text="Jeg kommer.", from_addr="ola@drammen.kommune.no", signature="Mvh\nOla\nDrammen kommune")
    assert extract_details(mail, Kind.REGISTRATION).organization == "Drammen kommune"


def test_ignored_host_name_is_explained():
    mail = make_mail(new_text="Jeg kommer.", signature="Hilsen\nKari Nordby\nDrammen kommune")
    details = extract_details(mail, Kind.REGISTRATION)
    assert details.organization is None
    assert any("Drammen kommune" in r and "host" in r for r in details.reasons)


def test_attendee_title_and_email_from_a_list():
    text = "Vi melder på:\n- Kari Nordby, HMS- og kvalitetsleder, kari@firma.example\n- Ola Hansen – daglig leder"
    details = extract_details(make_mail(new_text=text), Kind.REGISTRATION)
    first, second = details.attendees
    assert (first.title, first.email) == ("HMS- og kvalitetsleder", "kari@firma.example")
    assert (second.title, second.email) == ("daglig leder", None)


def test_disagreeing_rules_are_reported():
    text = "Vi blir 2 personer:\n- Ola Hansen, daglig leder\n- Per Olsen, innkjøpssjef\n- Kari Nordby, HMS-leder"
    details = extract_details(make_mail(new_text=text), Kind.REGISTRATION)
    assert details.seats == 2
    assert any(r.startswith("also: listed_names") for r in details.reasons)


def test_sender_without_name_is_the_address():
    details = extract_details(make_mail(new_text="Jeg kommer!", from_name=""), Kind.REGISTRATION)
    assert details.attendees[0].name == "kari.nordby@solberg-transport.example"


def _rules_copy(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copy(default_rules_path() / "extract.toml", tmp_path / "extract.toml")
    path = tmp_path / "extract.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def test_unknown_seat_rule_is_refused(tmp_path):
    with pytest.raises(RulesError, match="unknown rule 'one_mroe'"):
        Extractor.load(_rules_copy(tmp_path, 'order = ["one_more",', 'order = ["one_mroe",'))


def test_duplicate_organisation_rule_is_refused(tmp_path):
    old = 'order = ["org_in_signature", "org_in_body", "org_in_subject"]'
    with pytest.raises(RulesError, match="listed twice"):
        Extractor.load(_rules_copy(tmp_path, old, old.replace('"org_in_body"', '"org_in_signature"')))


def test_bad_pattern_is_refused(tmp_path):
    with pytest.raises(RulesError, match="bad regular expression"):
        Extractor.load(_rules_copy(tmp_path, "'\\bingen av oss\\b',", "'(ingen av oss',"))


def test_bad_number_word_is_refused(tmp_path):
    with pytest.raises(RulesError, match="numbers.tre"):
        Extractor.load(_rules_copy(tmp_path, "tre = 3", 'tre = "3"'))


def test_a_rule_file_of_ones_own_is_used(tmp_path):
    rules = _rules_copy(tmp_path, 'exclude = ["Drammen kommune",', 'exclude = ["Solberg Transport AS",')
    mail = make_mail(new_text="Vi blir 2 fra Solberg Transport AS.")
    assert extract_details(mail, Kind.REGISTRATION, rules_dir=rules).organization is None
    assert extract_details(mail, Kind.REGISTRATION).organization == "Solberg Transport AS"


def test_fast_enough():
    from test_extract import CASES

    mails = [(make_mail(subject=c.subject, new_text=c.text, signature=c.signature), c.kind) for c in CASES]
    extract_details(*mails[0])  # load the rules outside the timing
    start = time.perf_counter()
    for _ in range(10):
        for mail, kind in mails:
            extract_details(mail, kind)
    per_message = (time.perf_counter() - start) / (10 * len(mails))
    assert per_message < 0.001, f"{per_message * 1000:.3f} ms per message"
