"""GatedPattern: a case-insensitive alternation of regular expressions, searched fast.

Python's regex engine cannot skip ahead in a case-insensitive pattern (or one that starts with \b), so a
search that finds nothing tries every alternative at every position.  GatedPattern first checks, with plain
substring tests on the lower-cased text, words that every match of a source must contain; a source whose
words are absent cannot match and is skipped.  The sources left are searched one by one (each compiled
once, at load) and the leftmost match wins, a tie going to the earlier source: exactly what the joined
alternation returns, without compiling a new alternation for every set of sources a text leaves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mailbot.understand.gates import (TRICKY, at_boundary, caseless, leading_boundary, may_be_empty, parse,
                                     source_gates, word_char)

_TRICKY_CHARS = re.compile("[%s\u0307]" % "".join(sorted(map(re.escape, TRICKY))))

_WORD_RUN = re.compile(r"\w+")
MEMO_MAX = 4096  # remembered sets of present words per GatedPattern; the memo is emptied when full
FEW = 4  # sources; for so few, checking the gates costs less than looking the answer up in the memo


def word_runs(text: str) -> frozenset[str]:
    """The runs of word characters in `text` (what a `\\b`-bounded literal must be one of)."""
    return frozenset(_WORD_RUN.findall(text))


class Folded(str):
    """A folded text (see `fold`) that also knows its words: the runs of word characters, found once
    however many patterns ask.  A memo of a pure function of the (immutable) text."""

    def words(self) -> frozenset[str]:
        found = self.__dict__.get("_words")
        if found is None:
            whole = self.__dict__.get("_whole")
            found = self._words = whole.words() if whole is not None else word_runs(self)
        return found

    def tail(self, start: int) -> Folded:
        """self[start:], sharing self's word set when a non-word character (or nothing) precedes `start`:
        every word of the tail is then a word of self, and a gate may see more words than are there."""
        part = Folded(self[start:])
        if start == 0 or not word_char(self[start - 1]):
            part._whole = self
        return part


def fold(text: str) -> str | None:
    """`text` lower-cased for GatedPattern, or None when lower-casing could hide a match (rare scripts).
    When not None it has the length of `text`, character for character."""
    folded = text.lower()
    if folded.isascii() or not _TRICKY_CHARS.search(folded):
        return folded
    return None


def fold_shared(text: str) -> Folded | None:
    """fold(text) as a Folded, for a text that several patterns search: they share its word set."""
    folded = fold(text)
    return None if folded is None else Folded(folded)


class GatedPattern:
    """Same matches as `re.compile("|".join(f"(?:{s})" for s in sources), flags)` (kept as `whole`, or
    None when sources share a group name), searched source by source, skipping sources whose required
    words are not in the text.

    `search` returns the leftmost match, and of two at the same place the one of the earlier source;
    `finditer` returns successive non-overlapping matches.  Pass `folded` (fold(text)) when the same text
    is searched by several patterns, so it is lower-cased once.  A match object comes from the source that
    matched, compiled alone: group(0), start/end and named groups are as the whole pattern's, numbered
    groups are not (no caller uses them).  Read-only after construction: share freely."""

    def __init__(self, sources: list[str], flags: int = re.IGNORECASE,
                 finders: list[str | None] | None = None) -> None:
        """`finders` (optional, one per source): a case-insensitive pattern without upper-case letters
        that matches the lower-cased text wherever its source matches the text, e.g. the source's
        opening words; used to find where to try a source that cannot be searched lower-cased itself."""
        self.pattern = "|".join(f"(?:{s})" for s in sources)
        self._flags = flags
        self._whole: re.Pattern[str] | None | bool = False  # compiled on first use (False: not yet)
        gates = [source_gates(s, flags) for s in sources]
        # Without words to check (or where a source cannot be analysed) the joined pattern is used.
        usable = all(g is not None for g in gates) and any(gates)
        # Each source's gates, the likely rarest first, so that most sources are ruled out by the first.
        self._gates = tuple(tuple(sorted(g, key=_rarity)) for g in gates) if usable else None  # type: ignore[arg-type]
        self._sources = tuple(Source(s, flags, f) for s, f in zip(sources, finders or [None] * len(sources)))
        pairs = {pair for g in self._gates or () for words in g for pair in words}
        self._whole_words = frozenset(w for w, whole in pairs if whole)
        self._part_words = tuple(sorted({w for w, whole in pairs if not whole}))
        self._by_words: dict[tuple[frozenset[str], frozenset[str]], tuple[int, ...]] = {}
        # Each gate as (its whole words, its other words), for set tests.
        self._gate_sets = tuple(
            tuple((frozenset(w for w, whole in words if whole), frozenset(w for w, whole in words if not whole))
                  for words in gates) for gates in self._gates or ())
        # finditer steps from one match's end to the next search; a source that can match the empty
        # string would need the engine's own rule for empty matches, so such texts use `whole`.
        self._empty = any(may_be_empty(s, flags) for s in sources)
        if self._empty and self.whole is None:
            raise ValueError("sources that may match the empty string must join into one pattern")

    @property
    def whole(self) -> re.Pattern[str] | None:
        """The joined pattern, compiled on first use (it is needed only for texts the gates cannot read);
        None when sources share a group name (a source per cue, each with its "org"): the joined pattern
        does not compile, and where it would be used the sources are searched one by one."""
        if self._whole is False:
            try:
                self._whole = re.compile(self.pattern, self._flags)
            except re.error:
                self._whole = None
        return self._whole  # type: ignore[return-value]

    def search(self, text: str, folded: str | None = None, pos: int = 0) -> re.Match[str] | None:
        if self._gates is not None:
            folded = fold(text) if folded is None else folded
        if self._gates is None or folded is None:
            if self.whole is not None:
                return self.whole.search(text, pos)
            return self._leftmost(range(len(self._sources)), text, None, pos)
        return self._leftmost(self._candidates(folded), text, folded, pos)

    def _leftmost(self, chosen, text: str, folded: str | None, pos: int) -> re.Match[str] | None:
        """The leftmost match of the sources `chosen` (indices, in order) from `pos`; a tie goes to the
        earlier source."""
        best = None
        for i in chosen:
            found = self._sources[i].find(text, folded, pos)
            if found is not None and (best is None or found.start() < best.start()):
                best = found
                if found.start() == pos:
                    break  # nothing starts earlier, and later sources lose a tie
        return best

    def possible(self, folded: str | None) -> bool:
        """False when no source can match in the text folded to `folded` (nor in any part of it)."""
        return folded is None or self._gates is None or bool(self._candidates(folded))

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        if self._gates is not None and not self._empty:
            folded = fold(text) if folded is None else folded
        if self._gates is None or self._empty or folded is None:
            if self.whole is not None:
                return self.whole.finditer(text)
            return self._successive(list(self._sources), text, None)
        chosen = self._candidates(folded)
        if not chosen:
            return iter(())
        return self._successive([self._sources[i] for i in chosen], text, folded)

    @staticmethod
    def _successive(chosen: list[Source], text: str, folded: str | None) -> Iterator[re.Match[str]]:
        """The leftmost match from `pos`, then again from its end (no source matches the empty string).
        Each source's next match is kept until a winner's end passes its start: a match at or after the
        new position is still that source's leftmost from there."""
        pending = [source.find(text, folded, 0) for source in chosen]
        pos = 0
        while True:
            best = None
            for i, found in enumerate(pending):
                if found is not None and found.start() < pos:
                    found = pending[i] = chosen[i].find(text, folded, pos)
                if found is not None and (best is None or found.start() < best.start()):
                    best = found
            if best is None:
                return
            yield best
            pos = best.end()

    def _candidates(self, folded: str) -> tuple[int, ...]:
        """The sources whose every gate has a word in `folded` (the others cannot match anywhere in the
        text, so leaving them out changes neither the leftmost match nor the source chosen on a tie).

        Words every match holds whole are looked up in the text's word set (one set intersection, shared
        by every pattern searching the same Folded text), the others as substrings.  The sources for a
        set of present words are remembered (`_by_words`, a bounded memo of a pure function)."""
        runs = folded.words() if isinstance(folded, Folded) else None
        contains = folded.__contains__  # filter() with it tests every word without a Python-level loop
        whole = frozenset(filter(contains, self._whole_words)) if runs is None else runs & self._whole_words
        part = frozenset(filter(contains, self._part_words))
        if len(self._gate_sets) <= FEW:
            return self._passing(whole, part)
        key = (whole, part)
        chosen = self._by_words.get(key)
        if chosen is None:
            if len(self._by_words) >= MEMO_MAX:
                self._by_words.clear()
            chosen = self._by_words[key] = self._passing(whole, part)
        return chosen

    def _passing(self, whole: frozenset[str], part: frozenset[str]) -> tuple[int, ...]:
        """The sources each of whose gates has a word in `whole` (its whole words) or `part` (the rest)."""
        chosen = []
        for i, gates in enumerate(self._gate_sets):
            for whole_words, part_words in gates:
                if whole_words.isdisjoint(whole) and part_words.isdisjoint(part):
                    break
            else:
                chosen.append(i)
        return tuple(chosen)


class Source:
    """One source of a GatedPattern, and how to find its leftmost match fast.

    `plain` is the source as given (matched on the original text).  `finder`, when there is one, is searched
    on the folded text instead: the source without IGNORECASE (several times faster), and without a leading
    `\\b` (which would keep the engine from skipping ahead to the first letters; the boundary is checked at
    each hit instead).  A source with "(?-i:I)" gets a finder with "i" there, which also finds "i": every
    place where the source matches is a hit, and each hit is confirmed by `plain.match` there, so the
    result is always plain.search's.  Both are compiled on first use: most sources are ruled out by their
    gates in nearly every text, and compiling them all would slow the start."""

    __slots__ = ("source", "flags", "finder_source", "boundary", "_plain", "_finder")

    def __init__(self, source: str, flags: int, finder: str | None = None) -> None:
        parse(source, flags)  # a bad source raises re.error now, not at its first use
        self.source, self.flags = source, flags
        self.finder_source: str | None = None  # searched without IGNORECASE on folded text
        self.boundary = False
        self._plain: re.Pattern[str] | None = None
        self._finder: re.Pattern[str] | None = None
        if not flags & re.IGNORECASE or flags & (re.ASCII | re.LOCALE):
            return
        loose = source
        if finder is not None:
            if not caseless(finder, flags):
                raise ValueError(f"finder {finder!r} must read the same on lower-cased text")
            loose = finder
        elif not caseless(source, flags):
            loose = source.replace("(?-i:I)", "i")
            if loose == source or not caseless(loose, flags):
                return
        self.boundary = leading_boundary(loose, flags)
        self.finder_source = loose[2:] if self.boundary else loose

    @property
    def plain(self) -> re.Pattern[str]:
        if self._plain is None:
            self._plain = re.compile(self.source, self.flags)
        return self._plain

    def find(self, text: str, folded: str | None, pos: int) -> re.Match[str] | None:
        """plain.search(text, pos); `folded` is fold(text) (None: the finder is not used)."""
        if self.finder_source is None or folded is None:
            return self.plain.search(text, pos)
        finder = self._finder
        if finder is None:
            finder = self._finder = re.compile(self.finder_source, self.flags & ~re.IGNORECASE)
        plain = self.plain
        while (hit := finder.search(folded, pos)) is not None:
            start = hit.start()
            if not self.boundary or at_boundary(text, start):
                match = plain.match(text, start)
                if match is not None:
                    return match
            pos = start + 1
        return None


def _rarity(words: tuple[tuple[str, bool], ...]) -> int:
    """Sort key of a gate: the longer its shortest word, the rarer it is likely to be."""
    return -min(len(w) for w, _whole in words)
