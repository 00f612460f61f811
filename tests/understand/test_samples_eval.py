"""The classifier against the held-out sample mailbox (../shared/corpus/samples: 80 labelled e-mails).

The set is for evaluation only: nothing here (or in rules/, or in the training corpus) is derived from its
messages.  The test prints only aggregate figures, never a message.  Targets (from the issue): kind accuracy
≥ 0.95, should_reply precision 1.00 and recall ≥ 0.95, primary focus area ≥ 0.90 on inputs, seats exact
≥ 0.90 on registrations, organisation ≥ 0.85.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import HOST

from mailbot.config import default_model_path, default_rules_path
from mailbot.understand.classifier import Classifier
from mailbot.understand.evaluate import evaluate

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "samples"


@pytest.fixture(scope="module")
def report():
    if not (SAMPLES / "labels.jsonl").is_file():
        pytest.skip(f"sample set not found at {SAMPLES}")
    classifier = Classifier.load(default_rules_path(), default_model_path(), 0.6, (HOST,))
    result = evaluate(SAMPLES / "mail", SAMPLES / "labels.jsonl", classifier)
    print("\n" + result.figures())
    return result


def test_kind_accuracy(report):
    assert report.count == 80
    assert report.accuracy["kind"] >= 0.95, report.figures()


def test_should_reply_precision_and_recall(report):
    assert report.reply_precision == 1.0, report.figures()
    assert report.reply_recall >= 0.95, report.figures()


def test_primary_focus_area_on_inputs(report):
    assert report.primary_focus >= 0.90, report.figures()


def test_seats_on_registrations(report):
    assert report.seats_on_registrations >= 0.90, report.figures()


def test_organization(report):
    assert report.accuracy["organization"] >= 0.85, report.figures()
