"""Seat rules for a registration: how many people this message signs up.

Each rule returns a Verdict whose outcome is the number of seats (as text) or None.  They run in the order
of rules/extract.toml [seats].order; the first that finds something decides (extract.py lists the others
in the reasons when they disagree).  The sender is counted only when the text includes them ("vi blir",
"meg og en kollega"); "jeg vil melde på sjefen min" is 1.  Numbers are read only next to a people noun or
in "vi blir N", so dates, times, years and phone numbers are not counted.
"""

from __future__ import annotations

import re

from mailbot.rulebook import RuleSet, Verdict
from mailbot.understand.extract_table import ExtractFacts

SEAT_RULES: RuleSet[ExtractFacts] = RuleSet("seats")
rule = SEAT_RULES.rule

PLUS_ME_AFTER = re.compile(
    r"\s*(?:i tillegg til meg|i tillegg til meg sjølv|pluss meg|\+ ?meg|foruten meg|utenom meg|i tillegg til "
    r"meg selv|in addition to (?:me|myself)|plus (?:me|myself)|besides me)\b",
    re.IGNORECASE,
)
PLUS_ME_BEFORE = re.compile(r"\b(?:meg|jeg|eg|me|myself|I)(?: selv| sjølv)?\s+(?:og|and|\+|pluss|plus)\s+$", re.IGNORECASE)


def number_in(facts: ExtractFacts, match: re.Match[str], default: int | None = None) -> int | None:
    """The first {num} a pattern captured, as an int (default when the pattern has none)."""
    for key, value in match.groupdict().items():
        if key.startswith("num") and value:
            return facts.table.number(value)
    return default


def first_count(facts: ExtractFacts, key: str, default: int | None = None, plus: int = 0):
    """(count, match, note) for the first match of pattern list `key` with a plausible count."""
    note = ""
    for pattern in facts.table.seats[key]:
        for match in pattern.finditer(facts.body, facts.folded_body):
            count = number_in(facts, match, default)
            if count is None:
                continue
            if count > facts.table.max_seats:
                note = f"; ignored {match.group(0)!r} (more than {facts.table.max_seats})"
                continue
            return count + plus, match, note
    return None, None, note


def _with_sender(facts: ExtractFacts, match: re.Match[str]) -> int:
    """1 when the sender is added around the count ("meg og 2 personer", "3 personer i tillegg til meg")."""
    before = facts.body[max(0, match.start() - 25):match.start()]
    return int(bool(PLUS_ME_AFTER.match(facts.body, match.end()) or PLUS_ME_BEFORE.search(before)))


def seats_verdict(name: str, count: int, reason: str) -> Verdict:
    return Verdict(rule=name, outcome=str(count), reason=reason)


@rule
def one_more(facts: ExtractFacts) -> Verdict | None:
    """People added to an earlier registration: "vi blir en til", "one more colleague" (the count added)."""
    count, match, _note = first_count(facts, "one_more", default=1)
    if match is None:
        return None
    return seats_verdict("one_more", count, f"{match.group(0)!r}: {count} more than an earlier registration")


@rule
def explicit_total(facts: ExtractFacts) -> Verdict | None:
    """A total: "vi blir 4", "we will be three", "there will be 2 of us"."""
    count, match, note = first_count(facts, "explicit_total")
    if match is None:
        return None
    count += _with_sender(facts, match)
    return seats_verdict("explicit_total", count, f"{match.group(0)!r}: {count} in all{note}")


@rule
def count_noun(facts: ExtractFacts) -> Verdict | None:
    """A count with a people noun: "3 personer", "to deltakere", "melde på 2 kolleger" (+1 for "meg og")."""
    count, match, note = first_count(facts, "count_noun")
    if match is None:
        return None
    count += _with_sender(facts, match)
    return seats_verdict("count_noun", count, f"{match.group(0)!r}: {count}{note}")


@rule
def companions(facts: ExtractFacts) -> Verdict | None:
    """The sender plus others: "meg og en kollega" (2), "meg og to kolleger" (3), "I'll bring a colleague"."""
    count, match, note = first_count(facts, "companions", default=1, plus=1)
    if match is None:
        return None
    return seats_verdict("companions", count, f"{match.group(0)!r}: the sender and {count - 1} more{note}")


@rule
def listed_names(facts: ExtractFacts) -> Verdict | None:
    """People listed by name (list, table, form, "Ola Hansen og Kari Berg kommer"), plus the sender when
    they list themself ("Kari og jeg")."""
    found = facts.people
    if not found.people:
        return None
    # In running text, "jeg melder meg på ... Ola Hansen kommer også" counts the sender too; in a list,
    # table or form the list is the whole answer.
    listed_self = (found.includes_self or (found.how == "text" and sender_included(facts))) and not any(
        facts.is_sender(p.name) for p in found.people
    )
    count = len(found.people) + int(listed_self)
    names = ", ".join(p.name for p in found.people) + (" and the sender" if listed_self else "")
    return seats_verdict("listed_names", count, f"{count} named ({found.how}): {names}")


@rule
def register_other(facts: ExtractFacts) -> Verdict | None:
    """The sender signs up someone else: "jeg vil melde på sjefen min" is 1 (the sender is not counted)."""
    for pattern in facts.table.seats["register_other"]:
        match = pattern.search(facts.body, facts.folded_body)
        if match:
            return seats_verdict("register_other", 1, f"{match.group(0)!r}: registers someone else")
    return None


@rule
def default_one(facts: ExtractFacts) -> Verdict | None:
    """A registration that says nothing about numbers is for one person."""
    return seats_verdict("default_one", 1, "no number or names given: 1")


def sender_included(facts: ExtractFacts) -> bool:
    """Whether the text counts the sender among those coming ("vi blir", "meg og", "jeg kommer")."""
    return any(p.search(facts.body, facts.folded_body) for p in facts.table.seats["self_included"])
