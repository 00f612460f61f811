"""One message through parse -> understand -> decide, committed with its replies in one transaction.

This is the per-message boundary: `Pipeline.process_batch` never lets one message's exception escape.  A
message whose processing raises is stored with its error (status `shunted`) and routed to the review
folder; only a failure to write to the database at all propagates (the daemon then backs off and retries,
and nothing has been filed or sent for that message).

Exactly-once protocol (see README "Nothing lost, nothing twice"):
  1. a message whose key is already stored is not decided again; only filing is (re)done;
  2. the Message row, seat changes, Input rows and outbox rows are committed together;
  3. only after that commit does the daemon touch IMAP (keyword + MOVE) and send from the outbox.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.act.outbox import enqueue
from mailbot.config import Settings
from mailbot.desk.decide import Desk
from mailbot.domain import Decision, IncomingMail, ParsedMail, Understanding
from mailbot.logs import kv
from mailbot.parse.mime import parse_message
from mailbot.store.db import Database
from mailbot.store.models import MailboxState, Message
from mailbot.understand.classifier import Classifier

log = logging.getLogger("mailbot.daemon")


@dataclass(frozen=True)
class Outcome:
    """What happened to one incoming message.  `folder` is the full folder path to file into, or None."""

    key: str
    status: str
    kind: str | None
    folder: str | None
    replies: int
    incoming: IncomingMail
    error: str | None = None
    already_known: bool = False


@dataclass(frozen=True)
class Prepared:
    """A batch parsed and classified, not yet decided (Pipeline.prepare -> Pipeline.commit)."""

    batch: tuple[IncomingMail, ...]
    parsed: tuple[ParsedMail, ...]
    fresh: frozenset[str]  # keys not in the database when the batch was prepared
    understood: dict[str, Understanding | BaseException]


class Pipeline:
    def __init__(self, settings: Settings, db: Database, classifier: Classifier, desk: Desk,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.settings = settings
        self.db = db
        self.classifier = classifier
        self.desk = desk
        self.clock = clock

    def process_batch(self, batch: Sequence[IncomingMail]) -> list[Outcome]:
        """Process `batch` in order; one Outcome per message, never raising for a single bad message.

        `prepare` then `commit`: parsing and classification happen before the write transaction (so the
        database lock is short); then every message is decided in its own SAVEPOINT and the whole batch is
        committed at once: a message that raises is rolled back to its savepoint and stored as shunted
        instead.  Nothing is filed or sent before this commit, so grouping keeps the exactly-once protocol.
        """
        return self.commit(self.prepare(batch))

    def prepare(self, batch: Sequence[IncomingMail]) -> Prepared:
        """Parse and classify `batch`; writes nothing.  Which keys are new is read here, so the previous
        batch must be committed before this is called (the daemon does that; a key seen again is then
        "known")."""
        parsed = [parse_message(incoming.raw) for incoming in batch]
        fresh = self._unknown(parsed)
        understood = self._understand([p for p in parsed if p.key in fresh])
        return Prepared(tuple(batch), tuple(parsed), frozenset(fresh), understood)

    def commit(self, prepared: Prepared) -> list[Outcome]:
        """Decide every message of `prepared` in one transaction (see `process_batch`)."""
        fresh = set(prepared.fresh)
        with self.db.session() as session:
            outcomes = [self._one(session, incoming, mail, prepared.understood, fresh)
                        for incoming, mail in zip(prepared.batch, prepared.parsed)]
            self._advance_checkpoint(session, prepared.batch)
        for outcome, mail in zip(outcomes, prepared.parsed):
            self._log(outcome, mail)
        return outcomes

    def _unknown(self, parsed: Sequence[ParsedMail]) -> set[str]:
        keys = {p.key for p in parsed}
        with self.db.session() as session:
            known = set(session.scalars(select(Message.key).where(Message.key.in_(keys))))
        return keys - known

    def _understand(self, mails: Sequence[ParsedMail]) -> dict[str, Understanding | BaseException]:
        """Classify in one nlp.pipe batch; on failure, classify one by one so one bad message is isolated."""
        try:
            return {m.key: u for m, u in zip(mails, self.classifier.classify_many(mails))}
        except Exception:  # noqa: BLE001 - isolate below
            log.warning(kv("classify_batch_failed", size=len(mails)))
        results: dict[str, Understanding | BaseException] = {}
        for mail in mails:
            try:
                results[mail.key] = self.classifier.classify(mail)
            except Exception as exc:  # noqa: BLE001 - recorded on the message
                results[mail.key] = exc
        return results

    def _one(self, session: Session, incoming: IncomingMail, mail: ParsedMail,
             understood: dict[str, Understanding | BaseException], fresh: set[str]) -> Outcome:
        if mail.key not in fresh:
            return self._known(session, incoming, mail)
        fresh.discard(mail.key)  # a duplicate later in the batch is "known" from now on
        try:
            with session.begin_nested():
                return self._decide(session, incoming, mail, understood.get(mail.key))
        except Exception as exc:  # noqa: BLE001 - the per-message boundary
            with session.begin_nested():
                return self._shunt(session, incoming, mail, exc)

    def _known(self, session: Session, incoming: IncomingMail, mail: ParsedMail) -> Outcome:
        """A message already decided (a crash before filing, a rescan, a duplicate): file it, decide nothing."""
        row = session.scalars(select(Message).where(Message.key == mail.key)).one()
        folder = row.target_folder if row.filed_at is None else None
        return Outcome(mail.key, row.status, row.kind, folder, 0, incoming, already_known=True)

    def _decide(self, session: Session, incoming: IncomingMail, mail: ParsedMail,
                understanding: Understanding | BaseException | None) -> Outcome:
        if not isinstance(understanding, Understanding):
            raise understanding or RuntimeError("message was not classified")
        understanding = unreadable_attachments_need_a_human(mail, understanding)
        understanding = truncated_mail_needs_a_human(incoming, understanding)
        row = self._message_row(incoming, mail, understanding)
        session.add(row)
        session.flush()
        decision = self.desk.decide(session, row, mail, understanding)
        queued = self._enqueue(session, decision, row)
        self._apply(row, decision, understanding)
        session.flush()
        return Outcome(mail.key, row.status, row.kind, row.target_folder, queued, incoming)

    def _enqueue(self, session: Session, decision: Decision, row: Message) -> int:
        queued = 0
        for reply in decision.replies:
            if enqueue(session, reply, self.settings.reply_sender, row.id, now=self.clock()) is not None:
                queued += 1
        return queued

    def _apply(self, row: Message, decision: Decision, understanding: Understanding) -> None:
        row.status = decision.status
        row.target_folder = self.settings.folder(decision.folder) if decision.folder else None
        row.reasons = list(understanding.reasons) + list(decision.reasons)
        if decision.folder is None:
            row.filed_at = self.clock()  # nothing to file: it stays in the inbox untouched

    def _shunt(self, session: Session, incoming: IncomingMail, mail: ParsedMail, exc: BaseException) -> Outcome:
        """Record a message whose processing raised, for a human; the loop goes on."""
        error = f"{type(exc).__name__}: {exc}"
        log.debug(kv("shunted_trace", key=mail.key, trace="".join(traceback.format_exception(exc))[-4000:]))
        folder = self.settings.folder(self.settings.folders.review)
        row = self._message_row(incoming, mail, None)
        row.status, row.target_folder, row.error = "shunted", folder, error
        row.reasons = [f"shunted: processing failed ({error[:300]})"]
        session.add(row)
        session.flush()
        return Outcome(mail.key, "shunted", None, folder, 0, incoming, error=error)

    def _log(self, outcome: Outcome, mail: ParsedMail) -> None:
        if outcome.already_known:
            log.info(kv("already_known", key=outcome.key, status=outcome.status))
        elif outcome.error:
            log.error(kv("shunted", key=outcome.key, error=outcome.error))
        else:
            log.info(kv("decided", key=outcome.key, kind=outcome.kind, status=outcome.status,
                        folder=outcome.folder or "-", replies=outcome.replies))
            if log.isEnabledFor(logging.DEBUG):  # kv() over 2,000 characters is not free
                log.debug(kv("decided_text", key=outcome.key, text=mail.new_text[:2000]))

    def _message_row(self, incoming: IncomingMail, mail: ParsedMail, u: Understanding | None) -> Message:
        return Message(
            key=mail.key, message_id=mail.message_id, mailbox=incoming.mailbox, uid=incoming.uid,
            uidvalidity=incoming.uidvalidity, source_path=incoming.source_path, sender=mail.from_addr[:320],
            sender_name=mail.from_name[:255], subject=mail.subject, received_at=mail.date,
            kind=u.kind.value if u else None, has_input=bool(u and u.has_input),
            focus_areas=[a.value for a in u.focus_areas] if u else [], seats=u.seats if u else None,
            organization=(u.organization or "")[:255] or None if u else None,
            language=u.language.value if u else None, confidence=u.confidence if u else None,
            should_reply=bool(u and u.should_reply), status="decided", new_text=mail.new_text,
            raw=incoming.raw, reasons=list(u.reasons) if u else [], created_at=self.clock(),
        )

    def _advance_checkpoint(self, session: Session, batch: Sequence[IncomingMail]) -> None:
        """Remember the highest UID handled in this mailbox (same transaction as the messages)."""
        uids = [m for m in batch if m.uid is not None and m.uidvalidity is not None]
        if not uids:
            return
        last = max(uids, key=lambda m: m.uid)
        state = session.get(MailboxState, last.mailbox)
        if state is None or state.uidvalidity != last.uidvalidity:
            state = session.merge(MailboxState(mailbox=last.mailbox, uidvalidity=last.uidvalidity, last_uid=0))
        state.last_uid = max(state.last_uid or 0, last.uid)


DOCUMENT_TYPES = ("application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/msword", "text/plain")


def truncated_mail_needs_a_human(incoming: IncomingMail, understanding: Understanding) -> Understanding:
    """A message above the size limit was read only in part (mailbot.intake.limits): what the bot did not
    read may change what it means, so a human decides (no automatic reply)."""
    if not incoming.truncated:
        return understanding
    reason = (f"sent to review: message too large ({incoming.size or 0:,} bytes); only its header and the "
              f"first {len(incoming.raw):,} bytes were read")
    return replace(understanding, should_reply=False, confidence=0.0, reasons=understanding.reasons + (reason,))


def unreadable_attachments_need_a_human(mail: ParsedMail, understanding: Understanding) -> Understanding:
    """A document attachment that could not be read (too large, a zip bomb, a PDF too slow to parse) may hold
    the very input or names the bot would act on: record why, and let a human decide (no automatic reply;
    the desk's confidence rule sends it to review)."""
    unreadable = [a for a in mail.attachments if a.error and (a.content_type in DOCUMENT_TYPES or a.filename)]
    if not unreadable:
        return understanding  # the classifier has already named each attachment problem in the reasons
    return replace(understanding, should_reply=False, confidence=0.0,
                   reasons=understanding.reasons + ("sent to review: an attachment could not be read",))
