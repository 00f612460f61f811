"""MIME building blocks for the benchmark mail: encoded leaves, multiparts, HTML bodies, and small attachments
(a hand-built one-page PDF and a python-docx DOCX with fixed zip timestamps, so the bytes are reproducible).

Everything returns bytes with CRLF line ends, as on the wire.
"""

from __future__ import annotations

import base64
import io
import quopri
import random
import zipfile
from datetime import datetime
from email.header import Header
from email.utils import formataddr
from functools import lru_cache


# ---------------------------------------------------------------------------------------------- MIME

def hdr(name: str, value: str) -> str:
    """One header line, RFC 2047-encoded when not ASCII."""
    if not value.isascii():
        value = Header(value, "utf-8", header_name=name).encode()
    return f"{name}: {value}"


def addr(name: str, address: str) -> str:
    return formataddr((name, address), charset="utf-8")


def _encode_text(text: str, charset: str, cte: str) -> bytes:
    data = text.replace("\n", "\r\n").encode(charset)
    if cte == "quoted-printable":
        return quopri.encodestring(data).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if cte == "base64":
        return base64.encodebytes(data).replace(b"\n", b"\r\n")
    return data


def leaf(ctype: str, text_or_bytes: str | bytes, *, charset: str | None = None, cte: str = "8bit",
         extra: tuple[str, ...] = ()) -> bytes:
    """A single MIME part: headers, blank line, encoded body (CRLF)."""
    if isinstance(text_or_bytes, str):
        body = _encode_text(text_or_bytes, charset or "utf-8", cte)
        head = [f'Content-Type: {ctype}; charset="{charset or "utf-8"}"']
    else:
        body = base64.encodebytes(text_or_bytes).replace(b"\n", b"\r\n") if cte == "base64" else text_or_bytes
        head = [f"Content-Type: {ctype}"]
    head.append(f"Content-Transfer-Encoding: {cte}")
    head.extend(extra)
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


def multipart(subtype: str, parts: list[bytes], boundary: str, params: str = "") -> bytes:
    out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"{params}\r\n\r\n'.encode("ascii"),
           b"This is a multi-part message in MIME format.\r\n"]
    for part in parts:
        out += [f"\r\n--{boundary}\r\n".encode("ascii"), part.rstrip(b"\r\n"), b"\r\n"]
    out.append(f"\r\n--{boundary}--\r\n".encode("ascii"))
    return b"".join(out)


def html_of(text: str, lang: str) -> str:
    """An Outlook-flavoured HTML rendering of a plain text body."""
    paras = [p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>\n")
             for p in text.split("\n\n")]
    body = "\n".join(f'<p class="MsoNormal"><span style="font-family:Calibri,sans-serif">{p}</span></p>'
                     for p in paras)
    return (f'<html lang="{lang}"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '<style>p.MsoNormal{margin:0cm;font-size:11pt;font-family:"Calibri",sans-serif;}'
            "a:link{color:#0563C1;text-decoration:underline;}"
            "div.WordSection1{page:WordSection1;}</style></head>"
            f'<body lang="{lang.upper()}" link="#0563C1"><div class="WordSection1">\n{body}\n</div></body></html>')


def text_part(rng: random.Random, text: str, lang: str, html: bool) -> bytes:
    """text/plain in a random charset/transfer encoding, or multipart/alternative with HTML."""
    charset = "iso-8859-1" if rng.random() < 0.3 and _fits_latin1(text) else "utf-8"
    cte = rng.choice(("quoted-printable", "quoted-printable", "base64", "8bit"))
    plain = leaf("text/plain", text, charset=charset, cte=cte)
    if not html:
        return plain
    html_leaf = leaf("text/html", html_of(text, lang), charset="utf-8",
                     cte=rng.choice(("quoted-printable", "base64")))
    return multipart("alternative", [plain, html_leaf], boundary(rng, "alt"))


def _fits_latin1(text: str) -> bool:
    try:
        text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return False
    return True


def boundary(rng: random.Random, tag: str) -> str:
    return f"----=_{tag}_{rng.getrandbits(64):016x}"


# ---------------------------------------------------------------------------------------------- attachments

def _pdf_string(line: str) -> str:
    data = line.encode("cp1252", "replace")
    out = []
    for byte in data:
        ch = chr(byte)
        out.append("\\" + ch if ch in "()\\" else ch if 32 <= byte < 127 else f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def _wrap(text: str, width: int = 90) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        words, current = para.split(), ""
        for word in words:
            if current and len(current) + 1 + len(word) > width:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}".strip()
        lines.append(current)
    return lines


@lru_cache(maxsize=256)
def minimal_pdf(text: str, title: str) -> bytes:
    """A one-page PDF 1.4 with `text` in Helvetica (WinAnsi), built by hand; pypdf extracts it."""
    lines = _wrap(text)[:52]
    ops = ["BT", "/F1 11 Tf", "14 TL", "56 790 Td"] + [f"{_pdf_string(l)} Tj T*" for l in lines] + ["ET"]
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_string(title).encode("latin-1") + b" /Producer (mailbot bench) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@lru_cache(maxsize=256)
def small_docx(text: str, title: str) -> bytes:
    """A DOCX made with python-docx, re-zipped with fixed timestamps so the bytes are reproducible."""
    import docx  # noqa: PLC0415 - only needed when generating attachments

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "bench"
    document.core_properties.created = datetime(2027, 5, 1, 12, 0)
    document.core_properties.modified = datetime(2027, 5, 1, 12, 0)
    document.core_properties.last_modified_by = "bench"
    document.core_properties.revision = 1
    lines = text.split("\n")
    document.add_heading(lines[0], level=1)
    for para in "\n".join(lines[1:]).split("\n\n"):
        if para.strip():
            document.add_paragraph(para.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalized_zip(buffer.getvalue())


def _normalized_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2027, 5, 1, 12, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
