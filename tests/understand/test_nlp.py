"""The Norwegian lemma table, compound splitting and text analysis (mailbot.understand.lemmas, .nlp)."""

from __future__ import annotations

import time

import pytest

from mailbot.errors import ModelError
from mailbot.understand.lemmas import FILE_NAMES, build_table, load_table
from mailbot.understand.nlp import EMAIL, NUM, URL, Analyzer, Lemmatizer, blank_pipeline, clean_subject, compose_text


@pytest.fixture(scope="module")
def table():
    return build_table()


@pytest.fixture(scope="module")
def analyzer(table):
    return Analyzer(blank_pipeline(), Lemmatizer(table))


def test_table_flattens_ordbank_and_lookup(table):
    assert len(table) > 500_000  # the Ordbank's ~590,000 forms, flattened
    assert table.lookup("bygningene") == "bygning"
    assert table.lookup("syklene") == "sykkel"
    assert table.lookup("elbiler") == "elbil"
    assert table.lookup("meg") == "jeg"  # from the curated nb_lemma_lookup
    assert table.lookup("xqzvw") is None


def test_noun_wins_over_verb(table):
    # "melder" is a noun (a detector) and a verb form (melde): the documented priority picks the noun.
    assert table.lookup("melder") == "melder"
    assert table.lookup("deltar") == "delta"  # verb only


def test_saved_table_round_trips_byte_for_byte(table, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    table.save(tmp_path / "a"), table.save(tmp_path / "b")
    for name in FILE_NAMES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    started = time.perf_counter()
    loaded = load_table(tmp_path / "a")
    assert time.perf_counter() - started < 0.5  # the point of the compact files: fast start
    assert list(loaded.forms()) == list(table.forms())
    assert set(loaded.lemmas) == set(table.lemmas)
    assert loaded.lookup("bygningene") == "bygning" and loaded.lookup("xqzvw") is None


def test_load_table_refuses_garbage(tmp_path):
    for name in FILE_NAMES:
        (tmp_path / name).write_bytes(b"not a trie")
    with pytest.raises(ModelError):
        load_table(tmp_path)
    with pytest.raises(ModelError):
        load_table(tmp_path / "missing")


@pytest.mark.parametrize("word, lemma", [
    ("Bygningene", "bygning"), ("SYKLENE", "sykkel"), ("elbiler", "elbil"),
    ("klimaverkstedet", "klimaverksted"), ("ombruksmaterialer", "ombruksmateriale"),
    ("byggeprosjektene", "byggeprosjekt"),
])
def test_lemma_lower_cases_and_handles_compounds(analyzer, word, lemma):
    assert analyzer.analyse(word).lemmas == (lemma,)


def test_compound_parts_use_linking_letters(analyzer):
    analysis = analyzer.analyse("ombruksmaterialer klimaverkstedet sykkelparkeringen")
    assert dict(analysis.compounds) == {
        "ombruksmateriale": ("ombruk", "materiale"),
        "klimaverksted": ("klima", "verksted"),
        "sykkelparkering": ("sykkel", "parkering"),
    }


def test_inflected_known_words_are_not_split_on_their_endings(analyzer):
    # bygning|ene, syk|lene, per|sone would be nonsense splits of inflected forms.
    assert analyzer.analyse("bygningene syklene personer").compounds == ()


def test_tokens_normalise_numbers_addresses_and_keep_question_marks(analyzer):
    analysis = analyzer.analyse("Vi blir 3 personer. Skriv til ola@firma.example eller https://firma.example?")
    assert NUM in analysis.tokens and EMAIL in analysis.tokens and URL in analysis.tokens
    assert analysis.tokens[-1] == "?"
    assert "." not in analysis.tokens
    assert "person" in analysis.content_lemmas and "vi" not in analysis.content_lemmas


def test_features_add_marked_compound_parts(analyzer):
    features = analyzer.analyse("lastesykler").features()
    assert features == ["lastesykkel", "+laste", "+sykkel"]


def test_analyse_many_matches_analyse(analyzer):
    texts = ["Jeg melder meg på.", "Vi sender innspill om ombruk.", ""]
    assert analyzer.analyse_many(texts) == [analyzer.analyse(t) for t in texts]


@pytest.mark.parametrize("subject, expected", [
    ("Re: Invitasjon", ("Invitasjon", True)), ("SV: VS: Klimaverksted", ("Klimaverksted", True)),
    ("Fwd: Påmelding", ("Påmelding", True)), ("Påmelding", ("Påmelding", False)), ("", ("", False)),
])
def test_clean_subject(subject, expected):
    assert clean_subject(subject) == expected


def test_compose_text_leaves_out_an_inherited_subject():
    assert compose_text("Re: Invitasjon til mobilitet", "Vi kommer.") == "Vi kommer."
    assert compose_text("Påmelding", "Vi kommer.", "Vedlegg") == "Påmelding\n\nVi kommer.\n\nVedlegg"
