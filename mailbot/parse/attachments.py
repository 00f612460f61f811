"""Text from attached documents (PDF, DOCX, plain text, HTML), within size and time limits.

`extract_text` never raises: whatever goes wrong becomes `Attachment.error`, and the message goes on.

Limits, and why they are enforced the way they are:
- size: payloads over `max_bytes` are not opened at all.
- DOCX zip bombs: the zip directory's declared sizes are checked before python-docx opens the file;
  zipfile never inflates a member beyond its declared size, so the check bounds the real work.
- time: PDFs up to `pdf_subprocess_bytes` are read in-process, checking the clock between pages and
  between content-stream operators (cheap: typical one- or two-page letters take milliseconds).
  Larger PDFs are read in a child Python process (mailbot.parse.pdfchild, ~0.2 s to start) that is
  killed at `max_seconds`, so a parser stuck anywhere in a big file cannot hang the bot.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from mailbot.domain import Attachment
from mailbot.parse.headers import text_from_bytes
from mailbot.parse.html import html_to_text

PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class AttachmentLimits:
    """Bounds on the work spent on one attachment."""

    max_bytes: int = 10 * 1024 * 1024
    max_seconds: float = 5.0
    max_pages: int = 50
    max_chars: int = 100_000
    max_unzipped_bytes: int = 100 * 1024 * 1024  # declared total of a DOCX's members
    max_zip_ratio: int = 100  # declared size / compressed size of one large member
    pdf_subprocess_bytes: int = 1024 * 1024  # PDFs above this are read in a killable child process


class TimeUp(Exception):
    """Raised between pages when the time limit is reached; carries the text read so far."""

    def __init__(self, text: str, pages: int) -> None:
        super().__init__(f"time limit reached after {pages} page(s)")
        self.text = text


def document_kind(filename: str | None, content_type: str) -> str | None:
    """'pdf', 'docx', 'text', 'html' or None (not a document we read), from the type or the file name."""
    name = (filename or "").lower()
    ctype = content_type.lower()
    if ctype in PDF_TYPES or name.endswith(".pdf"):
        return "pdf"
    if ctype == DOCX_TYPE or name.endswith(".docx"):
        return "docx"
    if ctype == "text/html" or name.endswith((".html", ".htm")):
        return "html"
    if ctype == "text/plain" or name.endswith(".txt"):
        return "text"
    return None


OMITTED_MARK = b"[omitted by mailbot:"


def extract_text(
    filename: str | None,
    content_type: str,
    payload: bytes,
    limits: AttachmentLimits | None = None,
    charset: str | None = None,
) -> Attachment:
    """An Attachment for `payload`, with its text when it is a document we read.  Never raises.

    `charset` is the part's declared charset, used for text and HTML attachments.
    """
    limits = limits or AttachmentLimits()
    kind = document_kind(filename, content_type)
    size = len(payload)
    if payload.startswith(OMITTED_MARK):
        # Dropped before parsing (see mime.drop_oversized_parts): the real size is in the marker.
        marker = payload[len(OMITTED_MARK):].split(b"]", 1)[0]
        return Attachment(filename, content_type, size, error=marker.decode("ascii", "replace").strip())
    if kind is None:
        return Attachment(filename, content_type, size)
    if size > limits.max_bytes:
        return Attachment(filename, content_type, size, error=f"too large: {size} bytes")
    try:
        text, error = _EXTRACTORS[kind](payload, limits, charset)
    except Exception as exc:  # any parser failure on a broken file is a result, not a crash
        text, error = "", f"{kind} extraction failed: {type(exc).__name__}: {exc}"[:300]
    return Attachment(filename, content_type, size, text=_clip(text, limits), error=error)


def _clip(text: str, limits: AttachmentLimits) -> str:
    return text[: limits.max_chars].strip()


# --------------------------------------------------------------------------------------- text
def _text(payload: bytes, limits: AttachmentLimits, charset: str | None) -> tuple[str, None]:
    return text_from_bytes(payload, charset), None


def _html(payload: bytes, limits: AttachmentLimits, charset: str | None) -> tuple[str, None]:
    return html_to_text(text_from_bytes(payload, charset)), None


# --------------------------------------------------------------------------------------- DOCX
def check_zip(payload: bytes, limits: AttachmentLimits) -> str | None:
    """A reason to refuse the archive (not a zip, zip bomb), or None when it is safe to open."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return f"not a valid DOCX (zip): {exc}"
    total = sum(member.file_size for member in members)
    if total > limits.max_unzipped_bytes:
        return f"zip bomb suspected: {total} bytes uncompressed (limit {limits.max_unzipped_bytes})"
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > limits.max_zip_ratio:
            return f"zip bomb suspected: {member.filename!r} compresses {ratio:.0f}:1"
    return None


def _docx(payload: bytes, limits: AttachmentLimits, charset: str | None) -> tuple[str, str | None]:
    refusal = check_zip(payload, limits)
    if refusal:
        return "", refusal
    import docx  # imported on first use: most messages carry no DOCX

    started = time.monotonic()
    document = docx.Document(io.BytesIO(payload))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells = _unique_cells(row)
            lines.append(" | ".join(cells))
        if time.monotonic() - started > limits.max_seconds:
            return "\n".join(lines), f"time limit reached after {limits.max_seconds} s"
    return "\n".join(line for line in lines if line.strip()), None


def _unique_cells(row) -> list[str]:
    """Cell texts of a table row; merged cells appear once (python-docx repeats them)."""
    seen: set[int] = set()
    texts: list[str] = []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            texts.append(cell.text.strip())
    return texts


# ---------------------------------------------------------------------------------------- PDF
def _pdf(payload: bytes, limits: AttachmentLimits, charset: str | None) -> tuple[str, str | None]:
    if len(payload) > limits.pdf_subprocess_bytes:
        return _pdf_in_child(payload, limits)
    try:
        return pdf_text(payload, limits.max_pages, limits.max_chars, limits.max_seconds), None
    except TimeUp as late:
        return late.text, str(late)


def pdf_text(payload: bytes, max_pages: int, max_chars: int, max_seconds: float) -> str:
    """Text of the first `max_pages` pages; raises TimeUp (with the text so far) past `max_seconds`.

    The clock is checked before each page and, through pypdf's operator visitor, inside a page, so one
    slow page is cut off too (a parser stuck outside the content stream needs the child process).
    """
    from pypdf import PdfReader  # imported on first use, and in the child process

    deadline = time.monotonic() + max_seconds
    texts: list[str] = []

    def check_clock(*_operands: object) -> None:
        if time.monotonic() > deadline:
            raise TimeUp("\n\n".join(texts), len(texts))

    reader = PdfReader(io.BytesIO(payload))
    length = 0
    for number, page in enumerate(reader.pages):
        if number >= max_pages or length >= max_chars:
            break
        check_clock()
        page_text = page.extract_text(visitor_operand_before=check_clock) or ""
        texts.append(page_text)
        length += len(page_text)
    return "\n\n".join(texts)


def _pdf_in_child(payload: bytes, limits: AttachmentLimits) -> tuple[str, str | None]:
    """Run pdf_text in a child Python process (mailbot.parse.pdfchild); kill it at the time limit."""
    command = [sys.executable, "-m", "mailbot.parse.pdfchild",
               str(limits.max_pages), str(limits.max_chars), str(limits.max_seconds)]
    try:
        done = subprocess.run(command, input=payload, capture_output=True, timeout=limits.max_seconds,
                              env=_child_env(), check=False)
    except subprocess.TimeoutExpired:  # run() has killed the child
        return "", f"timed out after {limits.max_seconds} s"
    try:
        result = json.loads(done.stdout)
        return str(result["text"]), result["error"]
    except (ValueError, KeyError, TypeError):
        return "", f"PDF reader process failed (exit code {done.returncode})"


def _child_env() -> dict[str, str]:
    """The environment with this package importable, whether or not it is installed."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return env


_EXTRACTORS = {"pdf": _pdf, "docx": _docx, "text": _text, "html": _html}
