"""Norwegian text analysis: spaCy's `nb` tokenizer and stop words, the lemma table, compound splitting.

`Analyzer.analyse(text)` turns a text into an `Analysis`: the lower-cased tokens, one lemma per token, and
the parts of compounds (ombruksmaterialer → lemma "ombruksmateriale", parts "ombruk" + "materiale").  Both
the rules (intent.py, focus.py) and the text classifiers (train.py) read this, so they agree on the words.

Lemmas come from the flattened Norsk Ordbank table (lemmas.py), after lower-casing.  A word the table does
not know is split greedily: the longest suffix that is a known form, after a head that is a known lemma,
optionally followed by a linking "s" or "e" (klima|verkstedet, ombruk-s-|materialer, bygge|prosjekt).
The head may itself be a compound (two levels).  Every part must have at least three letters, which keeps
splits like "el|bil" out; the lexicons list such short compounds whole.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import spacy
from spacy.attrs import ORTH
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.lang.nb.stop_words import STOP_WORDS
from spacy.language import Language as SpacyLanguage

from mailbot.understand.lemmas import LemmaTable
from mailbot.understand.texts import (MAX_ATTACHMENT_CHARS, MAX_BODY_CHARS, clean_subject,  # noqa: F401 - re-exported
                                      compose_text, sender_text)

MIN_PART = 3
MAX_WORD = 40  # longer "words" are not lemmatised or split (the longest Ordbank compounds are ~35 letters)
MAX_CHUNK = 100  # longer runs without white space are dropped before tokenizing (see `tokenizable`)
LINKING_LETTERS = ("s", "e")
MAX_DEPTH = 2
CACHE_LIMIT = 200_000  # words; a daemon sees an open-ended vocabulary, so the memo is cleared when full
NUM, URL, EMAIL = "<num>", "<url>", "<email>"
# Endings for words the (Bokmål) table lacks, tried in order; the result must be a known lemma.  Mostly
# Nynorsk inflection (bilane, syklar, materialar, verkstaden, innspela) and Bokmål -a/-en/-et variants.
SUFFIX_RULES = (
    ("ane", ""), ("ane", "e"), ("ene", ""), ("ene", "e"), ("ar", ""), ("ar", "e"), ("er", ""), ("er", "e"),
    ("en", ""), ("en", "e"), ("et", ""), ("et", "e"), ("a", ""), ("a", "e"), ("ast", ""), ("aste", ""),
)
KEEP_PUNCT = frozenset({"?", "!"})  # a question mark is a strong signal of a question
STOP_LEMMAS = frozenset(STOP_WORDS)
_MISSING = object()


def blank_pipeline() -> SpacyLanguage:
    """spaCy's blank Norwegian Bokmål pipeline: tokenizer, lexical attributes, stop words; no components."""
    return spacy.blank("nb")


class Lemmatizer:
    """Lower-case word → lemma, and word → compound parts, memoised."""

    def __init__(self, table: LemmaTable) -> None:
        self.table = table
        self._lemmas: dict[str, str] = {}
        self._unknown: set[str] = set()
        self._parts: dict[str, tuple[str, ...]] = {}
        self._known: dict[str, str | None] = {}

    def forget(self) -> None:
        """Empty the memos (the benchmark measures words seen for the first time this way)."""
        for memo in (self._lemmas, self._unknown, self._parts, self._known):
            memo.clear()

    def lemma(self, word: str) -> str:
        """The lemma of a lower-case word: the table's, a compound's (head + lemma of the last part), or the
        word itself."""
        cached = self._lemmas.get(word)
        if cached is not None:
            return cached
        if len(word) > MAX_WORD:
            return word  # not a word (base64, a pasted hash): splitting it would take quadratic time
        lemma = self.known(word)
        if lemma is None:
            split = self._split(word, MAX_DEPTH)
            lemma = word[: split[1]] + split[0][-1] if split else word
            if not split:
                self._unknown.add(word)
        if len(self._lemmas) >= CACHE_LIMIT:
            self._lemmas.clear()
            self._unknown.clear()
        self._lemmas[word] = lemma
        return lemma

    def is_word(self, word: str) -> bool:
        """Whether a lower-case word is Norwegian (known, or a compound of known words) or an English
        function word.  Call after `lemma(word)`, which records the unknown ones."""
        return word not in self._unknown or word in ENGLISH_STOP_WORDS

    def known(self, word: str) -> str | None:
        """The lemma of a word the table knows, directly, as a genitive (kommunens), or by an ending the
        Bokmål table lacks (Nynorsk bilane, materialar; see SUFFIX_RULES); None otherwise.  Memoised:
        compound splitting asks about the same word ends again and again."""
        found = self._known.get(word, _MISSING)
        if found is _MISSING:
            if len(self._known) >= CACHE_LIMIT:
                self._known.clear()
            found = self._known[word] = self._lookup(word)
        return found  # type: ignore[return-value]

    def _lookup(self, word: str) -> str | None:
        lemma = self.table.lookup(word)
        if lemma is not None:
            return lemma
        if word.endswith("s") and len(word) > MIN_PART + 1:
            lemma = self.table.lookup(word[:-1])
            if lemma is not None:
                return lemma
        lemmas = self.table.lemmas
        for ending, replacement in SUFFIX_RULES:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_PART:
                candidate = word[: len(word) - len(ending)] + replacement
                if candidate in lemmas:
                    return candidate
        return None

    def entry(self, word: str) -> tuple[str, bool, tuple[str, ...]]:
        """(lemma, is_word, compound parts) of a lower-case alphabetic word: what an Analysis records."""
        lemma = self.lemma(word)
        return lemma, self.is_word(word), self.parts(word) if len(word) >= 2 * MIN_PART else ()

    def parts(self, word: str) -> tuple[str, ...]:
        """The lemmas of the parts of a compound word (at least two), or () when it is not one."""
        cached = self._parts.get(word)
        if cached is not None:
            return cached
        parts: tuple[str, ...] = ()
        if 2 * MIN_PART <= len(word) <= MAX_WORD:
            # A known word is split by its lemma, into lemmas (bygningene → bygning, not bygning|ene);
            # an unknown one by its surface form (ombruksmaterialer → ombruk|materiale).
            known = self.known(word)
            split = self._split(known, MAX_DEPTH, whole=True) if known else self._split(word, MAX_DEPTH)
            parts = tuple(split[0]) if split else ()
        if len(self._parts) >= CACHE_LIMIT:
            self._parts.clear()
        self._parts[word] = parts
        return parts

    def _split(self, word: str, depth: int, whole: bool = False) -> tuple[list[str], int] | None:
        """(part lemmas, index where the last part starts), trying the longest known suffix first.
        `whole`: the tail must be a lemma as it stands (used when `word` is itself a lemma)."""
        lemmas = self.table.lemmas
        for start in range(MIN_PART, len(word) - MIN_PART + 1):
            tail = word[start:]
            tail = (tail if tail in lemmas else None) if whole else self.known(tail)
            if tail is None:
                continue
            head = self._head(word[:start], depth)
            if head:
                return [*head, tail], start
        return None

    def _head(self, head: str, depth: int) -> list[str] | None:
        candidates = [head]
        if head[-1] in LINKING_LETTERS and len(head) > MIN_PART:
            candidates.append(head[:-1])
        for candidate in candidates:
            if candidate in self.table.lemmas:
                return [candidate]
        if depth > 1:
            for candidate in candidates:
                split = self._split(candidate, depth - 1)
                if split:
                    return split[0]
        return None


@dataclass(frozen=True)
class Analysis:
    """A text after analysis.  `tokens` and `lemmas` run in parallel (lower-cased words, numbers as <num>,
    `?`/`!` kept, other punctuation dropped); `compounds` pairs each compound's lemma with its parts, in
    text order."""

    tokens: tuple[str, ...]
    lemmas: tuple[str, ...]
    compounds: tuple[tuple[str, tuple[str, ...]], ...]
    words: int = 0  # alphabetic tokens ...
    known_words: int = 0  # ... of which Norwegian or English function words (Lemmatizer.is_word)

    @property
    def known_share(self) -> float:
        """How much of the text is recognisably Norwegian or English (1.0 for a text without words)."""
        return self.known_words / self.words if self.words else 1.0

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(part for _lemma, parts in self.compounds for part in parts)

    @cached_property
    def lemma_counts(self) -> Counter:
        """How often each lemma occurs (computed once; the focus lexicons all read it)."""
        return Counter(self.lemmas)

    @property
    def lemma_text(self) -> str:
        """The lemmas joined by single spaces, for patterns written over lemmas."""
        return " ".join(self.lemmas)

    @property
    def content_lemmas(self) -> tuple[str, ...]:
        """Lemmas that are words and not stop words."""
        return tuple(lemma for lemma in self.lemmas if lemma.isalpha() and lemma not in STOP_LEMMAS)

    def features(self) -> list[str]:
        """What the text classifiers see: the lemmas, then the compound parts marked with a `+`."""
        return [*self.lemmas, *(f"+{part}" for part in self.parts)]


class Analyzer:
    """Tokenizes with spaCy's nb tokenizer and lemmatises with a `Lemmatizer`.

    What a token contributes to an Analysis depends on its text alone, so it is memoised per spaCy orth id
    (`_tokens`, bounded like the lemma memo): a known token costs one dictionary look-up."""

    def __init__(self, nlp: SpacyLanguage, lemmatizer: Lemmatizer) -> None:
        self.nlp = nlp
        self.lemmatizer = lemmatizer
        self._tokens: dict[int, tuple] = {}

    def analyse(self, text: str) -> Analysis:
        return self._analyse_doc(self.nlp.make_doc(tokenizable(text)))

    def analyse_many(self, texts: list[str]) -> list[Analysis]:
        prepared = [tokenizable(text) for text in texts]
        return [self._analyse_doc(doc) for doc in self.nlp.tokenizer.pipe(prepared, batch_size=256)]

    def _analyse_doc(self, doc) -> Analysis:
        tokens: list[str] = []
        lemmas: list[str] = []
        compounds: list[tuple[str, tuple[str, ...]]] = []
        words = known = 0
        memo = self._tokens
        for i, orth in enumerate(doc.to_array(ORTH).tolist()):
            entry = memo.get(orth)
            if entry is None:  # a token seen for the first time (since the memo was last emptied)
                entry = self._token_entry(doc[i])
                if len(memo) >= CACHE_LIMIT:
                    memo.clear()
                memo[orth] = entry
            if not entry:
                continue  # white space or punctuation
            word, lemma, is_word, parts = entry
            tokens.append(word)
            lemmas.append(lemma)
            if is_word is None:
                continue  # a number, address or non-alphabetic token: kept as it is, not a word
            words += 1
            known += is_word
            if parts:
                compounds.append((lemma, parts))
        return Analysis(tuple(tokens), tuple(lemmas), tuple(compounds), words, known)

    def _token_entry(self, token) -> tuple:
        """() for a token the analysis drops; else (word, lemma, is_word or None for a token that is not
        alphabetic, compound parts)."""
        word = _normal_token(token.lower_, token.is_space, token.is_punct, token.like_email, token.like_url,
                             token.is_digit, token.like_num)
        if word is None:
            return ()
        if word[0] == "<" or not word.isalpha():
            return word, word, None, ()
        return (word, *self.lemmatizer.entry(word))


_LONG_CHUNK = re.compile(r"\S{%d,}" % MAX_CHUNK)


def tokenizable(text: str) -> str:
    """`text` without runs of MAX_CHUNK or more non-space characters (base64, ASCII art, ">>>>" walls):
    spaCy's tokenizer takes quadratic time on them (a 20,000-character run took 100 s), and no word is
    that long."""
    return _LONG_CHUNK.sub(" ", text) if len(text) > MAX_CHUNK else text


def _normal_token(lower: str, space: int, punct: int, email: int, url: int, digit: int, num: int) -> str | None:
    """The token as the analysis keeps it, or None for whitespace and punctuation."""
    if space:
        return None
    if punct:
        return lower if lower in KEEP_PUNCT else None
    if email:
        return EMAIL
    if url:
        return URL
    if digit or num and lower[:1].isdigit():
        return NUM
    return lower
