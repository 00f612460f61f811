"""A one- or two-sentence extract of an input, for the digest.

Extractive and deliberately simple: skip a greeting line ("Hei,", "Til Drammen kommune"), take the first
sentence, add the second when both fit in `max_chars`, and cut a too-long sentence at a word boundary.
The advisor reads the whole text in innspill.csv; the extract only has to say what the input is about.
"""

from __future__ import annotations

import re

_GREETING = re.compile(
    r"^(?:hei|hallo|heisann|god\s+(?:morgen|dag|ettermiddag)|kjære|til|dear|hello|hi)\b.{0,60}$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"«(\[]?[A-ZÆØÅ0-9])")
# Norwegian abbreviations that end in a full stop without ending the sentence.
_ABBREVIATIONS = ("f.eks.", "bl.a.", "ca.", "mv.", "m.m.", "osv.", "dvs.", "nr.", "jf.", "evt.", "inkl.",
                  "ref.", "pga.", "mht.", "iht.", "tlf.", "kl.", "e.l.", "St.", "Dr.", "e.g.", "i.e.")
ELLIPSIS = "…"


def extract(text: str | None, max_chars: int = 280) -> str:
    """The first one or two sentences of `text`, at most `max_chars` characters (ellipsis included)."""
    body = _drop_greeting(text or "")
    flat = " ".join(body.split())
    if not flat:
        return ""
    sentences = _sentences(flat)
    first = sentences[0]
    if len(first) > max_chars:
        return _cut(first, max_chars)
    if len(sentences) > 1 and len(first) + 1 + len(sentences[1]) <= max_chars:
        return f"{first} {sentences[1]}"
    return first


def _drop_greeting(text: str) -> str:
    """`text` without leading blank and greeting lines (unless that would leave nothing)."""
    lines = text.strip().splitlines()
    while lines and (not lines[0].strip() or _is_greeting(lines[0].strip())):
        lines.pop(0)
    return "\n".join(lines) if lines else text


def _is_greeting(line: str) -> bool:
    # "Til slutt vil vi ..." is a sentence, not an address line: a greeting does not end like one.
    return bool(_GREETING.match(line)) and not line.endswith((".", "?"))


def _sentences(flat: str) -> list[str]:
    pieces = _SENTENCE_END.split(flat)
    merged: list[str] = []
    for piece in pieces:
        if merged and merged[-1].endswith(_ABBREVIATIONS):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def _cut(sentence: str, max_chars: int) -> str:
    room = max_chars - len(ELLIPSIS)
    head = sentence[:room]
    if " " in head[room // 2:]:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:-–") + ELLIPSIS
