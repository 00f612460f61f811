"""Property-based fuzzing of the per-message boundary: hostile MIME structures and byte-level mutations of
our own messages go through parse -> understand -> desk -> commit (Pipeline.process_batch, in-process, on
SQLite, or PostgreSQL when MAILBOT_TEST_DB=postgresql: what one database stores another may refuse).

Properties, for every generated message X followed by a good registration G in the same batch:
  * process_batch returns one outcome per message and raises nothing;
  * X is stored (decided / ignored / review) or shunted with its error and a reason;
  * G is still decided as a registration and answered: one bad message never stops the next.

Deterministic for CI: derandomize=True, no example database, a bounded number of examples.
"""

from __future__ import annotations

import base64
import io
import itertools
import quopri
import zipfile
from email.header import Header

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from faults.mails import build
from mailbot.store.models import Message

FUZZ = settings(derandomize=True, database=None, max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
STORED = {"decided", "ignored", "review", "shunted"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_serial = itertools.count(1)
shunted: list[str] = []  # errors of shunted messages, reported at the end of the module


def good_registration() -> tuple[bytes, str]:
    n = next(_serial)
    mid = f"<fuzz-good-{n}@test.example>"
    raw = build(n, f"Ola Hansen <ola{n}@good.example>", "Påmelding til klimaverksted",
                "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\nOla Hansen\n"
                "Hansen Bygg AS\n", prefix="fuzz", message_id=mid)
    return raw, mid


def check_batch(in_process, bad: bytes) -> None:
    good, good_id = good_registration()
    outcomes = in_process.pipeline.process_batch([_incoming(bad), _incoming(good)])
    assert len(outcomes) == 2
    x, g = outcomes
    assert x.status in STORED, x
    assert g.key == good_id and g.status == "decided" and g.kind == "registration" and g.replies == 1, g
    with in_process.db.session() as session:
        row = session.scalars(select(Message).where(Message.key == x.key)).one()
        assert row.status in STORED and row.reasons, "stored with its reasons"
        if row.status == "shunted":
            assert row.error and x.error
            shunted.append(row.error)


def _incoming(raw: bytes):
    from mailbot.domain import IncomingMail

    return IncomingMail(raw=raw, mailbox="fuzz")


# ------------------------------------------------------------------------------------- MIME structure
CHARSETS = st.sampled_from(["utf-8", "iso-8859-1", "windows-1252", "us-ascii", "x-unknown", "utf-7", "utf-16",
                            "koi8-r", "", '"utf-8', "utf-8'no'"])
CTES = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "BASE64 ", "",
                        "bogus"])
LEAF_TYPES = st.sampled_from(["text/plain", "text/html", "application/pdf", DOCX, "application/octet-stream",
                              "image/png", "message/delivery-status", "text/rfc822-headers", "text/calendar",
                              "text/plain; format=flowed", "garbage", "", "multipart/mixed"])
TEXT = st.text(max_size=120)
BODY = st.one_of(TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200),
                 st.sampled_from([b"", b"\r\n", b"\x00\x00", b"=\r\n", b"--", b"<html><body><script>x</script>",
                                  b"%PDF-1.4\n1 0 obj <<>> endobj\n", b"PK\x03\x04garbage"]))


def header_text(value: str, how: int) -> str:
    """A header value: plain, an RFC 2047 encoded-word, a broken encoded-word, or with raw CR/LF."""
    if how == 0:
        return value
    if how == 1:
        return Header(value or "x", "utf-8").encode()
    if how == 2:
        return f"=?utf-8?b?{value[:20]}?= =?x-bad?q?{value[:10]}?="
    return value.replace(" ", "\r\n") + "\r\n\tcontinued"


@st.composite
def leaf(draw) -> bytes:
    ctype, charset, cte, body = draw(LEAF_TYPES), draw(CHARSETS), draw(CTES), draw(BODY)
    if ctype == DOCX and draw(st.booleans()):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", body)
        body = buffer.getvalue()
    lines = [f"Content-Type: {ctype}" + (f"; charset={charset}" if charset else "")]
    if draw(st.booleans()):
        name = header_text(draw(TEXT), draw(st.integers(0, 3)))
        lines.append(f'Content-Disposition: attachment; filename="{name}"')
    lines.append(f"Content-Transfer-Encoding: {cte}")
    encoded = body
    if cte.strip().lower() == "base64":
        encoded = base64.encodebytes(body)
        if draw(st.booleans()):
            encoded = encoded[: draw(st.integers(0, len(encoded)))] + b"!*"
    elif cte == "quoted-printable":
        encoded = quopri.encodestring(body)
    return "\r\n".join(lines).encode("utf-8", "surrogatepass") + b"\r\n\r\n" + encoded


@st.composite
def multipart(draw, children) -> bytes:
    parts = draw(st.lists(children, min_size=0, max_size=4))
    boundary = draw(st.sampled_from(["b1", "=_b", "a" * 80, "", "x y", "--"]))
    mode = draw(st.sampled_from(["ok", "no_close", "wrong", "no_param"]))
    subtype = draw(st.sampled_from(["mixed", "alternative", "related", "report", "signed", "digest"]))
    param = "" if mode == "no_param" else f'; boundary="{boundary}"'
    used = "other" if mode == "wrong" else boundary
    out = f"Content-Type: multipart/{subtype}{param}\r\n\r\n".encode()
    out += draw(st.sampled_from([b"", b"preamble\r\n"]))
    for part in parts:
        out += f"--{used}\r\n".encode() + part + b"\r\n"
    if mode != "no_close":
        out += f"--{used}--\r\n".encode()
    return out + draw(st.sampled_from([b"", b"epilogue", b"\x00"]))


def rfc822(children) -> st.SearchStrategy[bytes]:
    return children.map(lambda inner: b"Content-Type: message/rfc822\r\n\r\nFrom: a@b.example\r\nSubject: inner\r\n"
                        + inner)


MIME_BODY = st.recursive(leaf(), lambda children: st.one_of(multipart(children), rfc822(children)), max_leaves=8)


@st.composite
def hostile_message(draw) -> bytes:
    n = next(_serial)
    froms = ["Kari Nordmann <kari@example.no>", "", "<>", "not an address", "a@b@c", "=?utf-8?q?Ola=0D=0ABcc:_x?= "
             "<ola@example.no>", "\"Ola\r\n Hansen\" <ola@example.no>", "MAILER-DAEMON@example.no",
             draw(TEXT) + " <x@example.no>"]
    headers = [f"From: {draw(st.sampled_from(froms))}", "To: klimaverksted@drammen.kommune.example",
               f"Subject: {header_text(draw(TEXT), draw(st.integers(0, 3)))}",
               f"Date: {draw(st.sampled_from(['Mon, 10 May 2027 10:00:00 +0200', 'yesterday', '', '31 Feb 99']))}"]
    if draw(st.booleans()):
        headers.append(f"Message-ID: <fuzz-mime-{n}@test.example>")
    headers += draw(st.lists(st.sampled_from(["Auto-Submitted: auto-replied", "Precedence: bulk", "MIME-Version: 1.0",
                                              "Reply-To: ", "Content-Type: text/plain; charset=x-unknown",
                                              "X-Long: " + "y" * 2000]), max_size=3))
    head = "\r\n".join(headers).encode("utf-8", "surrogatepass") + b"\r\n"
    return head + draw(MIME_BODY)


@FUZZ
@given(raw=hostile_message())
def test_hostile_mime_structure_never_escapes_the_boundary(in_process, raw):
    check_batch(in_process, raw)


# ----------------------------------------------------------------------------------- byte mutations
def _seed_messages() -> list[bytes]:
    from email.message import EmailMessage

    plain = build(0, "Kari Berg <kari@berg-transport.example>", "Påmelding – 2 personer",
                  "Hei!\n\nVi ønsker å melde på to personer fra Berg Transport AS:\n- Kari Berg\n- Per Moe\n\n"
                  "Vennlig hilsen\nKari Berg\n", prefix="seed")
    html = build(0, "Jonas Vik <jonas@sykkelbud.example>", "Innspill om sykkellogistikk",
                 "Kommunen bør legge til rette for sykkellogistikk i sentrum.\n", prefix="seed",
                 html="<p>Kommunen bør legge til rette for <b>sykkellogistikk</b> i sentrum.</p>")
    with_docx = EmailMessage()
    with_docx["From"] = "Lise Bakke <lise@bakke-bakeri.example>"
    with_docx["To"] = "klimaverksted@drammen.kommune.example"
    with_docx["Subject"] = "Innspill til klimastrategien (vedlegg)"
    with_docx["Message-ID"] = "<seed-0000@test.example>"
    with_docx.set_content("Se vedlagt innspill om matsvinn og gjenbruk.\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>matsvinn</w:document>")
    with_docx.add_attachment(buffer.getvalue(), maintype="application", subtype=DOCX.split("/")[1],
                             filename="innspill.docx")
    dsn = (b"From: MAILER-DAEMON@mx.example\r\nTo: klimaverksted@drammen.kommune.example\r\n"
           b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <seed-0000@test.example>\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
           b"--r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
           b"--r\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; x@y.example\r\n"
           b"Action: failed\r\nStatus: 5.1.1\r\n--r--\r\n")
    return [plain, html, with_docx.as_bytes(), dsn]


SEEDS = _seed_messages()
OPS = st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate", "newlines"])
MUTATIONS = st.lists(st.tuples(OPS, st.floats(0, 1), st.binary(min_size=1, max_size=40)), min_size=1, max_size=8)


def mutate(raw: bytes, mutations) -> bytes:
    data = bytearray(raw)
    for op, where, payload in mutations:
        at = int(where * len(data))
        if op == "flip" and data:
            data[min(at, len(data) - 1)] ^= payload[0] or 0xFF
        elif op == "insert":
            data[at:at] = payload
        elif op == "delete":
            del data[at:at + len(payload)]
        elif op == "duplicate":
            data[at:at] = data[at:at + len(payload) * 8]
        elif op == "truncate":
            del data[at:]
        elif op == "newlines":
            data[at:at] = [b"\r", b"\n", b"\r\n\r\n", b"\n\n", b"\r\r"][payload[0] % 5]
    return bytes(data)


@FUZZ
@given(seed=st.sampled_from(range(len(SEEDS))), mutations=MUTATIONS)
def test_byte_mutations_never_escape_the_boundary(in_process, seed, mutations):
    unique = f"<fuzz-mut-{next(_serial)}@test.example>".encode()
    check_batch(in_process, mutate(SEEDS[seed].replace(b"<seed-0000@test.example>", unique), mutations))


# ------------------------------------------------------------------------------ pathological shapes
def _nested(depth: int) -> bytes:
    head = b"From: a@b.example\r\nSubject: deep\r\nMessage-ID: <fuzz-deep@test.example>\r\n"
    opening = b"".join(f"Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n".encode()
                       for i in range(depth))
    closing = b"".join(f"\r\n--b{i}--\r\n".encode() for i in reversed(range(depth)))
    return head + opening + "Content-Type: text/plain\r\n\r\nPåmelding\r\n".encode() + closing


PATHOLOGICAL = {
    "nested 2000 multiparts": _nested(2000),
    "20000 parts": b"From: a@b.example\r\nMessage-ID: <fuzz-many@test.example>\r\n"
                   b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                   + b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 20000 + b"--b--\r\n",
    "50000 headers": b"From: a@b.example\r\n" + b"X-H: v\r\n" * 50000 + b"\r\nbody\r\n",
    "1 MB header line": b"From: a@b.example\r\nSubject: " + b"a" * 1_000_000 + b"\r\n\r\nbody\r\n",
    "empty": b"",
    "only NUL bytes": b"\x00" * 5000,
    "no header block": "Hei, jeg vil melde meg på klimaverkstedet.\r\n".encode(),
    "CR only": "From: Ola <ola@example.no>\rSubject: Påmelding\r\rJeg kommer.\r".encode("latin-1"),
    "NUL bytes in headers and body": b"From: =?utf-8?q?Ola=00Hansen?= <ola@example.no>\r\n"
                                     b"Subject: =?utf-8?q?P=00amelding?=\r\nMessage-ID: <fuzz-nul@test.example>\r\n"
                                     b"\r\nJeg vil gjerne melde meg p\x00 klimaverkstedet.\x00\r\n",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_shapes(in_process, name):
    check_batch(in_process, PATHOLOGICAL[name])


def test_report_shunted(capsys):
    """Not a property: prints what the boundary had to catch above (a shunt is a bug upstream of it)."""
    with capsys.disabled():
        print(f"\nfuzz: {len(shunted)} shunted message(s)" + "".join(f"\n  {e[:200]}" for e in shunted[:10]))
