"""Reading word lists and phrases from the rule files in rules/, and turning them into compiled patterns.

Phrases in rule files are plain text so that a non-programmer can add one: matching is case-insensitive,
on word boundaries, with any run of white space matching any other, and "..." standing for up to 60
characters on one line ("Ich bin bis ... nicht im Büro").  Every problem raises RulesError naming the file
and the key, so a typo stops the bot at start instead of silently disabling a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mailbot.errors import RulesError

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


# ----------------------------------------------------------------------------------------- fast searching
# Python's regex engine cannot skip ahead in a case-insensitive pattern (or one that starts with \b), so a
# search that finds nothing tries every pattern at every position.  GatedPattern first checks, with plain
# substring tests on the lower-cased text, words that every match must contain; a source whose words are
# absent cannot match and is skipped.  The result is always what the plain pattern would give.
try:  # private modules; without them there are no gates and every search runs the pattern itself
    import re._casefix as _casefix
    import re._constants as _constants
    import re._parser as _parser
except ImportError:  # pragma: no cover - other Python versions
    _casefix = _constants = _parser = None

# Characters whose lower-case form may hide an IGNORECASE match from a substring test: the regex engine
# also matches "ı" to "i", "ſ" to "s", ... (re._casefix), and "İ".lower() is "i" + U+0307.
_TRICKY = {chr(c) for k, v in (_casefix._EXTRA_CASES.items() if _casefix else ()) for c in (k, *v) if c > 127}
_TRICKY_CHARS = re.compile("[%s\u0307]" % "".join(sorted(map(re.escape, _TRICKY))))


def fold(text: str) -> str | None:
    """`text` lower-cased for GatedPattern, or None when lower-casing could hide a match (rare scripts)."""
    folded = text.lower()
    if folded.isascii() or not _TRICKY_CHARS.search(folded):
        return folded
    return None


MEMO_MAX = 4096  # distinct sets of present words remembered per GatedPattern


class GatedPattern:
    """One compiled alternation of `sources` (same matches as re.compile("|".join("(?:s)")), flags)),
    searched source by source, skipping sources whose required words are not in the text.

    Like the joined pattern, `search` returns the leftmost match, and of two at the same place the one of
    the earlier source; `finditer` returns successive non-overlapping matches.  Pass `folded` (fold(text))
    when the same text is searched by several patterns, so it is lower-cased once."""

    def __init__(self, sources: list[str], flags: int = re.IGNORECASE) -> None:
        self.whole = re.compile("|".join(f"(?:{s})" for s in sources), flags)
        self.pattern = self.whole.pattern
        self._sources, self._flags = tuple(sources), flags
        gates = [_gates(s, flags) for s in sources]
        # Without words to check (or where a source can match the empty string) the joined pattern is used.
        usable = all(g is not None for g in gates) and any(gates)
        self._gates: tuple[tuple[tuple[str, ...], ...], ...] | None = tuple(gates) if usable else None  # type: ignore[arg-type]
        # The sources that can match a text, joined (in their order) into one pattern: compiled on first
        # use.  A memo of compiled patterns, not state: every entry is a pure function of its key.
        self._joined: dict[tuple[int, ...], tuple[re.Pattern[str], re.Pattern[str] | None] | None] = {}
        # Sources that read the same on lower-cased text without IGNORECASE are searched that way (the
        # engine is several times faster without it), then re-matched at the place found for the match
        # object on the original text.
        self._caseless = bool(flags & re.IGNORECASE) and all(_caseless(s, flags) for s in sources)
        # Every gate word once (sources share many), and a memo from the words present to the sources that
        # can match, so a text costs one substring test per distinct word, not one per source and word.
        self._words = tuple(dict.fromkeys(w for gates in (self._gates or ()) for words in gates for w in words))
        self._by_words: dict[frozenset[str], tuple[int, ...]] = {}

    def search(self, text: str, folded: str | None = None, pos: int = 0) -> re.Match[str] | None:
        folded = fold(text) if folded is None and self._gates is not None else folded
        chosen = self._candidates(folded)
        if chosen is None:
            return None
        pattern, lower = chosen
        if lower is None or folded is None:
            return pattern.search(text, pos)
        found = lower.search(folded, pos)
        return pattern.match(text, found.start()) if found is not None else None

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        folded = fold(text) if folded is None and self._gates is not None else folded
        chosen = self._candidates(folded)
        if chosen is None:
            return iter(())
        pattern, lower = chosen
        if lower is None or folded is None:
            return pattern.finditer(text)
        return (pattern.match(text, found.start()) for found in lower.finditer(folded))  # type: ignore[misc]

    def _candidates(self, folded: str | None) -> tuple[re.Pattern[str], re.Pattern[str] | None] | None:
        """(pattern, its lower-case twin or None) with the same matches in the text as the whole pattern;
        None when nothing can match.  The sources left out cannot match anywhere in the text, so the
        leftmost match and the source chosen on a tie are unchanged."""
        if self._gates is None or folded is None:
            return self.whole, None
        present = frozenset([word for word in self._words if word in folded])
        key = self._by_words.get(present)
        if key is None:
            if len(self._by_words) > MEMO_MAX:
                self._by_words.clear()  # bounded: a rebuilt entry is the same pure function of its key
            key = self._by_words[present] = tuple(
                i for i, gates in enumerate(self._gates) if all(not present.isdisjoint(words) for words in gates)
            )
        try:
            return self._joined[key]
        except KeyError:
            self._joined[key] = self._compile(key)
            return self._joined[key]

    def _compile(self, key: tuple[int, ...]) -> tuple[re.Pattern[str], re.Pattern[str] | None] | None:
        if not key:
            return None
        joined = "|".join(f"(?:{self._sources[i]})" for i in key)
        lower = re.compile(joined, self._flags & ~re.IGNORECASE) if self._caseless else None
        return re.compile(joined, self._flags), lower


def _caseless(source: str, flags: int) -> bool:
    """Whether `source` (IGNORECASE) matches a text exactly where it matches the text lower-cased without
    IGNORECASE: no case-sensitive parts, no back-references, only lower-case letters (fold() rules out the
    texts where lower-casing is not enough)."""
    if _parser is None:
        return False
    try:
        return _caseless_items(list(_parser.parse(source, flags)))
    except re.error:
        return False


def _plain(code: int) -> bool:
    char = chr(code)
    return char.lower() == char and char not in _TRICKY


def _caseless_items(items: list) -> bool:
    c = _constants
    for op, arg in items:
        if op in (c.LITERAL, c.NOT_LITERAL):
            ok = _plain(arg)
        elif op is c.IN:
            ok = all(_caseless_set(o, a) for o, a in arg)
        elif op in (c.ANY, c.AT, c.CATEGORY):
            ok = True
        elif op is c.SUBPATTERN:
            ok = not ((arg[1] | arg[2]) & re.IGNORECASE) and _caseless_items(list(arg[-1]))
        elif op is c.BRANCH:
            ok = all(_caseless_items(list(b)) for b in arg[1])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            ok = _caseless_items(list(arg[2]))
        elif op in (c.ASSERT, c.ASSERT_NOT, c.ATOMIC_GROUP):
            ok = _caseless_items(list(arg[-1]))
        else:  # back-references, conditionals: not worth the risk
            ok = False
        if not ok:
            return False
    return True


def _caseless_set(op, arg) -> bool:
    c = _constants
    if op in (c.LITERAL, c.NOT_LITERAL):
        return _plain(arg)
    if op is c.RANGE:
        return arg[1] - arg[0] < 5000 and all(_plain(code) for code in range(arg[0], arg[1] + 1))
    return op in (c.NEGATE, c.CATEGORY)


def _gates(source: str, flags: int) -> tuple[tuple[str, ...], ...] | None:
    """Lower-cased words of which every match of `source` contains one of each tuple; None when `source`
    cannot be analysed."""
    if _parser is None:
        return None
    try:
        parsed = _parser.parse(source, flags)
    except re.error:
        return None
    gates = []
    for words in required_literals(list(parsed)):
        lowered = tuple(w.lower() for w in words)
        if min(map(len, lowered)) >= 2 and all(len(w) == len(o) for w, o in zip(lowered, words)) and not any(
            ch in _TRICKY for w in lowered for ch in w
        ):
            gates.append(tuple(dict.fromkeys(lowered)))
    return tuple(gates)


def required_literals(items: list) -> list[tuple[str, ...]]:
    """For a parsed sequence: tuples of alternatives, one of each tuple occurring in every match."""
    found: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, arg in items:
        if op is _constants.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            found.append(("".join(run),))
            run = []
        if op is _constants.SUBPATTERN:
            found += required_literals(list(arg[-1]))
        elif op is _constants.BRANCH:
            starts = [_leading(list(branch)) for branch in arg[1]]
            if all(starts):
                found.append(tuple(starts))
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT) and arg[0] >= 1:
            found += required_literals(list(arg[2]))
    if run:
        found.append(("".join(run),))
    return found


def _leading(items: list) -> str:
    chars = []
    for op, arg in items:
        if op is _constants.AT and not chars:
            continue  # \b, ^: zero-width, so the literal after it still starts the branch
        if op is not _constants.LITERAL:
            break
        chars.append(chr(arg))
    return "".join(chars)
