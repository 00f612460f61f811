"""Hold the database's write lock for a while, as another process would: `python hold_lock.py DB_URL SECONDS`.

SQLite: BEGIN IMMEDIATE (the write lock mailbot's own transactions take).  PostgreSQL: LOCK TABLE messages and
outbox IN ACCESS EXCLUSIVE MODE (every mailbot transaction touches one of them).  Prints "locked <epoch>"
once it holds the lock and "released <epoch>" after the commit.
"""

from __future__ import annotations

import sys
import time


def main(url: str, seconds: float) -> int:
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("sqlite:///", 1)[1], timeout=60, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        conn.execute("LOCK TABLE messages, outbox IN ACCESS EXCLUSIVE MODE")
    print(f"locked {time.time():.3f}", flush=True)
    time.sleep(seconds)
    conn.commit() if not url.startswith("sqlite") else conn.execute("COMMIT")
    print(f"released {time.time():.3f}", flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
