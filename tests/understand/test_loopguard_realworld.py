"""The loop guard against the real-world corpus (shared/corpus/realworld): every message its source calls a
bounce or an auto-reply must get no_reply=True; human replies ('normal') must not.

Uses mailbot.parse.mime.parse_message when it exists, else a small stdlib adapter (compat32) that builds a
ParsedMail good enough for the loop guard: headers, subject, From, content type, text parts, part types.
"""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
from collections import Counter
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr
from pathlib import Path

import pytest

from mailbot.config import default_rules_path
from mailbot.domain import Attachment, ParsedMail
from mailbot.understand.loopguard import LoopGuard

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "realworld"
MANIFEST = CORPUS / "MANIFEST.tsv"
MACHINE = ("bounce", "auto_reply")
# Files the manifest labels "bounce" that are plain spam: Mail-DeliveryStatus-BounceParser's tests feed them
# to its report parser, but nothing in them is automatic (no header, no report, an Outlook Express spam and
# a virus mail).  The loop guard does not guess at spam; the classifier files such mail as "other".
NOT_MACHINE = {
    "bounceparser_perl/bounceparser_perl__spam-lots-of-bogus-addresses.msg.eml",
    "bounceparser_perl/bounceparser_perl__spam-with-image.msg.eml",
    "bounceparser_perl/bounceparser_perl__virus-caused-multiple-weird-reports.msg.eml",
}

pytestmark = pytest.mark.skipif(not MANIFEST.exists(), reason=f"real-world corpus not found at {CORPUS}")


def _decode(value: object) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:  # a broken encoded-word: keep it raw, as a robust parser would
        return str(value)


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    if not isinstance(payload, bytes):
        return str(payload)
    try:
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("latin-1")


def _walk(msg: Message, texts: list[str], parts: list[Attachment]) -> None:
    """Text of the readable parts; every other leaf (and message/* parts) as an attachment."""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype.startswith("message/") or ctype == "text/rfc822-headers":
            parts.append(Attachment(None, ctype, 0, "\n".join(f"{k}: {v}" for k, v in part.items())))
            continue
        if part.is_multipart():
            continue
        if ctype == "text/plain" and not part.get_filename():
            texts.append(_text_of(part))
        else:
            parts.append(Attachment(part.get_filename(), ctype, 0, ""))


def adapt(raw: bytes) -> ParsedMail:
    """A stdlib stand-in for mailbot.parse: enough of ParsedMail for the loop guard."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    texts: list[str] = []
    parts: list[Attachment] = []
    _walk(msg, texts, parts)
    name, addr = parseaddr(_decode(msg.get("from", "")))
    text = "\n".join(texts)
    return ParsedMail(
        key=hashlib.sha256(raw).hexdigest(), message_id=msg.get("message-id"), from_addr=addr, from_name=name,
        reply_to=None, to=(), cc=(), subject=_decode(msg.get("subject", "")), date=None, in_reply_to=None,
        references=(), content_type=msg.get_content_type(),
        headers=tuple((k.lower(), _decode(v)) for k, v in msg.items()),
        text=text, new_text=text, quoted="", signature="", html="", attachments=tuple(parts), defects=(),
        raw_size=len(raw),
    )


def _parser():
    try:
        from mailbot.parse.mime import parse_message  # type: ignore[import-not-found]
    except ImportError:
        return adapt
    return parse_message


def _rows() -> list[dict[str, str]]:
    with MANIFEST.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def run_corpus(parse=None) -> tuple[dict[str, list[str]], Counter, Counter]:
    """(missed / false-positive / spam files, first-rule counter of caught machine mail, counter of every
    rule that fired on caught machine mail; the latter also counts "kind=<category>:<kind>")."""
    guard = LoopGuard.load(default_rules_path())
    parse = parse or _parser()
    problems: dict[str, list[str]] = {"missed": [], "false_positive": [], "spam": []}
    first_rule: Counter = Counter()
    any_rule: Counter = Counter()
    for row in _rows():
        if row["category"] not in (*MACHINE, "normal"):
            continue
        verdict = guard.check(parse((CORPUS / row["file"]).read_bytes()))
        fired = [r.split(":", 1)[0] for r in verdict.reasons]
        if row["category"] == "normal":
            if verdict.no_reply:
                problems["false_positive"].append(f"{row['file']}: {verdict.reasons}")
            continue
        if not verdict.no_reply:
            problems["spam" if row["file"] in NOT_MACHINE else "missed"].append(f"{row['file']}: {verdict.reasons}")
            continue
        first_rule[fired[0]] += 1
        any_rule.update(set(fired))
        any_rule[f"kind={row['category']}:{verdict.kind}"] += 1
    return problems, first_rule, any_rule


@pytest.mark.slow
def test_every_bounce_and_auto_reply_gets_no_reply_and_no_human_reply_is_blocked():
    problems, _first, _any = run_corpus()
    assert problems["missed"] == []
    assert problems["false_positive"] == []


if __name__ == "__main__":  # report: python tests/understand/test_loopguard_realworld.py [--stdlib]
    import sys

    found, first, every = run_corpus(adapt if "--stdlib" in sys.argv else None)
    print("missed:", len(found["missed"]), *found["missed"][:40], sep="\n  ")
    print("spam labelled bounce, not caught:", len(found["spam"]))
    print("false positives:", len(found["false_positive"]), *found["false_positive"], sep="\n  ")
    print("caught, by first rule:", sum(first.values()), first.most_common())
    print("caught, by any rule:", every.most_common())
