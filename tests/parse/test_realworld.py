"""Robustness: parse_message takes every real-world message without raising, and stays fast.

The corpus (1,471 messages from the test suites of public mail projects: broken MIME, unknown charsets,
CR-only line ends, bounces, ARF reports) lives in shared/ beside the repository: X/main is the repo,
X/shared the corpus.  Skipped when absent, except on CI (CI=true), where a missing corpus is a failure.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mailbot.parse.mime import parse_message

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "realworld"
BUDGET_SECONDS = 60  # ~4 s here on 2 cores; the budget only catches a pathological slowdown


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"real-world corpus missing on CI: {CORPUS}", pytrace=False)
        pytest.skip(f"real-world corpus not found at {CORPUS}")
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv" and p.suffix != ".md")


def test_every_realworld_message_parses(capsys):
    files = corpus_files()
    assert len(files) > 1000
    started = time.perf_counter()
    slowest = (0.0, "")
    for path in files:
        begun = time.perf_counter()
        mail = parse_message(path.read_bytes())
        took = time.perf_counter() - begun
        assert mail.key, path.name
        assert mail.key.startswith(("<", "sha256:")), path.name
        slowest = max(slowest, (took, path.name))
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nrealworld: {len(files)} messages in {elapsed:.2f} s; slowest {slowest[1]} {slowest[0]:.2f} s")
    assert elapsed < BUDGET_SECONDS


def test_bounces_show_their_report_parts():
    """Sanity on content, not only 'no crash': most DSNs expose a message/delivery-status part."""
    files = [p for p in corpus_files() if p.parent.name in ("sisimai", "flufl_bounce")]
    with_status = sum(
        any(a.content_type == "message/delivery-status" for a in parse_message(p.read_bytes()).attachments)
        for p in files
    )
    assert with_status > len(files) // 3
