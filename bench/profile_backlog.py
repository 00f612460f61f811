"""Where does `run --once` spend its time?  cProfile of an in-process `build_daemon(settings).run_once()`.

    .venv/bin/python bench/profile_backlog.py [--count 2000] [--seed 1] [--top 30] [--out FILE.pstats]

Same set-up as bench_backlog.py (generated mail in a private Dovecot, SMTP recorder, fresh SQLite, cached model),
but the bot runs inside this process under cProfile (wall-clock timer, so time spent waiting for Dovecot or the
SMTP server shows up in the call that waits).  Prints a breakdown by stage (cumulative time of the stage's entry
point, % of run_once) and the top functions by own time and by cumulative time.  The SMTP recorder runs in a
thread of this process; its time is not part of run_once's thread and does not appear in the profile.  The
daemon sends each batch's replies in a thread of its own (act.sending.Sending) while the next batch is prepared:
the sampler only sees the main thread, so that work shows up as "wait for the previous batch's send thread"
when the main thread has to wait for it (and as GIL contention in the other stages).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import signal
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from generate import generate, load_maildir  # noqa: E402
from harness import DovecotServer, SmtpRecorder  # noqa: E402

# (label, file suffix, function name[, "max"]): entry points whose cumulative time makes a stage; several
# functions matching are summed, or with "max" (nested functions of one name) the outermost is taken.
STAGES = (
    ("build_daemon (start-up: model, migrations)", "mailbot/daemon.py", "build_daemon"),
    ("run_once total", "mailbot/daemon.py", "run_once"),
    ("  intake: SEARCH + FETCH (pending)", "mailbot/intake/imap.py", "pending"),
    ("  prepare (parse + classify, no write lock)", "mailbot/pipeline.py", "prepare"),
    ("    parse (parse_message)", "mailbot/parse/mime.py", "parse_message"),
    ("      PDF text (pypdf)", "mailbot/parse/attachments.py", "_pdf"),
    ("      DOCX text (python-docx)", "mailbot/parse/attachments.py", "_docx"),
    ("    known-key lookup (_unknown)", "mailbot/pipeline.py", "_unknown"),
    ("    understand (classify_many)", "mailbot/understand/classifier.py", "classify_many"),
    ("  commit (decide + store, one transaction)", "mailbot/pipeline.py", "commit"),
    ("    desk.decide", "mailbot/desk/decide.py", "decide"),
    ("      outbox counts (_reply_counts)", "mailbot/desk/decide.py", "_reply_counts"),
    ("      seats (_seats)", "mailbot/desk/decide.py", "_seats"),
    ("      reply text (answers.to_sender)", "mailbot/desk/answers.py", "to_sender"),
    ("    outbox enqueue (compose MIME)", "mailbot/act/outbox.py", "enqueue"),
    ("    SQLAlchemy Session.commit", "sqlalchemy/orm/session.py", "commit", "max"),
    ("  file (keyword + MOVE, mark filed)", "mailbot/daemon.py", "_file"),
    ("    IMAP SEARCH present uids", "mailbot/intake/imap_folders.py", "present_uids"),
    ("    IMAP STORE +FLAGS keyword", "mailbot/intake/imap_folders.py", "add_keyword"),
    ("    IMAP MOVE", "mailbot/intake/imap_folders.py", "move_uids"),
    ("    mark filed (DB)", "mailbot/daemon.py", "_mark_filed"),
    ("  wait for the previous batch's send thread", "mailbot/daemon.py", "wait"),
    ("  send (SMTP, outbox; last run, in this thread)", "mailbot/daemon.py", "_send"),
    ("    mark sent (DB, per reply)", "mailbot/act/queue.py", "add"),
    ("  file leftovers", "mailbot/daemon.py", "_file_leftovers"),
    ("  digest check", "mailbot/daemon.py", "_queue_due_digest"),
)


def stage_times(stats: pstats.Stats) -> dict[str, tuple[float, int]]:
    """{label: (cumulative seconds, calls)} summed over functions matching each stage entry point."""
    out = {}
    for label, suffix, name, *how in STAGES:
        found = [(ct, nc) for (filename, _line, func), (_cc, nc, _tt, ct, _callers)
                 in stats.stats.items()  # type: ignore[attr-defined]
                 if func == name and filename.replace("\\", "/").endswith(suffix)]
        if how == ["max"]:
            out[label] = max(found, default=(0.0, 0))
        else:
            out[label] = (sum(ct for ct, _ in found), sum(nc for _, nc in found))
    return out


class Sampler:
    """A low-overhead statistical profiler: a SIGALRM every `interval` seconds of wall time (setitimer) samples
    the main thread's stack and counts, per sample, the STAGES entry points on the stack and the innermost mailbot
    function.  The handler runs in the main thread between bytecodes, so a sample taken during a long C call
    (SQLite, a socket read) lands on the frame that made the call, when it returns."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.stages: Counter[str] = Counter()
        self.leaves: Counter[str] = Counter()
        self.samples = 0

    def start(self) -> None:
        signal.signal(signal.SIGALRM, lambda _signum, frame: self._count(frame))
        signal.setitimer(signal.ITIMER_REAL, self.interval, self.interval)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    def _count(self, frame) -> None:  # noqa: ANN001
        leaf, where = None, frame
        stack = []
        while where is not None:
            stack.append(where)
            where = where.f_back
        labels = []
        for f in stack:  # innermost first
            filename, name = f.f_code.co_filename.replace("\\", "/"), f.f_code.co_name
            if leaf is None and "/mailbot/" in filename and "/site-packages/" not in filename:
                leaf = f"{filename.rsplit('/mailbot/', 1)[1]}:{name}"
            for label, suffix, func, *_ in STAGES:
                if func == name and filename.endswith(suffix):
                    labels.append(label)
        self.samples += 1
        self.stages.update(set(labels) or {"(outside the stages)"})
        self.leaves[leaf or "(no mailbot frame)"] += 1

    def report(self, top: int) -> str:
        lines = [f"sampled {self.samples} stacks, one per {1000 * self.interval:g} ms of wall time (share of samples "
                 "whose stack holds the stage's entry point):"]
        for label, _suffix, _func, *_ in STAGES:
            lines.append(f"  {label:<46} {100 * self.stages[label] / max(1, self.samples):5.1f} %")
        lines.append(f"innermost mailbot function, top {top}:")
        for leaf, n in self.leaves.most_common(top):
            lines.append(f"  {100 * n / max(1, self.samples):5.1f} %  {leaf}")
        return "\n".join(lines)


class SqlTimer:
    """Total time and count per SQL statement text (SQLAlchemy cursor events, all engines of this process)."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        took = time.perf_counter() - conn.info["bench_started"].pop()
        entry = self.totals.setdefault(" ".join(statement.split()), [0.0, 0])
        entry[0] += took
        entry[1] += 1

    def report(self, top: int) -> str:
        rows = sorted(self.totals.items(), key=lambda kv: -kv[1][0])[:top]
        total = sum(v[0] for v in self.totals.values())
        lines = [f"SQL: {sum(v[1] for v in self.totals.values())} statements, {total:.1f} s in the driver "
                 f"(execute only, rows fetched lazily are not included); top {len(rows)}:"]
        for statement, (seconds, count) in rows:
            lines.append(f"{seconds:8.2f} s {count:7d} x {1000 * seconds / count:7.2f} ms  {statement[:220]}")
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--out", type=Path, help="also save the raw pstats here")
    parser.add_argument("--sample", action="store_true",
                        help="no cProfile: a sampling profiler (little overhead) plus SQL statement times")
    args = parser.parse_args(argv)
    harness.warm_model()
    mails = generate(args.count, args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="mailbot-bench-profile-"))
    dovecot = DovecotServer().start()
    smtp = SmtpRecorder().start()
    try:
        load_maildir(dovecot, mails)
        config = harness.write_config(workdir / "config.toml", dovecot, smtp, workdir / "mailbot.sqlite3",
                                      batch_size=args.batch_size, level="WARNING")
        os.environ[harness.PASSWORD_ENV] = dovecot.password
        from mailbot.config import load_settings
        from mailbot.daemon import build_daemon
        from mailbot.logs import setup_logging

        settings = load_settings(config)
        setup_logging(settings.log_level)
        sql = SqlTimer()
        sql.install()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        sampler = Sampler()
        if args.sample:
            sampler.start()
        else:
            profiler.enable()
        daemon = build_daemon(settings)
        report = daemon.run_once()
        profiler.disable()
        if args.sample:
            sampler.stop()
        wall = time.perf_counter() - started
    finally:
        smtp.stop()
        dovecot.stop()
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    if args.sample:
        print(f"profile_backlog --sample: {args.count} messages, wall {wall:.1f} s (build_daemon + run_once), "
              f"{report.processed} processed, {report.sent} sent, {args.count / wall:.1f} messages/s")
        print(sampler.report(args.top))
        print()
        print(sql.report(15))
        return 0
    if args.out:
        profiler.dump_stats(str(args.out))
    stats = pstats.Stats(profiler)
    stages = stage_times(stats)
    run_total = stages["run_once total"][0] or wall
    print(f"profile_backlog: {args.count} messages, wall {wall:.1f} s (build_daemon + run_once), "
          f"{report.processed} processed, {report.sent} sent, {args.count / wall:.1f} messages/s under cProfile")
    print()
    rows = [(label, seconds, f"{100 * seconds / run_total:5.1f} % of run_once, {calls} calls")
            for label, (seconds, calls) in stages.items()]
    print(harness.table(rows, "stage (cumulative wall time, s)"))
    print()
    print(sql.report(15))
    print()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
