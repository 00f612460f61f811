"""The trained model on disk: a spaCy pipeline with two text classifiers, the lemma table, and meta.json.

Layout of a model directory (default `data/model`, git-ignored, built by `mailbot train` or at first use):

    spacy/           nlp.to_disk(): blank "nb" + textcat (kinds) + textcat_multilabel (focus areas)
                     + primary_area (an exclusive textcat: which area comes first)
    lemmas.marisa, lemma_forms.marisa
                     the flattened Norwegian lemma table (lemmas.py)
    meta.json        format version, the training corpus fingerprint, labels, counts, training time

`load_model` reads one (≈0.4 s) and keeps it in a module-level cache keyed by path and meta.json's mtime,
so a second classifier in the same process (tests, the daemon's reload) does not read it again.
`ensure_model` trains first when the directory is missing or was trained from a different corpus.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.attrs import ORTH
from spacy.language import Language as SpacyLanguage
from spacy.tokens import Doc

from mailbot.errors import ModelError
from mailbot.logs import kv
from mailbot.understand import bow
from mailbot.understand.lemmas import LemmaTable, load_table
from mailbot.understand.nlp import Analysis, Analyzer, Lemmatizer

log = logging.getLogger("mailbot.understand")

FORMAT_VERSION = 5  # bump when features or layout change: older models are then retrained
KIND_PIPE = "textcat"
AREA_PIPE = "textcat_multilabel"
PRIMARY_PIPE = "primary_area"
EMPTY = "<empty>"  # the one feature of a text with no words; the classifiers need at least one token
_CACHE: dict[Path, tuple[float, TrainedModel]] = {}
PIPE_BATCH = 512  # documents per classifier call, as pipe.pipe(batch_size=512) batched them
FEATURE_MEMO = 500_000  # remembered feature ids; the memo is emptied when full


def corpus_fingerprint(training_dir: Path) -> str:
    """sha256 over the names and bytes of training_dir/*.jsonl plus FORMAT_VERSION."""
    digest = hashlib.sha256(f"format {FORMAT_VERSION}\n".encode())
    for path in sorted(Path(training_dir).glob("*.jsonl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Prediction:
    """The model's scores for one text: kinds (sum to 1), focus areas (each 0..1), and which area would be
    the primary one if it has any (sums to 1)."""

    kinds: dict[str, float]
    areas: dict[str, float]
    primary: dict[str, float]

    def top_kinds(self, n: int = 2) -> list[tuple[str, float]]:
        return sorted(self.kinds.items(), key=lambda item: (-item[1], item[0]))[:n]


@dataclass(frozen=True)
class TrainedModel:
    path: Path
    nlp: SpacyLanguage
    analyzer: Analyzer
    meta: dict[str, Any]
    # Feature string → its spaCy string id: a memo of a pure function (bounded by FEATURE_MEMO), not state.
    feature_ids: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.nlp.get_pipe(KIND_PIPE).labels)

    def docs(self, analyses: list[Analysis]) -> list[Doc]:
        vocab = self.nlp.vocab
        return [Doc(vocab, words=a.features() or [EMPTY]) for a in analyses]

    def predict(self, analyses: list[Analysis]) -> list[Prediction]:
        """Scores for each analysis, in one batched pass through the three classifiers.

        The bag-of-words classifiers (TextCatBOW) read nothing from a Doc but `to_array([ORTH])`, so they are
        given `Features` (the same ids, without building a Doc and a lexeme per word); they share one n-gram
        extraction (bow.py); their scores are read as each pipe's `set_annotations` would write them into
        `doc.cats`."""
        features = [Features(self._ids(a.features() or [EMPTY])) for a in analyses]
        scores: list[dict[str, dict[str, float]]] = [{} for _features in features]
        names, pipes = zip(*self.nlp.pipeline)
        for start in range(0, len(features), PIPE_BATCH):  # the batches pipe.pipe() would make
            batch = features[start:start + PIPE_BATCH]
            for name, pipe, table in zip(names, pipes, bow.predict_all(pipes, batch)):
                labels = pipe.labels
                # tolist() gives each cell as float(table[i, j]) does, in one call instead of one per cell
                for i, row in enumerate(table.tolist()):
                    scores[start + i][name] = dict(zip(labels, row))
        return [Prediction(kinds=s[KIND_PIPE], areas=s[AREA_PIPE], primary=s[PRIMARY_PIPE]) for s in scores]

    def _ids(self, words: list[str]) -> numpy.ndarray:
        """What Doc(vocab, words=words).to_array([ORTH]) returns: the words' string ids (StringStore
        lookups, which add nothing to the store)."""
        memo = self.feature_ids
        ids = [memo.get(word) for word in words]
        if None in ids:  # words seen for the first time (since the memo was last emptied)
            strings = self.nlp.vocab.strings
            if len(memo) >= FEATURE_MEMO:
                memo.clear()
            for i, found in enumerate(ids):
                if found is None:
                    ids[i] = memo[words[i]] = strings[words[i]]
        return numpy.array(ids, dtype=numpy.uint64)


class Features:
    """The part of a Doc a bag-of-words text classifier reads: its length and its ORTH ids."""

    __slots__ = ("ids",)

    def __init__(self, ids: numpy.ndarray) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def to_array(self, attrs) -> numpy.ndarray:
        if list(attrs) != [ORTH]:
            raise ValueError(f"Features hold ORTH ids only, not {attrs!r}")
        return self.ids


def save_model(nlp: SpacyLanguage, table: LemmaTable, meta: dict[str, Any], path: Path) -> None:
    """Write a model directory: build it in a private staging directory beside `path`, then swap it in, so
    a reader never sees half a model and two processes training at once do not trip over each other."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
    try:
        nlp.to_disk(staging / "spacy")
        table.save(staging)
        (staging / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _swap_in(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, path: Path) -> None:
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    try:
        if path.exists():
            path.rename(old / "model")
        staging.rename(path)
    except OSError:
        if not (path / "meta.json").exists():  # another process's model is in place: fine, else a real error
            raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def read_meta(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(path) / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_model(path: Path) -> TrainedModel:
    """Load a model directory (cached per path while its meta.json is unchanged).  Raises ModelError."""
    path = Path(path).resolve()
    meta_file = path / "meta.json"
    try:
        stamp = meta_file.stat().st_mtime
    except OSError:
        raise ModelError(f"no trained model at {path} (run `mailbot train`)") from None
    cached = _CACHE.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    meta = read_meta(path)
    if meta is None or meta.get("format") != FORMAT_VERSION:
        raise ModelError(f"model at {path} has an unknown format; retrain with `mailbot train`")
    try:
        nlp = spacy.load(path / "spacy")
    except (OSError, ValueError) as exc:
        raise ModelError(f"model at {path}: {exc}") from None
    table: LemmaTable = load_table(path)
    model = TrainedModel(path, nlp, Analyzer(nlp, Lemmatizer(table)), meta)
    _CACHE[path] = (stamp, model)
    return model


def ensure_model(rules_dir: Path, path: Path) -> TrainedModel:
    """The model at `path`, trained first (with a log line) when missing, of an old format, or trained from
    a different corpus than rules_dir/training."""
    training_dir = Path(rules_dir) / "training"
    meta = read_meta(path)
    wanted = corpus_fingerprint(training_dir)
    if meta is None or meta.get("format") != FORMAT_VERSION or meta.get("corpus") != wanted:
        from mailbot.understand.train import train  # imported here: training is rare

        why = "missing" if meta is None else "out of date"
        log.info(kv("model_training", reason=why, path=path))
        summary = train(rules_dir, path)
        log.info(kv("model_trained", path=path, seconds=round(summary.seconds, 1), examples=summary.examples))
    return load_model(path)
