"""GatedPattern must find exactly what the joined alternation finds: the leftmost match, a tie going to
the earlier source, and successive non-overlapping matches for finditer; with and without a shared
Folded text, finders, and sources that share a group name.  Its gates must never rule out a source that
matches.  Compared against the plain `re` pattern on generated sources and texts."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.understand.gated import GatedPattern, fold, fold_shared, word_runs
from mailbot.understand.gates import source_gates, whole_word_gate

WORDS = ["vi", "er", "på", "ferie", "jeg", "kommer", "meg", "og", "as", "ikke", "ut", "ferien"]
# Source shapes like the rule files': phrases, alternations, optional parts, gaps, "(?-i:I)", words
# without boundaries (which also match inside longer words), and a lookahead.
SOURCE_SHAPES = [
    lambda a, b, c: rf"\b{a}\s+{b}\b",
    lambda a, b, c: rf"\b(?:{a}|{b})\s+{c}\b",
    lambda a, b, c: rf"\b{a}(?:\s+{b})?\s+{c}",
    lambda a, b, c: rf"\b{a}[^\n]{{0,12}}?{b}\b",
    lambda a, b, c: rf"\b(?:(?-i:I)|{a})\s+{b}",
    lambda a, b, c: rf"{a}{b}",
    lambda a, b, c: rf"\b{a}\b(?=\s+{b})",
    lambda a, b, c: rf"[ ](?:(?-i:AS)(?![\w])|(?i:{a})\b)",
    lambda a, b, c: rf"\b(?:{a}|{b}){c}\b",
    lambda a, b, c: rf"\b(?:{a}|{b})[,.-]\s*{c}",
    lambda a, b, c: rf"{a}(?:{b})?\b",
    lambda a, b, c: rf"\b{a}_?{b}",
]
PIECES = WORDS + ["I", "AS", "Vi", "FERIE", "Kommer", "ſ", "İ", "K", "é", "_", "-", ",", ".", "!", "\n", " ", "  "]

words = st.sampled_from(WORDS)
sources = st.builds(lambda shape, a, b, c: shape(a, b, c), st.sampled_from(SOURCE_SHAPES), words, words, words)
texts = st.lists(st.sampled_from(PIECES + [" "] * 8), max_size=40).map("".join)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spans(matches) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in matches]


def span(match) -> tuple[int, int, str] | None:
    return None if match is None else (match.start(), match.end(), match.group(0))


@SETTINGS
@given(st.lists(sources, min_size=1, max_size=6), texts, st.integers(min_value=0, max_value=40))
def test_search_and_finditer_match_the_joined_pattern(items, text, pos):
    whole = re.compile("|".join(f"(?:{s})" for s in items), re.IGNORECASE)
    gated = GatedPattern(items)
    assert span(gated.search(text)) == span(whole.search(text))
    assert span(gated.search(text, fold(text), pos)) == span(whole.search(text, pos))
    assert span(gated.search(text, fold_shared(text))) == span(whole.search(text))
    assert spans(gated.finditer(text)) == spans(whole.finditer(text))
    assert spans(gated.finditer(text, fold_shared(text))) == spans(whole.finditer(text))


@SETTINGS
@given(st.lists(sources, min_size=1, max_size=4), texts, texts)
def test_a_tail_sharing_the_word_set_of_its_text_finds_the_same(items, head, tail):
    text = f"{head}\n{tail}"
    folded = fold_shared(text)
    if folded is None:
        return
    gated, whole = GatedPattern(items), re.compile("|".join(f"(?:{s})" for s in items), re.IGNORECASE)
    part = folded.tail(len(head) + 1)
    assert spans(gated.finditer(tail, part)) == spans(whole.finditer(tail))


def test_a_tie_goes_to_the_earlier_source_and_finditer_does_not_overlap():
    gated = GatedPattern([r"\bjeg\s+er\b", r"\bjeg\b", r"\ber\s+på\b"])
    match = gated.search("Nå: jeg er på ferie")
    assert (match.start(), match.group(0)) == (4, "jeg er")
    assert [m.group(0) for m in gated.finditer("jeg er på ferie, jeg er der")] == ["jeg er", "jeg er"]
    assert [m.group(0) for m in GatedPattern([r"\bjeg\b", r"\bjeg\s+er\b"]).finditer("jeg er")] == ["jeg"]


def test_sources_that_may_match_nothing_use_the_joined_pattern():
    gated = GatedPattern([r"\bferie\b", r"(?:ute)?"])
    assert spans(gated.finditer("på ferie")) == spans(re.compile(r"(?:\bferie\b)|(?:(?:ute)?)", re.I).finditer("på ferie"))


@SETTINGS
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), texts)
def test_sources_with_one_group_name_behave_as_their_alternation(cues, text):
    cues = list(dict.fromkeys(cues))
    name = r"(?P<org>(?-i:[A-ZÆØÅ][a-zæøå]+))"
    gated = GatedPattern([rf"\b{cue}[ ]+{name}" for cue in cues], finders=[rf"\b{cue}[ ]+" for cue in cues])
    reference = re.compile(rf"\b(?:{'|'.join(cues)})[ ]+{name}", re.IGNORECASE)
    found = [(m.start(), m.end(), m.group("org")) for m in gated.finditer(text, fold_shared(text))]
    assert found == [(m.start(), m.end(), m.group("org")) for m in reference.finditer(text)]


@SETTINGS
@given(sources, texts)
def test_gates_hold_in_every_text_a_source_matches(source, text):
    folded = fold(text)
    if folded is None or not re.search(source, text, re.IGNORECASE):
        return
    runs = word_runs(folded)
    for alternatives in source_gates(source, re.IGNORECASE) or ():
        assert any((w in runs) if whole else (w in folded) for w, whole in alternatives), (source, text)


@SETTINGS
@given(st.sampled_from([r"\bvi kommer\b", r"\b(vi|jeg) (kommer|kjem)[.!]", r"\bmeld(e|er)? (meg|oss) på\b",
                        r"\bikke (komme|delta)\b", r"\b(er )?bytt(et)? ut med\b"]),
       st.lists(st.sampled_from(["vi", "jeg", "kommer", "kjem", "meld", "melde", "meg", "på", "ikke", "komme",
                                 "bytt", "byttet", "ut", "med", "er", ".", "!", ","]), max_size=12))
def test_whole_word_gates_hold_in_every_matching_text(pattern, pieces):
    text = " ".join(pieces)
    gate = whole_word_gate(pattern)
    if gate is not None and re.search(pattern, text):
        assert not gate.isdisjoint(word_runs(text))
