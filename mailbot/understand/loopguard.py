"""The loop guard: decides which messages must never get an automatic reply.

Auto-replies, bounces, mailing-list traffic, bulk mail and our own replies are recognised by small named
rules (mailbot.understand.loopguard_headers and loopguard_content) reading headers (RFC 3834 Auto-Submitted, Precedence, List-*,
null Return-Path, ...), the MIME structure (multipart/report, message/delivery-status) and, because half of
real out-of-office notices carry no header at all, the subject and the start of the text.  Everything the
rules look for is in rules/loopguard.toml; so is the order in which the rules run.

Combination: every rule that fires returns a Verdict with a weight.  Header and structure rules are certain
(weight 1.0); text rules weigh their evidence.  `no_reply` is True when the weights add up to 1.0 or more.
The kind is BOUNCE or AUTO_REPLY when that kind's own weight reaches 1.0, or reaches 0.5 while the total
reaches 1.5 (an out-of-office phrase in a message a header already marks as automatic); bounce wins a tie,
since delivery reports often also say "auto-replied".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mailbot.domain import Kind, ParsedMail
from mailbot.errors import RulesError
from mailbot.rulebook import Rule, Verdict, read_rules_toml, run_rules
from mailbot.understand import loopguard_content, loopguard_headers  # noqa: F401 - importing registers the rules
from mailbot.understand.loopguard_facts import LOOP_RULES, LoopFacts, LoopTable, make_facts
from mailbot.understand.mailwords import MailWords

RULES_FILE = "loopguard.toml"
CERTAIN = 1.0
HALF = 0.5
CORROBORATED = 1.5


@dataclass(frozen=True)
class LoopVerdict:
    """The loop guard's conclusion about one message.

    `kind` is Kind.AUTO_REPLY or Kind.BOUNCE when the guard is certain, else None (the classifier decides).
    `no_reply` True means: never answer this message.  `reasons` holds "rule_name: human reason" for every
    rule that fired, in rule order, including text rules whose weight alone was not enough.
    """

    kind: Kind | None
    no_reply: bool
    reasons: tuple[str, ...]


class LoopGuard:
    """The configured loop-guard rules.  Build with `LoopGuard.load(rules_dir)`; `check` is pure."""

    def __init__(self, rules: tuple[tuple[str, Rule], ...], table: LoopTable) -> None:
        self._rules = rules
        self._table = table

    @property
    def rule_names(self) -> tuple[str, ...]:
        return tuple(name for name, _fn in self._rules)

    @classmethod
    def load(cls, rules_dir: Path) -> LoopGuard:
        """Read rules_dir/loopguard.toml.  RulesError on a missing/invalid file or a bad rule list."""
        path = Path(rules_dir) / RULES_FILE
        data = read_rules_toml(path)
        order = data.get("order")
        if not isinstance(order, list):
            raise RulesError(str(path), "'order' must be a list of rule names")
        rules = LOOP_RULES.select(order, str(path))
        return cls(rules, LoopTable.from_toml(data, str(path)))

    def check(self, mail: ParsedMail, bot_addresses: tuple[str, ...] = (),
              shared: MailWords | None = None) -> LoopVerdict:
        """Apply every rule to `mail`; `bot_addresses` are our own addresses (mail from them is never answered).
        `shared`: MailWords(mail) when the caller has it (the same verdict, found with less work)."""
        facts: LoopFacts = make_facts(mail, bot_addresses, self._table, shared)
        verdicts = run_rules(self._rules, facts)
        return combine(verdicts)


def combine(verdicts: tuple[Verdict, ...]) -> LoopVerdict:
    """Weigh the verdicts of the rules that fired into one LoopVerdict (see the module docstring)."""
    total = sum(v.weight for v in verdicts)
    bounce = sum(v.weight for v in verdicts if v.outcome == Kind.BOUNCE.value)
    reply = sum(v.weight for v in verdicts if v.outcome == Kind.AUTO_REPLY.value)
    return LoopVerdict(
        kind=_kind(total, bounce, reply),
        no_reply=total >= CERTAIN - 1e-9,
        reasons=tuple(v.explain() for v in verdicts),
    )


def _kind(total: float, bounce: float, reply: float) -> Kind | None:
    if bounce >= CERTAIN - 1e-9:
        return Kind.BOUNCE
    if reply >= CERTAIN - 1e-9:
        return Kind.AUTO_REPLY
    if total >= CORROBORATED and max(bounce, reply) >= HALF:
        return Kind.BOUNCE if bounce >= reply else Kind.AUTO_REPLY
    return None
