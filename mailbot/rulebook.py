"""Named rules: small, side-effect-free functions that return a Verdict (an outcome plus a reason).

Rules decide; handlers act.  Each stage keeps one `RuleSet`, registers its rules with `@ruleset.rule`,
and the order they run in comes from a TOML file in rules/ (e.g. rules/loopguard.toml lists
`order = ["auto_submitted_header", ...]`).  `RuleSet.select(names, path)` is called at start: an unknown
or duplicated name raises RulesError, so a typo in a rule file stops the bot instead of silently
disabling a safety rule.  Verdict reasons are stored with each message and shown in the digest.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from mailbot.errors import RulesError

Facts = TypeVar("Facts")


@dataclass(frozen=True)
class Verdict:
    """What one rule concluded.  `outcome` is rule-set specific (a kind, "no_reply", "review", ...)."""

    rule: str
    outcome: str
    reason: str
    weight: float = 1.0

    def explain(self) -> str:
        return f"{self.rule}: {self.reason}"


Rule = Callable[[Facts], "Verdict | None"]


class RuleSet(Generic[Facts]):
    """A registry of named rules of one stage."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._rules: dict[str, Rule] = {}

    def rule(self, fn: Rule) -> Rule:
        """Decorator: register `fn` under its function name."""
        if fn.__name__ in self._rules:
            raise RulesError(self.stage, f"rule {fn.__name__!r} registered twice")
        self._rules[fn.__name__] = fn
        return fn

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._rules)

    def select(self, names: Iterable[str], source: str) -> tuple[tuple[str, Rule], ...]:
        """The rules called `names`, in that order.  Raises RulesError naming `source` on a bad list."""
        chosen: list[tuple[str, Rule]] = []
        seen: set[str] = set()
        for name in names:
            if not isinstance(name, str):
                raise RulesError(source, f"rule names must be strings, got {name!r}")
            if name in seen:
                raise RulesError(source, f"rule {name!r} listed twice")
            if name not in self._rules:
                known = ", ".join(sorted(self._rules))
                raise RulesError(source, f"unknown rule {name!r} in stage {self.stage!r} (known: {known})")
            seen.add(name)
            chosen.append((name, self._rules[name]))
        return tuple(chosen)


def run_rules(rules: Sequence[tuple[str, Rule]], facts: Facts) -> tuple[Verdict, ...]:
    """Apply every rule to `facts`; the verdicts of those that fired, in order."""
    verdicts = []
    for _name, fn in rules:
        verdict = fn(facts)
        if verdict is not None:
            verdicts.append(verdict)
    return tuple(verdicts)


def read_rules_toml(path: Path) -> dict[str, Any]:
    """Parse one file of rules/; a missing, unreadable or malformed file raises RulesError naming it."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(str(path), "file not found") from None
    except OSError as exc:
        raise RulesError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(str(path), f"not valid TOML: {exc}") from None
