"""spaCy's bag-of-words text classifiers (TextCatBOW) run side by side, extracting the n-grams once.

Each classifier's model is chain(with_cpu(chain(extract_ngrams, resizable(sparse_linear))),
with_cpu(output)).  The three classifiers in a mailbot model extract n-grams with the same settings from
the same documents, so `predict_all` computes that layer's output once per batch and feeds it to each
classifier's remaining layers exactly as the classifier's own forward pass would (the with_cpu conversions
included): the scores are those of each pipe's `predict`.  A model of any other structure is run by its
pipe's own `predict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:  # thinc's own conversions, so that the layers see exactly what their with_cpu wrappers give them
    from thinc.layers.with_cpu import _to_cpu, _to_device
except ImportError:  # pragma: no cover - another thinc: every pipe runs its own predict
    _to_cpu = _to_device = None


@dataclass(frozen=True)
class BowParts:
    """The layers of one bag-of-words classifier, as `split` finds them."""

    model: Any  # the whole model (its ops convert the scores, as TextCategorizer.predict does)
    head: Any  # with_cpu(extract_ngrams >> linear)
    ngrams: Any  # extract_ngrams
    linear: Any  # resizable(sparse_linear)
    tail: Any  # with_cpu(output)
    output: Any  # softmax or logistic


def split(pipe: Any) -> BowParts | None:
    """The layers of `pipe`'s model, or None when it is not the TextCatBOW structure."""
    model = getattr(pipe, "model", None)
    try:
        head, tail = model.layers
        (inner,) = head.layers
        ngrams, linear = inner.layers
        (output,) = tail.layers
    except (AttributeError, ValueError):
        return None
    names = (model.name, head.name, inner.name, ngrams.name)
    expected = (f"{head.name}>>{tail.name}", f"with_cpu({inner.name})", f"extract_ngrams>>{linear.name}",
                "extract_ngrams")
    if names != expected or tail.name != f"with_cpu({output.name})":
        return None
    return BowParts(model, head, ngrams, linear, tail, output)


def predict_all(pipes: Sequence[Any], docs: list) -> list:
    """[pipe.predict(docs) for pipe in pipes], with the n-grams extracted once when every pipe is a
    TextCatBOW classifier with the same extraction settings."""
    parts = [split(pipe) for pipe in pipes]
    if _to_cpu is None or not docs or not any(len(doc) for doc in docs) or not _shared(parts):
        return [pipe.predict(docs) for pipe in pipes]
    ngrams, _backprop = parts[0].ngrams(_to_cpu(docs), is_train=True)  # as with_cpu's begin_update runs it
    return [_finish(p, ngrams) for p in parts]  # type: ignore[arg-type]


def _shared(parts: list[BowParts | None]) -> bool:
    """Whether every classifier's n-gram layer computes the same thing as the first one's."""
    if any(p is None for p in parts):
        return False
    first = parts[0].ngrams  # type: ignore[union-attr]
    return all(p.ngrams.attrs == first.attrs and type(p.ngrams.ops) is type(first.ops)  # type: ignore[union-attr]
               for p in parts)


def _finish(parts: BowParts, ngrams: Any) -> Any:
    """The rest of the classifier's forward pass from the extracted n-grams; then TextCategorizer.predict's
    own conversion of the scores."""
    hidden, _backprop = parts.linear(ngrams, is_train=True)
    hidden = _to_device(parts.head.ops, hidden)
    scores, _backprop = parts.output(_to_cpu(hidden), is_train=True)
    scores = _to_device(parts.tail.ops, scores)
    return parts.model.ops.asarray(scores)
