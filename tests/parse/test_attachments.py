"""extract_text: real PDF and DOCX files, and every limit turning into Attachment.error, never a crash."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from mailbot.parse.attachments import DOCX_TYPE, AttachmentLimits, extract_text


def test_pdf_text_in_process(make_pdf):
    pdf = make_pdf(["Innspill om mobilitet: sykkelparkering på Bragernes", "Side to: gjenbruk av byggavfall"])
    attachment = extract_text("innspill.pdf", "application/pdf", pdf)
    assert attachment.error is None
    assert "sykkelparkering på Bragernes" in attachment.text
    assert "gjenbruk av byggavfall" in attachment.text
    assert attachment.size == len(pdf)


def test_pdf_in_child_process_gives_same_text(make_pdf):
    pdf = make_pdf(["Innspill fra Nordmann Bygg AS"])
    attachment = extract_text("a.pdf", "application/pdf", pdf, AttachmentLimits(pdf_subprocess_bytes=0))
    assert attachment.error is None
    assert attachment.text == "Innspill fra Nordmann Bygg AS"


def test_pdf_child_is_killed_at_the_time_limit(make_pdf):
    limits = AttachmentLimits(pdf_subprocess_bytes=0, max_seconds=0.01)
    started = time.monotonic()
    attachment = extract_text("slow.pdf", "application/pdf", make_pdf(["x"]), limits)
    assert attachment.error == "timed out after 0.01 s"
    assert time.monotonic() - started < 2


def test_pdf_page_and_time_limits_in_process(make_pdf):
    pdf = make_pdf([f"Side {n}" for n in range(1, 11)])
    assert extract_text("a.pdf", "application/pdf", pdf, AttachmentLimits(max_pages=3)).text.split() == [
        "Side", "1", "Side", "2", "Side", "3",
    ]
    late = extract_text("a.pdf", "application/pdf", pdf, AttachmentLimits(max_seconds=0))
    assert late.error is not None and late.error.startswith("time limit reached")


def test_pdf_by_filename_with_generic_type_and_broken_pdf(make_pdf):
    assert "Hei" in extract_text("x.PDF", "application/octet-stream", make_pdf(["Hei"])).text
    broken = extract_text("broken.pdf", "application/pdf", b"%PDF-1.4\nthis is not a pdf")
    assert broken.text == "" and broken.error and "pdf extraction failed" in broken.error


def test_docx_paragraphs_and_table_cells(make_docx):
    docx = make_docx(
        ["Innspill fra Nordmann Bygg AS", "Vi foreslår mer gjenbruk av betong."],
        table=[["Navn", "Stilling"], ["Kari Nordmann", "Daglig leder"]],
    )
    attachment = extract_text("innspill.docx", DOCX_TYPE, docx)
    assert attachment.error is None
    lines = attachment.text.split("\n")
    assert lines[:2] == ["Innspill fra Nordmann Bygg AS", "Vi foreslår mer gjenbruk av betong."]
    assert "Kari Nordmann | Daglig leder" in lines


def test_docx_zip_bomb_is_refused_quickly():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 20_000_000)  # 20 MB of zeros compress ~1000:1
    started = time.monotonic()
    attachment = extract_text("bomb.docx", DOCX_TYPE, out.getvalue())
    assert time.monotonic() - started < 1
    assert attachment.text == ""
    assert attachment.error is not None and attachment.error.startswith("zip bomb suspected")


def test_docx_total_uncompressed_limit():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", b"x" * 2000)
    attachment = extract_text("a.docx", DOCX_TYPE, out.getvalue(), AttachmentLimits(max_unzipped_bytes=1000))
    assert attachment.error == "zip bomb suspected: 2000 bytes uncompressed (limit 1000)"


def test_not_a_zip_docx():
    attachment = extract_text("a.docx", DOCX_TYPE, b"plain text, not a zip")
    assert attachment.error is not None and attachment.error.startswith("not a valid DOCX")


def test_oversize_attachment_is_skipped(make_pdf):
    pdf = make_pdf(["Hei"])
    attachment = extract_text("big.pdf", "application/pdf", pdf, AttachmentLimits(max_bytes=100))
    assert attachment.error == f"too large: {len(pdf)} bytes"
    assert attachment.text == ""


def test_text_attachment_charsets_and_char_limit():
    latin1 = "Påmelding: Kari Ødegård".encode("latin-1")
    assert extract_text("a.txt", "text/plain", latin1, charset="iso-8859-1").text == "Påmelding: Kari Ødegård"
    assert extract_text("a.txt", "text/plain", latin1, charset="x-unknown").text == "Påmelding: Kari Ødegård"
    long = extract_text("a.txt", "text/plain", b"a" * 500, AttachmentLimits(max_chars=100))
    assert len(long.text) == 100


def test_images_are_listed_without_text_or_error():
    attachment = extract_text("logo.png", "image/png", b"\x89PNG" + b"\0" * 50_000, AttachmentLimits(max_bytes=10))
    assert (attachment.text, attachment.error, attachment.size) == ("", None, 50_004)


@pytest.mark.parametrize("payload", [b"", b"\0" * 10, b"PK\x03\x04garbage"])
def test_garbage_documents_never_raise(payload):
    for name, ctype in [("a.pdf", "application/pdf"), ("a.docx", DOCX_TYPE), ("a.html", "text/html")]:
        assert extract_text(name, ctype, payload).size == len(payload)
