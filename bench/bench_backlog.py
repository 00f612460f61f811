"""Backlog: how long `mailbot run --once` takes to empty an inbox of N messages, against `mbsync` pulling it.

    .venv/bin/python bench/bench_backlog.py [--count 10000] [--seed 1] [--skip-mbsync] [--keep]

Generates N messages (bench/generate.py) into two identical private Dovecots (written into the Maildir, then
indexed by a SELECT), then measures, each against its own cold Dovecot:
  (b) `mbsync` with default settings (FSync on) pulling INBOX into a fresh local Maildir (state kept in that
      Maildir: `SyncState *`, so ~/.mbsync is never touched); the median of --mbsync-runs runs, each against a
      freshly loaded Dovecot, because its time follows the disk's fsync latency; also once with `FSync no`;
  (a) `mailbot run --once --config <tmp config>` (subprocess: SQLite, SMTP recorder in this process, cached
      model, event capacity 500, digest at 23:59) classifying, storing, answering and filing everything.
Reports messages/s, the ratio (a)/(b) and the bot's own peak RSS (ru_maxrss, measured
through a small launcher: see tests/servers/rss.py).
Targets: ratio <= 4, peak RSS <= 300 MB.  Then checks correctness: replies received by the SMTP recorder ==
replies the bot queued (outbox rows, SQLite), every reply answers a generated message, and INBOX holds only
the messages the bot left there, all of kind 'other'.  Appends one line to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from generate import GeneratedMail, generate, load_maildir, summary  # noqa: E402
from harness import DovecotServer, SmtpRecorder  # noqa: E402
from servers.rss import own_peak_command, read_own_peak  # noqa: E402

RATIO_TARGET = 4.0
RSS_TARGET_MB = 300.0


def mbsyncrc(path: Path, dovecot: DovecotServer, local: Path, fsync: bool = True) -> Path:
    """A minimal mbsyncrc pulling INBOX; `SyncState *` keeps the sync state inside the local Maildir."""
    local.mkdir(parents=True, exist_ok=True)
    path.write_text(("" if fsync else "FSync no\n\n") + f"""IMAPAccount bench
Host {dovecot.host}
Port {dovecot.port}
User {dovecot.user}
Pass {dovecot.password}
SSLType None
AuthMechs LOGIN

IMAPStore bench-remote
Account bench

MaildirStore bench-local
Path {local}/
Inbox {local}/INBOX

Channel bench
Far :bench-remote:INBOX
Near :bench-local:INBOX
Sync Pull
Create Near
SyncState *
""", encoding="utf-8")
    return path


def run_mbsync(dovecot: DovecotServer, workdir: Path, count: int, fsync: bool) -> dict[str, float]:
    rc = mbsyncrc(workdir / "mbsyncrc", dovecot, workdir / "mail", fsync)
    proc = subprocess.Popen(["mbsync", "-c", str(rc), "bench"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    status, seconds, usage = harness.wait_rusage(proc, timeout=3600)
    output = proc.stdout.read().decode(errors="replace")
    if status != 0:
        raise RuntimeError(f"mbsync failed ({status}):\n{output}")
    inbox = workdir / "mail" / "INBOX"
    pulled = sum(1 for sub in ("cur", "new") for _ in (inbox / sub).iterdir())
    if pulled != count:
        raise RuntimeError(f"mbsync pulled {pulled} of {count} messages:\n{output}")
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024}


def run_bot(config: Path, dovecot: DovecotServer, workdir: Path, timeout: float) -> dict[str, object]:
    log, peak_file = workdir / "mailbot.log", workdir / "mailbot.rss"
    with open(log, "wb") as out:
        # Through the launcher of servers.rss: this process holds all the generated mail, and a direct
        # child's ru_maxrss would start at this process's size.
        command = own_peak_command(harness.mailbot_cmd("run", "--once", "--config", str(config)), peak_file)
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=harness.mailbot_env(dovecot),
                                cwd=harness.ROOT)
        _launcher, seconds, usage = harness.wait_rusage(proc, timeout)
    status, peak_mb = read_own_peak(peak_file)
    text = log.read_text(encoding="utf-8", errors="replace")
    if status != 0:
        raise RuntimeError(f"mailbot run --once exited {status}; last lines of {log}:\n{text[-3000:]}")
    summary_line = [line for line in text.splitlines() if line.startswith("processed ")]
    return {"seconds": seconds, "rss_mb": peak_mb, "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime, "summary": summary_line[-1] if summary_line else "", "log": str(log),
            "warnings": sum(1 for line in text.splitlines() if " WARNING " in line or " ERROR " in line)}


def inbox_message_ids(dovecot: DovecotServer) -> list[str]:
    client = dovecot.client()
    try:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        if not uids:
            return []
        data = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
        return [_header_value(next(v for k, v in d.items() if k.startswith(b"BODY"))) for d in data.values()]
    finally:
        client.logout()


def _header_value(raw: bytes) -> str:
    text = raw.decode("ascii", "replace").strip()
    return text.split(":", 1)[1].strip() if ":" in text else ""


def folder_counts(dovecot: DovecotServer) -> dict[str, int]:
    client = dovecot.client()
    try:
        return {name: client.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
                for _flags, _sep, name in client.list_folders()}
    finally:
        client.logout()


def verify(db_path: Path, dovecot: DovecotServer, smtp: SmtpRecorder, mails: list[GeneratedMail]) -> dict:
    """Correctness after the run; returns figures and a list of problems (empty when all is well)."""
    problems: list[str] = []
    by_id = {m.message_id: m for m in mails}
    db = sqlite3.connect(db_path)
    rows = db.execute("SELECT message_id, kind, status, target_folder, filed_at IS NOT NULL FROM messages").fetchall()
    queued = db.execute("SELECT status, count(*) FROM outbox WHERE source_message_id IS NOT NULL GROUP BY status")
    outbox = dict(queued.fetchall())
    answered = db.execute("SELECT count(DISTINCT source_message_id) FROM outbox "
                          "WHERE source_message_id IS NOT NULL").fetchone()[0]
    digests = db.execute("SELECT count(*) FROM outbox WHERE source_message_id IS NULL").fetchone()[0]
    db.close()
    if len(rows) != len(mails):
        problems.append(f"{len(rows)} messages stored, {len(mails)} generated")
    replies = [m for m in smtp.messages if "klimaradgiver@" not in ",".join(m.rcpt_tos)]
    queued_total = sum(outbox.values())
    if len(replies) != queued_total or outbox.get("sent", 0) != queued_total:
        problems.append(f"SMTP recorder got {len(replies)} replies; outbox has {outbox}")
    strays = [m for m in replies if (m.message["In-Reply-To"] or "").strip() not in by_id]
    if strays:
        problems.append(f"{len(strays)} replies answer no generated message")
    kinds = {mid: kind for mid, kind, *_ in rows}
    left = inbox_message_ids(dovecot)
    unfiled = [mid for mid, _k, _s, folder, _f in rows if folder is None]
    if sorted(left) != sorted(unfiled):
        problems.append(f"INBOX holds {len(left)} messages; the bot left {len(unfiled)} unfiled")
    not_other = Counter(kinds.get(mid) for mid in left if kinds.get(mid) != "other")
    if not_other:
        problems.append(f"INBOX holds non-'other' messages: {dict(not_other)}")
    unfiled_but_moved = sum(1 for *_x, folder, filed in rows if folder is not None and not filed)
    if unfiled_but_moved:
        problems.append(f"{unfiled_but_moved} messages have a folder but filed_at is NULL")
    agree = sum(1 for mid, kind, *_ in rows if mid in by_id and by_id[mid].kind == kind)
    return {"stored": len(rows), "replies_received": len(replies), "replies_queued": queued_total,
            "messages_answered": answered, "digests_queued": digests, "inbox_left": len(left),
            "statuses": dict(Counter(status for _m, _k, status, *_ in rows)),
            "kinds": dict(Counter(kind for _m, kind, *_ in rows)), "kind_agreement": round(agree / max(1, len(rows)), 4),
            "folders": folder_counts(dovecot), "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=200, help="imap.batch_size for the bot")
    parser.add_argument("--timeout", type=float, default=3600, help="kill the bot after this many seconds")
    parser.add_argument("--skip-mbsync", action="store_true", help="measure the bot only (no ratio)")
    parser.add_argument("--mbsync-runs", type=int, default=3, help="mbsync runs with FSync on (median is used)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (log, database)")
    args = parser.parse_args(argv)

    model_s = harness.warm_model()
    started = time.perf_counter()
    mails = generate(args.count, args.seed)
    generate_s = time.perf_counter() - started
    info = summary(mails)
    print(f"generated {args.count} messages ({info['bytes'] / 1e6:.1f} MB, median {info['size_median']} B) "
          f"in {generate_s:.1f} s; model ready in {model_s:.1f} s")

    workdir = Path(tempfile.mkdtemp(prefix="mailbot-bench-backlog-"))
    servers: list = []
    try:
        mbsync = mbsync_nofsync = None
        if not args.skip_mbsync:
            # mbsync's default FSync makes its time follow the disk's fsync latency, which varies a lot on a
            # shared VM: the median of several runs, each against a freshly loaded (cold) Dovecot.
            runs = {True: [], False: []}
            for k, fsync in enumerate([True] * args.mbsync_runs + [False]):
                mirror = DovecotServer().start()
                servers.append(mirror)
                load_maildir(mirror, mails)
                result = run_mbsync(mirror, workdir / f"mbsync-{k}", len(mails), fsync)
                mirror.stop()
                runs[fsync].append(result["seconds"])
                print(f"mbsync (FSync {'on' if fsync else 'off'}): {result['seconds']:.1f} s", flush=True)
            mbsync = {"seconds": harness.median(runs[True]), "runs": runs[True]}
            mbsync_nofsync = {"seconds": runs[False][0]}
        dovecot = DovecotServer().start()
        servers.append(dovecot)
        load_s = load_maildir(dovecot, mails)
        smtp = SmtpRecorder().start()
        servers.append(smtp)
        config = harness.write_config(workdir / "config.toml", dovecot, smtp, workdir / "mailbot.sqlite3",
                                      batch_size=args.batch_size)
        print(f"loaded into Dovecot in {load_s:.1f} s; running mailbot run --once ...", flush=True)
        bot = run_bot(config, dovecot, workdir, args.timeout)
        checks = verify(workdir / "mailbot.sqlite3", dovecot, smtp, mails)
    finally:
        for server in reversed(servers):
            server.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)

    rate = args.count / bot["seconds"]
    ratio = bot["seconds"] / mbsync["seconds"] if mbsync else None
    rows = [("messages", args.count, f"{info['bytes'] / 1e6:.1f} MB, {info['attachments']} with attachments"),
            ("mailbot run --once (s)", bot["seconds"], f"user {bot['user_s']:.1f} s, sys {bot['sys_s']:.1f} s"),
            ("mailbot messages/s", rate, "")]
    if mbsync:
        rows += [("mbsync pull (s)", mbsync["seconds"], "default settings (FSync on), median of "
                  + ", ".join(f"{x:.1f}" for x in mbsync["runs"])),
                 ("mbsync messages/s", args.count / mbsync["seconds"], ""),
                 ("mbsync pull, FSync no (s)", mbsync_nofsync["seconds"], "for context"),
                 ("ratio mailbot/mbsync", ratio, f"target <= {RATIO_TARGET:g}: "
                  + ("ok" if ratio <= RATIO_TARGET else "MISSED")),
                 ("ratio vs mbsync FSync no", bot["seconds"] / mbsync_nofsync["seconds"], "")]
    rows += [("mailbot peak RSS (MB)", bot["rss_mb"], f"target <= {RSS_TARGET_MB:g}: "
              + ("ok" if bot["rss_mb"] <= RSS_TARGET_MB else "MISSED")),
             ("replies received / queued", f"{checks['replies_received']} / {checks['replies_queued']}",
              f"{checks['messages_answered']} messages answered"),
             ("left in INBOX (all 'other')", checks["inbox_left"], ""),
             ("kind agrees with generator", checks["kind_agreement"], "synthetic labels, not an evaluation"),
             ("correctness", "ok" if not checks["problems"] else "FAILED", "; ".join(checks["problems"]))]
    print()
    print(harness.table(rows, f"bench_backlog: {args.count} messages, {harness.machine()['nproc']} cores"))
    print(f"bot: {bot['summary']} ({bot['warnings']} warning/error log lines)")
    print("kinds:", ", ".join(f"{k}={v}" for k, v in sorted(checks["kinds"].items(), key=str)))
    print("folders:", ", ".join(f"{k}={v}" for k, v in sorted(checks["folders"].items())))
    harness.record("backlog", {
        "count": args.count, "seed": args.seed, "mbytes": round(info["bytes"] / 1e6, 1),
        "mailbot_s": round(bot["seconds"], 2), "mailbot_msgs_per_s": round(rate, 1),
        "mailbot_user_s": round(bot["user_s"], 1), "mailbot_sys_s": round(bot["sys_s"], 1),
        "mbsync_s": round(mbsync["seconds"], 2) if mbsync else None,
        "mbsync_runs_s": [round(x, 2) for x in mbsync["runs"]] if mbsync else None,
        "mbsync_nofsync_s": round(mbsync_nofsync["seconds"], 2) if mbsync_nofsync else None,
        "ratio": round(ratio, 2) if ratio else None, "peak_rss_mb": round(bot["rss_mb"], 1),
        "replies_received": checks["replies_received"], "replies_queued": checks["replies_queued"],
        "inbox_left": checks["inbox_left"], "kind_agreement": checks["kind_agreement"],
        "statuses": checks["statuses"], "correct": not checks["problems"], "problems": checks["problems"]})
    return 0 if not checks["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
