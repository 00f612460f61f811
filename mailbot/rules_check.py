"""Load every rule file in rules/ once, as the daemon would at start, and report what is wrong.

Used by `mailbot check-config`: a typo in a rule name, a bad pattern or a broken template is reported
with its file, instead of surfacing only when `mailbot run` refuses to start.  The trained model is not
loaded here (that may mean training it); `mailbot run` does that.
"""

from __future__ import annotations

from collections.abc import Callable

from mailbot.config import Settings
from mailbot.errors import RulesError


def _loaders(settings: Settings) -> tuple[tuple[str, Callable[[], object]], ...]:
    from mailbot.desk.decide import Desk
    from mailbot.understand.extract import Extractor
    from mailbot.understand.focus import FocusLexicon
    from mailbot.understand.intent import IntentRules
    from mailbot.understand.loopguard import LoopGuard

    rules = settings.rules_path
    return (
        ("loop guard", lambda: LoopGuard.load(rules)),
        ("intents", lambda: IntentRules.load(rules)),
        ("focus areas", lambda: FocusLexicon.load(rules)),
        ("extraction", lambda: Extractor.load(rules)),
        ("desk rules and reply templates", lambda: Desk(settings, rules)),
    )


def check_rules(settings: Settings) -> list[str]:
    """Every problem found in settings.rules_path, one line each (empty when all rule files load)."""
    if not settings.rules_path.is_dir():
        return [f"understanding.rules_path: no such directory: {settings.rules_path}"]
    problems = []
    for what, load in _loaders(settings):
        try:
            load()
        except RulesError as exc:
            problems.append(f"{what}: {exc}")
    return problems
