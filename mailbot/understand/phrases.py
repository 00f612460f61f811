"""Reading word lists and phrases from the rule files in rules/, and turning them into compiled patterns.

Phrases in rule files are plain text so that a non-programmer can add one: matching is case-insensitive,
on word boundaries, with any run of white space matching any other, and "..." standing for up to 60
characters on one line ("Ich bin bis ... nicht im Büro").  Every problem raises RulesError naming the file
and the key, so a typo stops the bot at start instead of silently disabling a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from mailbot.errors import RulesError
from mailbot.understand.gated import GatedPattern
from mailbot.understand.gates import TRICKY as _TRICKY

GAP = "..."
GAP_PATTERN = r"[^\n]{0,60}?"
# An optional "[EXT]"-style tag that mail gateways put in front of subjects.
SUBJECT_TAG = r"^\s*(?:\[[^\]\n]{0,40}\]\s*)?"


def section(data: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    """The table `key` of a parsed TOML document (dotted keys allowed)."""
    node: Any = data
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            raise RulesError(source, f"missing table [{key}]")
    if not isinstance(node, Mapping):
        raise RulesError(source, f"[{key}] must be a table")
    return node


def strings(table: Mapping[str, Any], key: str, source: str, *, lower: bool = False) -> tuple[str, ...]:
    """A list of non-empty strings under `key`, duplicates dropped (order kept)."""
    value = table.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulesError(source, f"{key!r} must be a list of non-empty strings")
    items = (v.strip().lower() if lower else v.strip() for v in value)
    return tuple(dict.fromkeys(items))


def text(table: Mapping[str, Any], key: str, source: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(source, f"{key!r} must be a non-empty string")
    return value.strip()


def integer(table: Mapping[str, Any], key: str, source: str, low: int, high: int) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise RulesError(source, f"{key!r} must be an integer between {low} and {high}")
    return value


def phrase_regex(phrase: str) -> str:
    """The regular expression (source) of one plain-text phrase."""
    pieces = [r"\s+".join(re.escape(word) for word in chunk.split()) for chunk in phrase.split(GAP)]
    body = GAP_PATTERN.join(p for p in pieces)
    start = r"\b" if phrase[:1].isalnum() else ""
    end = r"\b" if phrase[-1:].isalnum() else ""
    return f"{start}{body}{end}"


def phrases(items: Iterable[str], source: str, key: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of the phrases (longest first, so reasons quote the most)."""
    ordered = sorted(set(items), key=len, reverse=True)
    if not ordered:
        raise RulesError(source, f"{key!r} must not be empty")
    return re.compile("|".join(phrase_regex(p) for p in ordered), re.IGNORECASE)


def gated_phrases(items: Iterable[str], source: str, key: str) -> GatedPattern:
    """The same matches as `phrases` (longest first), as a GatedPattern: texts that lack a phrase's words
    skip it without running the regex engine."""
    ordered = sorted(set(items), key=len, reverse=True)
    if not ordered:
        raise RulesError(source, f"{key!r} must not be empty")
    return GatedPattern([phrase_regex(_lowered(p)) for p in ordered])


def _lowered(phrase: str) -> str:
    """`phrase` lower-cased when that keeps every character in place (under IGNORECASE it matches the
    same texts, and an all-lower-case source can be searched on lower-cased text without IGNORECASE)."""
    lowered = phrase.lower()
    return lowered if len(lowered) == len(phrase) and not any(ch in _TRICKY for ch in lowered) else phrase


def prefixes(items: Iterable[str], source: str, key: str) -> re.Pattern[str]:
    """A pattern matching a subject that begins with one of the phrases (after an optional [tag])."""
    ordered = sorted(set(items), key=len, reverse=True)
    if not ordered:
        raise RulesError(source, f"{key!r} must not be empty")
    alternatives = "|".join(phrase_regex(p).removeprefix(r"\b") for p in ordered)
    return re.compile(f"{SUBJECT_TAG}(?:{alternatives})", re.IGNORECASE)


def regexes(items: Iterable[str], source: str, key: str) -> re.Pattern[str]:
    """One case-insensitive pattern from a list of regular expressions; a bad one raises RulesError."""
    joined = "|".join(f"(?:{item})" for item in items)
    try:
        return re.compile(joined, re.IGNORECASE)
    except re.error as exc:
        raise RulesError(source, f"{key!r}: bad regular expression: {exc}") from exc
