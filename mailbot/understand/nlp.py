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
from spacy.attrs import IS_DIGIT, IS_PUNCT, IS_SPACE, LIKE_EMAIL, LIKE_NUM, LIKE_URL, LOWER
from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.lang.nb.stop_words import STOP_WORDS
from spacy.language import Language as SpacyLanguage

from mailbot.understand.lemmas import LemmaTable

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
        Bokmål table lacks (Nynorsk bilane, materialar; see SUFFIX_RULES); None otherwise."""
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
    """Tokenizes with spaCy's nb tokenizer and lemmatises with a `Lemmatizer`."""

    def __init__(self, nlp: SpacyLanguage, lemmatizer: Lemmatizer) -> None:
        self.nlp = nlp
        self.lemmatizer = lemmatizer

    def analyse(self, text: str) -> Analysis:
        return self._analyse_doc(self.nlp.make_doc(tokenizable(text)))

    def analyse_many(self, texts: list[str]) -> list[Analysis]:
        prepared = [tokenizable(text) for text in texts]
        return [self._analyse_doc(doc) for doc in self.nlp.tokenizer.pipe(prepared, batch_size=256)]

    def _analyse_doc(self, doc) -> Analysis:
        tokens: list[str] = []
        lemmas: list[str] = []
        compounds: list[tuple[str, tuple[str, ...]]] = []
        lemma_of, parts_of, is_word = self.lemmatizer.lemma, self.lemmatizer.parts, self.lemmatizer.is_word
        words = known = 0
        strings = doc.vocab.strings
        # One array read instead of a Token object per word: about twice as fast on long texts.
        for lower, space, punct, email, url, digit, num in doc.to_array(TOKEN_ATTRS).tolist():
            word = _normal_token(strings[lower], space, punct, email, url, digit, num)
            if word is None:
                continue
            tokens.append(word)
            if word[0] == "<" or not word.isalpha():
                lemmas.append(word)
                continue
            lemma = lemma_of(word)
            lemmas.append(lemma)
            words += 1
            known += is_word(word)
            if len(word) >= 2 * MIN_PART:
                parts = parts_of(word)
                if parts:
                    compounds.append((lemma, parts))
        return Analysis(tuple(tokens), tuple(lemmas), tuple(compounds), words, known)


_LONG_CHUNK = re.compile(r"\S{%d,}" % MAX_CHUNK)


def tokenizable(text: str) -> str:
    """`text` without runs of MAX_CHUNK or more non-space characters (base64, ASCII art, ">>>>" walls):
    spaCy's tokenizer takes quadratic time on them (a 20,000-character run took 100 s), and no word is
    that long."""
    return _LONG_CHUNK.sub(" ", text) if len(text) > MAX_CHUNK else text


TOKEN_ATTRS = [LOWER, IS_SPACE, IS_PUNCT, LIKE_EMAIL, LIKE_URL, IS_DIGIT, LIKE_NUM]


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


_REPLY_PREFIX = re.compile(r"^\s*((re|sv|aw|fwd?|vs|vb|tr|wg|antw|ynt)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
MAX_ATTACHMENT_CHARS = 6000  # enough to find a document's topic; keeps one long PDF from slowing a batch
MAX_BODY_CHARS = 20_000  # what anyone types into a mail; the rest of a giant body is not read


def clean_subject(subject: str) -> tuple[str, bool]:
    """(the subject without Re:/SV:/Fwd:/VS: prefixes, whether it had one).  A reply's or forward's subject
    was written by someone else, so callers leave it out of what the sender said."""
    match = _REPLY_PREFIX.match(subject or "")
    if match:
        return subject[match.end():].strip(), True
    return (subject or "").strip(), False


def compose_text(subject: str, body: str, attachment_text: str = "") -> str:
    """The text the classifier reads: the sender's own subject, what they wrote, the start of attached
    documents.  The same function prepares training examples, so training and use see the same text."""
    own_subject, inherited = clean_subject(subject)
    pieces = [] if inherited else [own_subject]
    pieces.append((body or "")[:MAX_BODY_CHARS])
    if attachment_text:
        pieces.append(attachment_text[:MAX_ATTACHMENT_CHARS])
    return "\n\n".join(piece for piece in pieces if piece.strip())


FORWARD_MAX_WORDS = 15  # a forwarder who wrote more than this said what they meant themselves
_FORWARD_SUBJECT = re.compile(r"\s*(fwd?|vs|vb|wg|tr)\s*:", re.IGNORECASE)
_FORWARD_BANNER = re.compile(r"forwarded message|videresendt melding|vidaresendt melding|opprinnelig melding"
                             r"|original message|begin forwarded", re.IGNORECASE)


def sender_text(subject: str, new_text: str, quoted: str = "", attachment_text: str = "",
                own_addresses: tuple[str, ...] = ()) -> str:
    """What the sender said: `compose_text` of their subject, new text and attachments.  Quoted history
    does not count, except a forwarded message's content when the forwarder wrote almost nothing and it is
    not our own mail (own_addresses, lower case, do not appear in its head)."""
    body = new_text or ""
    if _reads_forward(subject, body, quoted, own_addresses):
        body = f"{body}\n\n{quoted[:4000]}"
    return compose_text(subject, body, attachment_text)


def _reads_forward(subject: str, body: str, quoted: str, own_addresses: tuple[str, ...]) -> bool:
    if not quoted or len(body.split()) > FORWARD_MAX_WORDS:
        return False
    if not _FORWARD_SUBJECT.match(subject or "") and not _FORWARD_BANNER.search(quoted[:300]):
        return False
    head = quoted[:600].lower()
    return not any(address in head for address in own_addresses)
