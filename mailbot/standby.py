"""Running the daemon as the one owner of its mailbox, or waiting as a hot standby (mailbot.store.lease).

`run_owning_mailbox` builds the daemon first (model loaded, database migrated), so a standby takes over
within a poll interval of the owner's exit; then it waits for the lease, runs the daemon while a watchdog
checks every LEASE_CHECK_S that the lease is still held, and releases it on the way out.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

from mailbot.logs import kv
from mailbot.store.lease import AdvisoryLease, FileLease, make_lease, wait_for_lease

log = logging.getLogger("mailbot")

LEASE_CHECK_S = 10.0
EXIT_LEASE_LOST = 75  # EX_TEMPFAIL: a supervisor (systemd Restart=on-failure) starts it again, as a standby
EXIT_MAILBOX_BUSY = 75


class _StopFlag:
    """SIGTERM/SIGINT while waiting for the lease: stop waiting (the daemon installs its own handlers later)."""

    def __init__(self) -> None:
        self.set = False
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        log.info(kv("signal", signal=signal.Signals(signum).name, state="standby"))
        self.set = True

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def run_owning_mailbox(daemon, database_url: str) -> int:  # noqa: ANN001 - mailbot.daemon.Daemon
    """Wait for the mailbox lease, then `daemon.run_forever()`.  Exit status: 0 after a signal,
    EXIT_LEASE_LOST when the lease was lost while running."""
    mailbox = daemon.mailbox.name
    lease = make_lease(database_url, mailbox)
    if lease is None:
        daemon.run_forever()
        return 0
    flag = _StopFlag()
    try:
        if not wait_for_lease(lease, mailbox, lambda: flag.set):
            return 0
    finally:
        flag.restore()
    lost = threading.Event()
    done = threading.Event()
    watchdog = threading.Thread(target=_watch, args=(lease, mailbox, lost, done), daemon=True, name="lease")
    watchdog.start()
    try:
        daemon.run_forever()
    finally:
        done.set()
        lease.release()
    return EXIT_LEASE_LOST if lost.is_set() else 0


def run_once_owning_mailbox(daemon, database_url: str, run: Callable[[], int]) -> int:  # noqa: ANN001
    """`run()` if the mailbox lease is free; EXIT_MAILBOX_BUSY at once when a daemon holds it."""
    lease = make_lease(database_url, daemon.mailbox.name)
    if lease is not None and not lease.try_acquire():
        log.warning(kv("mailbox_busy", mailbox=daemon.mailbox.name,
                       reason="another mailbot process holds this mailbox; nothing done"))
        return EXIT_MAILBOX_BUSY
    try:
        return run()
    finally:
        if lease is not None:
            lease.release()


def _watch(lease: FileLease | AdvisoryLease, mailbox: str, lost: threading.Event, done: threading.Event) -> None:
    """Every LEASE_CHECK_S: if the lease is gone, stop the daemon the way SIGTERM does (the message in hand
    is finished first; another process may already own the mailbox, and both deciding is what the lease
    prevents)."""
    while not done.wait(LEASE_CHECK_S):
        if not lease.still_held():
            log.error(kv("lease_lost", mailbox=mailbox, action="stopping; a restart waits as standby"))
            lost.set()
            os.kill(os.getpid(), signal.SIGTERM)
            return
