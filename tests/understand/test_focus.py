"""Focus-area lexicons (mailbot.understand.focus, rules/focus_areas.toml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mailbot.config import default_rules_path
from mailbot.domain import FocusArea
from mailbot.errors import RulesError
from mailbot.understand.focus import FocusLexicon
from mailbot.understand.lemmas import build_table
from mailbot.understand.nlp import Analyzer, Lemmatizer, blank_pipeline

M, B, R = FocusArea.MOBILITET, FocusArea.BYGG_OG_AREALBRUK, FocusArea.BAEREKRAFTIG_RESSURSBRUK


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer(blank_pipeline(), Lemmatizer(build_table()))


@pytest.fixture(scope="module")
def lexicon():
    return FocusLexicon.load(default_rules_path())


def best(lexicon, analyzer, text):
    scores = lexicon.score(analyzer.analyse(text))
    return max(scores.values(), key=lambda s: s.score)


def test_shipped_lexicon_has_the_three_areas_in_order(lexicon):
    assert lexicon.areas == (M, B, R)


@pytest.mark.parametrize("text, area", [
    ("Vi har byttet ut varebilene med elbiler og trenger flere ladepunkter.", M),
    ("Kommunen bør stille krav om etterisolering og varmepumper når bygningene rehabiliteres.", B),
    ("Vi ønsker mer ombruk av materialer og mindre restavfall og matsvinn.", R),
    ("We suggest more bike parking and charging for electric vehicles.", M),
    ("Circular economy: reuse of materials and less packaging waste.", R),
])
def test_clear_texts_score_their_area_highest(lexicon, analyzer, text, area):
    assert best(lexicon, analyzer, text).area == area


def test_compound_parts_count_when_the_whole_word_is_not_listed(lexicon, analyzer):
    # "sykkelhotell" and "gjenbruksbutikk" are in no list; their parts are.
    scores = lexicon.score(analyzer.analyse("sykkelhotellet"))
    assert scores[M].score > 0 and dict(scores[M].terms) == {"sykkelhotell": 1.5}
    assert lexicon.score(analyzer.analyse("gjenbruksbutikken"))[R].score > 0


def test_repeats_count_with_diminishing_weight(lexicon, analyzer):
    once = lexicon.score(analyzer.analyse("sykkel"))[M].score
    many = lexicon.score(analyzer.analyse("sykkel sykkel sykkel sykkel sykkel"))[M].score
    assert many == pytest.approx(2 * once)


def test_phrases_match_consecutive_lemmas(lexicon, analyzer):
    terms = dict(lexicon.score(analyzer.analyse("mer kollektiv transport"))[M].terms)
    assert "kollektiv transport" in terms


def test_no_area_words_no_score(lexicon, analyzer):
    scores = lexicon.score(analyzer.analyse("Jeg kommer gjerne på møtet."))
    assert all(s.score == 0 and s.strength == 0 for s in scores.values())


def _rules_with(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copy(default_rules_path() / "focus_areas.toml", tmp_path / "focus_areas.toml")
    path = tmp_path / "focus_areas.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("old, new, message", [
    ('order = ["mobilitet",', 'order = ["mobility",', "unknown rule 'mobility'"),
    ('order = ["mobilitet",', 'order = ["mobilitet", "mobilitet",', "listed twice"),
    ('order = ["mobilitet", ', 'order = [', "not listed in order"),
    ("[area.mobilitet]", "[area.transport]", "unknown focus area 'transport'"),
    ("\"mobilitet\" = 3,", "\"mobilitet\" = -1,", "weight must be a positive number"),
    ("[area.mobilitet]\n", "[area.mobilitet]\nwords = {}\n", "unknown key"),
])
def test_bad_lexicon_refuses_to_load(tmp_path, old, new, message):
    with pytest.raises(RulesError, match=message):
        FocusLexicon.load(_rules_with(tmp_path, old, new))


def test_missing_file_is_a_rules_error(tmp_path):
    with pytest.raises(RulesError, match="not found"):
        FocusLexicon.load(tmp_path)
