"""What the loop-guard rules see: the compiled rule file (LoopTable), one message's facts (LoopFacts) and
the rule registry LOOP_RULES.  The rules live in loopguard_headers.py and loopguard_text.py.

Outcomes: "bounce" and "auto_reply" (a kind, and never answer), "no_reply" (never answer; the classifier
decides the kind).  Header and structure rules weigh 1.0; text rules weigh their evidence (see
mailbot.understand.loopguard for how weights combine).  What the rules look for comes from
rules/loopguard.toml through LoopTable; the rules only hold the logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from mailbot.domain import Kind, ParsedMail
from mailbot.rulebook import RuleSet, Verdict
from mailbot.understand import phrases as ph
from mailbot.understand.gated import Folded, fold_shared
from mailbot.understand.mailwords import MailWords

BOUNCE = Kind.BOUNCE.value
AUTO_REPLY = Kind.AUTO_REPLY.value
NO_REPLY = "no_reply"
FORWARD_PREFIX = re.compile(r"^\s*(?:fwd?|vs|videresend|wg|tr|rv|doorst)\s*:", re.IGNORECASE)
REPORT_PARTS = ("message/", "text/rfc822-headers", "text/plain")
DSN_KEYS = frozenset({"reporting-mta", "final-recipient", "diagnostic-code"})
WORD_TABLES = (
    "headers", "addresses", "report", "bounce", "out_of_office", "challenge_response", "automated_notice",
)
TEXT_SCAN = 4000  # characters of text searched for DSN fields and bounce phrases
SUBJECT_MAX = 500

LOOP_RULES: RuleSet[LoopFacts] = RuleSet("loopguard")
rule = LOOP_RULES.rule


@dataclass(frozen=True)
class LoopTable:
    """rules/loopguard.toml, checked and compiled."""

    raw: dict[str, Any]
    dsn_field: re.Pattern[str]
    bounce_subject: re.Pattern[str]
    bounce_subject_anywhere: ph.GatedPattern
    bounce_body: ph.GatedPattern
    ooo_subject: re.Pattern[str]
    ooo_subject_anywhere: ph.GatedPattern
    ooo_strong: ph.GatedPattern
    ooo_medium: ph.GatedPattern
    ooo_return_date: re.Pattern[str]
    ooo_human: ph.GatedPattern
    challenge: ph.GatedPattern
    notice: ph.GatedPattern
    daemon: re.Pattern[str]
    body_window: int

    def words(self, table: str, key: str) -> tuple[str, ...]:
        return self.raw[table][key]

    @cached_property
    def autoreply_entries(self) -> tuple[tuple[str, str], ...]:
        """[headers].autoreply as (header name, wanted value or ""), parsed once."""
        return tuple(tuple(part.strip() for part in entry.partition(":")[::2])  # type: ignore[misc]
                     for entry in self.words("headers", "autoreply"))

    @classmethod
    def from_toml(cls, data: dict[str, Any], source: str) -> LoopTable:
        raw = {name: _words(ph.section(data, name, source), source) for name in WORD_TABLES}
        ooo, bounce = ph.section(data, "out_of_office", source), ph.section(data, "bounce", source)
        dsn = ph.strings(ph.section(data, "report", source), "dsn_fields", source)
        return cls(
            raw=raw,
            dsn_field=re.compile(r"^(?:>\s?)*(%s)\s*:" % "|".join(map(re.escape, dsn)), re.IGNORECASE | re.MULTILINE),
            bounce_subject=ph.prefixes(ph.strings(bounce, "subject", source), source, "bounce.subject"),
            bounce_subject_anywhere=ph.gated_phrases(
                ph.strings(bounce, "subject_anywhere", source), source, "bounce.subject_anywhere"
            ),
            bounce_body=ph.gated_phrases(ph.strings(bounce, "body", source), source, "bounce.body"),
            ooo_subject=ph.prefixes(ph.strings(ooo, "subject", source), source, "out_of_office.subject"),
            ooo_subject_anywhere=ph.gated_phrases(ph.strings(ooo, "subject_anywhere", source), source, "subject_anywhere"),
            ooo_strong=ph.gated_phrases(ph.strings(ooo, "strong", source), source, "out_of_office.strong"),
            ooo_medium=ph.gated_phrases(ph.strings(ooo, "medium", source), source, "out_of_office.medium"),
            ooo_return_date=ph.regexes(ph.strings(ooo, "return_date", source), source, "return_date"),
            ooo_human=ph.gated_phrases(ph.strings(ooo, "human", source), source, "out_of_office.human"),
            challenge=ph.gated_phrases(
                ph.strings(ph.section(data, "challenge_response", source), "phrases", source), source, "phrases"
            ),
            notice=ph.gated_phrases(
                ph.strings(ph.section(data, "automated_notice", source), "phrases", source), source, "phrases"
            ),
            daemon=re.compile(
                "(?:%s)(?![a-z0-9])" % "|".join(map(re.escape, ph.strings(ph.section(data, "addresses", source),
                                                                         "daemon", source, lower=True)))
            ),
            body_window=ph.integer(ooo, "body_window", source, 50, 20000),
        )


def _words(table: dict[str, Any], source: str) -> dict[str, Any]:
    """Word lists lower-cased (headers and addresses are compared case-insensitively); other values kept."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, list):
            out[key] = ph.strings(table, key, source, lower=True)
        elif isinstance(value, str):
            out[key] = ph.text(table, key, source).lower()
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class LoopFacts:
    """One message as the rules see it, with the things several rules need computed once."""

    mail: ParsedMail
    bot_addresses: frozenset[str]
    table: LoopTable
    header_names: frozenset[str]
    first: dict[str, str]  # the first value of each header (lower-cased name)
    senders: tuple[tuple[str, str], ...]  # (header, lower-cased address) of From / Sender / Return-Path
    report_type: str  # multipart/report's report-type, lower-cased, or ""
    part_types: frozenset[str]  # content types of the attachments, lower-cased
    body: str  # what the sender wrote (new_text, else text)
    forwarded: bool
    subject: str  # the subject, at most SUBJECT_MAX characters
    folded_body: str | None  # phrases.fold(body): lower-cased once for all the phrase patterns
    folded_subject: str | None  # phrases.fold(subject)

    dsn_field_count: int  # distinct RFC 3464 fields as text lines (also when forwarded)
    shared: MailWords | None = None  # the message's word runs, found once for every stage (mailwords.py)

    @property
    def head(self) -> str:
        """The start of the body where out-of-office phrasing counts."""
        return self.body[: self.table.body_window]

    @cached_property
    def folded_head(self) -> str | None:
        """fold(head), sliced from folded_body when lower-casing kept every character in place (computed
        once: three rules search it, and its word set is shared through the Folded value)."""
        folded = self.folded_body
        if folded is None or len(folded) != len(self.body):
            return None
        if len(folded) <= self.table.body_window:
            return folded  # the head is the whole body: same text, same word set
        head = Folded(folded[: self.table.body_window])
        words = self.shared.covering(self.head) if self.shared is not None else None
        if words is not None:
            head._words = words  # type: ignore[attr-defined]
        return head

    @property
    def dsn_evidence(self) -> bool:
        """The message is structurally a delivery report (not merely forwarding one)."""
        t = self.table
        return (
            self.report_type in t.words("report", "bounce_types")
            or bool(self.part_types & set(t.words("report", "bounce_parts")))
            or (self.dsn_field_count >= 2 and not self.forwarded)
        )


def make_facts(mail: ParsedMail, bot_addresses: tuple[str, ...], table: LoopTable,
               shared: MailWords | None = None) -> LoopFacts:
    """The facts of `mail`; `shared` (MailWords of `mail`) when the caller has it, so that the word runs of
    the body are found once for every stage."""
    content_type = next((v for k, v in mail.headers if k == "content-type"), "") or mail.content_type or ""
    match = re.search(r"report-type\s*=\s*\"?([\w.-]+)", content_type, re.IGNORECASE)
    is_report = content_type.strip().lower().startswith("multipart/report") or mail.content_type == "multipart/report"
    first: dict[str, str] = {}
    for name, value in mail.headers:
        first.setdefault(name, value)
    subject = (mail.subject or "")[:SUBJECT_MAX]
    body = (mail.new_text.strip() or mail.text.strip())[:TEXT_SCAN]
    forwarded = bool(FORWARD_PREFIX.match(subject))
    return LoopFacts(
        mail=mail,
        bot_addresses=frozenset(a.strip().lower() for a in bot_addresses),
        table=table,
        header_names=frozenset(first),
        first=first,
        senders=_senders(mail, table.words("headers", "sender_headers")),
        report_type=(match.group(1).lower() if match else ("unknown" if is_report else "")),
        part_types=frozenset(a.content_type.split(";")[0].strip().lower() for a in mail.attachments),
        body=body,
        forwarded=forwarded,
        subject=subject,
        folded_body=shared.folded(body) if shared is not None else fold_shared(body),
        folded_subject=fold_shared(subject),
        dsn_field_count=_dsn_fields(mail, table),
        shared=shared,
    )


def _dsn_fields(mail: ParsedMail, table: LoopTable) -> int:
    """How many distinct RFC 3464 fields appear as lines of the text or attachments (quoted with "> " too);
    0 unless one of them is a field only delivery reports have."""
    reports = (a.text[:TEXT_SCAN] for a in mail.attachments if a.content_type.lower().startswith(REPORT_PARTS))
    scanned = "\n".join((mail.text[:TEXT_SCAN], *reports))
    found = {m.group(1).lower() for m in table.dsn_field.finditer(scanned)}
    return len(found) if found & DSN_KEYS else 0


ADDRESS = re.compile(r"<([^<>]*)>|([^\s<>,;\"']+@[^\s<>,;\"']+)")


def _senders(mail: ParsedMail, names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(header, address) for From (parsed) and each address in the given headers.  A regex, not
    email.utils.getaddresses: this runs on every message and only needs the local parts."""
    found = [("from", mail.from_addr.lower())] if mail.from_addr else []
    for name in names:
        for value in mail.header_all(name):
            for match in ADDRESS.finditer(value):
                address = (match.group(1) or match.group(2) or "").strip().lower()
                if address and (name, address) not in found:
                    found.append((name, address))
    return tuple(found)


def local_part(address: str) -> str:
    """The part before the last @, without a +tag, and with "-", "_" and "." removed (no-reply = noreply)."""
    local = address.rsplit("@", 1)[0].split("+", 1)[0].strip("<> \"'")
    return re.sub(r"[-_.]", "", local)


def verdict(name: str, outcome: str, reason: str, weight: float = 1.0) -> Verdict:
    return Verdict(rule=name, outcome=outcome, reason=reason, weight=round(weight, 2))


