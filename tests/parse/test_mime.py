"""parse_message on messages built here: charsets, encodings, structures, and broken input."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.parse.mime import parse_message


def raw_message(body: bytes, *, charset: str = "utf-8", cte: str = "8bit", extra: str = "") -> bytes:
    head = (
        "From: =?iso-8859-1?q?Ola_Nordmann?= <Ola@NordmannBygg.no>\r\n"
        "To: klima@drammen.kommune.no, \"Kari\" <kari@example.no>\r\n"
        "Cc: per@example.no\r\n"
        "Subject: =?iso-8859-1?q?P=E5melding_klimaverksted?=\r\n"
        "Date: Mon, 4 May 2026 10:02:00 +0200\r\n"
        "Message-ID:  <abc123@nordmannbygg.no> \r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {cte}\r\n{extra}\r\n"
    )
    return head.encode("ascii") + body


def test_headers_addresses_date_and_key():
    mail = parse_message(raw_message("Vi kommer.\r\n".encode(), extra="Received: a\r\nReceived: b\r\n"))
    assert mail.key == mail.message_id == "<abc123@nordmannbygg.no>"
    assert (mail.from_addr, mail.from_name) == ("ola@nordmannbygg.no", "Ola Nordmann")
    assert mail.to == ("klima@drammen.kommune.no", "kari@example.no")
    assert mail.cc == ("per@example.no",)
    assert mail.subject == "Påmelding klimaverksted"
    assert mail.date == datetime(2026, 5, 4, 8, 2, tzinfo=timezone.utc)
    assert mail.date.utcoffset() is not None
    assert mail.header_all("received") == ("a", "b")
    assert [name for name, _ in mail.headers][:3] == ["from", "to", "cc"]
    assert mail.content_type == "text/plain"
    assert mail.text == "Vi kommer."
    assert mail.raw_size > 0 and mail.reply_to is None and mail.reply_address == "ola@nordmannbygg.no"
    assert mail.defects == ()  # a clean message is read by mail-parser, with no fallback


def test_iso_8859_1_body():
    body = "Påmelding for Kari Ødegård og Åse.\n".encode("latin-1")
    mail = parse_message(raw_message(body, charset="iso-8859-1"))
    assert mail.text == "Påmelding for Kari Ødegård og Åse."


def test_windows_1252_curly_quotes_and_en_dash_in_quoted_printable():
    body = b"=93Klimaverksted=94 1. juni 14:00=9616:00 =96 vi kommer."
    mail = parse_message(raw_message(body, charset="windows-1252", cte="quoted-printable"))
    assert mail.text == "\u201cKlimaverksted\u201d 1. juni 14:00\u201316:00 \u2013 vi kommer."


def test_utf8_base64_body():
    message = EmailMessage()
    message["From"] = "kari@example.no"
    message.set_content("Vi er tre fra Drammen Energi – påmelding.", cte="base64")
    mail = parse_message(message.as_bytes())
    assert mail.text == "Vi er tre fra Drammen Energi – påmelding."


def test_unknown_and_wrong_charsets_fall_back_without_replacement_characters():
    for charset in ("x-unknown-charset", "us-ascii"):
        mail = parse_message(raw_message("Påmelding: Kari Ødegård\n".encode("latin-1"), charset=charset))
        assert mail.text == "Påmelding: Kari Ødegård", charset
        assert "\ufffd" not in mail.text


def test_raw_8bit_headers():
    raw = "From: Åse Ødegård <ase@example.no>\nSubject: Påmelding\n\nhei\n".encode("latin-1")
    mail = parse_message(raw)
    assert mail.subject == "Påmelding"
    assert mail.from_addr == "ase@example.no"


def test_reply_headers_and_split_reply_fields():
    raw = raw_message(
        "Vi kommer to.\n\nMvh\nOla Nordmann\nNordmann Bygg AS\n\n"
        "Den 4. mai 2026 kl. 10:02 skrev Klima <klima@drammen.kommune.no>:\n> Velkommen\n".encode(),
        extra="Reply-To: Post <Post@NordmannBygg.no>\r\nIn-Reply-To: <invite@drammen.kommune.no>\r\n"
        "References: <a@x.no>\r\n <invite@drammen.kommune.no>\r\n",
    )
    mail = parse_message(raw)
    assert mail.reply_to == "post@nordmannbygg.no" and mail.reply_address == "post@nordmannbygg.no"
    assert mail.in_reply_to == "<invite@drammen.kommune.no>"
    assert mail.references == ("<a@x.no>", "<invite@drammen.kommune.no>")
    assert mail.new_text == "Vi kommer to."
    assert mail.signature == "Mvh\nOla Nordmann\nNordmann Bygg AS"
    assert mail.quoted.endswith("> Velkommen")


def test_html_only_mail_with_table_of_names():
    message = EmailMessage()
    message["From"] = "post@example.no"
    message.set_content(
        "<html><body><p>Vi melder p&aring;:</p><table>"
        "<tr><td>Kari Nordmann</td><td>Daglig leder</td></tr>"
        "<tr><td>Per Hansen</td><td>Innkj&oslash;per</td></tr></table>"
        "<style>td{}</style></body></html>",
        subtype="html",
    )
    mail = parse_message(message.as_bytes())
    assert mail.content_type == "text/html"
    assert "Kari Nordmann | Daglig leder" in mail.text.split("\n")
    assert "Per Hansen | Innkjøper" in mail.text.split("\n")
    assert mail.html.startswith("<html>")


def test_multipart_alternative_prefers_plain_and_keeps_html():
    message = EmailMessage()
    message["From"] = "kari@example.no"
    message.set_content("Ren tekst: vi kommer.")
    message.add_alternative("<p>HTML: vi kommer.</p>", subtype="html")
    mail = parse_message(message.as_bytes())
    assert mail.content_type == "multipart/alternative"
    assert mail.text == "Ren tekst: vi kommer."
    assert "<p>HTML: vi kommer.</p>" in mail.html
    assert mail.attachments == ()


def test_multipart_related_html_with_inline_image():
    message = EmailMessage()
    message["From"] = "kari@example.no"
    message.set_content('<p>Se bildet</p><img src="cid:logo@x">', subtype="html")
    message.add_related(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, maintype="image", subtype="png", cid="<logo@x>")
    mail = parse_message(message.as_bytes())
    assert mail.content_type == "multipart/related"
    assert mail.text == "Se bildet"
    assert [(a.content_type, a.size) for a in mail.attachments] == [("image/png", 108)]


def test_rfc2231_and_rfc2047_filenames_and_document_text(make_pdf, make_docx):
    message = EmailMessage()
    message["From"] = "kari@example.no"
    message.set_content("Innspill vedlagt.")
    message.add_attachment(make_pdf(["Mer sykkelparkering"]), maintype="application", subtype="pdf",
                           filename="Innspill blå.pdf")  # EmailMessage writes RFC 2231 for non-ASCII
    docx = make_docx(["Gjenbruk av betong"])
    message.add_attachment(docx, maintype="application", subtype="octet-stream", filename="x.docx")
    raw = message.as_bytes().replace(b'filename="x.docx"', b'filename="=?utf-8?q?Notat_=C3=B8st.docx?="')
    assert b"filename*=utf-8''Innspill%20bl%C3%A5.pdf" in raw
    mail = parse_message(raw)
    assert [a.filename for a in mail.attachments] == ["Innspill blå.pdf", "Notat øst.docx"]
    assert mail.attachments[1].size == len(docx)
    assert "Mer sykkelparkering" in mail.attachment_text and "Gjenbruk av betong" in mail.attachment_text
    assert mail.text == "Innspill vedlagt."


def test_bounce_report_lists_delivery_status_and_original_message():
    raw = (
        b"From: MAILER-DAEMON <>\nTo: klima@drammen.kommune.no\nSubject: Undelivered Mail\n"
        b'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nThe mail could not be delivered.\n"
        b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.no\n\n"
        b"Final-Recipient: rfc822; nobody@example.no\nAction: failed\nStatus: 5.1.1\n"
        b"--B\nContent-Type: message/rfc822\n\nFrom: klima@drammen.kommune.no\nSubject: Bekreftelse\n\n"
        b"Takk for din p\xc3\xa5melding.\n--B--\n"
    )
    mail = parse_message(raw)
    assert mail.content_type == "multipart/report"
    assert mail.from_name == "MAILER-DAEMON" and mail.from_addr == ""
    assert [a.content_type for a in mail.attachments] == ["message/delivery-status", "message/rfc822"]
    assert all(a.size > 20 for a in mail.attachments)
    assert mail.text.startswith("The mail could not be delivered.")


def test_missing_message_id_gives_stable_sha256_key():
    raw = b"From: a@example.no\nSubject: hei\n\nhei\n"
    first, second = parse_message(raw), parse_message(raw)
    assert first.message_id is None
    assert first.key == second.key == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert parse_message(raw + b" ").key != first.key


def test_message_id_without_brackets_is_normalised():
    assert parse_message(b"Message-ID: abc@x.no\n\nhei").key == "<abc@x.no>"


def test_body_only_file_without_headers():
    mail = parse_message("Hei,\nvi vil gjerne melde oss på.\nMvh Ola\n".encode("latin-1"))
    assert mail.text == "Hei,\nvi vil gjerne melde oss på.\nMvh Ola"
    assert mail.new_text == "Hei,\nvi vil gjerne melde oss på."
    assert mail.key.startswith("sha256:") and mail.from_addr == ""
    assert mail.defects  # the missing header/body separator is reported


def test_header_only_file():
    mail = parse_message(b"From: a@example.no\nSubject: Bare emne\n")
    assert (mail.subject, mail.text, mail.from_addr) == ("Bare emne", "", "a@example.no")


def test_cr_only_line_endings():
    raw = b"From: a@example.no\rSubject: CR\rMessage-ID: <cr@x>\r\rLinje en\rLinje to\r\r> sitat\r"
    mail = parse_message(raw)
    assert (mail.key, mail.subject) == ("<cr@x>", "CR")
    assert mail.text == "Linje en\nLinje to\n\n> sitat"
    assert mail.new_text == "Linje en\nLinje to" and mail.quoted == "> sitat"


def test_broken_multipart_without_boundary_keeps_its_text():
    raw = b'From: a@b.no\nContent-Type: multipart/mixed; boundary="XYZ"\n\nno boundary here\nhei\n'
    mail = parse_message(raw)
    assert mail.text == "no boundary here\nhei"
    assert any("StartBoundaryNotFound" in defect for defect in mail.defects)


def test_nesting_too_deep_for_the_parsers_still_gives_headers():
    raw = b"From: a@b.no\nSubject: dyp\n" + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(3000)
    )
    mail = parse_message(raw)
    assert (mail.subject, mail.from_addr) == ("dyp", "a@b.no")
    assert any("Recursion" in defect for defect in mail.defects)


def test_empty_and_garbage_input():
    for raw in (b"", b"\x00\xff\xfe\x89PNG\r\n\x1a\n", b"\xff" * 1000, b":\n:\n\n", b"--\n--\n"):
        mail = parse_message(raw)
        assert mail.key == "sha256:" + hashlib.sha256(raw).hexdigest()
        assert isinstance(mail.text, str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000) | st.text(max_size=1500).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_never_raises_for_any_bytes(raw):
    mail = parse_message(raw)
    assert mail.key and mail.raw_size == len(raw)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([
    b"From: a@b.no\n", b"Content-Type: multipart/mixed; boundary=X\n", b"Content-Type: text/html\n",
    b"\n", b"--X\n", b"--X--\n", b"<p>hei</p>\n", b"=?utf-8?b?w6U=?=\n", b"Content-Transfer-Encoding: base64\n",
    b"Content-Type: message/rfc822\n", b"Content-Disposition: attachment; filename*=utf-8''%C3%A5.pdf\n",
    b"\xe5\xf8\n", b"Subject: \xff\n", b"\r",
]), max_size=40))
def test_never_raises_for_mime_shaped_noise(chunks):
    mail = parse_message(b"".join(chunks))
    assert mail.key


def html_mail(html: str) -> bytes:
    message = EmailMessage()
    message["From"] = "ola@example.no"
    message.set_content(html, subtype="html")
    return message.as_bytes()


def test_html_gmail_reply_quote_is_split_off():
    mail = parse_message(html_mail(
        '<div dir="ltr">Vi kommer to.<br>Mvh Ola</div><br><div class="gmail_quote"><div class="gmail_attr">'
        'Den man. 4. mai 2026 kl. 10:02 skrev Klima &lt;<a href="mailto:k@d.no">k@d.no</a>&gt;:<br></div>'
        '<blockquote class="gmail_quote">Velkommen til verkstedet</blockquote></div>'
    ))
    assert (mail.new_text, mail.signature) == ("Vi kommer to.", "Mvh Ola")
    assert mail.quoted.split("\n") == [
        "Den man. 4. mai 2026 kl. 10:02 skrev Klima <k@d.no>:", "> Velkommen til verkstedet",
    ]


def test_html_outlook_reply_block_is_split_off():
    mail = parse_message(html_mail(
        "<div>Vi kommer.</div><hr><div><b>Fra:</b> Klima &lt;k@d.no&gt;<br><b>Sendt:</b> 4. mai 2026<br>"
        "<b>Til:</b> Ola<br><b>Emne:</b> Verksted</div><div>Gammel tekst</div>"
    ))
    assert mail.new_text == "Vi kommer."
    assert mail.quoted.startswith("Fra: Klima <k@d.no>") and mail.quoted.endswith("Gammel tekst")
