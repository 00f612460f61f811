"""`mailbot train`: train the kind and focus-area classifiers from rules/training/*.jsonl, deterministically.

Each training line is {"subject", "body", "kind", "focus_areas", ...} (see rules/training/README.md).  The
text is prepared exactly as at classification time (parse.quotes.split_reply, nlp.sender_text, then lemmas
and compound parts) and fed to three spaCy bag-of-words classifiers (unigrams + bigrams over lemmas):
`textcat` for the exclusive kind, `textcat_multilabel` for the focus areas, and `primary_area` (an
exclusive textcat) for which area comes first.  A fixed seed (`spacy.util.fix_random_seed`), a fixed file
and line order, a seeded shuffle and CPU arithmetic make two runs produce identical weights.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language as SpacyLanguage
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch
from thinc.api import Adam, Optimizer

from mailbot.domain import FocusArea, Kind
from mailbot.errors import ModelError
from mailbot.understand.lemmas import LemmaTable, build_table
from mailbot.understand.model import (AREA_PIPE, EMPTY, FORMAT_VERSION, KIND_PIPE, PRIMARY_PIPE, corpus_fingerprint,
                                      save_model)
from mailbot.parse.quotes import split_reply
from mailbot.understand.nlp import Analyzer, Lemmatizer, blank_pipeline, sender_text

SEED = 20260601
EPOCHS = 12
BATCH_SIZE = 16
KIND_LEARN_RATE = 0.001
AREA_LEARN_RATE = 0.001
HASH_LENGTH = 2**17  # hashed feature buckets per classifier: ample for a few hundred thousand n-grams
TEXT_KINDS = tuple(k.value for k in Kind)  # label order follows the Kind enum, not the corpus
ATTACHMENT_MARKER = "\n[vedlegg]\n"  # rules/training/README.md: the covering note, this line, the document


@dataclass(frozen=True)
class TrainingExample:
    source: str  # "file.jsonl:line"
    text: str
    kind: str
    focus_areas: tuple[str, ...]


@dataclass(frozen=True)
class TrainingSummary:
    path: Path
    examples: int
    kinds: dict[str, int]
    epochs: int
    seconds: float
    size_bytes: int

    def __str__(self) -> str:
        counts = ", ".join(f"{kind} {n}" for kind, n in self.kinds.items())
        return (f"trained {self.path} from {self.examples} examples ({counts}) in {self.epochs} epochs, "
                f"{self.seconds:.1f} s, {self.size_bytes / 1e6:.1f} MB")


def load_examples(training_dir: Path) -> list[TrainingExample]:
    """Every line of training_dir/*.jsonl (files in name order).  Raises ModelError naming a bad line."""
    examples = []
    files = sorted(Path(training_dir).glob("*.jsonl"))
    if not files:
        raise ModelError(f"no training data: {training_dir}/*.jsonl not found")
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                examples.append(_example(_parse(line, path, number), f"{path.name}:{number}"))
    return examples


def _parse(line: str, path: Path, number: int) -> dict:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ModelError(f"{path}:{number}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path}:{number}: expected a JSON object")
    return data


def _example(data: dict, source: str) -> TrainingExample:
    kind = data.get("kind")
    if kind not in TEXT_KINDS:
        raise ModelError(f"{source}: unknown kind {kind!r}")
    areas = data.get("focus_areas") or []
    if not isinstance(areas, list) or any(a not in {f.value for f in FocusArea} for a in areas):
        raise ModelError(f"{source}: bad focus_areas {areas!r}")
    subject, body = data.get("subject") or "", data.get("body") or ""
    if not isinstance(subject, str) or not isinstance(body, str):
        raise ModelError(f"{source}: subject and body must be strings")
    # The corpus holds whole bodies, an attachment's text after a "[vedlegg]" line.  Split them as the
    # parser splits a message, so the classifiers learn from the text they will see (no signature).
    cover, _marker, attachment = body.partition(ATTACHMENT_MARKER)
    parts = split_reply(cover)
    text = sender_text(subject, parts.new_text, parts.quoted, attachment.strip())
    return TrainingExample(source, text, kind, tuple(areas))


def build_pipeline(kinds: list[str]) -> SpacyLanguage:
    """Blank nb + the three bag-of-words classifiers, labels added in a fixed order."""
    nlp = blank_pipeline()
    areas = [a.value for a in FocusArea]
    for name, factory, labels in ((KIND_PIPE, "textcat", kinds), (AREA_PIPE, "textcat_multilabel", areas),
                                  (PRIMARY_PIPE, "textcat", areas)):
        model = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": factory == "textcat",
                 "ngram_size": 2, "no_output_layer": False, "length": HASH_LENGTH}
        component = nlp.add_pipe(factory, name=name, config={"model": model})
        for label in labels:
            component.add_label(label)
    return nlp


def _examples(nlp: SpacyLanguage, words: list[list[str]], cats: list[dict[str, float]]) -> list[Example]:
    result = []
    for features, truth in zip(words, cats):
        reference = Doc(nlp.vocab, words=features or [EMPTY])
        reference.cats = truth
        result.append(Example(Doc(nlp.vocab, words=features or [EMPTY]), reference))
    return result


def _adam(learn_rate: float) -> Optimizer:
    """spaCy's default optimizer (Adam, L2 0.01 as weight decay, gradient clipping 1.0) at `learn_rate`."""
    return Adam(learn_rate=learn_rate, L2=0.01, L2_is_weight_decay=True, grad_clip=1.0)


def fit(examples: list[TrainingExample], analyzer: Analyzer, epochs: int = EPOCHS, seed: int = SEED) -> SpacyLanguage:
    """Train a fresh pipeline on `examples`; identical inputs give identical weights."""
    fix_random_seed(seed)
    kinds = [k for k in TEXT_KINDS if any(e.kind == k for e in examples)]
    areas = [a.value for a in FocusArea]
    nlp = build_pipeline(kinds)
    features = [a.features() for a in analyzer.analyse_many([e.text for e in examples])]
    # Each classifier gets its own `cats` (spaCy's exclusive textcat rejects foreign labels).  The primary
    # area classifier learns only from examples that have areas: the first listed is the primary.
    tasks = {
        KIND_PIPE: (kinds, _examples(nlp, features, [{k: float(e.kind == k) for k in kinds} for e in examples])),
        AREA_PIPE: (areas, _examples(nlp, features, [{a: float(a in e.focus_areas) for a in areas}
                                                     for e in examples])),
        PRIMARY_PIPE: (areas, _examples(nlp, features, [{a: float(e.focus_areas[:1] == (a,)) for a in areas}
                                                        for e in examples])),
    }
    with_areas = {i for i, e in enumerate(examples) if e.focus_areas}
    for name, (labels, task) in tasks.items():
        chosen = [eg for i, eg in enumerate(task) if name != PRIMARY_PIPE or i in with_areas]
        nlp.get_pipe(name).initialize(lambda chosen=chosen: chosen, nlp=nlp, labels=labels)
    # The kind classifier learns faster (sharper, better calibrated kinds); the area classifiers slower
    # (a high rate made the primary area worse on held-out folds of the corpus).
    optimizers = {name: _adam(KIND_LEARN_RATE if name == KIND_PIPE else AREA_LEARN_RATE) for name in tasks}
    rng = random.Random(seed)
    order = list(range(len(examples)))
    for _epoch in range(epochs):
        rng.shuffle(order)
        for batch in minibatch(order, size=BATCH_SIZE):
            for name, (_labels, task) in tasks.items():
                chosen = [task[i] for i in batch if name != PRIMARY_PIPE or i in with_areas]
                if chosen:
                    nlp.update(chosen, sgd=optimizers[name], exclude=[other for other in tasks if other != name])
    return nlp


def train(rules_dir: Path, output: Path, epochs: int = EPOCHS, seed: int = SEED,
          table: LemmaTable | None = None) -> TrainingSummary:
    """Train from rules_dir/training/*.jsonl and write the model directory `output` (see model.py).
    `table`: a lemma table already built (tests reuse one); by default it is built from spacy-lookups-data."""
    started = time.perf_counter()
    training_dir = Path(rules_dir) / "training"
    examples = load_examples(training_dir)
    table = table or build_table()
    nlp = fit(examples, Analyzer(blank_pipeline(), Lemmatizer(table)), epochs, seed)
    seconds = time.perf_counter() - started
    counts = dict(sorted(Counter(e.kind for e in examples).items()))
    meta = {"format": FORMAT_VERSION, "corpus": corpus_fingerprint(training_dir), "examples": len(examples),
            "kinds": counts, "epochs": epochs, "seed": seed, "training_seconds": round(seconds, 1)}
    save_model(nlp, table, meta, Path(output))
    size = sum(f.stat().st_size for f in Path(output).rglob("*") if f.is_file())
    return TrainingSummary(Path(output), len(examples), counts, epochs, time.perf_counter() - started, size)
