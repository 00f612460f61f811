"""rules/extract.toml, checked and compiled into ExtractTable (read-only; shared by the extract rules).

Patterns in the file are regular expressions with placeholders ({num}, {people}, {colleague}, {self},
{name}, {names}); see the file's header.  {num} is captured (as num, num2, ... when repeated); names are
captured by the patterns themselves with (?P<new>{name}) etc.  Names are case-sensitive (capitalised
words) inside otherwise case-insensitive patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailbot.domain import Attendee, ParsedMail
from mailbot.errors import RulesError
from mailbot.rulebook import read_rules_toml
from mailbot.understand import phrases as ph

if TYPE_CHECKING:
    from mailbot.understand.names import Found

RULES_FILE = "extract.toml"
TEXT_MAX = 2500  # a registration states its facts early; long mails must not cost more than short ones
LIST_MAX = 8000  # ... but a list or table of attendees may run longer
TAIL_MAX = 1500
MEMO_MAX = 50_000  # remembered clean_name candidates; the memo is emptied when full
SUBJECT_MAX = 300
UPPER = "A-ZÆØÅÉÈÜÖÄÁÓÍ"
LOWER = "a-zæøåéèüöäáóíñç"
# Possessive quantifiers (++): a name never gives characters back, so long odd tokens cannot make the
# patterns backtrack for ages.
# The capital comes before the look-behind that checks the character before it ("(?<![\w-].)" right after
# the capital is "(?<![\w-])" right before it): the same matches, but a pattern that starts with a name now
# starts with a character class, so the regex engine skips ahead to capitals instead of trying every position.
TOKEN = rf"[{UPPER}](?<![\w-].)[{LOWER}'’]++(?:-[{UPPER}{LOWER}][{LOWER}]++)?+"
PARTICLE = r"(?:van|von|de|der|den|af|da|di|le|la|du)"
NAME = rf"(?-i:{TOKEN}(?:[ ](?:{PARTICLE}[ ])?{TOKEN}){{0,2}})"
PLACEHOLDER = re.compile(r"\{(num|people|colleague|self|name|names)\}")
SEAT_LISTS = ("one_more", "explicit_total", "count_noun", "companions", "register_other", "self_included")
CANCEL_LISTS = ("withdraw_all", "withdraw_count", "withdraw_reduced", "withdraw_named", "withdraw_self",
                "plural", "singular")
WORD_LISTS = ("people", "colleagues", "self", "not_names", "titles", "label_name", "label_title", "label_email",
              "label_org", "label_other", "list_headings", "sign_offs")


@dataclass(frozen=True)
class OrgTable:
    order: tuple[str, ...]
    suffix: re.Pattern[str]  # a name that ends in a suffix (the whole name is group "org")
    suffix_in_text: ph.GatedPattern  # the same, gated by the suffixes (for finditer over a whole text)
    strong_cue: ph.GatedPattern  # cue + capitalised name (group "org")
    weak_cue: ph.GatedPattern  # cue + name with suffix (group "org")
    exclude: tuple[str, ...]  # lower-cased
    host_domains: tuple[str, ...]
    free_mail: tuple[str, ...]
    subject_words: frozenset[str]


@dataclass(frozen=True)
class ExtractTable:
    numbers: dict[str, int]
    seat_order: tuple[str, ...]
    cancel_order: tuple[str, ...]
    max_seats: int
    seats: dict[str, tuple[ph.GatedPattern, ...]]
    cancel: dict[str, tuple[ph.GatedPattern, ...]]
    substitution: tuple[ph.GatedPattern, ...]
    substitution_gate: ph.GatedPattern
    words: dict[str, frozenset[str]]  # lower-cased word lists
    sign_off: re.Pattern[str]
    titles: re.Pattern[str]
    org: OrgTable
    lang: dict[str, frozenset[str]]  # nb / nn / en function words (nb and nn: only the distinguishing ones)
    # names.clean_name's results by candidate: a memo of a pure function of the candidate and this table
    # (the same words come back in every message), not state.  Bounded by MEMO_MAX.
    name_memo: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def number(self, token: str | None) -> int | None:
        if not token:
            return None
        token = token.strip().lower()
        return int(token) if token.isdigit() else self.numbers.get(token)

    @classmethod
    def load(cls, rules_dir: Path) -> ExtractTable:
        path = Path(rules_dir) / RULES_FILE
        data = read_rules_toml(path)
        return _build(data, str(path))


def _build(data: dict[str, Any], source: str) -> ExtractTable:
    words_table = ph.section(data, "words", source)
    words = {key: frozenset(ph.strings(words_table, key, source, lower=True)) for key in WORD_LISTS}
    numbers = _numbers(ph.section(data, "numbers", source), source)
    fill = _filler(numbers, words_table, source)
    seats, cancel = ph.section(data, "seats", source), ph.section(data, "cancellation", source)
    seat_patterns, cancel_patterns = ph.section(seats, "patterns", source), ph.section(cancel, "patterns", source)
    return ExtractTable(
        numbers=numbers,
        seat_order=_order(seats, source, "seats"),
        cancel_order=_order(cancel, source, "cancellation"),
        max_seats=ph.integer(seats, "max", source, 1, 10000),
        seats={key: fill(seat_patterns, key) for key in SEAT_LISTS},
        cancel={key: fill(cancel_patterns, key) for key in CANCEL_LISTS},
        substitution=fill(ph.section(data, "substitution", source), "patterns"),
        substitution_gate=_gate(ph.text(ph.section(data, "substitution", source), "gate", source), source),
        words=words,
        sign_off=_line_starts(ph.strings(words_table, "sign_offs", source)),
        titles=ph.phrases(words["titles"], source, "titles"),
        org=_org(ph.section(data, "organization", source), source),
        lang=_language(ph.section(data, "language", source), source),
    )


def _order(table: dict[str, Any], source: str, name: str) -> tuple[str, ...]:
    order = table.get("order")
    if not isinstance(order, list):
        raise RulesError(source, f"[{name}] 'order' must be a list of rule names")
    return tuple(order)


def _numbers(table: dict[str, Any], source: str) -> dict[str, int]:
    numbers = {}
    for word, value in table.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 100:
            raise RulesError(source, f"numbers.{word}: must be an integer between 1 and 99")
        numbers[word.lower()] = value
    return numbers


def _alternation(items) -> str:
    return "|".join(ph.phrase_regex(w).replace(r"\b", "") for w in sorted(set(items), key=len, reverse=True))


def _filler(numbers: dict[str, int], words: dict[str, Any], source: str):
    """A function compiling the pattern list `key` of a table with the placeholders filled in."""
    parts = {
        "people": f"(?:{_alternation(ph.strings(words, 'people', source))})",
        "colleague": f"(?:{_alternation(ph.strings(words, 'colleagues', source))})",
        "self": r"(?:(?-i:I)|jeg|meg|eg|me|myself)",
        "name": rf"(?:{NAME}|(?-i:I)\b|\b(?:jeg|meg|eg|myself)\b)",
        "names": rf"(?:{NAME}(?:(?:,[ ]|[ ]og[ ]|[ ]and[ ]|[ ]&[ ]|,[ ]og[ ]|,[ ]and[ ]){NAME})*)",
    }
    number = rf"(?:\d{{1,2}}(?![\d:.,]\d)|(?:{_alternation(numbers)})\b)"

    def compile_list(table: dict[str, Any], key: str) -> tuple[ph.GatedPattern, ...]:
        """The patterns of `key`, compiled.  Lists without named groups of their own are joined into one
        alternation (one scan of the text instead of one per pattern; the leftmost match wins)."""
        counter = iter(["num"] + [f"num{i}" for i in range(2, 100)])
        filled = []
        for pattern in ph.strings(table, key, source):
            spaced = re.sub(r" (?![?*+{])", r"\\s+", pattern)
            filled.append(PLACEHOLDER.sub(
                lambda m: f"(?P<{next(counter)}>{number})" if m.group(1) == "num" else parts[m.group(1)], spaced
            ))
            ph.regexes([filled[-1]], source, key)  # each pattern must compile alone (names the bad one)
        if any("(?P<" in p for p in ph.strings(table, key, source)):
            return tuple(ph.GatedPattern([f]) for f in filled)
        return (ph.GatedPattern(filled),)

    return compile_list


def _gate(pattern: str, source: str) -> ph.GatedPattern:
    ph.regexes([pattern], source, "gate")  # a bad one raises RulesError naming it
    return ph.GatedPattern([pattern])


def _line_starts(items) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True))
    return re.compile(rf"^\s*(?:{alternatives})(?![\w])[\s,.!:-]*", re.IGNORECASE)


def _org(table: dict[str, Any], source: str) -> OrgTable:
    suffixes = ph.strings(table, "suffixes", source)
    suffix_words = ph.strings(table, "suffix_words", source, lower=True)
    name_word = rf"(?-i:[{UPPER}0-9](?<![\w&.'’-].)[\w&.'’-]*+)"  # look-behind after the capital: see TOKEN
    joiner = r"(?:[ ](?:og|&|and|of|for|i|av)(?=[ ][A-ZÆØÅ0-9]))?"
    suffix_alt = "|".join(re.escape(s) for s in sorted(suffixes, key=len, reverse=True))
    word_alt = "|".join(re.escape(s) for s in sorted(suffix_words, key=len, reverse=True))
    # "[ ]" before the alternation (same matches as in each branch): it leaves the suffixes as the
    # alternation's leading words, which GatedPattern uses as a gate.
    ending = rf"[ ](?:(?-i:{suffix_alt})(?![\w])|(?i:{word_alt})\b)"
    with_suffix = rf"(?P<org>{name_word}(?:{joiner}[ ]{name_word}){{0,5}}{ending})"
    capitalised = rf"(?P<org>{name_word}(?:{joiner}[ ]{name_word}){{0,5}}(?:{ending})?)"
    return OrgTable(
        order=_order(table, source, "organization"),
        suffix=re.compile(with_suffix),
        suffix_in_text=ph.GatedPattern([with_suffix], flags=0),
        strong_cue=_cued(ph.strings(table, "strong_cues", source), capitalised),
        weak_cue=_cued(ph.strings(table, "weak_cues", source), with_suffix),
        exclude=ph.strings(table, "exclude", source, lower=True),
        host_domains=ph.strings(table, "host_domains", source, lower=True),
        free_mail=ph.strings(table, "free_mail", source, lower=True),
        subject_words=frozenset(ph.strings(table, "subject_words", source, lower=True)),
    )


def _cued(cues: tuple[str, ...], name: str) -> ph.GatedPattern:
    """`\\b(?:cue|cue|...)[ ]+name` (cues longest first, as `_alternation` orders them) as one source
    per cue: the same matches (leftmost, a tie to the earlier cue), but each cue is gated by its own words
    and found by its lower-cased self (a GatedPattern finder), not by the case-sensitive name after it."""
    ordered = sorted(set(cues), key=len, reverse=True)
    sources = [rf"\b(?:{_alternation([cue])})[ ]+{name}" for cue in ordered]
    finders = [rf"\b(?:{_alternation([cue.lower()])})[ ]+" for cue in ordered]
    return ph.GatedPattern(sources, finders=finders)


def _language(table: dict[str, Any], source: str) -> dict[str, frozenset[str]]:
    nb, nn, en = (frozenset(ph.strings(table, key, source, lower=True)) for key in ("nb", "nn", "en"))
    # Words in both an English and a Norwegian list ("me", "her") tell nothing about English vs Norwegian,
    # but still tell Nynorsk from Bokmål once the text is known to be Norwegian.
    return {"nb": nb - nn, "nn": nn - nb, "en": en - nb - nn, "no": nb | nn, "en_shared": en & (nb | nn),
            "no_only": (nb | nn) - (en & (nb | nn))}


@dataclass(frozen=True)
class ExtractFacts:
    """One message as the extract rules see it."""

    mail: ParsedMail
    table: ExtractTable
    text: str  # what the sender wrote (new_text, else text), its first TEXT_MAX characters
    body: str  # subject + text: where counts are looked for
    tail: str  # the last TAIL_MAX characters of what the sender wrote: where a sign-off is looked for
    listing: str  # what the sender wrote, its first LIST_MAX characters: where people are looked for
    sender: Attendee
    folded_body: str | None = None  # phrases.fold(body): lower-cased once for all the patterns
    folded_text: str | None = None  # phrases.fold(text)

    @cached_property
    def people(self) -> Found:
        """names.find_people in `listing`, found on first use: only the seat rules and an organisation
        candidate that might be a person's name need them."""
        from mailbot.understand.names import find_people  # names builds on this module

        return find_people(self.listing, self.table, running=TEXT_MAX)

    @property
    def sender_domain(self) -> str:
        return self.mail.from_addr.rsplit("@", 1)[-1].lower() if "@" in self.mail.from_addr else ""

    def is_sender(self, name: str) -> bool:
        return bool(self.mail.from_name) and name.casefold() == self.mail.from_name.strip().casefold()
