"""Reply bytes written directly (RFC 5322, MIME, RFC 2047), without the email package's object model.

The email package (EmailMessage + policy.SMTP) takes ~3 ms to build one reply, most of it in its header
parser and folder and in pure-Python quoted-printable; a backlog of thousands of replies pays that for every
one.  This writer produces the same structure and the same headers for the common case, in a fraction of
the time:

- headers are folded at spaces to lines of at most 78 characters; words holding non-ASCII (or "=?", which
  a reader would take for an encoded word) become RFC 2047 Q-encoded words in UTF-8, using only the
  characters RFC 2047 allows inside a phrase, so the same encoder serves Subject and display names;
- bodies are UTF-8 quoted-printable (binascii, C) and attachments base64, so the message is 7-bit;
- boundaries are the email package's kind ("=" runs cannot occur in quoted-printable or base64 text).

Anything out of the ordinary (a non-ASCII or quoted address, a non-ASCII attachment parameter) raises
`Unusual`; the caller then composes with the email package, which handles every case.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
import sys
from collections.abc import Iterable

LINE_MAX = 78
ENCODED_WORD_MAX = 75
_WORD_PREFIX, _WORD_SUFFIX = "=?utf-8?q?", "?="
_Q_LITERAL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
_PLAIN_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")  # atext and spaces: no quoting needed
_ADDR_SPEC = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`{|}~-]+")  # RFC 2045 token
_PARAM_VALUE = re.compile(r"[\x20-\x7e]*")
LONG_WORD = 70  # an ASCII word longer than this is encoded (and so split) rather than left over-long


class Unusual(ValueError):
    """The reply needs the email package (see the module docstring)."""


def _q_char(ch: str) -> str:
    if ch in _Q_LITERAL:
        return ch
    if ch == " ":
        return "_"
    return "".join(f"={b:02X}" for b in ch.encode("utf-8"))


def encoded_words(text: str) -> list[str]:
    """`text` as Q-encoded words of at most 75 characters, split between characters (never inside one)."""
    room = ENCODED_WORD_MAX - len(_WORD_PREFIX) - len(_WORD_SUFFIX)
    words: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        piece = _q_char(ch)
        if used + len(piece) > room and current:
            words.append("".join(current))
            current, used = [], 0
        current.append(piece)
        used += len(piece)
    if current:
        words.append("".join(current))
    return [f"{_WORD_PREFIX}{w}{_WORD_SUFFIX}" for w in words]


def _needs_encoding(word: str) -> bool:
    return not word.isascii() or "=?" in word or len(word) > LONG_WORD


def unstructured(value: str) -> list[str]:
    """Tokens of an unstructured value (Subject): ASCII words as they are, runs of other words encoded.

    `value` has single spaces between words (outbox.clean_header).  Consecutive words to encode are encoded
    together, spaces included, because a reader drops the white space between two encoded words."""
    tokens: list[str] = []
    run: list[str] = []
    for word in value.split(" "):
        if _needs_encoding(word):
            run.append(word)
            continue
        if run:
            tokens += encoded_words(" ".join(run))
            run = []
        tokens.append(word)
    if run:
        tokens += encoded_words(" ".join(run))
    return [t for t in tokens if t]


def address(name: str, addr: str) -> list[str]:
    """Tokens of `Name <addr>` (or the bare address when there is no name).  Unusual for an address that is
    not plain ASCII dot-atom@domain."""
    if not _ADDR_SPEC.fullmatch(addr):
        raise Unusual(f"address needs the email package: {addr!r}")
    if not name:
        return [addr]
    if not name.isascii() or "=?" in name:
        phrase = encoded_words(name)
        if len(phrase) > 1:  # the email package reads a space between encoded words in a phrase
            raise Unusual("display name longer than one encoded word")
    elif _PLAIN_PHRASE.fullmatch(name):
        phrase = name.split()
    else:
        phrase = ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return phrase + [f"<{addr}>"]


def fold(name: str, tokens: Iterable[str]) -> str:
    """`Name: tokens` with a CRLF before a space wherever a line would pass 78 characters."""
    lines: list[str] = []
    line = f"{name}:"
    for token in tokens:
        if len(line) + 1 + len(token) > LINE_MAX and line.strip() != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + token
    lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def header(name: str, value: str) -> str:
    """An ASCII header value (Message-IDs, fixed words) folded at its spaces."""
    return fold(name, value.split(" "))


def params(kind: str, values: dict[str, str]) -> list[str]:
    """Content-Type/-Disposition tokens: `kind;` then `key="value"` pairs (quoted as the email package
    does).  Unusual for a parameter that is not printable ASCII."""
    tokens = [kind]
    for key, value in values.items():
        if not _TOKEN.fullmatch(key) or not _PARAM_VALUE.fullmatch(value):
            raise Unusual(f"parameter needs RFC 2231: {key}={value!r}")
        tokens[-1] += ";"
        tokens.append(f'{key}="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return tokens


def content_type(maintype: str, subtype: str) -> str:
    if not (_TOKEN.fullmatch(maintype) and _TOKEN.fullmatch(subtype)):
        raise Unusual(f"content type needs the email package: {maintype}/{subtype}")
    return f"{maintype}/{subtype}"


def text_part(text: str, subtype: str) -> bytes:
    """A text/<subtype> part in UTF-8 quoted-printable, ending with a line break."""
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    encoded = binascii.b2a_qp(body.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")
    head = fold("Content-Type", params(f"text/{subtype}", {"charset": "utf-8"}))
    return (head + "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode("ascii") + encoded


def attachment_part(kind: str, type_params: dict[str, str], filename: str, data: bytes) -> bytes:
    """An attachment part, base64 in lines of 76 characters."""
    head = (fold("Content-Type", params(kind, type_params)) + "Content-Transfer-Encoding: base64\r\n"
            + fold("Content-Disposition", params("attachment", {"filename": filename})))
    return (head + "\r\n").encode("ascii") + base64.encodebytes(data).replace(b"\n", b"\r\n")


def boundary() -> str:
    """A boundary of the email package's kind: '=' runs, which quoted-printable and base64 never produce."""
    return "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="


def multipart(subtype: str, parts: list[bytes]) -> bytes:
    """A multipart/<subtype> part holding `parts` (each: its headers, a blank line, its body)."""
    mark = boundary()
    head = fold("Content-Type", params(f"multipart/{subtype}", {"boundary": mark})) + "\r\n"
    delimiter = f"--{mark}\r\n".encode("ascii")
    body = b"".join(delimiter + part + b"\r\n" for part in parts)
    return head.encode("ascii") + body + f"--{mark}--\r\n".encode("ascii")
