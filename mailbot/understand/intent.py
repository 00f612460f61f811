"""Intent rules from rules/intents.toml: named, explainable signals for a message's kind.

A rule is either built in (written here: `question_mark`, `document_attachment`, `internal_sender`,
`bulk_sender`) or a [pattern.NAME] table of regular expressions.  All are registered in one RuleSet of the
"intent" stage and the file's `order` selects them, so an unknown or repeated name raises RulesError.  Each
fired rule returns a Verdict whose outcome is a kind and whose weight is added to the model's log-odds for
that kind by the classifier.  `Substance` decides whether a registration also carries real input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mailbot.domain import Kind, ParsedMail
from mailbot.errors import RulesError
from mailbot.rulebook import RuleSet, Verdict, run_rules
from mailbot.understand.focus import WordPattern, compile_patterns, read_rules_toml
from mailbot.understand.intent_facts import IntentFacts, PatternRule, normalise, pattern_gates

FILE_NAME = "intents.toml"
RULE_KINDS = frozenset({Kind.REGISTRATION, Kind.CANCELLATION, Kind.INPUT, Kind.QUESTION, Kind.AUTO_REPLY,
                        Kind.OTHER})
FIELDS = ("text", "body", "subject", "lemmas", "attachments")


# ----------------------------------------------------------------------------------------- built-in rules
Factory = Callable[[Kind, float, dict], Callable[[IntentFacts], Verdict | None]]
BUILTINS: dict[str, Factory] = {}
_QUESTION_MARK = re.compile(r"\?(?=\s|$)")


def builtin(fn: Factory) -> Factory:
    BUILTINS[fn.__name__] = fn
    return fn


@builtin
def question_mark(kind: Kind, weight: float, _settings: dict):
    def rule(facts: IntentFacts) -> Verdict | None:
        sentence = asked_sentence(facts.body)
        if sentence is None:
            return None
        return Verdict("question_mark", kind.value, f"asks: {sentence[-60:]!r}", weight)
    return rule


def asked_sentence(text: str) -> str | None:
    """The first sentence of `text` that ends in a question mark (followed by a space or the end)."""
    for match in _QUESTION_MARK.finditer(text):
        end = match.start()
        start = max(text.rfind(".", 0, end), text.rfind("!", 0, end), text.rfind("?", 0, end)) + 1
        sentence = text[start:end + 1].strip()
        if len(sentence) > 1:
            return sentence
    return None


@builtin
def document_attachment(kind: Kind, weight: float, settings: dict):
    min_words = int(settings.get("document_min_words", 60))

    def rule(facts: IntentFacts) -> Verdict | None:
        words = max(facts.document_words, default=0)
        if words < min_words:
            return None
        return Verdict("document_attachment", kind.value, f"attached document with {words} words", weight)
    return rule


@builtin
def internal_sender(kind: Kind, weight: float, _settings: dict):
    def rule(facts: IntentFacts) -> Verdict | None:
        if not facts.sender_domain or facts.sender_domain not in facts.own_domains:
            return None
        return Verdict("internal_sender", kind.value, f"sender is in our own domain {facts.sender_domain}", weight)
    return rule


@builtin
def bulk_sender(kind: Kind, weight: float, _settings: dict):
    def rule(facts: IntentFacts) -> Verdict | None:
        if not facts.bulk_headers:
            return None
        return Verdict("bulk_sender", kind.value, f"list/bulk mail ({', '.join(facts.bulk_headers)})", weight)
    return rule


@dataclass(frozen=True)
class Substance:
    """Whether a registration or cancellation also carries substantive written input."""

    min_words: int
    min_area_score: float
    markers: tuple[WordPattern, ...]

    def check(self, facts: IntentFacts, area_score: float) -> str | None:
        """A reason when the text carries input, else None."""
        words = len(facts.body.split()) + sum(facts.document_words)
        if words < self.min_words or area_score < self.min_area_score:
            return None
        text = f"{facts.body} {facts.attachments}"
        for marker in self.markers:
            match = marker.search(text)
            if match:
                return f"substance: {words} words, area score {area_score:.1f}, {match.group(0)!r}"
        return None


@dataclass(frozen=True)
class Domain:
    """Whether a message is about the workshop at all, and in a language the bot answers.  Only such mail
    is answered automatically: a long foreign newsletter must not be thanked for its "input"."""

    words: tuple[WordPattern, ...]
    min_known_share: float
    min_words: int
    min_area_score: float
    min_model_confidence: float
    kinds: frozenset[str]  # the kinds of the rules whose firing shows the message is for us
    phrase_rules: frozenset[str] = frozenset()  # the [pattern.*] rules (an attachment alone shows nothing)

    def problem(self, mail: ParsedMail, facts: IntentFacts, fired: tuple[Verdict, ...], analysis_words: int,
                known_share: float, area_score: float, confidence: float) -> str | None:
        """Why the message is not clearly for us, or None when it is: a phrase rule of `kinds` fired or a workshop
        word occurs; else, in a recognisable language, its focus-area score or the model's confidence
        is high enough."""
        if any(v.outcome in self.kinds and v.rule in self.phrase_rules for v in fired):
            return None
        context = normalise(f"{mail.subject} {facts.body} {mail.quoted[:2000]} {facts.attachments[:2000]}")
        if any(word.search(context) for word in self.words):
            return None
        if analysis_words >= self.min_words and known_share < self.min_known_share:
            return f"only {known_share:.0%} of its words are Norwegian or English"
        if area_score >= self.min_area_score or confidence >= self.min_model_confidence:
            return None
        return "nothing in it is about the workshop or the climate strategy"


class IntentRules:
    """The selected intent rules, in order, and the substance and domain settings."""

    def __init__(self, rules: tuple, substance: Substance, domain: Domain) -> None:
        self.rules = rules
        self.substance = substance
        self.domain = domain

    @classmethod
    def load(cls, rules_dir: Path) -> IntentRules:
        path = Path(rules_dir) / FILE_NAME
        source = str(path)
        data = read_rules_toml(path)
        ruleset: RuleSet[IntentFacts] = RuleSet("intent")
        for name, settings in _table(data, "builtin", source).items():
            ruleset.rule(_builtin_rule(name, settings, source))
        patterns = _table(data, "pattern", source)
        for name, table in patterns.items():
            if name in BUILTINS:
                raise RulesError(source, f"pattern.{name}: the name belongs to a built-in rule")
            ruleset.rule(_pattern_rule(name, table, source))
        order = data.get("order")
        if not isinstance(order, list):
            raise RulesError(source, "`order` must list the rules in use")
        selected = ruleset.select(order, source)
        unlisted = set(patterns) - set(order)
        if unlisted:
            raise RulesError(source, f"pattern rule(s) not listed in order: {', '.join(sorted(unlisted))}")
        domain = replace(_domain_settings(data.get("domain", {}), source), phrase_rules=frozenset(patterns))
        return cls(selected, _substance(data.get("substance", {}), source), domain)

    def run(self, facts: IntentFacts) -> tuple[Verdict, ...]:
        return run_rules(self.rules, facts)


def _table(data: dict, key: str, source: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise RulesError(source, f"[{key}.NAME] tables expected")
    return value


def _kind_and_weight(name: str, table: dict, source: str) -> tuple[Kind, float]:
    try:
        kind = Kind(table.get("kind"))
    except ValueError:
        kind = None
    if kind not in RULE_KINDS:
        allowed = ", ".join(sorted(k.value for k in RULE_KINDS))
        raise RulesError(source, f"{name}.kind must be one of {allowed}, got {table.get('kind')!r}")
    weight = table.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
        raise RulesError(source, f"{name}.weight must be a number in (0, 10], got {weight!r}")
    return kind, float(weight)


def _builtin_rule(name: str, settings: dict, source: str):
    factory = BUILTINS.get(name)
    if factory is None:
        raise RulesError(source, f"builtin.{name}: no such built-in rule (known: {', '.join(sorted(BUILTINS))})")
    kind, weight = _kind_and_weight(f"builtin.{name}", settings, source)
    rule = factory(kind, weight, settings)
    rule.__name__ = name
    return rule


def _pattern_rule(name: str, table: dict, source: str) -> PatternRule:
    key = f"pattern.{name}"
    unknown = set(table) - {"kind", "weight", "field", "patterns", "unless"}
    if unknown:
        raise RulesError(source, f"{key}: unknown key(s) {', '.join(sorted(unknown))}")
    kind, weight = _kind_and_weight(key, table, source)
    field = table.get("field", "text")
    if field not in FIELDS:
        raise RulesError(source, f"{key}.field must be one of {', '.join(FIELDS)}, got {field!r}")
    patterns = compile_patterns(table.get("patterns"), f"{key}.patterns", source)
    if not patterns:
        raise RulesError(source, f"{key}.patterns must list at least one pattern")
    unless = compile_patterns(table.get("unless", []), f"{key}.unless", source)
    return PatternRule(name, kind, weight, field, patterns, unless, *pattern_gates(patterns))


def _domain_settings(table: Any, source: str) -> Domain:
    if not isinstance(table, dict):
        raise RulesError(source, "[domain] must be a table")
    unknown = set(table) - {"words", "min_known_share", "min_words", "min_area_score", "min_model_confidence",
                            "rule_kinds"}
    if unknown:
        raise RulesError(source, f"domain: unknown key(s) {', '.join(sorted(unknown))}")
    numbers = {key: table.get(key, default) for key, default in
               (("min_known_share", 0.5), ("min_words", 8), ("min_area_score", 4.0),
                ("min_model_confidence", 0.9))}
    for key, value in numbers.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RulesError(source, f"domain.{key} must be a number, got {value!r}")
    kinds = table.get("rule_kinds", ["registration", "cancellation", "input"])
    if not isinstance(kinds, list) or any(k not in {r.value for r in RULE_KINDS} for k in kinds):
        raise RulesError(source, f"domain.rule_kinds must list kinds, got {kinds!r}")
    return Domain(compile_patterns(table.get("words", []), "domain.words", source), float(numbers["min_known_share"]),
                  int(numbers["min_words"]), float(numbers["min_area_score"]),
                  float(numbers["min_model_confidence"]), frozenset(kinds))


def _substance(table: Any, source: str) -> Substance:
    if not isinstance(table, dict):
        raise RulesError(source, "[substance] must be a table")
    min_words = table.get("min_words", 35)
    min_score = table.get("min_area_score", 4.0)
    if not isinstance(min_words, int) or not isinstance(min_score, int | float):
        raise RulesError(source, "substance.min_words and substance.min_area_score must be numbers")
    markers = compile_patterns(table.get("markers", []), "substance.markers", source)
    return Substance(min_words, float(min_score), markers)
