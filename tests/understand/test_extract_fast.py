"""The shortcuts in the extract rules must give what the plain patterns give: `self_or_names` is
SELF_OR_NAME.finditer, `_enumeration` in place is `_enumeration` of the text from there, and the per-cue
organisation patterns find what the single alternation found."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config import default_rules_path
from mailbot.understand.extract_table import ExtractTable
from mailbot.understand.gated import fold_shared
from mailbot.understand.names import SELF_OR_NAME, _enumeration, self_or_names

PIECES = ["Ola", "Hansen", "Kari", "Berg", "meg", "Meg", "jeg", "I", "eg", "me", "og", "and", "&", ",", "-",
          "Solberg", "Transport", "AS", "fra", "på", "vegne", "av", "vi", "i", "kommer", "Æsa", "ſ", "İ", "\n",
          ":", "Deltakere", "de", "van", "O'Neil", "Anne-Lise"]
texts = st.lists(st.sampled_from(PIECES + [" "] * 10), max_size=40).map("".join)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLE = ExtractTable.load(default_rules_path())


@SETTINGS
@given(texts)
def test_self_or_names_is_the_patterns_finditer(text):
    assert [m.span() for m in self_or_names(text)] == [m.span() for m in SELF_OR_NAME.finditer(text)]


@SETTINGS
@given(texts)
def test_enumeration_in_place_reads_as_from_a_slice(text):
    for match in self_or_names(text):
        start = match.start()
        assert _enumeration(text, TABLE, start, match) == _enumeration(text[start:], TABLE)


ORG_PIECES = ["på vegne av ", "fra ", "vi i ", "jobber hos ", "Fra ", "FRA ", "i ", "Solberg ", "Transport ", "AS",
              "AS ", "Kommune", " kommune", "og ", "& ", ".", ", ", "Drammen ", "ASA", "ltd", "Ltd", "\n", "ſ"]
org_texts = st.lists(st.sampled_from(ORG_PIECES), max_size=25).map("".join)


@SETTINGS
@given(org_texts)
def test_organisation_cues_match_their_joined_alternation(text):
    org = TABLE.org
    for gated in (org.strong_cue, org.weak_cue):
        # The pattern as it was built before: one alternation of the cues, then the name.
        cues, names = zip(*(src.plain.pattern.removeprefix(r"\b(?:").split(")[ ]+", 1) for src in gated._sources))
        assert len(set(names)) == 1
        joined = re.compile(rf"\b(?:{'|'.join(cues)})[ ]+{names[0]}", re.IGNORECASE)
        found = [(m.span(), m.group("org")) for m in gated.finditer(text, fold_shared(text))]
        assert found == [(m.span(), m.group("org")) for m in joined.finditer(text)]
    assert [m.span() for m in org.suffix_in_text.finditer(text, fold_shared(text))] == [
        m.span() for m in org.suffix.finditer(text)]
