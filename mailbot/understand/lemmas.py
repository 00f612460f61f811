"""The Norwegian lemma table: every known word form → one lemma, in one compact file.

spacy-lookups-data ships two Bokmål tables: `nb_lemma_lookup` (~1,600 hand-picked closed-class forms such as
meg → jeg) and `nb_lemma_exc` (Norsk Ordbank: ~590,000 forms grouped by part of speech).  `build_table`
flattens them into one mapping, lower-cased, choosing deterministically when a form has several lemmas:

1. the curated lookup table, for forms it lists in lower case (it knows the pronouns and determiners);
2. otherwise noun, then verb, then adjective, then adverb; within a part of speech the first lemma listed.

Reading the Ordbank JSON takes ~1.5 s, so the table is built once (at train time) and stored beside the model
as `lemmas.tsv.gz`: the lemma vocabulary, a blank line, then `form<TAB>lemma` for every form that differs from
its lemma.  That loads in ~0.3 s and needs no pickle.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mailbot.errors import ModelError

FILE_NAME = "lemmas.tsv.gz"
HEADER = "# mailbot nb lemma table v1"
POS_PRIORITY = ("noun", "verb", "adj", "adv")


@dataclass(frozen=True)
class LemmaTable:
    """`forms` maps an inflected lower-case form to its lemma; `lemmas` is every lemma (a form equal to its
    lemma is found there, not in `forms`)."""

    forms: dict[str, str]
    lemmas: frozenset[str]

    def lookup(self, form: str) -> str | None:
        """The lemma of the lower-case `form`, or None when the table does not know it."""
        lemma = self.forms.get(form)
        if lemma is not None:
            return lemma
        return form if form in self.lemmas else None

    def __len__(self) -> int:
        return len(self.forms) + len(self.lemmas)


def _read_lookups(name: str) -> dict:
    data = resources.files("spacy_lookups_data") / "data" / f"{name}.json.gz"
    with data.open("rb") as handle:
        return json.loads(gzip.decompress(handle.read()))


def build_table() -> LemmaTable:
    """Flatten the spacy-lookups-data tables (see the module docstring for the choice of lemma)."""
    exc = _read_lookups("nb_lemma_exc")
    chosen: dict[str, str] = {}
    # Lowest priority first, so that later (higher-priority) parts of speech overwrite.
    for pos in reversed(POS_PRIORITY):
        for form, lemmas in exc.get(pos, {}).items():
            if lemmas:
                chosen[form.lower()] = lemmas[0].lower()
    for form, lemma in _read_lookups("nb_lemma_lookup").items():
        if form == form.lower() and form.isalpha():
            chosen[form] = lemma.lower()
    lemmas = frozenset(chosen.values())
    forms = {form: lemma for form, lemma in chosen.items() if form != lemma}
    return LemmaTable(forms=forms, lemmas=lemmas)


def save_table(table: LemmaTable, directory: Path) -> Path:
    """Write `table` to `directory/lemmas.tsv.gz` (sorted, so the file is byte-for-byte reproducible)."""
    lines = [HEADER, *sorted(table.lemmas), ""]
    lines += [f"{form}\t{lemma}" for form, lemma in sorted(table.forms.items())]
    path = Path(directory) / FILE_NAME
    # mtime=0 keeps the gzip header, and so the file, identical between builds.
    path.write_bytes(gzip.compress("\n".join(lines).encode("utf-8"), compresslevel=6, mtime=0))
    return path


def load_table(directory: Path) -> LemmaTable:
    """Read a table written by `save_table`.  Raises ModelError when it is missing or malformed."""
    path = Path(directory) / FILE_NAME
    try:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ModelError(f"lemma table {path}: {exc}") from None
    head, sep, pairs = text.partition("\n\n")
    if not sep or not head.startswith(HEADER + "\n"):
        raise ModelError(f"lemma table {path}: not a {HEADER!r} file")
    lemmas = frozenset(head[len(HEADER) + 1:].split("\n"))
    # Splitting the whole block once and pairing neighbours is ~3x faster than splitting line by line.
    # Each lemma string is then shared with the vocabulary instead of held once per form: ~30 MB less.
    # The block is split a slice at a time (whole lines), so the transient list of cells stays small: split
    # at once, it added ~40 MB to the daemon's peak memory at start-up.
    canonical = {lemma: lemma for lemma in lemmas}
    forms: dict[str, str] = {}
    for chunk in _line_slices(pairs, LOAD_SLICE_CHARS):
        cells = iter(chunk.replace("\n", "\t").split("\t"))
        forms.update((form, canonical.get(lemma, lemma)) for form, lemma in zip(cells, cells))
    return LemmaTable(forms=forms, lemmas=lemmas)


LOAD_SLICE_CHARS = 256 * 1024


def _line_slices(text: str, size: int):  # noqa: ANN202 - Iterator[str]
    """`text` in consecutive pieces of about `size` characters, each ending at a line end (none empty)."""
    start = 0
    while start < len(text):
        end = text.find("\n", min(start + size, len(text)))
        end = len(text) if end < 0 else end
        piece = text[start:end].strip("\n")
        if piece:
            yield piece
        start = end + 1
