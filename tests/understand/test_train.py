"""Training is deterministic and the model directory round-trips (mailbot.understand.train, .model)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from mailbot.config import default_rules_path
from mailbot.errors import ModelError
from mailbot.understand.lemmas import FILE_NAMES, build_table
from mailbot.understand.model import corpus_fingerprint, ensure_model, load_model, read_meta
from mailbot.understand.train import load_examples, train

EXAMPLES = [
    ("Påmelding", "Jeg vil gjerne melde meg på klimaverkstedet.", "registration", []),
    ("", "Vi melder oss på med to personer fra Holmen Transport.", "registration", ["mobilitet"]),
    ("Avbud", "Jeg må dessverre melde avbud til verkstedet.", "cancellation", []),
    ("", "Vi kan ikke komme likevel, stryk oss fra lista.", "cancellation", []),
    ("Innspill", "Kommunen bør bygge flere sykkelveier og ladepunkter for elbiler.", "input", ["mobilitet"]),
    ("Innspill", "Vi mener det må bli mer ombruk av byggematerialer og mindre avfall.", "input",
     ["baerekraftig_ressursbruk", "bygg_og_arealbruk"]),
    ("Spørsmål", "Er det parkering ved rådhuset?", "question", []),
    ("", "Hva koster det å delta, og blir det servert mat?", "question", []),
    ("Faktura", "Vedlagt faktura 2211 med forfall 30. mai.", "other", []),
    ("Nyhetsbrev", "Ukens tilbud: 20 % på alle kontorstoler.", "other", []),
]


@pytest.fixture(scope="module")
def table():
    return build_table()


def write_corpus(rules_dir: Path, rows=EXAMPLES, repeat: int = 3) -> Path:
    training = rules_dir / "training"
    training.mkdir(parents=True, exist_ok=True)
    lines = []
    for _ in range(repeat):
        for subject, body, kind, areas in rows:
            lines.append(json.dumps({"subject": subject, "body": body, "kind": kind, "focus_areas": areas,
                                     "has_input": kind == "input", "seats": None, "organization": None,
                                     "language": "nb"}, ensure_ascii=False))
    (training / "small.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rules_dir


def weights(model_dir: Path) -> dict[str, bytes]:
    spacy_dir = model_dir / "spacy"
    return {str(p.relative_to(spacy_dir)): p.read_bytes() for p in sorted(spacy_dir.rglob("*")) if p.is_file()}


def scores(model_dir: Path, texts: list[str]) -> list[dict[str, float]]:
    model = load_model(model_dir)
    return [{**p.kinds, **p.areas} for p in model.predict(model.analyzer.analyse_many(texts))]


PROBES = ["Jeg melder meg på.", "Kan jeg parkere der?", "Vi foreslår flere sykkelparkeringer.", "Melder avbud."]


def test_training_twice_gives_identical_weights_and_scores(tmp_path, table):
    rules = write_corpus(tmp_path / "rules")
    first = train(rules, tmp_path / "one", epochs=4, table=table)
    second = train(rules, tmp_path / "two", epochs=4, table=table)
    assert first.examples == second.examples == 30
    assert weights(tmp_path / "one") == weights(tmp_path / "two")
    for name in FILE_NAMES:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert scores(tmp_path / "one", PROBES) == scores(tmp_path / "two", PROBES)


def test_another_seed_gives_other_weights(tmp_path, table):
    # Proves the comparison above can fail: the weights do depend on the seed.
    rules = write_corpus(tmp_path / "rules")
    train(rules, tmp_path / "one", epochs=4, seed=1, table=table)
    train(rules, tmp_path / "two", epochs=4, seed=2, table=table)
    assert weights(tmp_path / "one") != weights(tmp_path / "two")


def test_trained_model_learns_the_corpus(tmp_path, table):
    rules = write_corpus(tmp_path / "rules", repeat=4)
    summary = train(rules, tmp_path / "model", epochs=20, table=table)
    assert "registration" in str(summary) and summary.size_bytes > 0
    got = [max(s, key=lambda k: s[k] if k in ("registration", "cancellation", "input", "question", "other") else -1)
           for s in scores(tmp_path / "model", [body for _s, body, _k, _a in EXAMPLES])]
    assert got == [kind for _s, _b, kind, _a in EXAMPLES]
    meta = read_meta(tmp_path / "model")
    assert meta["corpus"] == corpus_fingerprint(rules / "training") and meta["examples"] == 40


def test_ensure_model_trains_when_missing_and_when_the_corpus_changes(tmp_path, caplog):
    rules = write_corpus(tmp_path / "rules", repeat=1)
    model_dir = tmp_path / "model"
    with caplog.at_level(logging.INFO, logger="mailbot.understand"):
        ensure_model(rules, model_dir)
    assert "model_training reason=missing" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mailbot.understand"):
        ensure_model(rules, model_dir)
    assert "model_training" not in caplog.text  # up to date: loaded, not retrained
    write_corpus(rules, repeat=2)
    with caplog.at_level(logging.INFO, logger="mailbot.understand"):
        model = ensure_model(rules, model_dir)
    assert "reason=\"out of date\"" in caplog.text and model.meta["examples"] == 20


def test_bad_training_lines_name_file_and_line(tmp_path):
    training = tmp_path / "training"
    training.mkdir()
    (training / "bad.jsonl").write_text('{"subject": "", "body": "x", "kind": "registration"}\n'
                                        '{"subject": "", "body": "x", "kind": "spam"}\n', encoding="utf-8")
    with pytest.raises(ModelError, match="bad.jsonl:2: unknown kind 'spam'"):
        load_examples(training)
    with pytest.raises(ModelError, match="no training data"):
        load_examples(tmp_path / "nowhere")


def test_load_model_refuses_a_missing_directory(tmp_path):
    with pytest.raises(ModelError, match="no trained model"):
        load_model(tmp_path / "none")


def test_training_on_the_shipped_corpus_is_reproducible(tmp_path, table):
    # One epoch over the real corpus (rules/training) keeps this fast; the code path is the full one.
    rules = default_rules_path()
    first = train(rules, tmp_path / "one", epochs=1, table=table)
    train(rules, tmp_path / "two", epochs=1, table=table)
    assert first.examples > 1000
    assert weights(tmp_path / "one") == weights(tmp_path / "two")
