"""Loop-guard rules that read the MIME structure, the subject and the start of the text.

Text rules must not fire on a human who merely mentions a holiday ("Jeg kommer rett fra ferie, men melder
meg på"): subjects are matched only at their start (a reply "Re: Automatisk svar" is a human's), body
phrases only in the first `body_window` characters, and weak body phrases need company (a second phrase or
a return date) while words of a human who takes part count against them.
"""

from __future__ import annotations

import re

from mailbot.rulebook import Verdict
from mailbot.understand.loopguard_facts import (
    AUTO_REPLY, BOUNCE, FORWARD_PREFIX, NO_REPLY, LoopFacts, rule, verdict,
)

REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|sv|aw|antw|vs|fwd?)\s*:\s*)+", re.IGNORECASE)
MEDIUM = 0.5
RETURN_DATE = 0.3
HUMAN = 0.5
SUBJECT_ANYWHERE = 0.6
SUBJECT_ANYWHERE_BOUNCE = 0.5
BOUNCE_BODY_WITH_HUMAN = 0.5
FORWARDED = 0.5  # a human forwarding a bounce: not answered when two signs agree, and the kind left open


@rule
def report_content_type(facts: LoopFacts) -> Verdict | None:
    """multipart/report (RFC 6522): delivery-status and ARF feedback-report are bounces; a
    disposition-notification is a read receipt (an auto-reply)."""
    kind = facts.report_type
    if not kind:
        return None
    reason = f"multipart/report; report-type={kind}"
    if kind in facts.table.words("report", "reply_types"):
        return verdict("report_content_type", AUTO_REPLY, reason + " (read receipt)")
    return verdict("report_content_type", BOUNCE, reason)


@rule
def dsn_part(facts: LoopFacts) -> Verdict | None:
    """A message/delivery-status (or feedback-report) part, or RFC 3464 fields as text lines: a bounce."""
    bounce_parts = sorted(facts.part_types & set(facts.table.words("report", "bounce_parts")))
    if bounce_parts:
        return verdict("dsn_part", BOUNCE, f"has a {bounce_parts[0]} part")
    reply_parts = sorted(facts.part_types & set(facts.table.words("report", "reply_parts")))
    if reply_parts:
        return verdict("dsn_part", AUTO_REPLY, f"has a {reply_parts[0]} part (read receipt)")
    count = facts.dsn_field_count
    if count >= 2 and facts.forwarded:
        return verdict("dsn_part", NO_REPLY, f"forwards a delivery report ({count} delivery-status fields)", FORWARDED)
    if count >= 2:
        return verdict("dsn_part", BOUNCE, f"{count} delivery-status fields (Final-Recipient, ...) in the text")
    return None


@rule
def bounce_subject(facts: LoopFacts) -> Verdict | None:
    """Subjects that begin like a delivery failure ("Undeliverable:", "Kan ikke leveres", ...)."""
    subject = facts.subject
    match = facts.table.bounce_subject.match(subject)
    if match:
        return verdict("bounce_subject", BOUNCE, f"subject begins {match.group(0).strip()!r}")
    forward = FORWARD_PREFIX.match(subject)
    match = facts.table.bounce_subject.match(subject[forward.end():]) if forward else None
    if match:
        return verdict("bounce_subject", NO_REPLY, f"forwards a delivery failure {subject[:60]!r}", FORWARDED)
    match = None if forward else facts.table.bounce_subject_anywhere.search(subject, facts.folded_subject)
    if match:
        return verdict("bounce_subject", BOUNCE, f"subject says {match.group(0)!r}", SUBJECT_ANYWHERE_BOUNCE)
    return None


@rule
def bounce_body(facts: LoopFacts) -> Verdict | None:
    """Phrases only delivery systems write ("This is the mail system at host ...") in the text."""
    if facts.forwarded:
        return None
    match = facts.table.bounce_body.search(facts.body, facts.folded_body)
    if not match:
        return None
    human = facts.table.ooo_human.search(facts.head, facts.folded_head)
    weight = BOUNCE_BODY_WITH_HUMAN if human else 1.0
    note = f" (but also {human.group(0)!r})" if human else ""
    return verdict("bounce_body", BOUNCE, f"text says {match.group(0)!r}{note}", weight)


@rule
def out_of_office_subject(facts: LoopFacts) -> Verdict | None:
    """Subjects that begin like an automatic reply ("Fravær:", "Automatisk svar:", "Out of office", ...);
    the same phrases later in the subject weigh 0.6."""
    subject = facts.subject
    match = facts.table.ooo_subject.match(subject)
    if match:
        return verdict("out_of_office_subject", AUTO_REPLY, f"subject begins {match.group(0).strip()!r}")
    reply = REPLY_PREFIX.match(subject)
    if facts.forwarded or (reply and facts.table.ooo_subject.match(subject[reply.end():])):
        return None  # a human answering or forwarding an automatic reply
    match = facts.table.ooo_subject_anywhere.search(subject, facts.folded_subject)
    if match:
        return verdict("out_of_office_subject", AUTO_REPLY, f"subject says {match.group(0)!r}", SUBJECT_ANYWHERE)
    return None


@rule
def out_of_office_body(facts: LoopFacts) -> Verdict | None:
    """Out-of-office phrasing at the start of the text.  A strong phrase ("Dette er et automatisk svar")
    weighs 1.0; each distinct weak one ("Jeg er på ferie") 0.5, a return date 0.3, and each phrase of a
    human taking part ("melder meg på") takes 0.5 off the weak ones."""
    head, folded = facts.head, facts.folded_head
    strong = facts.table.ooo_strong.search(head, folded)
    if strong:
        return verdict("out_of_office_body", AUTO_REPLY, f"text begins like an automatic reply: {strong.group(0)!r}")
    medium = {m.group(0).lower() for m in facts.table.ooo_medium.finditer(head, folded)}
    if not medium:
        return None
    human = {m.group(0).lower() for m in facts.table.ooo_human.finditer(head, folded)}
    dated = facts.table.ooo_return_date.search(head)
    weight = min(1.0, MEDIUM * len(medium)) + (RETURN_DATE if dated else 0.0) - HUMAN * len(human)
    if weight <= 0:
        return None
    said = ", ".join(repr(p) for p in sorted(medium))
    extra = (f"; return date {dated.group(0)!r}" if dated else "") + (f"; but {sorted(human)}" if human else "")
    return verdict("out_of_office_body", AUTO_REPLY, f"out-of-office phrasing {said}{extra}", min(weight, 1.0))


@rule
def challenge_response(facts: LoopFacts) -> Verdict | None:
    """Sender-verification robots (Boxbe, Bluebottle, ...): answering would confirm our address to a robot."""
    found = [n for n in facts.table.words("challenge_response", "headers") if n in facts.header_names]
    if found:
        return verdict("challenge_response", AUTO_REPLY, f"challenge/response header {found[0]}")
    match = facts.table.challenge.search(facts.body, facts.folded_body)
    if match:
        return verdict("challenge_response", AUTO_REPLY, f"sender-verification text {match.group(0)!r}")
    return None


@rule
def automated_notice_text(facts: LoopFacts) -> Verdict | None:
    """Automated notices that say they take no answer ("Please do not reply to this", "Ikke svar på denne
    e-posten") and newsletter footers ("to unsubscribe", "Du mottar denne e-posten fordi")."""
    if facts.forwarded:
        return None
    match = facts.table.notice.search(facts.body, facts.folded_body)
    if match:
        return verdict("automated_notice_text", NO_REPLY, f"text says {match.group(0)!r}")
    return None
