"""Focus-area lexicons from rules/focus_areas.toml: which lemmas point to which focus area, and how strongly.

Each area is a named rule of the "focus" stage (the rule's name is the area's name); the file's `order`
selects the areas, so an unknown or repeated area name raises RulesError at start.  A rule scores an
`Analysis` and returns a Verdict whose `weight` is the area's score and whose reason names the terms that
counted ("elbil×2, sykkelparkering").  The classifier combines these scores with the trained model's.

Also home to the helpers both rule files use: `read_rules_toml` and `WordPattern` (fast regex search).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from mailbot.domain import FocusArea
from mailbot.errors import RulesError
from mailbot.rulebook import RuleSet, Verdict, read_rules_toml, run_rules
from mailbot.understand.nlp import Analysis
from mailbot.understand.gates import at_boundary, required_literals

try:  # the regex parser is private; without it patterns still work, only without the literal gate
    import re._parser as _parser
except ImportError:  # pragma: no cover - other Python versions
    _parser = None

FILE_NAME = "focus_areas.toml"
MAX_COUNT = 3  # a word repeated ten times is not ten times the evidence
HEAD_SHARE = 0.4  # the opening part of a text, where its main subject usually is


# ----------------------------------------------------------------- rule-file helpers, shared with intent.py
class WordPattern:
    """A compiled pattern that searches like `re.search`, but fast when it starts with `\\b`.

    A leading `\\b` stops Python's regex engine from skipping ahead to the pattern's first letters, which
    makes a search ~20 times slower; so the pattern is compiled without it and the word boundary is checked
    at each candidate match instead (same result)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.leading_boundary = pattern.startswith("\\b") and not pattern.startswith("\\b|")
        self._compiled = re.compile(pattern[2:] if self.leading_boundary else pattern)
        if self.leading_boundary:
            re.compile(pattern)  # the original must be valid too
        self.gate = literal_gate(pattern)

    def search(self, text: str) -> re.Match | None:
        # A substring test is ~50 times cheaper than a regex scan that finds nothing (and ~15 times cheaper
        # than a regex alternation of the literals); a plain loop is cheaper than any() over a generator.
        if self.gate:
            for literal in self.gate:
                if literal in text:
                    break
            else:
                return None
        if not self.leading_boundary:
            return self._compiled.search(text)
        pos = 0
        while (match := self._compiled.search(text, pos)) is not None:
            if at_boundary(text, match.start()):
                return match
            pos = match.start() + 1
        return None


def literal_gate(pattern: str) -> tuple[str, ...] | None:
    """Strings of which one must occur in any text `pattern` matches (the longest such required literal, or a
    required alternation's literal starts), or None when there is no useful one (shorter than 3)."""
    if _parser is None:
        return None
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    gates = [alts for alts in required_literals(list(parsed)) if min(map(len, alts)) >= 3]
    return max(gates, key=lambda alts: min(map(len, alts)), default=None)


def compile_patterns(value: Any, key: str, source: str) -> tuple[WordPattern, ...]:
    """Compile a rule file's list of regular expressions; RulesError naming `key` on a bad one."""
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise RulesError(source, f"{key} must be a list of strings")
    compiled = []
    for pattern in value:
        try:
            compiled.append(WordPattern(pattern))
        except re.error as exc:
            raise RulesError(source, f"{key}: bad pattern {pattern!r}: {exc}") from None
    return tuple(compiled)



# ----------------------------------------------------------------------------------------- focus areas
@dataclass(frozen=True)
class AreaLexicon:
    area: FocusArea
    lemmas: dict[str, float]
    phrases: dict[tuple[str, ...], float]
    parts: dict[str, float]

    def score(self, analysis: Analysis) -> tuple[float, dict[str, float]]:
        """(total score, contribution of each term).  Phrases, then whole lemmas, then compound parts of
        words not listed whole."""
        return self._score(analysis.lemmas, analysis.compounds, analysis.lemma_counts)

    def head_score(self, analysis: Analysis, head: Head | None = None) -> float:
        """The score of the first HEAD_SHARE of the text: what a message is mainly about comes first.
        `head` is head_of(analysis) when the caller has it (it is the same for every area)."""
        lemmas, compounds, counts = head or head_of(analysis)
        return self._score(lemmas, compounds, counts)[0]

    @cached_property
    def _phrases_by_first(self) -> dict[str, tuple[tuple[int, tuple[str, ...], float], ...]]:
        """The phrases by their first lemma, each with its place in `phrases` (computed once)."""
        index: dict[str, list[tuple[int, tuple[str, ...], float]]] = {}
        for i, (phrase, weight) in enumerate(self.phrases.items()):
            index.setdefault(phrase[0], []).append((i, phrase, weight))
        return {first: tuple(entries) for first, entries in index.items()}

    def _score(self, lemmas: tuple[str, ...], compounds,
               counts: Counter | None = None) -> tuple[float, dict[str, float]]:
        counts = counts if counts is not None else Counter(lemmas)
        terms: dict[str, float] = {}
        for lemma in counts.keys() & self.lemmas.keys():
            terms[lemma] = self.lemmas[lemma] * _repeat(counts[lemma])
        # Only phrases whose first lemma occurs, in their order in `phrases`.
        by_first = self._phrases_by_first
        firsts = counts.keys() & by_first.keys()
        candidates = sorted(entry for first in firsts for entry in by_first[first]) if firsts else ()
        for _index, phrase, weight in candidates:
            if phrase[-1] in counts:
                count = _count_phrase(lemmas, phrase)
                if count:
                    terms[" ".join(phrase)] = weight * _repeat(count)
        part_weights = self.parts
        part_names = part_weights.keys()
        for lemma, parts in dict(compounds).items():
            if lemma in self.lemmas or part_names.isdisjoint(parts):
                continue  # listed whole, or no part of it is listed (weight 0): most compounds
            weight = 0.0  # the largest part weight (weights are positive), as max(..., default=0.0)
            for part in parts:
                found = part_weights.get(part, 0.0)
                if found > weight:
                    weight = found
            if weight:
                terms[lemma] = weight * _repeat(counts[lemma])
        return sum(terms.values()), terms


Head = tuple  # (lemmas, compounds, Counter of the lemmas) of the opening part of a text


def head_of(analysis: Analysis) -> Head:
    """The first HEAD_SHARE of the text's lemmas, the compounds among them, and their counts."""
    size = max(1, round(len(analysis.lemmas) * HEAD_SHARE))
    head = analysis.lemmas[:size]
    present = set(head)
    return head, tuple(c for c in analysis.compounds if c[0] in present), Counter(head)


def _repeat(count: int) -> float:
    """1 for one mention, up to 2 for three or more."""
    return 1.0 + 0.5 * (min(count, MAX_COUNT) - 1)


def _count_phrase(lemmas: tuple[str, ...], phrase: tuple[str, ...]) -> int:
    size = len(phrase)
    first = phrase[0]
    return sum(1 for i, lemma in enumerate(lemmas) if lemma == first and lemmas[i:i + size] == phrase)


@dataclass(frozen=True)
class AreaScore:
    area: FocusArea
    score: float
    terms: tuple[tuple[str, float], ...]  # the terms that counted, strongest first
    head: float = 0.0  # the score of the opening part of the text only

    @property
    def strength(self) -> float:
        """The score squashed into 0..1 (a score of 3, one core term, gives 0.63)."""
        return 1.0 - math.exp(-self.score / 3.0)


class FocusLexicon:
    """The areas of rules/focus_areas.toml, in their `order`."""

    def __init__(self, rules: tuple, lexicons: dict[FocusArea, AreaLexicon]) -> None:
        self._rules = rules
        self._lexicons = lexicons
        self._areas = tuple(FocusArea(name) for name, _rule in rules)
        self._by_value = {area.value: area for area in FocusArea}  # FocusArea(value), without Enum's call

    @classmethod
    def load(cls, rules_dir: Path) -> FocusLexicon:
        path = Path(rules_dir) / FILE_NAME
        data = read_rules_toml(path)
        ruleset: RuleSet[Analysis] = RuleSet("focus")
        tables = data.get("area", {})
        if not isinstance(tables, dict):
            raise RulesError(str(path), "[area.NAME] tables expected")
        lexicons = {}
        for name, table in tables.items():
            lexicon = _parse_area(name, table, str(path))
            lexicons[lexicon.area] = lexicon
            ruleset.rule(_area_rule(lexicon))
        order = data.get("order")
        if not isinstance(order, list):
            raise RulesError(str(path), "`order` must list the focus areas in use")
        selected = ruleset.select(order, str(path))
        unlisted = set(tables) - set(order)
        if unlisted:
            raise RulesError(str(path), f"area(s) defined but not listed in order: {', '.join(sorted(unlisted))}")
        return cls(selected, lexicons)

    @property
    def areas(self) -> tuple[FocusArea, ...]:
        return self._areas

    def score(self, analysis: Analysis) -> dict[FocusArea, AreaScore]:
        """Every area's lexicon score for `analysis` (0 when nothing matched)."""
        scores = {area: AreaScore(area, 0.0, ()) for area in self._areas}
        head = None
        for verdict in run_rules(self._rules, analysis):
            area = self._by_value[verdict.outcome]
            terms = tuple(_parse_terms(verdict.reason))
            head = head or head_of(analysis)
            scores[area] = AreaScore(area, verdict.weight, terms, self._lexicons[area].head_score(analysis, head))
        return scores


def _area_rule(lexicon: AreaLexicon):
    def rule(analysis: Analysis) -> Verdict | None:
        total, terms = lexicon.score(analysis)
        if not terms:
            return None
        ranked = sorted(terms.items(), key=lambda item: (-item[1], item[0]))
        reason = ", ".join(f"{term}={weight:g}" for term, weight in ranked)
        return Verdict(rule=lexicon.area.value, outcome=lexicon.area.value, reason=reason, weight=total)

    rule.__name__ = lexicon.area.value
    return rule


def _parse_terms(reason: str) -> list[tuple[str, float]]:
    pairs = (item.rsplit("=", 1) for item in reason.split(", "))
    return [(term, float(weight)) for term, weight in pairs]


def _parse_area(name: str, table: Any, source: str) -> AreaLexicon:
    try:
        area = FocusArea(name)
    except ValueError:
        known = ", ".join(a.value for a in FocusArea)
        raise RulesError(source, f"unknown focus area {name!r} (known: {known})") from None
    if not isinstance(table, dict):
        raise RulesError(source, f"area.{name} must be a table")
    unknown = set(table) - {"lemmas", "phrases", "parts"}
    if unknown:
        raise RulesError(source, f"area.{name}: unknown key(s) {', '.join(sorted(unknown))}")
    lemmas = _weights(table.get("lemmas", {}), f"area.{name}.lemmas", source)
    phrases = _weights(table.get("phrases", {}), f"area.{name}.phrases", source)
    parts = _weights(table.get("parts", {}), f"area.{name}.parts", source)
    return AreaLexicon(area, lemmas, {tuple(p.split()): w for p, w in phrases.items()}, parts)


def _weights(value: Any, key: str, source: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise RulesError(source, f"{key} must be a table of term = weight")
    weights: dict[str, float] = {}
    for term, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise RulesError(source, f"{key}.{term}: weight must be a positive number, got {weight!r}")
        normal = " ".join(term.lower().split())
        if not normal or "=" in normal or "," in normal:
            raise RulesError(source, f"{key}: bad term {term!r}")
        weights[normal] = float(weight)
    return weights
