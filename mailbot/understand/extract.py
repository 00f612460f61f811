"""Details of a message: seats, attendees, organisation, withdrawn names and substitutions; and its language.

    details = extract_details(mail, Kind.REGISTRATION)      # rules from the shipped rules/ folder
    extractor = Extractor.load(settings.understanding.rules_path); extractor.details(mail, kind)

Seats mean, for a registration, the people this message signs up (the sender only when they come); for a
cancellation, the people withdrawn, None when the whole registration is withdrawn; for other kinds None.
When `substitutes` is not empty the desk should treat each (leaving, coming) pair as a swap.  The rules are
in seats.py, cancellation.py and organization.py, registered by name and ordered by rules/extract.toml;
all words and patterns are in that file.  Regex and dictionary work only: well under a millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mailbot.config import default_rules_path
from mailbot.domain import Attendee, Kind, Language, ParsedMail
from mailbot.rulebook import Rule, Verdict, run_rules
from mailbot.understand import cancellation, language, organization, seats
from mailbot.understand.gated import fold_shared, word_runs
from mailbot.understand.mailwords import MailWords
from mailbot.understand.extract_table import LIST_MAX, SUBJECT_MAX, TAIL_MAX, TEXT_MAX, ExtractFacts, ExtractTable

SENDER_ONLY = frozenset({"default_one", "companions"})  # seat rules after which the sender is an attendee
NOT_SENDER = frozenset({"one_more", "register_other"})  # ... after which the sender is not


@dataclass(frozen=True)
class Details:
    """What extract_details found; `reasons` say which rule decided each value and why."""

    seats: int | None
    attendees: tuple[Attendee, ...]
    organization: str | None
    withdrawn: tuple[str, ...]  # names withdrawn in a cancellation
    substitutes: tuple[tuple[str, str], ...]  # (leaving, coming): "Kari kommer i stedet for Ola"
    reasons: tuple[str, ...]


class Extractor:
    """The extract rules as configured in rules_dir/extract.toml.  Read-only after load; share freely."""

    def __init__(self, table: ExtractTable, rules: dict[str, tuple[tuple[str, Rule], ...]]) -> None:
        self.table = table
        self._rules = rules

    @classmethod
    def load(cls, rules_dir: Path) -> Extractor:
        """Read rules_dir/extract.toml; RulesError on a bad file, an unknown or a repeated rule name."""
        table = ExtractTable.load(rules_dir)
        source = str(Path(rules_dir) / "extract.toml")
        rules = {
            "seats": seats.SEAT_RULES.select(table.seat_order, source + " [seats]"),
            "cancellation": cancellation.CANCEL_RULES.select(table.cancel_order, source + " [cancellation]"),
            "organization": organization.ORG_RULES.select(table.org.order, source + " [organization]"),
        }
        return cls(table, rules)

    def language(self, text: str) -> Language:
        return language.detect(text, self.table)

    def details(self, mail: ParsedMail, kind: Kind, shared: MailWords | None = None) -> Details:
        """`shared`: MailWords(mail) when the caller has it (the same details, found with less work)."""
        facts = self._facts(mail, shared)
        org, org_reasons = self._organization(facts)
        if kind is Kind.REGISTRATION:
            count, attendees, reasons = self._registration(facts)
            return Details(count, attendees, org, (), cancellation.substitutions(facts), (*reasons, *org_reasons))
        if kind is Kind.CANCELLATION:
            return self._cancellation(facts, org, org_reasons)
        return Details(None, (), org, (), (), tuple(org_reasons))

    def _facts(self, mail: ParsedMail, shared: MailWords | None = None) -> ExtractFacts:
        whole = shared.whole if shared is not None else mail.new_text.strip() or mail.text.strip()
        text = whole[:TEXT_MAX]
        sender = Attendee(name=mail.from_name.strip() or mail.from_addr, email=mail.from_addr or None)
        subject = mail.subject[:SUBJECT_MAX]
        body = f"{subject}\n{text}"
        folded_body = fold_shared(body)
        words = shared.covering(text) if shared is not None and folded_body is not None else None
        if words is not None:  # body's words: the subject's ("\n" divides no word) and text's (a superset)
            subject_folded = folded_body[:len(subject)]
            folded_body._words = words | word_runs(subject_folded) if subject_folded else words  # type: ignore
        # text is the end of body (after the subject line), so its folded form is the same slice
        same = folded_body is not None and len(folded_body) == len(body)
        folded_text = folded_body.tail(len(body) - len(text)) if same else fold_shared(text)  # type: ignore[union-attr]
        return ExtractFacts(mail, self.table, text, body, whole[-TAIL_MAX:], whole[:LIST_MAX], sender, folded_body,
                            folded_text)

    def _registration(self, facts: ExtractFacts) -> tuple[int, tuple[Attendee, ...], list[str]]:
        verdicts = run_rules(self._rules["seats"], facts)
        chosen = verdicts[0]
        count = int(chosen.outcome)
        reasons = [f"seats: {chosen.explain()}"] + _disagreements(chosen, verdicts)
        return count, self._attendees(facts, chosen, count), reasons

    def _attendees(self, facts: ExtractFacts, chosen: Verdict, count: int) -> tuple[Attendee, ...]:
        listed = list(facts.people.people)
        if chosen.rule in NOT_SENDER and not listed:
            return ()
        with_sender = chosen.rule in SENDER_ONLY or facts.people.includes_self or seats.sender_included(facts)
        if listed:
            if with_sender and len(listed) < count and not any(facts.is_sender(p.name) for p in listed):
                listed.insert(0, facts.sender)
            return tuple(listed)
        return (facts.sender,) if with_sender or count == 1 else ()

    def _cancellation(self, facts: ExtractFacts, org: str | None, org_reasons: list[str]) -> Details:
        verdicts = run_rules(self._rules["cancellation"], facts)
        chosen = verdicts[0] if verdicts else Verdict("withdraw_default", cancellation.ALL, "nothing said")
        pairs = cancellation.substitutions(facts)
        withdrawn: tuple[str, ...] = ()
        if chosen.rule == "withdraw_named":
            withdrawn = cancellation.withdrawn_names(facts)
        elif chosen.rule in ("withdraw_self", "withdraw_default") and chosen.outcome == "1":
            withdrawn = (facts.sender.name,)
        count = None if chosen.outcome == cancellation.ALL else int(chosen.outcome)
        coming = tuple(Attendee(new) for _old, new in pairs)
        reasons = [f"withdrawn: {chosen.explain()}", *_disagreements(chosen, verdicts), *org_reasons]
        return Details(count, coming, org, withdrawn, pairs, tuple(reasons))

    def _organization(self, facts: ExtractFacts) -> tuple[str | None, list[str]]:
        verdicts = run_rules(self._rules["organization"], facts)
        usable = [v for v in verdicts if v.outcome]
        best = max(usable, key=lambda v: v.weight, default=None)  # max keeps the first of equal weights
        reasons = [f"organization: {v.explain()}" for v in verdicts if v is best or not v.outcome]
        if best is None and (hint := organization.domain_hint(facts)):
            reasons.append(f"organization: none found; {hint}")
        return (best.outcome if best else None), reasons


def _disagreements(chosen: Verdict, verdicts: tuple[Verdict, ...]) -> list[str]:
    """Reasons for other rules that found a different value (shown to the advisor, never used)."""
    return [
        f"also: {v.explain()}"
        for v in verdicts
        if v is not chosen and v.outcome != chosen.outcome and not v.rule.startswith(("default_", "withdraw_default"))
    ]


@lru_cache(maxsize=8)
def _extractor(rules_dir: str) -> Extractor:
    """One loaded Extractor per rules folder (read-only, so caching it is safe)."""
    return Extractor.load(Path(rules_dir))


@lru_cache(maxsize=8)
def _default(rules_dir: Path | None) -> Extractor:
    # Keyed by the argument as given, so the hot path does no file-system work (resolve() is a syscall).
    return _extractor(str(Path(rules_dir or default_rules_path()).resolve()))


def detect_language(text: str, rules_dir: Path | None = None) -> Language:
    """nb / nn / en from function words (rules/extract.toml [language]); Bokmål when in doubt."""
    return _default(rules_dir).language(text)


def extract_details(mail: ParsedMail, kind: Kind, rules_dir: Path | None = None,
                    shared: MailWords | None = None) -> Details:
    """Seats, attendees, organisation, withdrawn names and substitutions of `mail`, read as `kind`;
    `shared` (MailWords of `mail`) when the caller has it."""
    return _default(rules_dir).details(mail, kind, shared)
