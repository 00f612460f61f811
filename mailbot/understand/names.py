"""People named in a message: bullet and numbered lists, tables turned into text (cells separated by " | "),
"Navn: ..." forms, lists after a heading ("Deltakere: Ola Hansen, Kari Berg") and names in running text
("Ola Hansen og Kari Berg kommer").

A list item or table row is a person when its first part is a name: capitalised words, none of them a word
that is never a name (rules/extract.toml [words].not_names), no digits.  A one-word name is accepted only
with an e-mail address or a job title beside it, so that "- Mobilitet: flere ladepunkter" is not a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mailbot.domain import Attendee
from mailbot.understand.extract_table import MEMO_MAX, NAME, UPPER, ExtractTable
from mailbot.understand.gated import GatedPattern, fold

BULLET = re.compile(r"^\s*(?:[-*•·–—]|\d{1,2}[.)]|[a-h][.)])\s+(?P<item>\S.*)$")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+\d{2}\s?)?\d[\d ]{6,}\d")
LABEL = re.compile(r"^\s*(?P<label>[\w][\w .-]{0,24}?)\s*:\s*(?P<value>.*)$")
SPLIT = re.compile(r"\s*(?:,|;|\||\s[–—-]\s|\(|\)|\s/\s)\s*")
ENUM_NAME = re.compile(NAME)
SELF_WORD = re.compile(r"^(?:meg|jeg|eg|me|myself|meg selv|meg sjølv|I)$", re.IGNORECASE)
TRAILER = re.compile(
    r"^\s*(?:kommer|kjem|deltar|deltek|blir med|vil delta|skal delta|ønsker å delta|will attend|will come|"
    r"are coming|would like to attend|will join|will be attending|kommer også|melder seg)\b",
    re.IGNORECASE,
)
LEADER = GatedPattern([
    r"(?:melde på|melder på|meld på|påmelding for|påmelding av|register|sign up|vi blir|me blir|we will be|"
    r"we are|deltakere er|deltakarar er)\s*:?\s+(?:(?:min|mi|mitt|vår|våre|my|our)\s+)?(?:(?:kollega|kollegaen|"
    r"kollegane|kollegaene|kolleger|sjef|sjefen|leder|lederen|leiar|colleague|colleagues|boss|manager)\s+)?"
    r"(?:(?:min|mi|mitt|vår|våre)\s+)?:?\s*$"
])  # a GatedPattern: most text before a name has none of the sign-up phrases, and a substring test says so
COLON_BEFORE = re.compile(r":\s*$")


@dataclass(frozen=True)
class Found:
    """People found in the text, and whether the sender ("meg", "jeg") is listed among them."""

    people: tuple[Attendee, ...]
    includes_self: bool
    how: str  # "list", "table", "form", "heading", "text" or ""


def clean_name(candidate: str, table: ExtractTable) -> str | None:
    """The name in `candidate` with leading/trailing non-name words dropped, or None when none is left.
    Memoised per table (table.name_memo): running text asks about the same capitalised words again and again."""
    memo = table.name_memo
    try:
        return memo[candidate]
    except KeyError:
        pass
    if len(memo) >= MEMO_MAX:
        memo.clear()
    name = memo[candidate] = _clean_name(candidate, table)
    return name


def _clean_name(candidate: str, table: ExtractTable) -> str | None:
    words = candidate.strip(" .:!?").split()
    not_names = table.words["not_names"]
    while words and words[0].lower() in not_names:
        words.pop(0)
    while words and words[-1].lower() in not_names:
        words.pop()
    if not words or any(ch.isdigit() for ch in "".join(words)) or not ENUM_NAME.fullmatch(" ".join(words)):
        return None
    if table.org.suffix.search(" ".join(words)):
        return None
    return " ".join(words)


def _is_title(text: str, table: ExtractTable) -> bool:
    return bool(text) and bool(table.titles.search(text)) and not EMAIL.search(text)


def person_from_parts(parts: list[str], table: ExtractTable) -> Attendee | None:
    """An Attendee from the cells of a row or the parts of a list item (name first), or None."""
    parts = [p.strip() for p in parts if p and p.strip()]
    if not parts:
        return None
    name = clean_name(parts[0], table)
    if name is None:
        return None
    rest = parts[1:]
    email = next((m.group(0) for p in rest if (m := EMAIL.search(p))), None)
    title = next((p for p in rest if _is_title(p, table) and not PHONE.fullmatch(p)), None)
    if " " not in name and not (email or title):
        return None
    return Attendee(name=name, email=email, title=title)


def _is_header_row(cells: list[str], table: ExtractTable) -> bool:
    labels = table.words["label_name"] | table.words["label_title"] | table.words["label_email"]
    return sum(1 for c in cells if c.strip().lower() in labels) >= 1


def from_lines(lines: list[str], table: ExtractTable) -> tuple[list[Attendee], str]:
    """People in bullet/numbered lists and table rows."""
    people: list[Attendee] = []
    how = ""
    for line in lines:
        if line.count("|") >= 1 and not BULLET.match(line):
            cells = [c for c in line.strip().strip("|").split("|")]
            if _is_header_row(cells, table):
                continue
            found = person_from_parts(cells, table)
            how = how or ("table" if found else "")
        elif match := BULLET.match(line):
            found = person_from_parts(SPLIT.split(match.group("item")), table)
            how = how or ("list" if found else "")
        else:
            continue
        if found:
            people.append(found)
    return people, how


def from_form(lines: list[str], table: ExtractTable) -> list[Attendee]:
    """People in "Navn: ... / Stilling: ... / E-post: ..." forms; each "Navn:" starts a new person."""
    people: list[dict[str, str | None]] = []
    for line in lines:
        match = LABEL.match(line)
        if not match:
            continue
        label, value = match.group("label").strip().lower(), match.group("value").strip()
        if label in table.words["label_name"] and (name := clean_name(SPLIT.split(value)[0], table)):
            people.append({"name": name, "email": None, "title": None})
        elif people and label in table.words["label_title"] and value:
            people[-1]["title"] = value
        elif people and label in table.words["label_email"] and (m := EMAIL.search(value)):
            people[-1]["email"] = m.group(0)
    return [Attendee(name=p["name"] or "", email=p["email"], title=p["title"]) for p in people]


SELF_OR_NAME = re.compile(rf"\b(?:meg selv|meg sjølv|meg|jeg|eg|myself|me)\b|(?-i:\bI\b)|{NAME}", re.IGNORECASE)
# Every SELF_OR_NAME match begins at a word start with m/j/e (either case; no other character matches them
# case-insensitively) or a capital ("I" included).  Trying the pattern only there finds the same matches
# several times faster than its own scan, which tries every alternative at every position.
SELF_OR_NAME_START = re.compile(rf"\b[mjeMJE{UPPER}]")
JOINER = re.compile(r",\s*og\s+|,\s*and\s+|,\s*|\s+og\s+|\s+and\s+|\s*&\s*")


def _enumeration(text: str, table: ExtractTable, start: int = 0,
                 first: re.Match[str] | None = None) -> tuple[list[str], bool, int]:
    """Names joined by "," / "og" / "and" (and "meg") at `start` of `text`: (names, sender listed, end -
    start).  `first` is SELF_OR_NAME's match at `start` when the caller has it.  Matching in place gives
    what matching text[start:] gives: a SELF_OR_NAME match found at `start` (a word start, see
    self_or_names) reads the same with or without what precedes it, and later ones see only text after it."""
    names: list[str] = []
    includes_self = False
    end = start
    match = first if first is not None else SELF_OR_NAME.match(text, start)
    while match is not None:
        word = match.group(0)
        if SELF_WORD.match(word):
            includes_self = True
        elif name := clean_name(word, table):
            names.append(name)
        else:
            break
        end = match.end()
        join = JOINER.match(text, end)
        if not join:
            break
        match = SELF_OR_NAME.match(text, join.end())
    return names, includes_self, end - start


def from_text(text: str, table: ExtractTable) -> tuple[list[str], bool, str]:
    """Names listed after a heading ("Deltakere: A, B og C"), before a verb ("A og B kommer") or after a
    sign-up verb ("melde på A og B")."""
    for line in text.splitlines():
        match = LABEL.match(line)
        if match and match.group("label").strip().lower() in table.words["list_headings"]:
            names, me, _end = _enumeration(match.group("value").strip(), table)
            if names:
                return names, me, "heading"
    # LEADER is searched in windows of `text`: when none of its words is in the whole text, none can match.
    leader = LEADER.possible(fold(text))
    for match in self_or_names(text):
        start = match.start()
        names, me, end = _enumeration(text, table, start, match)
        before = text[max(0, start - 40):start]
        enough = len(names) + me >= 2 or (names and " " in names[0])  # two people, or one full name
        if (enough and TRAILER.match(text[start + end:])) or (names and leader and LEADER.search(before)) or (
            len(names) + me >= 2 and COLON_BEFORE.search(before)
        ):
            return names, me, "text"
    return [], False, ""


def self_or_names(text: str) -> Iterator[re.Match[str]]:
    """The matches of SELF_OR_NAME.finditer(text), in order (the pattern is tried only where
    SELF_OR_NAME_START finds a possible start; it never matches the empty string)."""
    pos = 0
    while (found := SELF_OR_NAME_START.search(text, pos)) is not None:
        match = SELF_OR_NAME.match(text, found.start())
        if match is None:
            pos = found.start() + 1
            continue
        yield match
        pos = match.end()


def find_people(text: str, table: ExtractTable, running: int = 2500) -> Found:
    """Everyone named in `text` (lists and tables first, then forms, then running text: its first
    `running` characters)."""
    lines = text.splitlines()
    people, how = from_lines(lines, table)
    if not people:
        people, how = from_form(lines, table), "form"
    if people:
        return Found(tuple(_dedupe(people)), False, how)
    names, me, how = from_text(text[:running], table)
    return Found(tuple(_dedupe([Attendee(n) for n in names])), me, how if (names or me) else "")


def _dedupe(people: list[Attendee]) -> list[Attendee]:
    seen: set[str] = set()
    out = []
    for person in people:
        key = person.name.casefold()
        if key not in seen:
            seen.add(key)
            out.append(person)
    return out
