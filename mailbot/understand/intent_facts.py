"""What intent rules read (`IntentFacts`), and the [pattern.NAME] rules of rules/intents.toml that read it.

A `PatternRule` fires when one of its regular expressions matches its field; its reason quotes the first
pattern (in the file's order) that matches.  Gates make the common case cheap without changing that
result: words every match of a pattern holds whole (gates.whole_word_gate) are looked up in the field's
word set, so a rule whose patterns need words the text lacks is skipped without running a regex.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from mailbot.domain import Kind, ParsedMail
from mailbot.rulebook import Verdict
from mailbot.understand.focus import WordPattern
from mailbot.understand.gated import word_runs
from mailbot.understand.mailwords import MailWords
from mailbot.understand.gates import whole_word_gate
from mailbot.understand.texts import MAX_BODY_CHARS, clean_subject

BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
MEMO_MAX = 1024  # remembered sets of present gate words per pattern rule; emptied when full


def normalise(text: str) -> str:
    """Lower case, typographic apostrophes made plain, all whitespace runs one space."""
    return " ".join((text or "").lower().replace("\u2019", "'").split())


@dataclass(frozen=True)
class IntentFacts:
    """What intent rules look at, every text already `normalise`d."""

    subject: str  # empty when the subject was inherited (a reply or forward)
    body: str
    text: str
    lemmas: str
    attachments: str
    document_words: tuple[int, ...]  # word count of each attachment with text
    sender_domain: str
    own_domains: frozenset[str]
    bulk_headers: tuple[str, ...]  # the list/bulk headers present, e.g. ("list-unsubscribe",)
    # Each field's words (runs of word characters), found on first use: a memo, not state.
    _words: dict[str, frozenset[str]] = dc_field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_mail(cls, mail: ParsedMail, lemma_text: str, bot_addresses: tuple[str, ...] = (),
                  shared: MailWords | None = None) -> IntentFacts:
        """The facts of `mail`; `shared` (MailWords of `mail`) when the caller has it: the body's words are
        then taken from it (a superset at most, which the rules' gates allow) instead of found again."""
        own_subject, inherited = clean_subject(mail.subject)
        subject = "" if inherited else normalise(own_subject)
        new_text = mail.new_text[:MAX_BODY_CHARS]
        body = normalise(new_text)
        # normalise changes only case and white space, so the body's word runs are new_text's, lower-cased
        words = shared.covering(new_text) if shared is not None and body else None
        return cls(
            subject=subject, body=body, text=f"{subject} . {body}" if subject else body, lemmas=lemma_text,
            attachments=normalise(mail.attachment_text[:20_000]),
            document_words=tuple(len(a.text.split()) for a in mail.attachments if a.text),
            sender_domain=_domain(mail.from_addr), own_domains=frozenset(_domain(a) for a in bot_addresses),
            bulk_headers=_bulk_headers(mail), _words={} if words is None else {"body": words},
        )

    def field(self, name: str) -> str:
        return getattr(self, name)

    def words(self, name: str) -> frozenset[str]:
        """The runs of word characters in field `name` (what gated.whole_word_gate's words are checked
        against)."""
        found = self._words.get(name)
        if found is None:
            if name == "text" and self.subject:  # "subject . body": its words are theirs
                found = self.words("subject") | self.words("body")
            else:
                found = word_runs(getattr(self, name))
            self._words[name] = found
        return found


def _domain(address: str) -> str:
    return (address or "").rpartition("@")[2].strip(" >").lower()


def _bulk_headers(mail: ParsedMail) -> tuple[str, ...]:
    found = [name for name in ("list-id", "list-unsubscribe", "list-post") if mail.header(name)]
    precedence = (mail.header("precedence") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        found.append(f"precedence: {precedence}")
    return tuple(found)


@dataclass(frozen=True)
class PatternRule:
    name: str
    kind: Kind
    weight: float
    field: str
    patterns: tuple[WordPattern, ...]
    unless: tuple[WordPattern, ...]
    # The rule's gate: every pattern needs one of its gated.whole_word_gate words (in `words`) or else one
    # of its literal gate's strings (in `literals`), so a text with neither cannot fire the rule (None when
    # some pattern has no gate).  One set test and a few substring tests instead of a search per pattern:
    # most rules fire on few texts.
    words: frozenset[str] | None = None
    literals: tuple[str, ...] = ()
    # Each pattern's whole_word_gate (None when it has none): a set test before its search.
    pattern_words: tuple[frozenset[str] | None, ...] = ()

    def __post_init__(self) -> None:
        # Derived once from the fields above (the dataclass is frozen, hence object.__setattr__):
        # the union of the patterns' word gates, and a bounded memo of which patterns can match for a
        # given set of present gate words (a pure function of that set and this rule).
        gate_words = frozenset().union(*(w for w in self.pattern_words if w is not None))
        object.__setattr__(self, "_gate_words", gate_words)
        object.__setattr__(self, "_open", {})

    def __call__(self, facts: IntentFacts) -> Verdict | None:
        text = getattr(facts, self.field)
        if not text:
            return None
        present = self._gate_words & facts.words(self.field)
        if self.words is not None and not present and not self._literal_in(text):
            return None  # the gate rules out every pattern
        for i in self._candidates(present):
            match = self.patterns[i].search(text)
            if match:
                if any(stop.search(text) for stop in self.unless):
                    return None
                return Verdict(self.name, self.kind.value, f"{self.field} matched {match.group(0)!r}", self.weight)
        return None

    def _candidates(self, present: frozenset[str]) -> tuple[int, ...]:
        """The indices, in order, of the patterns whose word gate (if any) has a word in `present` (the
        text's words among the gate words): the others cannot match.  Remembered per `present`: the same
        few sets come back in nearly every message, and a set test per pattern costs more than the lookup."""
        found = self._open.get(present)  # type: ignore[attr-defined]
        if found is None:
            if len(self._open) >= MEMO_MAX:  # type: ignore[attr-defined]
                self._open.clear()  # type: ignore[attr-defined]
            found = self._open[present] = tuple(  # type: ignore[attr-defined]
                i for i, needed in enumerate(self.pattern_words or (None,) * len(self.patterns))
                if needed is None or not needed.isdisjoint(present))
        return found

    def _literal_in(self, text: str) -> bool:
        """Whether one of the literal gates (of patterns without a word gate) occurs in `text`."""
        for literal in self.literals:
            if literal in text:
                return True
        return False

    @property
    def __name__(self) -> str:  # RuleSet registers rules under their __name__
        return self.name


def pattern_gates(patterns: tuple[WordPattern, ...]):
    """(words, literals, pattern_words) for PatternRule's gates; words None when a pattern has no gate."""
    pattern_words = tuple(whole_word_gate(pattern.pattern) for pattern in patterns)
    words: set[str] = set()
    literals: list[str] = []
    for pattern, whole in zip(patterns, pattern_words):
        if whole:
            words |= whole
        elif pattern.gate:
            literals += pattern.gate
        else:
            return None, (), pattern_words
    return frozenset(words), tuple(dict.fromkeys(literals)), pattern_words
