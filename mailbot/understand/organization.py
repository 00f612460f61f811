"""Organisation rules: the company name as the sender wrote it.

Sources, each a named rule returning Verdict(outcome=name, weight): the signature (a line with AS/ASA/
Ltd/kommune/... weighs 1.0; a capitalised line after the sender's name 0.5), the body ("fra Solberg
Transport AS" 0.9, "på vegne av Solberg Transport" 0.7) and the subject ("Påmelding – Solberg Transport
AS" 0.8, without a suffix 0.4).  The heaviest wins; ties go to the earlier rule in rules/extract.toml.
The host's own names (exclusion list) are never returned for an external sender: a rule that finds only
those returns an empty outcome with a reason.  A domain alone is never an organisation.
"""

from __future__ import annotations

import re

from mailbot.rulebook import RuleSet, Verdict
from mailbot.understand.extract_table import PARTICLE, ExtractFacts
from mailbot.understand.names import EMAIL, PHONE, SPLIT, clean_name

NAME_PARTICLES = frozenset(PARTICLE[3:-1].split("|"))  # the lower-case words between a name's TOKENs

ORG_RULES: RuleSet[ExtractFacts] = RuleSet("organization")
rule = ORG_RULES.rule

SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|sv|vs|fw|fwd|aw|wg|tr)\s*:\s*)+", re.IGNORECASE)
SUBJECT_SPLIT = re.compile(r"\s+[–—-]\s+|:\s+|\s+(?:fra|frå|from|for)\s+|,\s*", re.IGNORECASE)
NOT_ORG_LINE = re.compile(r"https?://|www\.|@|\d{4}|\+\d|tlf|tel\b|mob\b|mobil|phone", re.IGNORECASE)
TRAILING = re.compile(r"[\s,.;:!?)]+$")
SIGNATURE_LINES = 10


def acceptable(facts: ExtractFacts, org: str) -> tuple[str | None, str | None]:
    """(organisation, None) when usable, else (None, why not)."""
    org = TRAILING.sub("", org.strip())
    lowered = org.lower()
    if facts.sender_domain not in facts.table.org.host_domains and any(
        lowered == x or lowered.startswith(x + " ") or lowered.startswith(x + ",") for x in facts.table.org.exclude
    ):
        return None, f"ignored {org!r} (the host's own name)"
    if facts.is_sender(org) or (could_be_listed(facts.listing, lowered)
                                and any(p.name.casefold() == lowered for p in facts.people.people)):
        return None, f"ignored {org!r} (a person's name)"
    if len(org) < 2:
        return None, None
    return org, None


def could_be_listed(listing: str, lowered: str) -> bool:
    """False only when no person names.find_people could find in `listing` has the casefolded name
    `lowered`; lets `acceptable` skip finding people (the costliest part of extraction) for most mails.

    Why it is exact: every name find_people returns is clean_name's output, so it fullmatches NAME
    (capitalised TOKENs joined by single spaces, lower-case PARTICLEs between them) and each of its words
    is a substring of `listing`.  A TOKEN's casefold maps it character by character, and its inverse is
    its first letter upper-cased (the rest are lower-case letters or apostrophes), except after a hyphen,
    where either case may follow; such words (and odd ones) are not judged here."""
    for word in lowered.split(" "):
        if not word or "-" in word or word in NAME_PARTICLES:
            continue  # a particle stands as it is; a hyphenated or empty word: no judgement
        if word[0].upper() + word[1:] not in listing:
            return False
    return True


def _pick(facts: ExtractFacts, name: str, candidates: list[tuple[str, float, str]]) -> Verdict | None:
    """The first acceptable candidate as a Verdict; else a zero-weight Verdict saying what was ignored."""
    ignored = []
    for org, weight, where in candidates:
        usable, why = acceptable(facts, org)
        if usable:
            return Verdict(rule=name, outcome=usable, reason=f"{usable!r} {where}", weight=weight)
        if why:
            ignored.append(why)
    if ignored:
        return Verdict(rule=name, outcome="", reason="; ".join(dict.fromkeys(ignored)), weight=0.0)
    return None


def signature_lines(facts: ExtractFacts) -> list[str]:
    """The signature's lines: ParsedMail.signature, else the lines after the last sign-off in the text."""
    if facts.mail.signature.strip():
        lines = facts.mail.signature.splitlines()
    else:
        lines = facts.tail.splitlines()
        offs = [i for i, line in enumerate(lines) if facts.table.sign_off.match(line)]
        if not offs:
            return []
        off = offs[-1]
        rest = facts.table.sign_off.sub("", lines[off], count=1).strip()
        lines = ([rest] if rest else []) + lines[off + 1:]
    return [line.strip() for line in lines if line.strip() and line.strip() not in ("--", "-- ")][:SIGNATURE_LINES]


@rule
def org_in_signature(facts: ExtractFacts) -> Verdict | None:
    """A signature line with a company suffix (1.0), else the first capitalised line after the name (0.5)."""
    lines = [facts.table.sign_off.sub("", line).strip() or line for line in signature_lines(facts)]
    candidates: list[tuple[str, float, str]] = []
    for line in lines:
        for part in SPLIT.split(line):
            if match := facts.table.org.suffix.search(part):
                candidates.append((match.group("org"), 1.0, "in the signature"))
    seen_name = False
    for line in lines:
        if NOT_ORG_LINE.search(line) or facts.table.sign_off.match(line):
            continue
        if not seen_name and (facts.is_sender(line) or clean_name(line, facts.table) == line):
            seen_name = True
            continue
        if seen_name and not facts.table.titles.search(line) and line[:1].isupper() and len(line.split()) <= 6:
            candidates.append((line, 0.5, "below the name in the signature"))
            break
    return _pick(facts, "org_in_signature", candidates)


@rule
def org_in_body(facts: ExtractFacts) -> Verdict | None:
    """"fra Solberg Transport AS" (0.9); "på vegne av / vi i / we at Solberg Transport" (0.7)."""
    candidates: list[tuple[str, float, str]] = []
    text = facts.text
    for match in facts.table.org.strong_cue.finditer(text, facts.folded_text):
        org = match.group("org")
        weight = 0.9 if facts.table.org.suffix.fullmatch(org) else 0.7
        candidates.append((org, weight, f"in the text ({match.group(0)!r})"))
    for match in facts.table.org.weak_cue.finditer(text, facts.folded_text):
        candidates.append((match.group("org"), 0.9, f"in the text ({match.group(0)!r})"))
    for match in facts.table.org.suffix_in_text.finditer(text, facts.folded_text):
        candidates.append((match.group("org"), 0.6, "in the text"))
    candidates.sort(key=lambda c: -c[1])
    return _pick(facts, "org_in_body", candidates)


@rule
def org_in_subject(facts: ExtractFacts) -> Verdict | None:
    """"Påmelding – Solberg Transport AS" (0.8); a plain capitalised part that is no person's name (0.4)."""
    subject = SUBJECT_PREFIX.sub("", (facts.mail.subject or "")[:300])
    candidates: list[tuple[str, float, str]] = []
    for index, part in enumerate(SUBJECT_SPLIT.split(subject)):
        part = part.strip()
        words = part.lower().split()
        if not part or not part[:1].isupper() or any(w in facts.table.org.subject_words for w in words[:1]):
            continue
        if match := facts.table.org.suffix.search(part):
            candidates.append((match.group("org"), 0.8, "in the subject"))
        elif index == 0:
            continue  # a plain first part is the topic ("Endring", "Spørsmål"), not a name
        elif not any(ch.isdigit() for ch in part) and (len(words) == 1 or clean_name(part, facts.table) != part):
            if words[0] not in facts.table.words["not_names"] and len(words) <= 5:
                candidates.append((part, 0.4, "in the subject"))
    return _pick(facts, "org_in_subject", candidates)


def domain_hint(facts: ExtractFacts) -> str | None:
    """The sender's domain as a reason (never as the organisation), unless it is a free-mail provider."""
    domain = facts.sender_domain
    if domain and domain not in facts.table.org.free_mail and not EMAIL.search(domain) and not PHONE.search(domain):
        return f"sender's domain {domain} (not used as the organisation)"
    return None
