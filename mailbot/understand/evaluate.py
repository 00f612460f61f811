"""`mailbot classify` and `mailbot evaluate`: classify .eml files, and measure a classifier on a labelled set.

`classify_files` yields the `mailbot classify --json` objects, one per file, keys exactly: file, kind,
has_input, focus_areas, seats, attendees, organization, language, should_reply, confidence, reasons (plus
`error` for a file that could not be read or parsed: kind other, no reply).

`evaluate` reads a labels.jsonl (one {"file", "kind", "focus_areas", "seats", "organization", "has_input",
"language", "should_reply"} per line, see shared/corpus/samples/README.md), classifies the files and returns
an `EvaluationReport`: accuracy per field, per-kind precision and recall, the confusion matrix and the
worst mistakes (wrong kinds the classifier was most sure of first).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mailbot.domain import Kind, ParsedMail
from mailbot.errors import MailbotError
from mailbot.parse.mime import parse_message

BATCH = 256
FIELDS = ("kind", "has_input", "focus_areas", "seats", "organization", "language", "should_reply")


def classify_files(paths: Iterable[Path], classifier) -> Iterator[dict]:
    """One JSON-ready dict per path, in order; batches of BATCH files share one model pass."""
    batch: list[tuple[Path, ParsedMail | str]] = []
    for path in paths:
        batch.append((Path(path), _read(Path(path))))
        if len(batch) >= BATCH:
            yield from _classify_batch(batch, classifier)
            batch = []
    yield from _classify_batch(batch, classifier)


def _read(path: Path) -> ParsedMail | str:
    """The parsed message, or the error as text."""
    try:
        return parse_message(path.read_bytes())
    except (OSError, MailbotError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _classify_batch(batch: list[tuple[Path, ParsedMail | str]], classifier) -> Iterator[dict]:
    mails = [item for _path, item in batch if isinstance(item, ParsedMail)]
    understood = iter(classifier.classify_many(mails)) if mails else iter(())
    for path, item in batch:
        if isinstance(item, ParsedMail):
            yield {"file": str(path), **next(understood).to_json()}
        else:
            yield _error_result(path, item)


def _error_result(path: Path, error: str) -> dict:
    return {"file": str(path), "kind": Kind.OTHER.value, "has_input": False, "focus_areas": [], "seats": None,
            "attendees": [], "organization": None, "language": "nb", "should_reply": False, "confidence": 0.0,
            "reasons": [f"unreadable: {error}"], "error": error}


# ------------------------------------------------------------------------------------------------ evaluate
@dataclass(frozen=True)
class Mistake:
    file: str
    field: str
    expected: object
    got: object
    confidence: float


@dataclass(frozen=True)
class EvaluationReport:
    """Figures for one labelled set.  Ratios are None when nothing was there to measure."""

    count: int
    accuracy: dict[str, float]  # per field, over every message
    primary_focus: float | None  # first focus area right, over labelled inputs
    seats_on_registrations: float | None
    reply_precision: float | None
    reply_recall: float | None
    per_kind: dict[str, tuple[float | None, float | None, int]]  # kind -> (precision, recall, support)
    confusion: dict[tuple[str, str], int]  # (expected, got) -> count
    mistakes: tuple[Mistake, ...] = field(default=())

    def figures(self) -> str:
        """The aggregate figures only (no file names): accuracy per field and the reply figures."""
        rows = [f"messages: {self.count}"]
        rows += [f"{name:<24}{_pct(value)}" for name, value in self.accuracy.items()]
        rows.append(f"{'primary focus (inputs)':<24}{_pct(self.primary_focus)}")
        rows.append(f"{'seats (registrations)':<24}{_pct(self.seats_on_registrations)}")
        rows.append(f"{'should_reply precision':<24}{_pct(self.reply_precision)}")
        rows.append(f"{'should_reply recall':<24}{_pct(self.reply_recall)}")
        return "\n".join(rows)

    def render(self, worst: int = 15) -> str:
        """Figures, per-kind precision/recall, the confusion matrix and the `worst` mistakes."""
        parts = [self.figures(), "", f"{'kind':<14}{'precision':>10}{'recall':>8}{'n':>5}"]
        parts += [f"{kind:<14}{_pct(p):>10}{_pct(r):>8}{n:>5}" for kind, (p, r, n) in self.per_kind.items()]
        parts += ["", self._matrix(), "", f"worst mistakes ({min(worst, len(self.mistakes))} of {len(self.mistakes)}):"]
        parts += [f"  {m.file}: {m.field} expected {m.expected!r} got {m.got!r} (confidence {m.confidence:.2f})"
                  for m in self.mistakes[:worst]]
        return "\n".join(parts)

    def _matrix(self) -> str:
        kinds = [k.value for k in Kind]
        short = {k: k[:6] for k in kinds}
        lines = ["expected \\ got " + "".join(f"{short[k]:>8}" for k in kinds)]
        for expected in kinds:
            cells = "".join(f"{self.confusion.get((expected, got), 0) or '.':>8}" for got in kinds)
            lines.append(f"{expected:<15}{cells}")
        return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def read_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(mail_dir: Path, labels_path: Path, classifier) -> EvaluationReport:
    """Classify every labelled file of `mail_dir` and compare with `labels_path`."""
    labels = read_labels(labels_path)
    results = list(classify_files([Path(mail_dir) / label["file"] for label in labels], classifier))
    return compare(labels, results)


def compare(labels: Sequence[dict], results: Sequence[dict]) -> EvaluationReport:
    """The report for `results` (classify_files objects) against `labels`, paired in order."""
    hits: Counter[str] = Counter()
    mistakes: list[Mistake] = []
    for label, result in zip(labels, results):
        for name in FIELDS:
            if _same(name, label.get(name), result.get(name)):
                hits[name] += 1
            else:
                mistakes.append(Mistake(label["file"], name, label.get(name), result.get(name), result["confidence"]))
    pairs = list(zip(labels, results))
    inputs = [(lab, res) for lab, res in pairs if lab["kind"] == Kind.INPUT.value]
    registrations = [(lab, res) for lab, res in pairs if lab["kind"] == Kind.REGISTRATION.value]
    mistakes.sort(key=lambda m: (m.field != "kind", -m.confidence, m.file))
    return EvaluationReport(
        count=len(pairs), accuracy={name: hits[name] / len(pairs) if pairs else 0.0 for name in FIELDS},
        primary_focus=_ratio(sum(_primary(lab, res) for lab, res in inputs), len(inputs)),
        seats_on_registrations=_ratio(sum(lab["seats"] == res["seats"] for lab, res in registrations),
                                      len(registrations)),
        reply_precision=_ratio(sum(lab["should_reply"] and res["should_reply"] for lab, res in pairs),
                               sum(bool(res["should_reply"]) for _lab, res in pairs)),
        reply_recall=_ratio(sum(lab["should_reply"] and res["should_reply"] for lab, res in pairs),
                            sum(bool(lab["should_reply"]) for lab, _res in pairs)),
        per_kind=_per_kind(pairs), confusion=dict(Counter((lab["kind"], res["kind"]) for lab, res in pairs)),
        mistakes=tuple(mistakes))


def _same(name: str, expected: object, got: object) -> bool:
    if name == "organization" and isinstance(expected, str) and isinstance(got, str):
        return " ".join(expected.split()) == " ".join(got.split())
    if name == "focus_areas":
        return list(expected or []) == list(got or [])
    return expected == got


def _primary(label: dict, result: dict) -> bool:
    expected, got = label.get("focus_areas") or [], result.get("focus_areas") or []
    return bool(expected) and bool(got) and expected[0] == got[0]


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _per_kind(pairs: list[tuple[dict, dict]]) -> dict[str, tuple[float | None, float | None, int]]:
    table = {}
    for kind in (k.value for k in Kind):
        right = sum(lab["kind"] == kind and res["kind"] == kind for lab, res in pairs)
        predicted = sum(res["kind"] == kind for _lab, res in pairs)
        support = sum(lab["kind"] == kind for lab, _res in pairs)
        table[kind] = (_ratio(right, predicted), _ratio(right, support), support)
    return table
