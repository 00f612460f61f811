"""What a regular expression's matches must contain, read from its parse tree (re._parser).

For GatedPattern (gated.py) and the intent rules: `source_gates` lists words of which every match holds
one of each group (a substring test on the lower-cased text rules a source out when a group is missing),
marking the words every match holds whole (a run of word characters: a look-up in the text's word set
suffices); `whole_word_gate` picks such a group for a case-sensitive pattern; `caseless` tells whether a
case-insensitive source matches lower-cased text exactly as it matches the text.  Every answer errs on the
safe side: a pattern that cannot be analysed has no gates, and "whole" is claimed only where the parse
tree proves it.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # private modules; without them there are no gates and every search runs the pattern itself
    import re._casefix as _casefix
    import re._constants as _constants
    import re._parser as _parser
except ImportError:  # pragma: no cover - other Python versions
    _casefix = _constants = _parser = None

# Characters whose lower-case form may hide an IGNORECASE match from a substring test: the regex engine
# also matches "ı" to "i", "ſ" to "s", ... (re._casefix), and "İ".lower() is "i" + U+0307.
TRICKY = frozenset(chr(c) for k, v in (_casefix._EXTRA_CASES.items() if _casefix else ()) for c in (k, *v) if c > 127)


@lru_cache(maxsize=2048)
def parse(source: str, flags: int):
    """re._parser.parse(source, flags), remembered: each rule-file pattern is analysed several ways at
    load (gates, case, width, leading \\b), and parsing is what takes the time.  Callers only read the
    tree.  Raises re.error for a bad pattern."""
    return _parser.parse(source, flags)


def leading_boundary(source: str, flags: int) -> bool:
    """Whether `source` begins with a `\\b` that applies to the whole of it (not to one alternative)."""
    if not source.startswith("\\b") or _parser is None:
        return False
    try:
        first = parse(source, flags)[0]
        parse(source[2:], flags)
    except (re.error, IndexError):
        return False
    return first == (_constants.AT, _constants.AT_BOUNDARY)


def may_be_empty(source: str, flags: int) -> bool:
    """Whether `source` may match the empty string (True when it cannot be analysed)."""
    if _parser is None:
        return True
    try:
        return parse(source, flags).getwidth()[0] == 0
    except re.error:
        return True


def caseless(source: str, flags: int) -> bool:
    """Whether `source` (IGNORECASE) matches a text exactly where it matches the text lower-cased without
    IGNORECASE: no case-sensitive parts, no back-references, only lower-case letters (fold() rules out the
    texts where lower-casing is not enough)."""
    if _parser is None:
        return False
    try:
        return _caseless_items(list(parse(source, flags)))
    except re.error:
        return False


def _plain(code: int) -> bool:
    char = chr(code)
    return char.lower() == char and char not in TRICKY


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


def source_gates(source: str, flags: int) -> tuple[tuple[tuple[str, bool], ...], ...] | None:
    """Lower-cased words of which every match of `source` contains one of each tuple, each with whether
    every match holds it as a whole word (a run of word characters between non-word characters or the
    text's edges); None when `source` cannot be analysed."""
    if _parser is None:
        return None
    try:
        parsed = parse(source, flags)
    except re.error:
        return None
    unicode_words = not parsed.state.flags & (re.ASCII | re.LOCALE)  # else \\b's word characters differ
    gates = []
    for alternatives in _word_gates(list(parsed), False, False):
        words = [w for w, _whole in alternatives]
        lowered = tuple(w.lower() for w in words)
        if min(map(len, lowered)) >= 2 and all(len(w) == len(o) for w, o in zip(lowered, words)) and not any(
            ch in TRICKY for w in lowered for ch in w
        ):
            wholes = (whole and unicode_words for _w, whole in alternatives)
            gates.append(tuple(dict.fromkeys(zip(lowered, wholes))))
    return tuple(gates)


def _word_gates(items: list, before: bool, after: bool) -> list[tuple[tuple[str, bool], ...]]:
    """required_literals(items), each literal paired with whether it is a whole word in every match.
    `before`/`after`: whether what precedes/follows `items` in every match is a non-word character or the
    text's edge (False when unknown)."""
    found: list[tuple[tuple[str, bool], ...]] = []
    run: list[str] = []
    run_before = before
    for index, (op, arg) in enumerate(items):
        if op is _constants.LITERAL:
            if not run:
                run_before = before if index == 0 else _ends_word(items[index - 1])
            run.append(chr(arg))
            continue
        if run:
            found += _run_gates(run, run_before, _ends_word((op, arg)))
            run = []
        edge_before = before if index == 0 else _ends_word(items[index - 1])
        edge_after = after if index == len(items) - 1 else _ends_word(items[index + 1])
        if op is _constants.SUBPATTERN:
            found += _word_gates(list(arg[-1]), edge_before, edge_after)
        elif op is _constants.BRANCH:
            starts = _branch_words(arg[1], edge_before, edge_after)
            if starts:
                found.append(starts)
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT) and arg[0] >= 1:
            found += _word_gates(list(arg[2]), False, False)  # repeats may touch each other
    if run:
        found += _run_gates(run, run_before, after)
    return found


def _run_gates(run: list[str], before: bool, after: bool) -> list[tuple[tuple[str, bool], ...]]:
    """The gates of a run of literal characters: the run itself (a whole word or not); or, when it holds
    non-word characters ("melde avbud", "e-post"), the words in it that are bounded on both sides, if any
    (a word-set look-up each, cheaper than a substring test for the run, and nearly as selective)."""
    whole_run = [(("".join(run), _whole(run, before, after)),)]
    if all(map(word_char, run)):
        return whole_run
    words = []
    start = None
    for index, char in enumerate([*run, " "]):
        if word_char(char) and index < len(run):
            start = index if start is None else start
            continue
        if start is not None and index - start >= 2 and (start > 0 or before) and (index < len(run) or after):
            words.append((("".join(run[start:index]), True),))
        start = None
    return words or whole_run


def _branch_words(branches, before: bool, after: bool) -> tuple[tuple[str, bool], ...] | None:
    """Words of which every match of an alternation holds one: each branch's leading literal (through
    a leading group: "(?-i:AS|ASA)" gives AS and ASA), paired with whether it is whole; None when a branch
    has none."""
    words: list[tuple[str, bool]] = []
    for branch in branches:
        found = _leading_words(list(branch), before, after)
        if not found:
            return None
        words += found
    return tuple(dict.fromkeys(words))


def _leading_words(items: list, before: bool, after: bool) -> list[tuple[str, bool]] | None:
    """The word(s) one of which every match of the sequence `items` starts with (see _branch_words)."""
    index = 0
    while index < len(items) and items[index][0] is _constants.AT:
        before = before or _ends_word(items[index])  # zero-width: "\\b" before the word bounds it
        index += 1
    follows = after if index + 1 >= len(items) else _ends_word(items[index + 1])
    if index < len(items) and items[index][0] is _constants.SUBPATTERN:
        inner = list(items[index][1][-1])
        if len(inner) == 1 and inner[0][0] is _constants.BRANCH:
            return list(_branch_words(inner[0][1][1], before, follows) or ()) or None
        return _leading_words(inner, before, follows) if inner else None
    chars = []
    while index < len(items) and items[index][0] is _constants.LITERAL:
        chars.append(chr(items[index][1]))
        index += 1
    if not chars:
        return None
    follows = after if index == len(items) else _ends_word(items[index])
    return [("".join(chars), _whole(chars, before, follows))]


def _whole(chars: list[str], before: bool, after: bool) -> bool:
    return before and after and all(map(word_char, chars))


def word_char(char: str) -> bool:
    """What `\\w` and `\\b` count as a word character (str patterns, Unicode)."""
    return char.isalnum() or char == "_"


def at_boundary(text: str, pos: int) -> bool:
    """Whether `\\b` matches at `pos` in `text` (word_char inlined: this runs at every candidate match)."""
    before = pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] == "_")
    after = pos < len(text) and (text[pos].isalnum() or text[pos] == "_")
    return before != after


_CASE_FLAGS = re.compile(r"\(\?[a-zA-Z-]*i")


def whole_word_gate(pattern: str) -> frozenset[str] | None:
    """Words of which every match of the case-sensitive `pattern` holds one as a whole word (a run of word
    characters between non-word characters or the text's edges), the longest such set found; None when
    there is none or the pattern ignores case anywhere."""
    if _parser is None or _CASE_FLAGS.search(pattern):
        return None
    try:
        parsed = parse(pattern, 0)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.ASCII | re.LOCALE):
        return None
    usable = [alternatives for alternatives in _word_gates(list(parsed), False, False)
              if all(whole and len(w) >= 2 and not any(ch in TRICKY for ch in w) for w, whole in alternatives)]
    best = max(usable, key=lambda alternatives: min(len(w) for w, _whole in alternatives), default=None)
    return frozenset(w for w, _whole in best) if best else None


def _ends_word(item: tuple) -> bool:
    """Whether `item`, next to a word character, always has a non-word character or the text's edge on
    that side: \\b, ^, $, \\A, \\Z, a non-word literal, \\s, or a repeat (at least once) of one of them."""
    op, arg = item
    c = _constants
    if op is c.AT:
        return arg in (c.AT_BOUNDARY, c.AT_BEGINNING, c.AT_BEGINNING_STRING, c.AT_END, c.AT_END_STRING)
    if op is c.LITERAL:
        return not word_char(chr(arg))
    if op is c.IN:
        return all(o is c.CATEGORY and a == c.CATEGORY_SPACE or o is c.LITERAL and not word_char(chr(a))
                   for o, a in arg)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _high, sub = arg
        return low >= 1 and len(sub) == 1 and _ends_word(list(sub)[0])
    if op is c.ASSERT_NOT:  # (?!\\w) after a word, or (?<!\\w) before it: no word character there
        _direction, sub = arg
        return len(sub) == 1 and list(sub)[0] in ((c.IN, [(c.CATEGORY, c.CATEGORY_WORD)]),
                                                 (c.CATEGORY, c.CATEGORY_WORD))
    return False


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
