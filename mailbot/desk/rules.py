"""The desk's rules: where a message is filed, whether it goes to a human, whether it may be answered.

Each rule looks at `DeskFacts` (the message, what understand concluded, the settings, the time, and two
counts read from the outbox beforehand) and returns a Verdict or None.  No rule touches the database.
Outcomes:
  file:<key>      file under settings.folders.<key>  ("file:" alone: leave it in the inbox)
  review          a human decides: review folder, no seat change, no reply
  closed          registration is closed: no new seats, the reply says so
  no_reply        the sender gets no automatic reply (seat changes still happen)
The order in which they run, and which run at all, comes from rules/desk.toml.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from mailbot.config import Settings
from mailbot.domain import Kind, ParsedMail, Understanding
from mailbot.errors import RulesError
from mailbot.rulebook import Rule, RuleSet, Verdict, read_rules_toml

FILE, REVIEW, CLOSED, NO_REPLY = "file:", "review", "closed", "no_reply"
FOLDER_BY_KIND = {
    Kind.REGISTRATION: "registrations", Kind.CANCELLATION: "cancellations", Kind.INPUT: "inputs",
    Kind.QUESTION: "review", Kind.AUTO_REPLY: "automatic", Kind.BOUNCE: "automatic", Kind.OTHER: None,
}
REPLY_WINDOW = timedelta(hours=24)
MAX_SEATS_UNREVIEWED = 10  # one message asking for more seats than this is checked by a human first
# Role addresses that never read replies.
UNANSWERABLE = re.compile(r"^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?)([+.-].*)?@", re.I)
AUTH_PASS = re.compile(r"\b(spf|dmarc)\s*=\s*pass\b", re.I)


@dataclass(frozen=True)
class DeskFacts:
    """Everything the desk rules look at.  The two counts are read from the outbox by the caller."""

    mail: ParsedMail
    understanding: Understanding
    settings: Settings
    now: datetime
    replies_last_day: int = 0  # replies queued to the sender's reply address in the last 24 hours
    replies_to_message: int = 0  # replies already queued for this very message


desk_rules: RuleSet[DeskFacts] = RuleSet("desk")


@desk_rules.rule
def file_by_kind(f: DeskFacts) -> Verdict:
    """Each kind has its folder; "other" mail is not ours and stays in the inbox untouched."""
    key = FOLDER_BY_KIND[f.understanding.kind]
    where = f"filed under {key}" if key else "left in the inbox (not about the workshop)"
    return Verdict("file_by_kind", FILE + (key or ""), f"{f.understanding.kind.value}: {where}")


@desk_rules.rule
def low_confidence(f: DeskFacts) -> Verdict | None:
    """Unsure about a message that concerns the workshop: a human looks before anything changes.
    Unsure "other" mail stays in the inbox, where a human reads it anyway."""
    u = f.understanding
    if u.kind is Kind.OTHER or u.confidence >= f.settings.min_confidence:
        return None
    return Verdict("low_confidence", REVIEW,
                   f"confidence {u.confidence:.2f} is below {f.settings.min_confidence:.2f}: review, no reply")


@desk_rules.rule
def registration_closed(f: DeskFacts) -> Verdict | None:
    """No new seats after the registration deadline or once the event has started.  Swapping one person
    for another is still allowed: it takes no new seat."""
    u = f.understanding
    if u.kind is not Kind.REGISTRATION or only_swaps(u):
        return None
    event = f.settings.event
    if f.now >= event.starts_at:
        return Verdict("registration_closed", CLOSED, "the workshop has already started: no new seats")
    if event.registration_deadline is not None and f.now > event.registration_deadline:
        deadline = event.registration_deadline.isoformat(timespec="minutes")
        return Verdict("registration_closed", CLOSED, f"registration closed at {deadline}: no new seats")
    return None


@desk_rules.rule
def too_many_seats(f: DeskFacts) -> Verdict | None:
    """A registration asking for an unusual number of seats is checked by a human before it fills the
    room: "vi har 120 ansatte" misread as 120 seats would otherwise take every seat at once."""
    u = f.understanding
    if u.kind is not Kind.REGISTRATION or (u.seats or 0) <= MAX_SEATS_UNREVIEWED:
        return None
    return Verdict("too_many_seats", REVIEW, f"{u.seats} seats asked for (more than {MAX_SEATS_UNREVIEWED}): review")


def only_swaps(u: Understanding) -> bool:
    """True when a message only swaps people ("Kari kommer i stedet for Ola") and adds nobody."""
    if not u.substitutes:
        return False
    swapped = {norm for pair in u.substitutes for norm in (pair[0].casefold(), pair[1].casefold())}
    return all(a.name.casefold() in swapped for a in u.attendees)


@desk_rules.rule
def reply_not_wanted(f: DeskFacts) -> Verdict | None:
    """Understand decides whether a message deserves an answer (not to lists, not mail for someone else)."""
    if f.understanding.should_reply:
        return None
    return Verdict("reply_not_wanted", NO_REPLY, "understand says this message should not be answered")


@desk_rules.rule
def never_answer_automatic(f: DeskFacts) -> Verdict | None:
    """Defence in depth against mail loops: auto-replies and bounces are never answered, whatever else
    was concluded about them."""
    if f.understanding.kind not in (Kind.AUTO_REPLY, Kind.BOUNCE):
        return None
    return Verdict("never_answer_automatic", NO_REPLY, f"{f.understanding.kind.value} is never answered")


@desk_rules.rule
def unanswerable_address(f: DeskFacts) -> Verdict | None:
    """No reply to ourselves (a loop) or to an address nobody reads (no-reply, mailer-daemon)."""
    address = (parseaddr(f.mail.reply_address)[1] or f.mail.reply_address).strip().lower()
    own = {a.lower() for a in f.settings.replies.bot_addresses}
    own.add((parseaddr(f.settings.reply_sender)[1] or "").lower())
    if not address or "@" not in address:
        return Verdict("unanswerable_address", NO_REPLY, "no usable reply address")
    if address in own:
        return Verdict("unanswerable_address", NO_REPLY, f"{address} is the bot's own address")
    if UNANSWERABLE.match(address):
        return Verdict("unanswerable_address", NO_REPLY, f"{address} does not read replies")
    return None


@desk_rules.rule
def sender_not_authenticated(f: DeskFacts) -> Verdict | None:
    """With replies.require_authentication, answer only mail our server saw pass SPF or DMARC.

    Only the topmost Authentication-Results header counts: it is the one our own server added, while any
    header below it came with the message and could be forged by whoever sent it.  A registration or
    cancellation that fails goes to review instead: a forged cancellation must not free someone's seat,
    and a registration we cannot confirm to its sender should not silently take one."""
    if not f.settings.replies.require_authentication:
        return None
    results = f.mail.header("authentication-results")
    if results and AUTH_PASS.search(results):
        return None
    shown = "no Authentication-Results header" if results is None else "neither spf=pass nor dmarc=pass"
    if f.understanding.kind in (Kind.REGISTRATION, Kind.CANCELLATION):
        return Verdict("sender_not_authenticated", REVIEW,
                       f"sender not authenticated ({shown}): seat change needs review, no reply")
    return Verdict("sender_not_authenticated", NO_REPLY, f"sender not authenticated ({shown}): no reply")


@desk_rules.rule
def sender_reply_limit(f: DeskFacts) -> Verdict | None:
    """At most replies.max_per_sender_per_day automatic replies to one address per 24 hours: a bound on
    any loop our other rules miss, and on someone using the bot to flood an address."""
    limit = f.settings.replies.max_per_sender_per_day
    if f.replies_last_day < limit:
        return None
    return Verdict("sender_reply_limit", NO_REPLY,
                   f"{f.replies_last_day} replies to this address in the last 24 hours (limit {limit})")


@desk_rules.rule
def one_reply_per_message(f: DeskFacts) -> Verdict | None:
    """A message is answered once, even if it is decided again."""
    if f.replies_to_message == 0:
        return None
    return Verdict("one_reply_per_message", NO_REPLY, "this message has already been answered")


def load_rules(rules_dir: Path) -> tuple[tuple[str, Rule], ...]:
    """The desk rules named in rules_dir/desk.toml, in order.  Raises RulesError on a bad file."""
    path = rules_dir / "desk.toml"
    data = read_rules_toml(path)
    unknown = sorted(set(data) - {"order"})
    if unknown:
        raise RulesError(str(path), f"unknown key(s): {', '.join(unknown)}")
    order = data.get("order")
    if not isinstance(order, list):
        raise RulesError(str(path), "`order` must be a list of rule names")
    return desk_rules.select(order, str(path))


@dataclass(frozen=True)
class Plan:
    """The rules' verdicts combined."""

    folder_key: str | None  # a FolderSettings field name, None = leave in the inbox
    review: bool
    closed: bool
    may_reply: bool
    reasons: tuple[str, ...]


def combine(verdicts: Sequence[Verdict]) -> Plan:
    outcomes = [v.outcome for v in verdicts]
    files = [o[len(FILE):] for o in outcomes if o.startswith(FILE)]
    review = REVIEW in outcomes
    folder = "review" if review else (files[0] or None if files else None)
    return Plan(folder_key=folder, review=review or folder == "review", closed=CLOSED in outcomes,
                may_reply=NO_REPLY not in outcomes and not review, reasons=tuple(v.explain() for v in verdicts))
