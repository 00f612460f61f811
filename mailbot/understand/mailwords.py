"""MailWords: the words of what the sender wrote, found once per message and shared by the stages.

The loop guard, the intent rules and extraction each read a prefix of the same text (the new text, else the
whole text, stripped) and each used to find its word runs again.  Their word sets only serve as gates
(GatedPattern, PatternRule): a gate asks whether a pattern's required whole words are present, so a
superset of the true words can only let more patterns be searched, never change a result.  MailWords finds
the runs of the longest prefix any stage reads, once; each stage gets that set, plus the word it cut in
two when its own prefix ends inside a word (the only word a prefix has that the longer text lacks).
"""

from __future__ import annotations

from mailbot.domain import ParsedMail
from mailbot.understand.gated import Folded, fold, word_runs
from mailbot.understand.gates import word_char

WINDOW = 20_000  # the longest prefix a stage reads (texts.MAX_BODY_CHARS, the intent rules' body)


class MailWords:
    """The lower-cased word runs of `whole` = mail.new_text.strip() or mail.text.strip() (its first WINDOW
    characters), found on first use.  Per message; not shared between messages, so nothing to bound."""

    def __init__(self, mail: ParsedMail) -> None:
        self.whole = mail.new_text.strip() or mail.text.strip()
        self._base = self.whole[:WINDOW]
        self._folded: str | None | bool = False  # fold(_base), computed on first use (False: not yet)
        self._words: frozenset[str] | None = None

    def covering(self, text: str) -> frozenset[str] | None:
        """A superset of word_runs(fold(text)) when `text`, stripped, is a prefix of `whole` (as the
        stages' texts are), else None (the caller finds the words itself).  None too when `whole` cannot
        be folded (fold(...) is None: rare scripts)."""
        folded = self._folded_base()
        stripped = text.strip()
        cut = len(stripped)
        if folded is None or cut > len(self._base) or not self._base.startswith(stripped):
            return None
        if self._words is None:
            self._words = word_runs(folded)
        if cut in (0, len(folded)) or not (word_char(folded[cut - 1]) and word_char(folded[cut])):
            return self._words  # no word cut in two: every run of the prefix is a run of the base
        start = cut - 1
        while start > 0 and word_char(folded[start - 1]):
            start -= 1
        return self._words | {folded[start:cut]}

    def folded(self, text: str) -> Folded | None:
        """fold_shared(text) for a `text` that `covering` accepts, its word set taken from here; else
        fold_shared(text) as usual."""
        folded = fold(text)
        if folded is None:
            return None
        shared = Folded(folded)
        words = self.covering(text)
        if words is not None:
            shared._words = words  # type: ignore[attr-defined]
        return shared

    def _folded_base(self) -> str | None:
        if self._folded is False:
            self._folded = fold(self._base)
        return self._folded  # type: ignore[return-value]
