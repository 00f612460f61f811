"""The per-message shortcuts of round 2 must not change a result:

- MailWords.covering gives a superset of the true word runs of every prefix a stage reads (the gates need
  no more), including the word a prefix cuts in two, and refuses texts that are not such a prefix;
- the stages given MailWords decide exactly as without it;
- organization.could_be_listed never rules out a person names.find_people can find;
- PatternRule's remembered candidate patterns give the verdict of trying every pattern in order, and the
  memo stays bounded.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config import default_rules_path
from mailbot.domain import Kind
from mailbot.rulebook import Verdict
from mailbot.understand import intent_facts
from mailbot.understand.extract import extract_details
from mailbot.understand.extract_table import ExtractTable
from mailbot.understand.gated import fold, word_runs
from mailbot.understand.intent import IntentFacts, IntentRules
from mailbot.understand.loopguard import LoopGuard
from mailbot.understand.mailwords import MailWords
from mailbot.understand.names import find_people
from mailbot.understand.organization import could_be_listed
from tests.understand.builders import HOST, make_mail

PIECES = ["Ola", "Hansen", "kommer", "gjerne", "AS", "Solberg", "Transport", " ", " ", "\n", ",", ".", "-",
          "vi", "blir", "to", "Æsa", "ſ", "İ", "Σ", "van", "de", "Anne-Lise", "O'Neil", "meg", "og", "på"]
texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULES = default_rules_path()
TABLE = ExtractTable.load(RULES)

MAILS = [
    make_mail("Påmelding", "Hei!\n\nVi blir tre personer fra Solberg Transport AS.\n\nMvh\nKari Nordby\nSolberg AS"),
    make_mail("Sv: Fravær", "Jeg er på ferie til 10. juni og har begrenset tilgang til e-post."),
    make_mail("Innspill", "  \n  Vedlagt følger vårt innspill om mobilitet og sykkelparkering.  "),
    make_mail("Avbud", "Ola Hansen og Kari Berg kan dessverre ikke komme likevel.\n\nHilsen Lier kommune"),
    make_mail("Undeliverable: Påmelding", "", text="This is the mail system at host mx.example.\n\nI'm sorry"),
    make_mail("Spørsmål", "Er det mulig å komme litt senere? " * 400),  # longer than every stage's window
]


@SETTINGS
@given(texts, st.integers(min_value=0, max_value=60))
def test_covering_is_a_superset_of_every_prefix_s_words(text, cut):
    words = MailWords(make_mail(new_text=text))
    prefix = words.whole[:cut]
    found = words.covering(prefix)
    if found is None:
        assert fold(words.whole) is None  # only a text that cannot be folded is refused
        return
    folded = fold(prefix)
    assert folded is not None and word_runs(folded) <= found


def test_covering_adds_the_word_a_prefix_cuts_in_two():
    words = MailWords(make_mail(new_text="Vi kommer gjerne"))
    assert "komm" in words.covering("Vi komm")
    assert "komm" not in words.covering("Vi kommer")


def test_covering_refuses_a_text_that_is_not_a_prefix():
    words = MailWords(make_mail(new_text="Vi kommer gjerne"))
    assert words.covering("kommer gjerne") is None
    assert words.covering("Vi kommer gjerne og mer") is None


def test_stages_decide_the_same_with_shared_words():
    guard, intents = LoopGuard.load(RULES), IntentRules.load(RULES)
    for mail in MAILS:
        shared = MailWords(mail)
        assert guard.check(mail, (HOST,), shared) == guard.check(mail, (HOST,))
        with_words = IntentFacts.from_mail(mail, "", (HOST,), shared)
        assert intents.run(with_words) == intents.run(IntentFacts.from_mail(mail, "", (HOST,)))
        for kind in (Kind.REGISTRATION, Kind.CANCELLATION, Kind.INPUT):
            assert extract_details(mail, kind, RULES, MailWords(mail)) == extract_details(mail, kind, RULES)


LISTINGS = [
    "Deltakere:\n- Ola Hansen, ola@firma.example\n- Anne-Lise van der Berg, daglig leder\n",
    "Navn: Kari Nordby\nStilling: rådgiver\n",
    "Ola Hansen og Kari Berg kommer fra Solberg Transport AS.",
    "| Navn | E-post |\n| Per Ås | per@firma.example |\n| Åse Øvrebø | ase@firma.example |",
    "Vi melder på Étienne Dupont og O'Neil Smith.",
]


def test_could_be_listed_keeps_every_person_find_people_finds():
    found = 0
    for listing in LISTINGS:
        for person in find_people(listing, TABLE).people:
            found += 1
            assert could_be_listed(listing, person.name.casefold())
    assert found >= 6  # the listings above do name people


def test_could_be_listed_rules_out_names_absent_from_the_listing():
    assert not could_be_listed("Hilsen Kari Nordby", "solberg transport as")
    assert not could_be_listed("solberg transport", "solberg transport")  # names are capitalised
    assert could_be_listed("Hilsen Solberg Transport", "solberg transport")


def _every_pattern(rule: intent_facts.PatternRule, facts: IntentFacts) -> Verdict | None:
    """PatternRule's contract without any gate: the first pattern (in order) that matches decides."""
    text = getattr(facts, rule.field)
    for pattern in rule.patterns:
        if text and (match := pattern.search(text)):
            if any(stop.search(text) for stop in rule.unless):
                return None
            return Verdict(rule.name, rule.kind.value, f"{rule.field} matched {match.group(0)!r}", rule.weight)
    return None


def test_pattern_rules_give_what_trying_every_pattern_gives():
    rules = [fn for _name, fn in IntentRules.load(RULES).rules if isinstance(fn, intent_facts.PatternRule)]
    for mail in MAILS:
        facts = IntentFacts.from_mail(mail, "vi komme gjerne", (HOST,))
        for rule in rules:
            assert rule(facts) == _every_pattern(rule, facts), rule.name


def test_pattern_rule_memo_stays_bounded(monkeypatch):
    monkeypatch.setattr(intent_facts, "MEMO_MAX", 4)
    rule = next(fn for name, fn in IntentRules.load(RULES).rules if name == "registration_phrase")
    for i in range(20):
        rule._candidates(frozenset({f"word{i}"}))
        assert len(rule._open) <= 4
