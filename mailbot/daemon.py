"""The loop: intake -> pipeline (parse, understand, decide, commit) -> file -> send -> digest.

`Daemon.run_once()` processes everything waiting and sends what is pending; `Daemon.run_forever()` does that,
then waits for new mail (IMAP IDLE, or polling), until SIGTERM/SIGINT.  A signal never interrupts a message in
hand: the flag is checked between messages; only a blocking wait is cut short.

Connection errors (IMAP down, dropped, timed out) are handled here: close, back off (capped exponential),
open again, and continue from the database's checkpoint — the place is never held in memory only.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from mailbot.act.queue import DeliveryReport
from mailbot.act.sending import Sending
from mailbot.act.smtp import make_sender
from mailbot.config import Settings
from mailbot.domain import IncomingMail
from mailbot.errors import MailboxConnectionError
from mailbot.intake.base import Mailbox
from mailbot.logs import kv
from mailbot.pipeline import Outcome, Pipeline
from mailbot.store.db import Database
from mailbot.store.models import MailboxState, Message

log = logging.getLogger("mailbot.daemon")

KEYWORD = "$MailbotFiled"
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 300.0
ONCE_MAX_ATTEMPTS = 6  # `run --once` gives up after ~1+2+4+8+16 s of failed connections


class _StopWaiting(Exception):
    """Raised by the signal handler to cut a blocking wait short (never while a message is in hand)."""


@dataclass
class RunReport:
    """Counts of one run, printed by `mailbot run --once` and `mailbot demo`."""

    keys: list[str] = field(default_factory=list)  # keys only: a backlog's raw bytes must not pile up here
    statuses: Counter = field(default_factory=Counter)
    sent: int = 0
    failed: int = 0

    def add(self, outcomes: Sequence[Outcome]) -> None:
        self.keys.extend(o.key for o in outcomes)
        self.statuses.update(o.status for o in outcomes)

    @property
    def processed(self) -> int:
        return len(self.keys)

    def count(self, status: str) -> int:
        return self.statuses[status]


class Daemon:
    def __init__(self, settings: Settings, db: Database, mailbox: Mailbox, pipeline: Pipeline, sender,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:  # noqa: ANN001
        self.settings = settings
        self.db = db
        self.mailbox = mailbox
        self.pipeline = pipeline
        self.sender = sender
        self.clock = clock
        self.stopping = False
        self._waiting = False
        self._open = False
        self._backoff = BACKOFF_FIRST_S
        self._last_error: Exception | None = None

    # -- public -----------------------------------------------------------------------------------------

    def run_once(self) -> RunReport:
        """Process everything waiting, file it, send what is pending (and a due digest); then return."""
        report = RunReport()
        failures = 0
        while not self._with_reconnect(lambda: self._cycle(report)) and not self.stopping:
            failures += 1  # backed off already; a server that stays away ends the run with its error
            if failures >= ONCE_MAX_ATTEMPTS:
                raise self._last_error
        self._close()
        return report

    def run_forever(self) -> None:
        """Run until SIGTERM/SIGINT; the message in hand is always finished first."""
        self._install_signal_handlers()
        report = RunReport()
        ready = False
        while not self.stopping:
            if not self._with_reconnect(lambda: self._cycle(report)):
                continue
            if not ready:
                log.info(kv("ready", mailbox=self.mailbox.name, processed=report.processed))
                ready = True
            self._wait_for_mail()
        self._close()
        log.info(kv("stopped", processed=report.processed))

    # -- one cycle --------------------------------------------------------------------------------------

    def _cycle(self, report: RunReport) -> None:
        """File leftovers, then per batch: prepare (parse, classify), commit, file, send.

        The replies of one batch are sent in a thread (`Sending`) while the next batch is fetched, parsed
        and classified, which needs no write lock; that send is finished before the next batch's commit,
        so sending and deciding never wait for each other's transactions, and only committed rows are sent.
        """
        self._file_leftovers()
        sending = Sending(self.sender, self.db)
        try:
            for batch in self.mailbox.pending(self._checkpoint(), self._batch_size()):
                self._batch(batch, sending, report)
                if self.stopping:
                    break
        except BaseException:
            sending.wait(raise_error=False)  # the error in hand matters more than the sender's
            raise
        self._finish(sending, report)
        if self.stopping:
            return
        self._queue_due_digest()
        self._send(report)

    def _batch(self, batch: Sequence[IncomingMail], sending: Sending, report: RunReport) -> None:
        """One batch; a method of its own so that nothing of it (parsed mail, outcomes) stays referenced
        while the next batch is fetched and prepared (that is ~4 MB of peak memory on the backlog)."""
        prepared = self.pipeline.prepare(batch)
        self._finish(sending, report)
        outcomes = self.pipeline.commit(prepared)
        report.add(outcomes)
        self._file(outcomes)
        sending.start()

    def _with_reconnect(self, work: Callable[[], None]) -> bool:
        """Run `work` with the mailbox open.  On a mailbox or database error, back off and return False.

        Nothing is lost by giving up mid-batch: what was committed is filed by `_file_leftovers` next time,
        and what was not is fetched again from the checkpoint.
        """
        try:
            self._ensure_open()
            work()
            self._backoff = BACKOFF_FIRST_S
            return True
        except (MailboxConnectionError, OperationalError) as exc:
            self._last_error = exc
            log.warning(kv("retrying", error=str(exc).splitlines()[0][:300], retry_in=round(self._backoff, 1)))
            self._close()
            self._sleep(self._backoff)
            self._backoff = min(self._backoff * 2, BACKOFF_MAX_S)
            return False

    def _ensure_open(self) -> None:
        if not self._open:
            self.mailbox.open()
            self._open = True

    def _close(self) -> None:
        self.mailbox.close()
        self._open = False

    def reconcile_capacity(self) -> None:
        """Promote from the waiting list if the capacity was raised while the bot was down."""
        from mailbot.act.outbox import enqueue

        with self.db.session() as session:
            for reply in self.pipeline.desk.reconcile(session):
                enqueue(session, reply, self.settings.reply_sender, None, now=self.clock())

    def _checkpoint(self) -> int:
        """The highest UID already handled for the current UIDVALIDITY (0: scan everything)."""
        uidvalidity = self.mailbox.uidvalidity()
        if uidvalidity is None:
            return 0
        with self.db.session() as session:
            state = session.get(MailboxState, self.mailbox.name)
            if state is None or state.uidvalidity != uidvalidity:
                return 0  # new mailbox or UIDVALIDITY changed: rescan; message keys keep it idempotent
            return state.last_uid

    def _batch_size(self) -> int:
        return self.settings.imap.batch_size if self.settings.imap else 200

    def _file(self, outcomes: Sequence[Outcome]) -> None:
        """Keyword + MOVE for every message that has a folder, then mark the rows filed."""
        moves = [(o.incoming, o.folder) for o in outcomes if o.folder]
        if not moves:
            return
        self.mailbox.file(moves, KEYWORD)
        self._mark_filed([o.key for o in outcomes if o.folder])

    def _mark_filed(self, keys: Sequence[str]) -> None:
        with self.db.session() as session:
            for row in session.scalars(select(Message).where(Message.key.in_(keys))):
                row.filed_at = self.clock()

    def _file_leftovers(self) -> None:
        """File messages committed before a crash but not yet moved (same UIDVALIDITY only)."""
        uidvalidity = self.mailbox.uidvalidity()
        with self.db.session() as session:
            rows = session.scalars(select(Message).where(
                Message.filed_at.is_(None), Message.target_folder.is_not(None),
                Message.mailbox == self.mailbox.name)).all()
            leftovers = [(r.key, IncomingMail(raw=b"", mailbox=r.mailbox, uid=r.uid, uidvalidity=r.uidvalidity,
                                              source_path=r.source_path), r.target_folder)
                         for r in rows if r.uidvalidity == uidvalidity]
        if leftovers:
            log.info(kv("filing_leftovers", count=len(leftovers)))
            self.mailbox.file([(mail, folder) for _, mail, folder in leftovers], KEYWORD)
            self._mark_filed([key for key, _, _ in leftovers])

    def _send(self, report: RunReport) -> None:
        self._count(asyncio.run(self.sender.deliver_pending(self.db)), report)

    def _finish(self, sending: Sending, report: RunReport) -> None:
        started = time.monotonic()
        delivery = sending.wait()
        if delivery is not None:
            # How long deciding had to wait for sending: near 0 while SMTP keeps up with the batches.
            log.debug(kv("send_waited", ms=round(1000 * (time.monotonic() - started))))
            self._count(delivery, report)

    def _count(self, delivery: DeliveryReport, report: RunReport) -> None:
        report.sent += delivery.sent
        report.failed += delivery.failed
        if delivery.sent or delivery.failed or delivery.retried:
            log.info(kv("delivered", sent=delivery.sent, retried=delivery.retried, failed=delivery.failed))

    def _queue_due_digest(self) -> None:
        from mailbot.act.outbox import enqueue
        from mailbot.report.digest import due_digest

        with self.db.session() as session:
            reply = due_digest(session, self.settings, self.clock())
            if reply is not None:
                enqueue(session, reply, self.settings.reply_sender, None, now=self.clock())
                log.info(kv("digest_queued", to=self.settings.advisor_email))

    # -- waiting and signals ----------------------------------------------------------------------------

    def _wait_for_mail(self) -> None:
        timeout = self._wait_timeout()
        self._waiting = True
        try:
            if not self.stopping:
                self.mailbox.wait(timeout)
        except _StopWaiting:
            pass
        except MailboxConnectionError as exc:
            log.warning(kv("mailbox_error", error=str(exc)))
            self._close()
        finally:
            self._waiting = False

    def _wait_timeout(self) -> float:
        """Wake for the next retry of a pending reply or the next minute (digest time), whichever is first."""
        timeout = 60.0
        next_due = getattr(self.sender, "next_due", lambda db: None)(self.db)
        if next_due is not None:
            timeout = min(timeout, max(0.5, (next_due - self.clock()).total_seconds()))
        return timeout

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, deadline - time.monotonic()))

    def _install_signal_handlers(self) -> None:
        def handle(signum, _frame) -> None:  # noqa: ANN001
            log.info(kv("signal", signal=signal.Signals(signum).name))
            self.stopping = True
            if self._waiting:
                raise _StopWaiting()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)


def build_daemon(settings: Settings, clock: Callable[[], datetime] | None = None) -> Daemon:
    """Wire the stages together from one Settings object."""
    from mailbot.desk.decide import Desk
    from mailbot.intake.base import open_mailbox
    from mailbot.secrets import SecretSource
    from mailbot.understand.classifier import Classifier

    clock = clock or (lambda: datetime.now(timezone.utc))
    db = Database(settings.database_url)
    db.migrate()
    secrets = SecretSource()
    classifier = Classifier.load(settings.rules_path, settings.model_path, settings.min_confidence,
                                 settings.replies.bot_addresses)
    desk = Desk(settings, settings.rules_path, clock)
    pipeline = Pipeline(settings, db, classifier, desk, clock)
    daemon = Daemon(settings, db, open_mailbox(settings, secrets), pipeline, make_sender(settings, secrets, clock),
                    clock)
    daemon.reconcile_capacity()
    return daemon
