"""The small parts: extracts, the seat bar, Norwegian dates, CSV cells; and the digest's speed."""

from __future__ import annotations

import time
from datetime import date, datetime, timezone

from report_data import populate

from mailbot.report.common import nb_date, nb_datetime, safe_cell
from mailbot.report.digest import build_digest
from mailbot.report.extract import extract
from mailbot.report.render import SeatBar


def test_extract_skips_the_greeting_and_keeps_two_sentences():
    text = "Hei,\n\nVi foreslår f.eks. flere ladepunkter ved Strømsø. Det kutter utslipp. Tredje setning."
    assert extract(text) == "Vi foreslår f.eks. flere ladepunkter ved Strømsø. Det kutter utslipp."


def test_extract_cuts_a_long_sentence_at_a_word():
    result = extract("Til Drammen kommune\n" + "Vi ønsker bedre kollektivtilbud " * 30, max_chars=80)
    assert len(result) <= 80 and result.endswith("…") and result.startswith("Vi ønsker")
    assert not result[:-1].endswith(" ")


def test_extract_keeps_a_text_that_is_only_a_short_line():
    assert extract("Til slutt.") == "Til slutt."
    assert extract("") == "" and extract(None) == ""


def test_seat_bar_never_hides_the_last_seat_or_the_first():
    assert SeatBar(41, 60).text() == "[██████████████░░░░░░] 41 av 60"
    assert SeatBar(599, 600).filled_pct == 99 and "░" in SeatBar(599, 600).text()
    assert SeatBar(1, 500).filled_pct == 1 and "█" in SeatBar(1, 500).text()
    assert SeatBar(60, 60).empty_pct == 0 and SeatBar(70, 60).over == 10
    assert SeatBar(0, 60).filled_pct == 0 and SeatBar(0, 60).free == 60


def test_norwegian_dates_and_times():
    assert nb_date(date(2027, 6, 1), weekday=True) == "tirsdag 1. juni 2027"
    assert nb_datetime(datetime(2027, 12, 24, 13, 5), "Europe/Oslo") == "24. desember kl. 14.05"  # naive = UTC


def test_safe_cell():
    assert [safe_cell(v) for v in ("=1+1", "+47", "-x", "@a", "\tx", "ok", None, 5)] == [
        "'=1+1", "'+47", "'-x", "'@a", "'\tx", "ok", "", "5"]


def test_digest_of_500_registrations_and_500_inputs_is_fast(db, settings):
    with db.session() as s:
        populate(s, confirmed=450, waitlisted=50, inputs=500)
    with db.session() as s:
        start = time.perf_counter()
        content = build_digest(s, settings, datetime(2027, 5, 20, 6, tzinfo=timezone.utc), None)
        elapsed = time.perf_counter() - start
    print(f"build_digest, 500 registrations + 500 inputs: {elapsed:.3f} s")
    assert content.confirmed == 450 and content.waitlisted == 50 and sum(content.inputs_by_area.values()) == 500
    assert elapsed < 1.0, f"build_digest took {elapsed:.2f} s"
