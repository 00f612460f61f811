"""The understand stage's combiner: loop guard, rules and trained model → one `Understanding` per message.

Layers, in order (each leaves its reasons):
1. The loop guard (loopguard.py).  An auto-reply or bounce stops here; `no_reply` forbids any reply.
2. The sender's text: own subject (not an inherited "Re:"), new text, attached documents; a forwarded
   message's content only when the forwarder wrote almost nothing and it is not our own mail.
3. Intent rules (intent.py) give named log-odds boosts per kind; 4. the kind classifier gives the rest:
   combined = softmax(log p_model + Σ rule weights).
5. A registration/cancellation/input below `min_confidence`, off the workshop's topic (intent.Domain) or
   contested (only the model for it, rules for another kind), or a conflict (another kind on top while the
   reply kinds together weigh CONFLICT_WEIGHT) → `question`, unanswered (a human looks).  List/bulk mail
   that is not confidently a registration, cancellation or input → `other`.
Focus areas combine the area classifier with the lexicon (focus.py); details come from extract.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mailbot.domain import FocusArea, Kind, ParsedMail, Understanding
from mailbot.rulebook import Verdict
from mailbot.understand.extract import Extractor
from mailbot.understand.focus import AreaScore, FocusLexicon
from mailbot.understand.intent import IntentFacts, IntentRules
from mailbot.understand.loopguard import LoopGuard, LoopVerdict
from mailbot.understand.mailwords import MailWords
from mailbot.understand.model import Prediction, TrainedModel, ensure_model
from mailbot.understand.nlp import Analysis
from mailbot.understand.texts import sender_text

REPLY_KINDS = frozenset({Kind.REGISTRATION, Kind.CANCELLATION, Kind.INPUT})
AUTOMATIC_KINDS = frozenset({Kind.AUTO_REPLY, Kind.BOUNCE})
MODEL_FLOOR = 0.01  # a kind the model never saw still gets a chance when rules speak for it
MAX_RULE_BOOST = 4.0  # per kind: many weak hints never outweigh everything else
CONFLICT_WEIGHT = 0.5  # a non-reply guess with this much on the reply kinds is a conflict for a human
CONTESTED_CONFIDENCE = 0.8  # a reply kind no rule speaks for, while rules speak for another, needs this much
KIND_VALUES = tuple((kind, kind.value) for kind in Kind)  # Enum's .value is a slow property; read it once


@dataclass(frozen=True)
class FocusSettings:
    """How focus areas are chosen.  The primary area maximises
    primary·p_primary + multilabel·p_area + lexicon·(share of the lexicon score) + head·(share of the
    lexicon score in the opening part); another area joins when the multilabel model gives it at least
    `secondary_min_model` and the lexicon at least `secondary_min_lexicon`."""

    primary: float = 0.3
    multilabel: float = 0.1
    lexicon: float = 0.3
    head: float = 0.3
    secondary_min_model: float = 0.5
    secondary_min_lexicon: float = 2.0
    registration_min_lexicon: float = 2.0  # a registration names an area explicitly, or has none
    key_terms: int = 6


class Classifier:
    """Loaded once (rules, loop guard, model), then pure: `classify` has no side effects."""

    def __init__(self, model: TrainedModel, intents: IntentRules, lexicon: FocusLexicon, loopguard: LoopGuard,
                 extractor: Extractor, min_confidence: float = 0.6, bot_addresses: Sequence[str] = ()) -> None:
        self.extractor = extractor
        self.model = model
        self.intents = intents
        self.lexicon = lexicon
        self.loopguard = loopguard
        self.min_confidence = min_confidence
        self.bot_addresses = tuple(a.lower() for a in bot_addresses)
        self.focus = FocusSettings()

    @classmethod
    def load(cls, rules_dir: Path, model_path: Path, min_confidence: float = 0.6,
             bot_addresses: Sequence[str] = ()) -> Classifier:
        """Read the rules (RulesError on a bad file) and the model, training it first when it is missing or
        older than rules_dir/training (ModelError when that fails)."""
        rules_dir = Path(rules_dir)
        intents, lexicon = IntentRules.load(rules_dir), FocusLexicon.load(rules_dir)
        loopguard, extractor = LoopGuard.load(rules_dir), Extractor.load(rules_dir)
        model = ensure_model(rules_dir, Path(model_path))
        return cls(model, intents, lexicon, loopguard, extractor, min_confidence, bot_addresses)

    def classify(self, mail: ParsedMail) -> Understanding:
        return self.classify_many([mail])[0]

    def classify_many(self, mails: Sequence[ParsedMail]) -> list[Understanding]:
        """Classify a batch; the model runs once over all messages the loop guard lets through."""
        shared = [MailWords(mail) for mail in mails]  # each message's words, found once for every stage
        guards = [self.loopguard.check(mail, self.bot_addresses, words) for mail, words in zip(mails, shared)]
        open_ = [i for i, guard in enumerate(guards) if guard.kind is None]
        analyses = self.model.analyzer.analyse_many([self.sender_text(mails[i]) for i in open_])
        predictions = self.model.predict(analyses)
        results: list[Understanding | None] = [None] * len(mails)
        for i, analysis, prediction in zip(open_, analyses, predictions):
            results[i] = self._understand(mails[i], guards[i], analysis, prediction, shared[i])
        for i, guard in enumerate(guards):
            if results[i] is None:
                results[i] = self._automatic(mails[i], guard, shared[i])
        return results  # type: ignore[return-value]

    def sender_text(self, mail: ParsedMail) -> str:
        """What the sender said (nlp.sender_text): own subject, new text, forwarded content, documents."""
        return sender_text(mail.subject, mail.new_text, mail.quoted, mail.attachment_text, self.bot_addresses)

    # ------------------------------------------------------------------------------------------ decision
    def _automatic(self, mail: ParsedMail, guard: LoopVerdict, shared: MailWords | None = None) -> Understanding:
        """An auto-reply or bounce: no reply, no intent; the organisation for an auto-reply's sender."""
        return self._with_details(mail, shared, dict(
            kind=guard.kind, language=self.extractor.language(mail.new_text or mail.text),
            should_reply=False, confidence=1.0,
            reasons=tuple(f"loopguard {r}" for r in guard.reasons) + tuple(attachment_problems(mail))))

    def _understand(self, mail: ParsedMail, guard: LoopVerdict, analysis: Analysis,
                    prediction: Prediction, shared: MailWords | None = None) -> Understanding:
        facts = IntentFacts.from_mail(mail, analysis.lemma_text, self.bot_addresses, shared)
        fired = self.intents.run(facts)
        combined = combine(prediction.kinds, fired)
        best, confidence = max(combined.items(), key=lambda item: (item[1], item[0] == Kind.QUESTION))
        areas = self.lexicon.score(analysis)
        off_topic = self.intents.domain.problem(mail, facts, fired, analysis.words, analysis.known_share,
                                                sum(a.score for a in areas.values()), confidence)
        kind, decision = self._settle(best, confidence, combined, guard, facts, off_topic, contested(best, fired))
        focus, key_terms, focus_reason = self._focus(kind, prediction, areas)
        has_input, input_reason = self._has_input(kind, facts, areas)
        reasons = [f"loopguard {r}" for r in guard.reasons] + attachment_problems(mail)
        reasons += [f"intent {v.explain()} → {v.outcome} +{v.weight:g}" for v in fired]
        reasons.append("model: " + ", ".join(f"{k} {p:.2f}" for k, p in prediction.top_kinds(3)))
        reasons += [r for r in (decision, focus_reason, input_reason) if r]
        should_reply = kind in REPLY_KINDS and confidence >= self.min_confidence and not guard.no_reply
        return self._with_details(mail, shared, dict(
            kind=kind, has_input=has_input, focus_areas=focus, should_reply=should_reply, confidence=confidence,
            language=self.extractor.language(mail.new_text or mail.text), reasons=tuple(reasons),
            key_terms=key_terms))

    def _with_details(self, mail: ParsedMail, shared: MailWords | None, fields: dict) -> Understanding:
        """The Understanding of `fields` (Understanding's keyword arguments) with seats, attendees,
        organisation, withdrawals and substitutions added (extract.py).  Mail that is `other` or a bounce is
        not from a participant: nothing is extracted from it.  (Built once, not built and then replaced:
        dataclasses.replace costs as much again on every message.)"""
        kind = fields["kind"]
        if kind in (Kind.OTHER, Kind.BOUNCE):
            return Understanding(**fields)
        details = self.extractor.details(mail, kind, shared)
        return Understanding(
            **fields | dict(
                seats=details.seats if kind in (Kind.REGISTRATION, Kind.CANCELLATION) else None,
                attendees=tuple(details.attendees), organization=details.organization,
                withdrawn=tuple(details.withdrawn), substitutes=tuple(details.substitutes),
                reasons=fields["reasons"] + tuple(f"extract {r}" for r in details.reasons)))

    def _settle(self, kind: Kind, confidence: float, combined: dict[Kind, float], guard: LoopVerdict,
                facts: IntentFacts, off_topic: str | None, contested: str | None) -> tuple[Kind, str]:
        """Apply the fallbacks; (kind, the decision's reason).  List/bulk/no-reply mail that is not surely a
        registration, cancellation or input is `other`.  An unsure registration/cancellation/input, or a
        non-reply kind that leaves much weight on the reply kinds, goes to review as `question`.  An
        unsure `other` or `question` with little weight on the reply kinds stays what it is: it is
        answered by nobody either way.  A registration/cancellation/input that is `off_topic` (intent.Domain),
        or that only the model supports while rules speak for other kinds (`contested`), goes to review too."""
        sure = confidence >= self.min_confidence
        reply_weight = sum(p for k, p in combined.items() if k in REPLY_KINDS)
        if (facts.bulk_headers or guard.no_reply) and not (sure and kind in REPLY_KINDS):
            if kind in AUTOMATIC_KINDS:  # the text says what the loop guard's evidence alone could not
                return kind, f"decision: {kind} {confidence:.2f} (no-reply mail)"
            return Kind.OTHER, f"decision: other (list/bulk or no-reply mail, best guess {kind} {confidence:.2f})"
        if kind in REPLY_KINDS and off_topic:
            return Kind.QUESTION, f"decision: question for review (best guess {kind} {confidence:.2f}, but {off_topic})"
        if kind in REPLY_KINDS and contested and confidence < CONTESTED_CONFIDENCE:
            return Kind.QUESTION, (f"decision: question for review (best guess {kind} {confidence:.2f} from the "
                                   f"model alone, while rules speak for {contested})")
        if kind in REPLY_KINDS and not sure:
            return Kind.QUESTION, (f"decision: question for review (best guess {kind} {confidence:.2f} "
                                   f"< {self.min_confidence:g})")
        if kind not in REPLY_KINDS and reply_weight >= CONFLICT_WEIGHT:
            return Kind.QUESTION, (f"decision: question for review (best guess {kind} {confidence:.2f}, "
                                   f"but registration/cancellation/input together {reply_weight:.2f})")
        return kind, f"decision: {kind} {confidence:.2f}"

    def _focus(self, kind: Kind, prediction: Prediction,
               areas: dict[FocusArea, AreaScore]) -> tuple[tuple[FocusArea, ...], tuple[str, ...], str | None]:
        """(areas primary first, key terms, reason).  Inputs always get a primary area; registrations only
        areas their text names; other kinds none."""
        if kind not in (Kind.INPUT, Kind.REGISTRATION):
            return (), (), None
        scores = self._area_scores(prediction, areas)
        order = list(areas)
        ranked = sorted(order, key=lambda a: (-scores[a], order.index(a)))
        settings = self.focus
        if kind == Kind.REGISTRATION:
            ranked = [a for a in ranked if areas[a].score >= settings.registration_min_lexicon]
            if not ranked:
                return (), (), None
        chosen = [ranked[0]] + [a for a in ranked[1:]
                                if prediction.areas.get(a.value, 0.0) >= settings.secondary_min_model
                                and areas[a].score >= settings.secondary_min_lexicon]
        terms = sorted(((t, w) for a in chosen for t, w in areas[a].terms), key=lambda tw: (-tw[1], tw[0]))
        key_terms = tuple(dict.fromkeys(t for t, _w in terms))[: settings.key_terms]
        shown = ", ".join(f"{a} {scores[a]:.2f} (primary {prediction.primary.get(a.value, 0.0):.2f}, "
                          f"model {prediction.areas.get(a.value, 0.0):.2f}, lexicon {areas[a].score:g})"
                          for a in ranked)
        return tuple(chosen), key_terms, f"focus: {shown}"

    def _area_scores(self, prediction: Prediction, areas: dict[FocusArea, AreaScore]) -> dict[FocusArea, float]:
        settings = self.focus
        total = max(sum(a.score for a in areas.values()), 3.0)
        head_total = max(sum(a.head for a in areas.values()), 3.0)
        return {area: settings.primary * prediction.primary.get(area.value, 0.0)
                + settings.multilabel * prediction.areas.get(area.value, 0.0)
                + settings.lexicon * score.score / total + settings.head * score.head / head_total
                for area, score in areas.items()}

    def _has_input(self, kind: Kind, facts: IntentFacts, areas: dict[FocusArea, AreaScore]) -> tuple[bool, str | None]:
        if kind == Kind.INPUT:
            return True, None
        if kind not in (Kind.REGISTRATION, Kind.CANCELLATION):
            return False, None
        reason = self.intents.substance.check(facts, max((a.score for a in areas.values()), default=0.0))
        return reason is not None, reason


def attachment_problems(mail: ParsedMail) -> list[str]:
    """A reason for each attachment whose text could not be read (too large, a zip bomb, a time limit):
    its content did not count, and the advisor should know."""
    return [f"attachment {a.filename or a.content_type}: {a.error} (its text was not read)"
            for a in mail.attachments if a.error]


def contested(kind: Kind, fired: Sequence[Verdict]) -> str | None:
    """The other kinds rules speak for, when none speaks for `kind` (e.g. a question the model reads as a
    registration because it thanks for the invitation), else None."""
    if any(v.outcome == kind.value for v in fired):
        return None
    others = sorted({v.outcome for v in fired})
    return ", ".join(others) or None


def combine(model: dict[str, float], fired: Sequence[Verdict]) -> dict[Kind, float]:
    """softmax(log p_model(kind) + the capped sum of the rule weights for that kind), over every kind the
    model or a rule names."""
    boosts: dict[str, float] = {}
    for verdict in fired:
        boosts[verdict.outcome] = boosts.get(verdict.outcome, 0.0) + verdict.weight
    logits = {k: math.log(max(model.get(v, 0.0), MODEL_FLOOR)) + min(boosts.get(v, 0.0), MAX_RULE_BOOST)
              for k, v in KIND_VALUES if v in model or v in boosts}
    top = max(logits.values())
    exp = {k: math.exp(v - top) for k, v in logits.items()}
    total = sum(exp.values())
    return {k: v / total for k, v in exp.items()}
