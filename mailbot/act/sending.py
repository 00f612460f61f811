"""Sending the outbox in a thread while the daemon prepares the next batch (see `Sending`)."""

from __future__ import annotations

import asyncio
import sys
import threading

from mailbot.act.queue import DeliveryReport
from mailbot.store.db import Database

SEND_SWITCH_INTERVAL_S = 0.0005  # see Sending


class Sending:
    """One delivery run of the outbox in a thread of its own (its own event loop and database session),
    so the SMTP round trips overlap the next batch's parsing.  At most one run at a time; `wait` joins it
    and returns its report (None when none was started), re-raising its error.

    While the thread runs, the interpreter's switch interval is lowered to SEND_SWITCH_INTERVAL_S (and put
    back by `wait`): the sender spends its time waiting for the SMTP server, and with the default 5 ms a
    CPU-bound main thread kept it from resuming after each answer for that long (measured on the backlog:
    deciding waited 6.9 s in all for sending; 0.7 s with 0.5 ms)."""

    def __init__(self, sender, db: Database) -> None:  # noqa: ANN001 - SmtpSender or EmlOutbox
        self.sender = sender
        self.db = db
        self._thread: threading.Thread | None = None
        self._result: DeliveryReport | None = None
        self._error: BaseException | None = None
        self._interval: float | None = None

    def start(self) -> None:
        self.wait()
        self._thread = threading.Thread(target=self._run, name="mailbot-send", daemon=True)
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._interval, SEND_SWITCH_INTERVAL_S))
        self._thread.start()

    def _run(self) -> None:
        try:
            self._result = asyncio.run(self.sender.deliver_pending(self.db))
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that waits
            self._error = exc

    def wait(self, raise_error: bool = True) -> DeliveryReport | None:
        if self._thread is None:
            return None
        self._thread.join()
        self._thread = None
        if self._interval is not None:
            sys.setswitchinterval(self._interval)
            self._interval = None
        result, error, self._result, self._error = self._result, self._error, None, None
        if error is not None and raise_error:
            raise error
        return result
