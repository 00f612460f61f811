"""split_reply: new text vs quoted history vs signature, for each reply style the mailbox sees."""

from __future__ import annotations

import pytest

from mailbot.parse.quotes import split_reply

HISTORY = "Hei alle,\nvelkommen til klimaverksted 1. juni.\nMvh\nRådgiver"


def lines_of(*parts: str) -> list[str]:
    return [line for part in parts for line in part.split("\n") if line.strip()]


@pytest.mark.parametrize(
    "header",
    [
        "Den 4. mai 2026 kl. 10:02 skrev Ola Nordmann <ola@nordmannbygg.no>:",
        "Den 4. mai 2026 kl. 10:02 skreiv Kari Nordmann <kari@example.no>:",
        "On Mon, 4 May 2026 at 10:02, Ola Nordmann <ola@example.com> wrote:",
        "tir. 5. mai 2026 kl. 09:12 skrev Klimarådgiver <klima@drammen.kommune.no>:",
        "Den 4 maj 2026 kl. 10:02 skrev Sven Svensson <sven@example.se>:",
        "Am 04.05.2026 um 10:02 schrieb Hans Muster <hans@example.de>:",
        "-----Opprinnelig melding-----",
        "-----Original Message-----",
        "________________________________",
    ],
)
def test_reply_header_starts_unprefixed_history(header):
    text = f"Vi kommer to stykker.\n\n{header}\n{HISTORY}"
    parts = split_reply(text)
    assert parts.new_text == "Vi kommer to stykker."
    assert parts.quoted.startswith(header)
    assert "velkommen til klimaverksted" in parts.quoted
    assert "Rådgiver" not in parts.signature  # the quoted sign-off is history, not this sender's signature


@pytest.mark.parametrize(
    "block",
    [
        "Fra: Klimarådgiver <klima@drammen.kommune.no>\nSendt: mandag 4. mai 2026 10:02\nTil: Ola\nEmne: Verksted",
        "From: Climate Advisor <klima@drammen.kommune.no>\nSent: Monday, May 4, 2026 10:02\nTo: Ola\nSubject: Hi",
        "Från: Klimat <klima@example.se>\nSkickat: den 4 maj 2026 10:02\nTill: Sven\nÄmne: Verkstad",
        "Von: Klima <klima@example.de>\nGesendet: Montag, 4. Mai 2026 10:02\nAn: Hans\nBetreff: Werkstatt",
    ],
)
def test_outlook_header_block_with_rule_above(block):
    text = f"Jeg melder meg på.\n\n________________________________\n{block}\n\n{HISTORY}"
    parts = split_reply(text)
    assert parts.new_text == "Jeg melder meg på."
    assert parts.quoted.startswith("________________________________")
    assert block.split("\n")[0] in parts.quoted


def test_outlook_from_line_alone_is_not_history():
    parts = split_reply("Fra: Nordmann Bygg AS kommer vi to.\nVi gleder oss.")
    assert parts.quoted == ""
    assert "Fra: Nordmann Bygg AS" in parts.new_text


def test_gmail_attribution_wrapped_over_two_lines_with_prefixed_quote():
    text = (
        "Takk, vi kommer.\n\n"
        "On Mon, 4 May 2026 at 10:02, Klimarådgiver <\nklima@drammen.kommune.no> wrote:\n\n"
        "> Velkommen til klimaverksted.\n> Mvh Rådgiver\n"
    )
    parts = split_reply(text)
    assert parts.new_text == "Takk, vi kommer."
    assert "klima@drammen.kommune.no> wrote:" in parts.quoted
    assert "> Velkommen til klimaverksted." in parts.quoted


def test_interleaved_answers_stay_new_text():
    text = (
        "Den 4. mai 2026 kl. 10:02 skrev Rådgiver <klima@drammen.kommune.no>:\n"
        "> Hvor mange kommer?\n"
        "Vi blir tre.\n"
        "> Har dere innspill?\n"
        "Ja, om sykkelparkering.\n"
    )
    parts = split_reply(text)
    assert parts.new_text.split("\n") == ["Vi blir tre.", "Ja, om sykkelparkering."]
    assert parts.quoted.startswith("Den 4. mai 2026")
    assert "> Har dere innspill?" in parts.quoted


@pytest.mark.parametrize(
    "banner",
    ["---------- Forwarded message ---------", "-------- Videresendt melding --------",
     "Begin forwarded message:"],
)
def test_forward_banner_puts_forwarded_content_in_quoted(banner):
    forwarded = "Fra: Kari <kari@example.no>\nDato: 3. mai 2026\n\nVi ønsker flere ladepunkter."
    text = f"Se innspillet under.\n\n{banner}\n{forwarded}"
    parts = split_reply(text)
    assert parts.new_text == "Se innspillet under."
    assert "Vi ønsker flere ladepunkter." in parts.quoted


@pytest.mark.parametrize(
    "sign_off",
    ["Med vennlig hilsen", "Vennlig hilsen", "Mvh", "Hilsen", "Beste hilsen", "Med venleg helsing", "Helsing",
     "Best regards", "Kind regards", "Regards,", "Cheers", "Thanks,"],
)
def test_sign_off_starts_signature(sign_off):
    text = f"Hei!\n\nVi melder på to personer.\n\n{sign_off}\nOla Nordmann\nNordmann Bygg AS\nTlf 900 00 000"
    parts = split_reply(text)
    assert parts.new_text == "Hei!\n\nVi melder på to personer."
    assert parts.signature.split("\n") == [sign_off, "Ola Nordmann", "Nordmann Bygg AS", "Tlf 900 00 000"]
    assert parts.quoted == ""


def test_sign_off_with_name_on_same_line():
    parts = split_reply("Vi kommer.\nMvh Ola Nordmann\nNordmann Bygg AS")
    assert parts.new_text == "Vi kommer."
    assert parts.signature == "Mvh Ola Nordmann\nNordmann Bygg AS"


@pytest.mark.parametrize(
    "footer", ["Sendt fra min iPhone", "Sent from my iPhone", "Hentet fra Outlook for Android", "-- "]
)
def test_mobile_footers_and_sig_dashes(footer):
    text = f"Vi kommer begge to.\n\n{footer}\nOla\n\nDen 4. mai 2026 kl. 10:02 skrev Rådgiver <k@d.no>:\n> hei"
    parts = split_reply(text)
    assert parts.new_text == "Vi kommer begge to."
    assert parts.signature.startswith(footer.strip() if footer != "-- " else "-- ")
    assert "> hei" in parts.quoted


def test_takk_as_a_sentence_is_not_a_signature():
    parts = split_reply("Takk!\nVi melder på Kari og Per.")
    assert parts.signature == ""
    assert parts.new_text == "Takk!\nVi melder på Kari og Per."


def test_sign_off_followed_by_a_long_text_is_body():
    body = "\n".join(f"Punkt {n}: mer tekst om gjenbruk." for n in range(25))
    parts = split_reply(f"Hilsen\n{body}")
    assert parts.signature == ""
    assert parts.new_text.startswith("Hilsen")


def test_crlf_and_cr_line_endings():
    parts = split_reply("Vi kommer.\r\nMvh\r\nOla\r\n\r\n> gammelt\r")
    assert parts.new_text == "Vi kommer."
    assert parts.signature == "Mvh\nOla"
    assert parts.quoted == "> gammelt"


def test_no_unquoted_line_is_lost():
    text = (
        "Hei,\nVi kommer.\n> sitert\nMellomlinje\n-- \nOla\nSendt fra min iPhone\n\n"
        "Den 4. mai 2026 kl. 10:02 skrev X <x@y.no>:\nhistorikk\n"
    )
    parts = split_reply(text)
    unquoted = [line for line in text.split("\n")[:8] if line.strip() and not line.startswith(">")]
    kept = parts.new_text.split("\n") + parts.signature.split("\n")
    assert all(line in kept for line in unquoted)
    assert parts.quoted.split("\n")[0] == "> sitert"


def test_empty_and_quote_only():
    assert split_reply("") == split_reply("\n\n")
    assert split_reply("").new_text == ""
    parts = split_reply("> bare sitat\n> mer")
    assert parts.new_text == "" and parts.quoted == "> bare sitat\n> mer"


def test_sent_from_my_followed_by_prose_is_not_a_footer():
    parts = split_reply("Here is another email\n\nSent from my desk, is much easier then my mobile phone.")
    assert parts.signature == ""


def test_dash_rule_above_outlook_block_goes_with_the_history():
    text = "Svar over linja\n\n ------------------------------\n*From:* Klima [mailto:k@d.no]\n*Sent:* 4. mai\n\nOld"
    parts = split_reply(text)
    assert parts.new_text == "Svar over linja"
    assert parts.quoted.startswith(" ------------------------------")


def test_thanks_comma_mid_message_is_not_a_signature():
    body = "\n".join(f"Linje {n} om sykkelparkering." for n in range(8))
    assert split_reply(f"Thanks,\n{body}").signature == ""
    assert split_reply("Vi kommer.\nThanks,\nOla").signature == "Thanks,\nOla"
