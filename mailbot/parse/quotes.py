"""Split a message body into what the sender wrote, the quoted history, and the signature.

Contract: every line of `text` lands in exactly one of new_text, quoted or signature, in order within
each part, and a line that is not quoted history always lands in new_text or signature.

Quoted history is (a) lines starting with ">" and (b) everything from the first reply header on:
an attribution line ("On ... wrote:", "Den ... skrev ...:", "tir. 5. mai 2026 kl. 09:12 skrev ...:"),
an Outlook header block ("Fra:/Sendt:/Til:/Emne:" and its English, Swedish and German forms), a
separator ("-----Opprinnelig melding-----", "-----Original Message-----", a forward banner) or an
Outlook rule of underscores.  An attribution directly followed by ">" lines only introduces that
quote, so a bottom-posted answer below it is still new text.  A forward's banner starts `quoted` too;
the classifier may read `quoted` when new_text is short.

The signature starts at the first sign-off ("Med vennlig hilsen", "Mvh", "Best regards", ...), "-- "
line or mobile footer ("Sendt fra min iPhone") in the unquoted text, and runs to the end of it.  A
sign-off followed by more than SIGNATURE_MAX_LINES lines (WEAK_SIGNATURE_MAX_LINES for words like
"Thanks," that also open sentences) is prose, not a signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SIGNATURE_MAX_LINES = 20  # non-empty lines after a sign-off; more means the "sign-off" was body text

_VERB = r"(?:wrote|writes|skrev|skreiv|schrieb|a\s+écrit|escribió|kirjoitti)"
_ATTRIBUTION = re.compile(rf"\b{_VERB}\b", re.IGNORECASE)  # on a line that ends with ":"
# An attribution must look like one: start with a date-ish lead word, or hold a year, an address or a time.
_ATTRIBUTION_LEAD = re.compile(
    r"^\s*(?:on|den|am|le|el|(?:man|tir|ons|tor|fre|lør|søn|mån|tis|fri|mon|tue|wed|thu|sat|sun)\w*\.?)\b",
    re.IGNORECASE,
)
_LEAD_INITIALS = frozenset("odalemtfsw")  # first letters of the lead words above, for a cheap pre-test
_ATTRIBUTION_EVIDENCE = re.compile(r"(?:\b(?:19|20)\d\d\b|@|<|\d{1,2}[:.]\d\d)")
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original\s+message|opprinnelig\s+melding|opprinneleg\s+melding|opphavleg\s+melding"
    r"|ursprungligt\s+meddelande|oprindelig\s+meddelelse|ursprüngliche\s+nachricht"
    r"|forwarded\s+message|videresendt\s+melding|vidaresendt\s+melding|videresendt\s+meddelelse"
    r"|vidarebefordrat\s+meddelande|weitergeleitete\s+nachricht)\s*-{2,}\s*$"
    r"|^\s*(?:begin\s+forwarded\s+message|start\s+på\s+videresendt\s+melding)\s*:\s*$",
    re.IGNORECASE,
)
_OUTLOOK_RULE = re.compile(r"^\s*_{20,}\s*$")
_DASH_RULE = re.compile(r"^\s*-{10,}\s*$")  # a plain rule above an Outlook block belongs to it
_OUTLOOK_FROM = re.compile(r"^\s*\**\s*(?:from|fra|frå|från|von|de)\s*:\**\s*\S", re.IGNORECASE)
_OUTLOOK_FIELD = re.compile(
    r"^\s*\**\s*(?:sent|date|sendt|dato|skickat|datum|gesendet|to|til|till|an|subject|emne|ämne|betreff"
    r"|cc|kopi|kopia)\s*:",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:med\s+vennlig\s+hilsen|med\s+vennleg\s+helsing|med\s+venleg\s+helsing|vennlig\s+hilsen"
    r"|vennleg\s+helsing|venleg\s+helsing|beste\s+hilsen|beste\s+helsing|hilsen|helsing|mvh|m\.v\.h\.?"
    r"|med\s+vänlig\s+hälsning|vänliga\s+hälsningar|hälsningar|med\s+venlig\s+hilsen|venlig\s+hilsen"
    r"|mit\s+freundlichen\s+grüßen|viele\s+grüße|best\s+regards|kind\s+regards|warm\s+regards|regards"
    r"|best\s+wishes|cheers|sincerely|yours\s+sincerely)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
# Words that are also ordinary sentences ("Takk!") count as a sign-off only with the letter's comma, and
# only close to the end.
_WEAK_SIGN_OFF = re.compile(
    r"^\s*(?:thanks|thank\s+you|many\s+thanks|best|takk|tusen\s+takk|takk\s+for\s+nå)\s*,\s*$", re.IGNORECASE
)
WEAK_SIGNATURE_MAX_LINES = 6
# A sign-off followed by the name on the same line: "Mvh Ola Nordmann", "Hilsen Kari".
_SIGN_OFF_WITH_NAME = re.compile(
    r"^\s*(?:med\s+vennlig\s+hilsen|vennlig\s+hilsen|med\s+venleg\s+helsing|beste\s+hilsen|hilsen|helsing|mvh"
    r"|best\s+regards|kind\s+regards|regards|cheers)\s*[,.]?\s+\w[\w.\-]*(?:\s+\w[\w.\-]*){0,3}\s*$",
    re.IGNORECASE,
)
_SIG_DASHES = re.compile(r"^--\s*$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:sendt\s+fra\s+min\s+\w+|sent\s+from\s+my\s+\w+|skickat\s+från\s+min\s+\w+"
    r"|von\s+meinem\s+\w+\s+gesendet|hentet\s+fra\s+outlook\s+for\s+\w+|get\s+outlook\s+for\s+\w+"
    r"|sendt\s+fra\s+outlook|sent\s+from\s+outlook|sendt\s+fra\s+e-post\s+for\s+\w+"
    r"|sent\s+from\s+mail\s+for\s+windows)[\w \t.\-]{0,40}$",  # no comma: "Sent from my desk, ..." is prose
    re.IGNORECASE,
)
_HARD_SIGNATURE = (_SIG_DASHES, _MOBILE_FOOTER)


@dataclass(frozen=True)
class ReplyParts:
    """A body split into the sender's new text, the quoted history, and the signature block."""

    new_text: str
    quoted: str
    signature: str


def split_reply(text: str) -> ReplyParts:
    """Split `text` (any line endings) into new text, quoted history and signature.  Never raises."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    history = _history_start(lines)
    quoted_flags = [index >= history or _is_quote_line(line) for index, line in enumerate(lines)]
    _mark_attributions(lines, quoted_flags)
    own = [index for index, flag in enumerate(quoted_flags) if not flag]
    signature_from = _signature_start([lines[index] for index in own])
    signature_indices = set(own[signature_from:]) if signature_from is not None else set()
    new = [lines[i] for i in own if i not in signature_indices]
    signature = [lines[i] for i in own if i in signature_indices]
    quoted = [line for line, flag in zip(lines, quoted_flags) if flag]
    return ReplyParts(_join(new), _join(quoted), _join(signature))


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def _is_quote_line(line: str) -> bool:
    return line.lstrip().startswith(">")


# ---------------------------------------------------------------------------------- history start
def _history_start(lines: list[str]) -> int:
    """Index of the first line of unprefixed quoted history (a header not followed by '>'), or len."""
    for index, line in enumerate(lines):
        if _is_quote_line(line) or not line.strip():
            continue
        width = _header_width(lines, index)
        if width and not _followed_by_prefixed_quote(lines, index + width):
            return _include_rule_above(lines, index)
    return len(lines)


def _header_width(lines: list[str], index: int) -> int:
    """How many lines the reply header starting at `index` spans (0 when there is none).

    Cheap tests on the line's first and last characters come first: this runs on every line of
    every message, and most lines can be ruled out without a regular expression.
    """
    line = lines[index]
    stripped = line.strip()
    if stripped[:1] in ("-", "_"):
        return 1 if _SEPARATOR.match(line) or _OUTLOOK_RULE.match(line) else 0
    if stripped.endswith(":"):
        if _SEPARATOR.match(line) or _is_attribution(stripped):
            return 1
    elif ":" in stripped[:12] and _OUTLOOK_FROM.match(line) and _outlook_fields_follow(lines, index):
        return 1
    if stripped.endswith(":") or stripped[:1].lower() not in _LEAD_INITIALS or not _ATTRIBUTION_LEAD.match(line):
        return 0
    for width in (2, 3):  # clients wrap long attributions ("On ... <\nola@x.no> wrote:") over lines
        joined = " ".join(part.strip() for part in lines[index : index + width])
        if joined.endswith(":"):
            return width if _is_attribution(joined) else 0
    return 0


def _is_attribution(line: str) -> bool:
    if len(line) > 500 or not line.rstrip().endswith(":") or not _ATTRIBUTION.search(line):
        return False
    return bool(_ATTRIBUTION_LEAD.match(line) or _ATTRIBUTION_EVIDENCE.search(line))


def _outlook_fields_follow(lines: list[str], index: int) -> bool:
    following = [line for line in lines[index + 1 : index + 7] if line.strip()]
    return any(_OUTLOOK_FIELD.match(line) for line in following[:4])


def _followed_by_prefixed_quote(lines: list[str], index: int) -> bool:
    """True when the next non-blank line after a header is a '>' line (an inline or bottom-posted reply)."""
    for line in lines[index:]:
        if line.strip():
            return _is_quote_line(line)
    return False


def _include_rule_above(lines: list[str], index: int) -> int:
    """Outlook puts a rule (underscores or dashes) above its header block: the history starts there."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and (_OUTLOOK_RULE.match(lines[above]) or _DASH_RULE.match(lines[above])):
        return above
    return index


def _mark_attributions(lines: list[str], quoted_flags: list[bool]) -> None:
    """An attribution ("X wrote:") just above a '>' block belongs to the quote."""
    for index, line in enumerate(lines):
        if quoted_flags[index] or not line.strip():
            continue
        width = _header_width(lines, index)
        if width and _followed_by_prefixed_quote(lines, index + width):
            for covered in range(index, min(index + width, len(lines))):
                quoted_flags[covered] = True


# ------------------------------------------------------------------------------------- signature
def _signature_start(lines: list[str]) -> int | None:
    """Index (into `lines`, the unquoted lines) where the signature block starts, or None."""
    for index, line in enumerate(lines):
        if len(line) > 80 or not line.strip():
            continue  # sign-offs and footers are short lines; skipping long ones keeps this cheap
        if any(pattern.match(line) for pattern in _HARD_SIGNATURE):
            return index
        if _SIGN_OFF.match(line) or _SIGN_OFF_WITH_NAME.match(line):
            if _lines_after(lines, index) <= SIGNATURE_MAX_LINES:
                return index
        elif _WEAK_SIGN_OFF.match(line) and _lines_after(lines, index) <= WEAK_SIGNATURE_MAX_LINES:
            return index
    return None


def _lines_after(lines: list[str], index: int) -> int:
    return sum(1 for line in lines[index + 1 :] if line.strip())
