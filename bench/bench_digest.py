"""Time build_digest on a busy database: 500 registrations and 500 inputs (by default).

    .venv/bin/python bench/bench_digest.py [--registrations N] [--inputs N] [--url URL] [--repeat N]

Builds a fresh SQLite database in a temporary directory (or uses --url, e.g. an empty PostgreSQL
database), fills it with model rows directly (like tests/report), and prints one line with the best and
median build time.  Target: well under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "report")]

from report_data import T0, add_message, make_settings, populate  # noqa: E402

from mailbot.report.digest import build_digest  # noqa: E402
from mailbot.store.db import Database  # noqa: E402


def fill(db: Database, registrations: int, inputs: int) -> None:
    waiting = registrations // 10
    with db.session() as session:
        populate(session, confirmed=registrations - waiting, waitlisted=waiting, inputs=inputs)
        for i in range(registrations // 20):  # some mail that needs a human
            add_message(session, f"q{i}@x.example", kind="question", status="review", at=T0 + timedelta(hours=i))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--inputs", type=int, default=500)
    parser.add_argument("--url", help="an empty database to fill (default: SQLite in a temp dir)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.url or f"sqlite:///{tmp}/bench.sqlite3")
        db.migrate()
        fill(db, args.registrations, args.inputs)
        settings = make_settings(Path(tmp), capacity=max(1, args.registrations - args.registrations // 10))
        now = datetime(2027, 5, 20, 6, tzinfo=timezone.utc)
        times = []
        for _ in range(args.repeat):
            with db.session() as session:
                start = time.perf_counter()
                content = build_digest(session, settings, now, None)
                times.append(time.perf_counter() - start)
        db.dispose()
    print(f"bench_digest: {args.registrations} registrations, {args.inputs} inputs, {db.engine.dialect.name}: "
          f"best {min(times):.3f} s, median {statistics.median(times):.3f} s over {len(times)} builds "
          f"(html {len(content.html) // 1024} KiB, csv {sum(len(a.data) for a in content.attachments) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
