"""Fork server for the kill -9 test (see faults.support.ForkServer): `python forkserver.py CONFIG SCRATCH_DB`.

Builds a daemon once against a scratch SQLite file (warming imports, the model cache and the compiled reply
templates), prints "ready", then reads one JSON line per request, `[argv, log_path]`, forks, and runs
`mailbot.cli.main(argv)` in the child with stdout and stderr appended to log_path.  It answers each request with the child's PID.  Children are
reaped automatically (SIGCHLD ignored), so a PID disappears as soon as its process has died.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback


def main(config: str, scratch: str) -> int:
    import mailbot.cli
    _warm_up(config, scratch)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    for line in sys.stdin:
        argv, log = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(mailbot.cli.main, argv, log)
        print(pid, flush=True)
    return 0


def _warm_up(config: str, scratch: str) -> None:
    """Do once what every start does (imports, model, compiled templates), against a scratch database so
    the test's own database is first touched, and migrated, by a daemon that may be killed while at it."""
    import dataclasses

    from mailbot.config import load_settings
    from mailbot.daemon import build_daemon

    settings = load_settings(config)
    daemon = build_daemon(dataclasses.replace(settings, database_url=f"sqlite:///{scratch}"))
    daemon.db.dispose()  # no connection may be shared with the children


def _child(entry, argv: list[str], log: str) -> None:  # noqa: ANN001
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the daemon may run subprocesses (PDF reader)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdin.close()
    code = 1
    try:
        code = entry(argv) or 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported in the log
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
