"""Rendering replies: a ReplyPlan (template + facts) becomes an OutgoingReply (subject, text, HTML, .ics).

Templates live in rules/templates/<language>/<purpose>.j2, one per outcome and language.  Each is written
once and rendered twice: as plain text, and as HTML with autoescaping on, so a name like "<script>" is
shown, never run.  Paragraphs are separated by blank lines; in HTML each becomes a <p> with inline styles
(the only styling most mail clients keep), and a block that is already HTML (the facts table) is kept.

The Message-ID is deterministic, `<mailbot.{sha256(key + purpose + recipient)[:24]}@{sender domain}>`, so
deciding the same message twice yields the same ID and the outbox (unique message_id) keeps one copy.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, fields
from datetime import datetime
from email.utils import parseaddr
from html import escape
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError

from mailbot.config import Settings
from mailbot.desk.invitation import address_domain, invitation
from mailbot.desk.results import Holding, SeatChange
from mailbot.desk.wording import Wording
from mailbot.domain import FocusArea, Language, OutgoingReply, ReplyPlan
from mailbot.errors import RulesError

PURPOSES = ("confirmed", "partly_confirmed", "waitlisted", "promoted", "cancelled", "already_registered",
            "registration_closed", "input_received")
SUBJECT_MAX = 120  # characters after "Re: "; longer subjects are cut at a word boundary
REPLY_PREFIX = re.compile(r"^\s*((re|sv|aw|antw|vs|ref)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
MAX_REFERENCES = 10  # the first and the last nine: enough for threading, bounded header length
PARAGRAPH_STYLE = "margin:0 0 14px 0;"
BODY_STYLE = ("font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f1f1f;"
              "max-width:640px;")


@dataclass(frozen=True)
class Thread:
    """The message a reply belongs to: the one answered, or for a promotion the registration's first."""

    key: str  # its dedup key (feeds the Message-ID)
    message_id: str | None
    references: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class ReplyFacts:
    """The facts a reply template is given (besides `event`, `w`, `advisor_name`, `ics` and `html`)."""

    greeting_name: str | None = None
    change: SeatChange = SeatChange()
    holding: Holding = Holding()
    has_input: bool = False
    input_areas: tuple[FocusArea, ...] = ()
    all_areas: tuple[FocusArea, ...] = tuple(FocusArea)
    closed: str | None = None  # "deadline" | "started" for registration_closed
    deadline: datetime | None = None
    org_limit: int | None = None
    promoted: tuple[str | None, ...] = ()  # names promoted from the waiting list

    def pairs(self) -> tuple[tuple[str, object], ...]:
        """As ReplyPlan.context."""
        return tuple((f.name, getattr(self, f.name)) for f in fields(self))


@dataclass(frozen=True)
class EventFacts:
    name: str
    date: str  # "tirsdag 1. juni 2027"
    time: str  # "kl. 14.00–16.00"
    location: str


class Replies:
    """Renders reply plans with the templates in `templates_dir`."""

    def __init__(self, settings: Settings, templates_dir: Path) -> None:
        self.settings = settings
        self.templates_dir = templates_dir
        self._text = _environment(str(templates_dir), html=False)
        self._html = _environment(str(templates_dir), html=True)

    def check(self) -> None:
        """Load every template once (at start), so a missing or broken template stops the bot early."""
        for language in Language:
            for purpose in PURPOSES:
                name = f"{language.value}/{purpose}.j2"
                try:
                    self._text.get_template(name)
                    self._html.get_template(name)
                except TemplateError as exc:
                    raise RulesError(str(self.templates_dir / name), f"template problem: {exc}") from None

    def render(self, plan: ReplyPlan, thread: Thread, now: datetime, sequence: int = 0) -> OutgoingReply:
        """The finished reply.  `sequence` numbers the .ics (higher than any invitation sent before)."""
        context = self._context(plan)
        name = f"{plan.language.value}/{plan.purpose}.j2"
        text = _text_body(self._text.get_template(name).render(html=False, **context))
        html = _html_document(self._html.get_template(name).render(html=True, **context), plan.language)
        attachments = ()
        if plan.ics_method:
            attachments = (invitation(self.settings.event, plan.ics_method, self.settings.reply_sender,
                                      self._organizer_name(), plan.to, context.get("greeting_name"), sequence,
                                      now),)
        return OutgoingReply(
            message_id=reply_message_id(thread.key, plan.purpose, plan.to, self.settings.reply_sender),
            to=plan.to, subject=reply_subject(thread.subject, self.settings.event.name), text=text, html=html,
            in_reply_to=thread.message_id, references=_references(thread), purpose=plan.purpose,
            attachments=attachments)

    def _context(self, plan: ReplyPlan) -> dict[str, object]:
        w = Wording(plan.language)
        event = self.settings.event
        facts = EventFacts(event.name, w.date(event.date), w.time_span(event.start, event.end), event.location)
        context: dict[str, object] = dict(ReplyFacts().pairs())
        context.update(dict(plan.context))
        context.update(w=w, event=facts, purpose=plan.purpose, ics=plan.ics_method,
                       advisor_name=self.settings.advisor_name)
        return context

    def _organizer_name(self) -> str:
        return parseaddr(self.settings.reply_sender)[0] or self.settings.advisor_name


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: str, html: bool) -> Environment:
    """One Jinja environment per template folder and mode, shared (it only caches compiled templates and
    reloads a template whose file changed)."""
    return Environment(loader=FileSystemLoader(templates_dir), autoescape=html, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def reply_message_id(key: str, purpose: str, recipient: str, sender: str) -> str:
    digest = hashlib.sha256(f"{key}{purpose}{recipient.strip().lower()}".encode()).hexdigest()[:24]
    return f"<mailbot.{digest}@{address_domain(sender)}>"


def reply_subject(original: str | None, fallback: str) -> str:
    """'Re: <original>' on one line: earlier Re:/Sv:/AW: prefixes dropped, CR/LF and other control
    characters removed (no header injection), cut at a word boundary when very long."""
    subject = re.sub(r"[\x00-\x1f\x7f]+", " ", original or "")
    subject = " ".join(REPLY_PREFIX.sub("", subject).split())
    if not subject:
        subject = fallback
    if len(subject) > SUBJECT_MAX:
        cut = subject[:SUBJECT_MAX].rsplit(" ", 1)[0] if " " in subject[:SUBJECT_MAX] else subject[:SUBJECT_MAX]
        subject = cut.rstrip(" ,.;:-–") + "…"
    return f"Re: {subject}"


def _references(thread: Thread) -> tuple[str, ...]:
    chain = [r for r in thread.references if r]
    if thread.message_id and thread.message_id not in chain:
        chain.append(thread.message_id)
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1):]
    return tuple(chain)


def _paragraphs(body: str) -> list[str]:
    lines = [line.strip() for line in body.replace("\r\n", "\n").split("\n")]
    blocks = "\n".join(lines).split("\n\n")
    return [b.strip("\n") for b in blocks if b.strip()]


def _text_body(body: str) -> str:
    return "\n\n".join(_paragraphs(body)) + "\n"


def _html_document(body: str, language: Language) -> str:
    """Wrap the autoescaped template output in a minimal HTML document."""
    parts = []
    for block in _paragraphs(body):
        if block.startswith("<table"):
            parts.append(block)
        else:
            parts.append(f'<p style="{PARAGRAPH_STYLE}">' + block.replace("\n", "<br>\n") + "</p>")
    inner = "\n".join(parts)  # every block came out of an autoescaping template
    return (f'<!DOCTYPE html>\n<html lang="{escape(language.value)}">\n<head><meta charset="utf-8"></head>\n'
            f'<body style="margin:0;padding:16px;background-color:#ffffff;">\n<div style="{BODY_STYLE}">\n'
            f"{inner}\n</div>\n</body>\n</html>\n")
