"""Hostile test messages: header injection through names and subjects, HTML/script in inputs, a DOCX zip bomb,
PDFs that are slow to read, and a 50 MB attachment.  Each builder returns raw bytes with a known Message-ID."""

from __future__ import annotations

import base64
import io
import zipfile
import zlib
from email.message import EmailMessage

from faults.mails import BOT, build

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
INPUT_TEXT = ("Hei,\n\nVi kan dessverre ikke delta, men vedlagt er vårt innspill til klimastrategien: kommunen bør "
              "kreve kartlegging av ombrukbare materialer før riving og opprette et lager for brukte dører, vinduer "
              "og teglstein, slik at byggematerialer kan brukes på nytt.\n\nMvh\n{name}\n{org}\n")
REGISTRATION_TEXT = "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\n{name}\n{org}\n"


def mid(tag: str) -> str:
    return f"<hostile-{tag}@test.example>"


def with_attachment(tag: str, sender: str, subject: str, body: str, data: bytes, maintype: str, subtype: str,
                    filename: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = BOT
    msg["Subject"] = subject
    msg["Date"] = "Mon, 10 May 2027 10:00:00 +0200"
    msg["Message-ID"] = mid(tag)
    msg.set_content(body)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


# ------------------------------------------------------------------------------------ header injection
def crlf_in_name() -> bytes:
    """The display name decodes to "Ola Hansen\\r\\nBcc: victim1@evil.example"."""
    name = "=?utf-8?q?Ola_Hansen=0D=0ABcc=3A_victim1=40evil=2Eexample?="
    raw = build(1, "placeholder <ola@hansen-bygg.example>", "Påmelding til klimaverksted",
                REGISTRATION_TEXT.format(name="Ola Hansen", org="Hansen Bygg AS"), message_id=mid("crlf-name"))
    return raw.replace(b"From: placeholder", f"From: {name}".encode())  # the email package refuses to build it


def crlf_in_subject() -> bytes:
    raw = "Påmelding\r\nBcc: victim2@evil.example\r\nX-Injected: yes".encode()
    subject = f"=?utf-8?b?{base64.b64encode(raw).decode()}?="
    return build(2, "Kari Berg <kari@berg-transport.example>", "placeholder",
                 REGISTRATION_TEXT.format(name="Kari Berg", org="Berg Transport AS"),
                 message_id=mid("crlf-subject")).replace(b"Subject: placeholder", f"Subject: {subject}".encode())


def long_name_and_subject() -> bytes:
    name = "Nils " + "Lund" * 1250  # 5,000 characters
    subject = "Påmelding til klimaverksted " + "x" * 20_000  # the bot's reply must not carry this whole
    return build(3, f'"{name}" <nils@lund-eiendom.example>', subject,
                 REGISTRATION_TEXT.format(name="Nils Lund", org="Lund Eiendom AS"), message_id=mid("long"))


def two_reply_to() -> bytes:
    return build(4, "Eva Dahl <eva@dahl-regnskap.example>", "Påmelding til klimaverksted",
                 REGISTRATION_TEXT.format(name="Eva Dahl", org="Dahl Regnskap AS"),
                 {"Reply-To": "eva@dahl-regnskap.example, victim3@evil.example"}, message_id=mid("reply-to"))


INJECTION = {"crlf-name": crlf_in_name, "crlf-subject": crlf_in_subject, "long": long_name_and_subject,
             "reply-to": two_reply_to}
EVIL = "evil.example"


# ------------------------------------------------------------------------------------------ markup
SCRIPT = "<script>alert('xss')</script>"
FORMULA = '=HYPERLINK("http://evil.example/";"klikk")'


def script_input() -> bytes:
    body = (f"{SCRIPT}\nHei,\n\nVi kan dessverre ikke delta, men sender et innspill. Kommunen bør legge til rette for "
            "sykkellogistikk i sentrum med egne lastesoner og ladepunkter for elektriske lastesykler. "
            "<b>Færre varebiler</b> <img src=x onerror=alert(1)> i gågatene vil kutte utslipp og støy.\n\n"
            f"Mvh\nJonas Vik\n{FORMULA}\n")
    html = f"<html><body>{SCRIPT}<p>Kommunen bør legge til rette for sykkellogistikk.</p></body></html>"
    return build(5, f'"{SCRIPT}" <jonas@sykkelbud.example>', "Innspill om sykkellogistikk <b>viktig</b>", body,
                 html=html, message_id=mid("script-input"))


def script_question() -> bytes:
    return build(6, "Hege Ask <hege@ask-design.example>", f"{SCRIPT} Spørsmål om klimaverkstedet",
                 "Hei,\n\nEr det mulig å delta digitalt på klimaverkstedet? Og blir det servert mat?\n\nMvh\nHege Ask\n",
                 message_id=mid("script-question"))


# ------------------------------------------------------------------------------------- documents
def zip_bomb_docx(declared_mb: int = 400) -> bytes:
    """A DOCX whose word/document.xml inflates to `declared_mb` MB of zeros (a few hundred KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(declared_mb):
                member.write(chunk)
    return buffer.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def slow_pdf(pages: int = 50, operators: int = 60_000, padding: int = 0) -> bytes:
    """`pages` pages sharing one content stream of `operators` text-positioning operators: a few KB packed,
    many seconds for a text extractor.  `padding` bytes of an unreferenced stream make the file larger
    (mailbot reads PDFs over 1 MB in a child process)."""
    content = zlib.compress(b"BT /F1 12 Tf 72 700 Td (ombruk av byggematerialer) Tj\n" + b"0 0 Td\n" * operators
                            + b"ET\n", 9)
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages)).encode()
    font, contents = 3 + pages, 4 + pages
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (contents, font)] * pages
    objects += [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", _stream(content, b"/Filter /FlateDecode")]
    if padding:
        objects.append(_stream(b"%" * padding))
    return _pdf(objects)


def input_with(tag: str, n: int, data: bytes, maintype: str, subtype: str, filename: str) -> bytes:
    first = ["Tor", "Lise", "Guro", "Rune", "Arne"][n % 5]
    name, org = f"{first} Strand{n}", f"Strand{n} Entreprenør AS"
    return with_attachment(tag, f"{name} <{first.lower()}{n}@strand-entreprenor.example>",
                           "Innspill: ombruk av byggematerialer", INPUT_TEXT.format(name=name, org=org), data,
                           maintype, subtype, filename)


def control_registration() -> bytes:
    return build(9, "Siri Holt <siri@holt-logistikk.example>", "Påmelding til klimaverksted",
                 REGISTRATION_TEXT.format(name="Siri Holt", org="Holt Logistikk AS"), message_id=mid("control"))


def large_attachment(megabytes: int = 50) -> bytes:
    """A registration carrying a `megabytes` MB attachment (pseudo-random, so it does not compress)."""
    import random

    data = random.Random(50).randbytes(megabytes * 1024 * 1024)
    return with_attachment("large", "Per Moe <per@moe-logistikk.example>", "Påmelding til klimaverksted",
                           REGISTRATION_TEXT.format(name="Per Moe", org="Moe Logistikk AS"), data, "application",
                           "pdf", "brosjyre.pdf")
