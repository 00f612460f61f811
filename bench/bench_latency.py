"""Latency: APPEND of a registration -> the bot's reply at the SMTP server, with IDLE and with polling.

    .venv/bin/python bench/bench_latency.py [--count 100] [--interval 0.5] [--poll-interval 1] [--only idle|poll]

Starts `mailbot run` (the daemon, a subprocess) against a private Dovecot and the SMTP recorder, waits until a
warm-up message has been answered (so start-up is not counted), then APPENDs `count` registrations from distinct
senders, one every `interval` seconds (fixed schedule, one IMAP connection).  Latency = time the reply reached the
SMTP recorder - time the APPEND completed; replies are matched by In-Reply-To.  Reports p50/p95/max.

Scenario "idle": Dovecot offers IDLE.  Target: p95 <= 1.5 s.
Scenario "poll": `DovecotServer(idle=False)` hides IDLE and imap.poll_interval = --poll-interval; the latency is
then roughly the processing time plus up to one poll interval (on average half), so it depends on poll_interval.
Each daemon is stopped with SIGTERM and must exit 0.  Registrations the bot decided not to answer (e.g. sent
to review) are listed from its database and left out of the figures; a reply queued but never received counts
as lost (the run then fails).  Appends one line to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from generate import GeneratedMail, registrations  # noqa: E402
from harness import DovecotServer, SmtpRecorder  # noqa: E402

P95_TARGET_S = 1.5


def start_daemon(config: Path, dovecot: DovecotServer, log: Path) -> subprocess.Popen:
    out = open(log, "wb")  # noqa: SIM115 - closed in stop_daemon
    proc = subprocess.Popen(harness.mailbot_cmd("run", "--config", str(config)), stdout=out,
                            stderr=subprocess.STDOUT, env=harness.mailbot_env(dovecot), cwd=harness.ROOT)
    proc.log_file = out  # type: ignore[attr-defined]
    return proc


def stop_daemon(proc: subprocess.Popen, timeout: float = 30.0) -> tuple[int | None, float]:
    """SIGTERM; returns (exit status or None if it had to be killed, seconds to exit)."""
    started = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        status = None
    proc.log_file.close()  # type: ignore[attr-defined]
    return status, time.perf_counter() - started


def scenario(name: str, mails: list[GeneratedMail], warmup: GeneratedMail, interval: float, idle: bool,
             poll_interval: int, workdir: Path) -> dict[str, object]:
    """Run one daemon against a fresh Dovecot; returns latencies and the exit status."""
    dovecot = DovecotServer(idle=idle).start()
    smtp = SmtpRecorder().start()
    log = workdir / f"mailbot-{name}.log"
    proc = None
    try:
        config = harness.write_config(workdir / f"config-{name}.toml", dovecot, smtp, workdir / f"{name}.sqlite3",
                                      poll_interval=poll_interval)
        started = time.perf_counter()
        proc = start_daemon(config, dovecot, log)
        client = dovecot.client()
        client.append("INBOX", warmup.raw)
        smtp.wait_for(1, timeout=120)
        ready_s = time.perf_counter() - started
        appended = append_on_schedule(client, mails, interval)
        client.logout()
        wait_quiet(smtp, len(mails) + 1, quiet=3 + poll_interval, timeout=60)
        time.sleep(2)  # let it settle into waiting for mail: the SIGTERM then measures leaving IDLE/poll sleep
        status, stop_s = stop_daemon(proc)
        proc = None
    finally:
        if proc is not None:
            stop_daemon(proc)
        smtp.stop()
        dovecot.stop()
    received = {(m.message["In-Reply-To"] or "").strip(): m.received_at for m in smtp.messages}
    latencies = [received[mid] - at for mid, at in appended if mid in received]
    decided = decisions(workdir / f"{name}.sqlite3")
    unanswered = [mid for mid, _at in appended if mid not in received]
    by_decision = [f"{decided.get(mid, ('?', '?', 0))[0]}/{decided.get(mid, ('?', '?', 0))[1]}"
                   for mid in unanswered if decided.get(mid, ("", "", 0))[2] == 0]
    return {"latencies": latencies, "missing": len(unanswered) - len(by_decision), "not_answered": by_decision,
            "exit_status": status,
            "stop_s": stop_s, "first_reply_s": ready_s, "log": str(log),
            "stopped_line": "stopped" in log.read_text(errors="replace")}


def wait_quiet(smtp: SmtpRecorder, expected: int, quiet: float, timeout: float) -> None:
    """Wait until `expected` replies arrived, or none arrived for `quiet` seconds (some registrations may be
    sent to review and never answered), or `timeout`."""
    deadline, last_count, last_change = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(smtp.messages)
        if count >= expected:
            return
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > quiet:
            return
        time.sleep(0.1)


def decisions(db_path: Path) -> dict[str, tuple[str, str, int]]:
    """{Message-ID: (kind, status, replies queued)} from the bot's database."""
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute("SELECT m.message_id, m.kind, m.status, count(o.id) FROM messages m "
                          "LEFT JOIN outbox o ON o.source_message_id = m.id GROUP BY m.id").fetchall()
    finally:
        db.close()
    return {mid: (kind, status, replies) for mid, kind, status, replies in rows}


def append_on_schedule(client, mails: list[GeneratedMail], interval: float) -> list[tuple[str, float]]:  # noqa: ANN001
    """APPEND one message every `interval` seconds (absolute schedule); [(Message-ID, time APPEND completed)]."""
    appended = []
    start = time.monotonic()
    for k, mail in enumerate(mails):
        delay = start + k * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        client.append("INBOX", mail.raw)
        appended.append((mail.message_id, time.time()))  # wall clock, as the recorder's received_at
    return appended


def figures(result: dict[str, object]) -> dict[str, object]:
    lat = result["latencies"]
    return {"n": len(lat), "missing": result["missing"], "not_answered": result["not_answered"], "p50_s": round(harness.percentile(lat, 50), 3),
            "p95_s": round(harness.percentile(lat, 95), 3), "max_s": round(max(lat), 3) if lat else None,
            "mean_s": round(sum(lat) / len(lat), 3) if lat else None, "exit_status": result["exit_status"],
            "stop_s": round(result["stop_s"], 2), "first_reply_s": round(result["first_reply_s"], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--poll-interval", type=int, default=1)
    parser.add_argument("--only", choices=("idle", "poll"))
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    args = parser.parse_args(argv)
    harness.warm_model()
    mails = registrations(args.count + 1)
    warmup, mails = mails[0], mails[1:]
    workdir = Path(tempfile.mkdtemp(prefix="mailbot-bench-latency-"))
    results = {}
    try:
        for name in ("idle", "poll"):
            if args.only in (None, name):
                print(f"{name}: {args.count} registrations, one every {args.interval:g} s ...", flush=True)
                results[name] = figures(scenario(name, mails, warmup, args.interval, name == "idle",
                                                 args.poll_interval, workdir))
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    rows = []
    ok = True
    for name, fig in results.items():
        label = "IDLE" if name == "idle" else f"polling every {args.poll_interval} s"
        target = f"target <= {P95_TARGET_S:g}: " + ("ok" if fig["p95_s"] <= P95_TARGET_S else "MISSED") \
            if name == "idle" else "depends on poll_interval"
        rows += [(f"{label}: p50 (s)", fig["p50_s"], ""), (f"{label}: p95 (s)", fig["p95_s"], target),
                 (f"{label}: max (s)", fig["max_s"], f"mean {fig['mean_s']} s over {fig['n']} replies"),
                 (f"{label}: unanswered", len(fig["not_answered"]) + fig["missing"],
                  f"{fig['missing']} lost; by decision (kind/status): {', '.join(fig['not_answered']) or '-'}"),
                 (f"{label}: SIGTERM -> exit", f"status {fig['exit_status']}",
                  f"in {fig['stop_s']:.2f} s (sent while waiting for mail)")]
        ok = ok and fig["exit_status"] == 0 and fig["missing"] == 0
    print()
    print(harness.table(rows, f"bench_latency: {args.count} registrations every {args.interval:g} s, "
                              f"{harness.machine()['nproc']} cores"))
    harness.record("latency", {"count": args.count, "interval_s": args.interval,
                               "poll_interval_s": args.poll_interval, **{k: v for k, v in results.items()}})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
