"""Start-up: `mailbot --help` wall time, and how soon a starting daemon is ready to receive mail.

    .venv/bin/python bench/bench_startup.py [--repeat 10] [--daemon-runs 3]

1. `mailbot --help` (the venv's console script): median and best of --repeat runs.  Target: median <= 0.5 s.
2. Daemon ready time: start `mailbot run` against a private Dovecot (IDLE) and the SMTP recorder, with the model
   already trained (cached), and time from process start to the daemon's first "waiting for mail" log line
   (`READY_EVENTS` below, at INFO).  Target: <= 3 s.  Measured on the log stream as it is written; a message
   is also APPENDed right at start, and the time to its reply is reported as an upper bound (it includes
   processing that message).  If the daemon prints no ready line, the upper bound is the figure.
   `mailbox_opened` (logged when the IMAP login and SELECT are done, before the first cycle) is a lower bound.
Appends one line to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from generate import registrations  # noqa: E402
from harness import DovecotServer, SmtpRecorder  # noqa: E402

HELP_TARGET_S = 0.5
READY_TARGET_S = 3.0
# The daemon's "now waiting for mail" log event (mailbot.daemon, INFO); the first one found is used.
READY_EVENTS = ("waiting", "ready", "idle_started", "waiting_for_mail")
OPENED_EVENT = "mailbox_opened"


def help_times(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(harness.mailbot_cmd("--help"), check=True, capture_output=True, cwd=harness.ROOT)
        times.append(time.perf_counter() - started)
    return times


def _event_pattern(events: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r" INFO mailbot\.\S+ (" + "|".join(map(re.escape, events)) + r")\b")


class LogWatcher(threading.Thread):
    """Reads the daemon's stderr line by line and notes when the first line of each watched event arrives."""

    def __init__(self, stream, started: float) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.stream, self.started = stream, started
        self.ready = _event_pattern(READY_EVENTS)
        self.opened = _event_pattern((OPENED_EVENT,))
        self.seen: dict[str, float] = {}
        self.lines: list[str] = []

    def run(self) -> None:
        for raw in self.stream:
            now = time.perf_counter() - self.started
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if (m := self.ready.search(line)) and "ready" not in self.seen:
                self.seen["ready"], self.seen["ready_event"] = now, m.group(1)  # type: ignore[assignment]
            if self.opened.search(line) and "opened" not in self.seen:
                self.seen["opened"] = now


def daemon_ready(workdir: Path, run: int) -> dict[str, object]:
    dovecot = DovecotServer().start()
    smtp = SmtpRecorder().start()
    [mail] = registrations(1, seed=100 + run)
    proc = None
    try:
        config = harness.write_config(workdir / f"config-{run}.toml", dovecot, smtp, workdir / f"db-{run}.sqlite3")
        client = dovecot.client()
        started = time.perf_counter()
        proc = subprocess.Popen(harness.mailbot_cmd("run", "--config", str(config)), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=harness.mailbot_env(dovecot), cwd=harness.ROOT)
        watcher = LogWatcher(proc.stderr, started)
        watcher.start()
        client.append("INBOX", mail.raw)
        client.logout()
        try:
            smtp.wait_for(1, timeout=60)
        except AssertionError as exc:
            raise RuntimeError(f"{exc}; daemon log:\n" + "\n".join(watcher.lines[-20:])) from None
        first_reply = time.perf_counter() - started
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(30)
        proc = None
        watcher.join(5)
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        smtp.stop()
        dovecot.stop()
    return {"ready_s": watcher.seen.get("ready"), "ready_event": watcher.seen.get("ready_event"),
            "opened_s": watcher.seen.get("opened"), "first_reply_s": first_reply, "exit_status": status}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--daemon-runs", type=int, default=3)
    args = parser.parse_args(argv)
    harness.warm_model()
    help_s = help_times(args.repeat)
    workdir = Path(tempfile.mkdtemp(prefix="mailbot-bench-startup-"))
    try:
        runs = [daemon_ready(workdir, k) for k in range(args.daemon_runs)]
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    ready = [r["ready_s"] for r in runs if r["ready_s"] is not None]
    opened = [r["opened_s"] for r in runs if r["opened_s"] is not None]
    reply = [r["first_reply_s"] for r in runs]
    help_median = harness.median(help_s)
    rows = [("mailbot --help median (s)", help_median, f"best {min(help_s):.3f} s of {len(help_s)}; target <= "
             f"{HELP_TARGET_S:g}: " + ("ok" if help_median <= HELP_TARGET_S else "MISSED"))]
    if ready:
        event = runs[0]["ready_event"]
        rows.append((f"daemon ready ('{event}') median (s)", harness.median(ready),
                     f"target <= {READY_TARGET_S:g}: " + ("ok" if harness.median(ready) <= READY_TARGET_S
                                                          else "MISSED")))
    else:
        rows.append(("daemon ready line", "none", "no " + "/".join(READY_EVENTS) + " log line: see upper bound"))
    rows += [("mailbox_opened median (s)", harness.median(opened) if opened else "none", "lower bound"),
             ("start -> first reply median (s)", harness.median(reply), "upper bound (includes one message)"
              + ("" if ready else f"; target <= {READY_TARGET_S:g}: "
                 + ("ok" if harness.median(reply) <= READY_TARGET_S else "MISSED"))),
             ("SIGTERM exit status", ",".join(str(r["exit_status"]) for r in runs), "")]
    print(harness.table(rows, f"bench_startup: {harness.machine()['nproc']} cores"))
    harness.record("startup", {
        "help_median_s": round(help_median, 3), "help_best_s": round(min(help_s), 3), "help_runs": len(help_s),
        "ready_median_s": round(harness.median(ready), 3) if ready else None,
        "ready_event": runs[0]["ready_event"] if ready else None,
        "opened_median_s": round(harness.median(opened), 3) if opened else None,
        "first_reply_median_s": round(harness.median(reply), 3), "daemon_runs": len(runs),
        "exit_statuses": [r["exit_status"] for r in runs]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
