"""Shared pieces of the benchmarks: test servers, a config for `mailbot run`, the model cache, results.jsonl.

The servers are the test suite's own (tests/servers: a private Dovecot 2.3 and an aiosmtpd recorder); they
need root.  Results go to bench/results.jsonl, one JSON object per run:
{"bench": name, "date": ISO-8601, "machine": {...}, "figures": {...}}.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers.dovecot import DovecotServer  # noqa: E402,F401 - re-exported for the benchmarks
from servers.smtp import SmtpRecorder  # noqa: E402,F401
from servers import mailbot_config  # noqa: E402
from servers.mailbot_config import Knobs  # noqa: E402

RESULTS = ROOT / "bench" / "results.jsonl"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
MAILBOT = str(VENV_BIN / "mailbot") if (VENV_BIN / "mailbot").exists() else None
PASSWORD_ENV = "MAILBOT_BENCH_IMAP_PASSWORD"
CACHE = Path(os.environ.get("MAILBOT_BENCH_CACHE", Path.home() / ".cache" / "mailbot-bench"))
MODEL = CACHE / "model"
# Load average when the benchmark started: the machine may be shared, and other work skews every figure.
LOAD_AT_START = [round(x, 2) for x in os.getloadavg()]


def mailbot_cmd(*args: str) -> list[str]:
    """The `mailbot` console script of the venv (or `python -m mailbot.cli` when it is not installed)."""
    return [MAILBOT, *args] if MAILBOT else [PYTHON, "-m", "mailbot.cli", *args]


def mailbot_env(dovecot: DovecotServer | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    if dovecot is not None:
        env[PASSWORD_ENV] = dovecot.password
    return env


def write_config(path: Path, dovecot: DovecotServer, smtp: SmtpRecorder, db_path: Path, *, capacity: int = 500,
                 poll_interval: int = 60, idle: bool = True, batch_size: int = 200, level: str = "INFO") -> Path:
    """A config for `mailbot run` against the private Dovecot and the SMTP recorder, SQLite at `db_path`, the
    cached model, and a digest time that will not fire during a run."""
    knobs = Knobs(capacity=capacity, poll_interval=poll_interval, idle=idle, batch_size=batch_size, log_level=level,
                  imap_timeout=60, smtp_timeout=30, digest_time="23:59", location="Drammen rådhus, Engene 1, Drammen",
                  sender="Klimaverksted Drammen kommune <klimaverksted@drammen.kommune.example>",
                  advisor_email="klimaradgiver@drammen.kommune.example", advisor_name="Marte Lien",
                  imap_password_env=PASSWORD_ENV, model_path=MODEL)
    return mailbot_config.write_config(path, dovecot, smtp, f"sqlite:///{db_path}", knobs)


def warm_model() -> float:
    """Train the cached model if it is missing or stale (outside any timing); returns the seconds taken."""
    started = time.perf_counter()
    code = ("import sys; from mailbot.config import default_rules_path; from mailbot.understand.model import "
            "ensure_model; from mailbot.logs import setup_logging; setup_logging('WARNING'); "
            "ensure_model(default_rules_path(), __import__('pathlib').Path(sys.argv[1]))")
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([PYTHON, "-c", code, str(MODEL)], check=True, cwd=ROOT)
    return time.perf_counter() - started


def machine() -> dict[str, object]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()) if Path("/proc/meminfo").exists() else None
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "mem_gb": round(int(mem.group(1)) / 2**20, 1)
            if mem else None, "python": platform.python_version(), "kernel": platform.release(),
            "commit": _git("rev-parse", "--short", "HEAD"), "dirty": bool(_git("status", "--porcelain", "mailbot")),
            "loadavg_start": LOAD_AT_START, "loadavg_end": [round(x, 2) for x in os.getloadavg()]}


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def record(bench: str, figures: dict[str, object]) -> dict[str, object]:
    """Append one result line to bench/results.jsonl and return it."""
    import json

    entry = {"bench": bench, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "machine": machine(), "figures": figures}
    with open(RESULTS, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def table(rows: list[tuple[str, object, str]], title: str) -> str:
    """A small aligned table: (what, value, target/comment)."""
    width = max(len(r[0]) for r in rows)
    values = [_fmt(r[1]) for r in rows]
    vwidth = max(len(v) for v in values)
    lines = [title, "-" * len(title)]
    lines += [f"{r[0]:<{width}}  {v:>{vwidth}}  {r[2]}".rstrip() for r, v in zip(rows, values)]
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def wait_rusage(proc: subprocess.Popen, timeout: float) -> tuple[int, float, object]:
    """Wait for `proc` (wait4, so its own rusage is returned); kill it after `timeout`.  Returns
    (exit status, seconds waited, resource usage: ru_maxrss in KiB)."""
    started = time.perf_counter()
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, time.perf_counter() - started, usage
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise TimeoutError(f"{proc.args[0]} did not finish within {timeout:.0f} s (killed)")
        time.sleep(0.01)
