"""A message far larger than the attachment limit is read without holding its oversized part in memory."""

from __future__ import annotations

import os
from email.message import EmailMessage

from mailbot.parse.mime import parse_message


def test_oversized_base64_part_is_dropped_before_parsing_and_reported():
    msg = EmailMessage()
    msg["From"] = "Ola <ola@firma.example>"
    msg["Subject"] = "Innspill"
    msg["Message-ID"] = "<stor@firma.example>"
    msg.set_content("Se vedlagt innspill.")
    msg.add_attachment(os.urandom(12 * 1024 * 1024), maintype="application", subtype="pdf", filename="stor.pdf")
    parsed = parse_message(msg.as_bytes())
    assert parsed.new_text.strip() == "Se vedlagt innspill."
    (attachment,) = parsed.attachments
    assert attachment.filename == "stor.pdf"
    assert attachment.size < 1000, "the 12 MB body was never decoded"
    assert attachment.error.startswith("too large, about ") and "limit 10485760" in attachment.error
    assert any("omitted an encoded part" in d for d in parsed.defects)
