"""Cancellation rules: who is withdrawn, and substitutions ("Kari kommer i stedet for Ola").

Each rule returns a Verdict whose outcome is the number of people withdrawn, or "all" when the whole
registration is withdrawn ("vi melder oss av").  They run in the order of rules/extract.toml
[cancellation].order; the first that finds something decides.  With no clue at all, plural pronouns
("vi", "we") mean the whole registration and singular ones ("jeg", "I") the sender alone.
"""

from __future__ import annotations

import re

from mailbot.rulebook import RuleSet, Verdict
from mailbot.understand.extract_table import ExtractFacts
from mailbot.understand.names import clean_name
from mailbot.understand.seats import number_in

CANCEL_RULES: RuleSet[ExtractFacts] = RuleSet("cancellation")
rule = CANCEL_RULES.rule
ALL = "all"
SELF = re.compile(r"^(?:jeg|meg|eg|I|me|myself)$", re.IGNORECASE)
SELF_BEFORE = re.compile(r"\b(?:jeg|eg|meg|I|me)\s+(?:og|and|&)\s+$", re.IGNORECASE)
SPLIT_NAMES = re.compile(r",\s*og\s+|,\s*and\s+|,\s*|\s+og\s+|\s+and\s+|\s*&\s*")


def person(facts: ExtractFacts, text: str | None) -> str | None:
    """A captured name, or the sender's name for "jeg"/"meg"/"I"."""
    if not text:
        return None
    if SELF.match(text.strip()):
        return facts.sender.name
    return clean_name(text, facts.table)


def substitutions(facts: ExtractFacts) -> tuple[tuple[str, str], ...]:
    """(leaving, coming) pairs, in the order found, without repeats."""
    pairs: list[tuple[str, str]] = []
    if not facts.table.substitution_gate.search(facts.text, facts.folded_text):
        return ()
    for pattern in facts.table.substitution:
        for match in pattern.finditer(facts.text, facts.folded_text):
            groups = match.groupdict()
            old = person(facts, groups.get("old")) if groups.get("old") else facts.sender.name
            new = person(facts, groups.get("new"))
            if old and new and old != new and (old, new) not in pairs:
                pairs.append((old, new))
    return tuple(pairs)


def withdrawn_names(facts: ExtractFacts) -> tuple[str, ...]:
    """Names withdrawn ("Ola Hansen kan ikke komme", "meld av Kari Berg"); "jeg og Ola" adds the sender."""
    names: list[str] = []
    for pattern in facts.table.cancel["withdraw_named"]:
        for match in pattern.finditer(facts.text, facts.folded_text):
            if SELF_BEFORE.search(facts.text[max(0, match.start("names") - 12):match.start("names")]):
                names.append(facts.sender.name)
            names.extend(n for part in SPLIT_NAMES.split(match.group("names")) if (n := person(facts, part)))
    return tuple(dict.fromkeys(names))


def _verdict(name: str, outcome: str, reason: str) -> Verdict:
    return Verdict(rule=name, outcome=outcome, reason=reason)


@rule
def substitution(facts: ExtractFacts) -> Verdict | None:
    """Someone takes another's place: one person withdrawn per pair (the desk swaps the names)."""
    pairs = substitutions(facts)
    if not pairs:
        return None
    said = "; ".join(f"{new} instead of {old}" for old, new in pairs)
    return _verdict("substitution", str(len(pairs)), f"substitution: {said}")


@rule
def withdraw_all(facts: ExtractFacts) -> Verdict | None:
    """The whole registration is withdrawn: "vi melder oss av", "cancel our registration"."""
    for pattern in facts.table.cancel["withdraw_all"]:
        if match := pattern.search(facts.body, facts.folded_body):
            return _verdict("withdraw_all", ALL, f"{match.group(0)!r}: the whole registration")
    return None


@rule
def withdraw_count(facts: ExtractFacts) -> Verdict | None:
    """A number withdrawn: "to av oss kan ikke" (2), "vi blir en mindre" (1), "bare 2 i stedet for 3" (1)."""
    for pattern in facts.table.cancel["withdraw_reduced"]:
        if match := pattern.search(facts.body, facts.folded_body):
            old, new = facts.table.number(match.group("old")), facts.table.number(match.group("new"))
            if old and new is not None and old > new:
                return _verdict("withdraw_count", str(old - new), f"{match.group(0)!r}: {old - new} fewer")
    for pattern in facts.table.cancel["withdraw_count"]:
        if (match := pattern.search(facts.body, facts.folded_body)) and (count := number_in(facts, match)):
            return _verdict("withdraw_count", str(count), f"{match.group(0)!r}: {count} withdrawn")
    return None


@rule
def withdraw_named(facts: ExtractFacts) -> Verdict | None:
    """Named people withdrawn: "Ola Hansen kan ikke komme" (1), "Kari og Ola kan ikke" (2)."""
    names = withdrawn_names(facts)
    if not names:
        return None
    return _verdict("withdraw_named", str(len(names)), "withdrawn: " + ", ".join(names))


@rule
def withdraw_self(facts: ExtractFacts) -> Verdict | None:
    """The sender alone: "jeg kan ikke komme", "meld meg av", "I can't make it"."""
    for pattern in facts.table.cancel["withdraw_self"]:
        if match := pattern.search(facts.body, facts.folded_body):
            return _verdict("withdraw_self", "1", f"{match.group(0)!r}: the sender")
    return None


@rule
def withdraw_default(facts: ExtractFacts) -> Verdict | None:
    """No clue: "vi"/"we" → the whole registration; "jeg"/"I" → the sender; nothing → the whole registration."""
    plural = any(p.search(facts.text, facts.folded_text) for p in facts.table.cancel["plural"])
    if not plural and any(p.search(facts.text, facts.folded_text) for p in facts.table.cancel["singular"]):
        return _verdict("withdraw_default", "1", "written in the singular: the sender")
    return _verdict("withdraw_default", ALL, "written in the plural or no number given: the whole registration")
