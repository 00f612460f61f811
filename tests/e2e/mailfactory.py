"""Builds realistic test messages (bytes) for the end-to-end tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

BOT = "klimaverksted@drammen.kommune.example"
BASE = datetime(2027, 5, 3, 9, 0, tzinfo=timezone(timedelta(hours=2)))


def message(n: int, sender: str, subject: str, body: str, headers: dict[str, str] | None = None,
            in_reply_to: str | None = None, html: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = BOT
    msg["Subject"] = subject
    msg["Date"] = format_datetime(BASE + timedelta(minutes=17 * n))
    msg["Message-ID"] = f"<e2e-{n:03d}@test.example>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def registration(n: int, name: str, email: str, org: str) -> bytes:
    return message(n, f"{name} <{email}>", "Påmelding til klimaverksted",
                   f"Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\n"
                   f"{name}\n{org}\n")


def mixed_mailbox() -> list[tuple[str, bytes]]:
    """20 messages: (expected kind, raw).  Addresses are unique per message so replies can be counted."""
    regs = [("Ola Hansen", "ola@hansen-bygg.example", "Hansen Bygg AS"),
            ("Kari Berg", "kari@berg-transport.example", "Berg Transport AS"),
            ("Nils Lund", "nils@lund-eiendom.example", "Lund Eiendom AS"),
            ("Eva Dahl", "eva@dahl-regnskap.example", "Dahl Regnskap AS")]
    mails = [("registration", registration(i, *r)) for i, r in enumerate(regs, start=1)]
    mails += [
        ("registration", message(5, "Per Moe <per@moe-logistikk.example>", "Påmelding – Moe Logistikk",
                                 "Hei!\n\nVi ønsker å melde på to personer fra Moe Logistikk AS:\n"
                                 "- Per Moe, daglig leder\n- Siri Holt, transportplanlegger\n\n"
                                 "Vennlig hilsen\nPer Moe\nMoe Logistikk AS\n")),
        ("registration", message(6, "Anna White <anna@northwind.example>", "Registration: climate workshop",
                                 "Hello,\n\nI would like to register for the climate workshop on 1 June.\n\n"
                                 "Best regards\nAnna White\nNorthwind Consulting Ltd\n")),
        ("cancellation", message(7, "Eva Dahl <eva@dahl-regnskap.example>", "Avmelding klimaverksted",
                                 "Hei,\n\nJeg må dessverre melde avbud til klimaverkstedet. Beklager!\n\n"
                                 "Med vennlig hilsen\nEva Dahl\nDahl Regnskap AS\n")),
        ("input", message(8, "Jonas Vik <jonas@sykkelbud.example>", "Innspill om sykkellogistikk",
                          "Hei,\n\nVi kan dessverre ikke delta, men sender et innspill. Kommunen bør legge til "
                          "rette for sykkellogistikk i sentrum med egne lastesoner og ladepunkter for "
                          "elektriske lastesykler. Færre varebiler i gågatene vil kutte utslipp og støy.\n\n"
                          "Mvh\nJonas Vik\nSykkelbud Drammen AS\n")),
        ("input", message(9, "Lise Bakke <lise@bakke-bakeri.example>", "Innspill til klimastrategien",
                          "Hei,\n\nVi har ikke anledning til å komme, men vil gi et innspill om matsvinn. "
                          "Vi kaster for mye brød og ønsker en felles ordning for å gi bort overskuddsmat. "
                          "Kommunen bør også kreve gjenbrukbar emballasje ved innkjøp.\n\n"
                          "Vennlig hilsen\nLise Bakke\nBakke Bakeri AS\n")),
        ("input", message(10, "Tor Strand <tor@strand-entreprenor.example>", "Innspill: ombruk av byggematerialer",
                          "Hei,\n\nVårt innspill til klimastrategien: Kommunen bør kreve kartlegging av "
                          "ombrukbare materialer før riving, og opprette et lager for brukte dører, vinduer og "
                          "teglstein, slik at byggematerialer kan brukes på nytt.\n\nMvh\nTor Strand\n"
                          "Strand Entreprenør AS\n")),
        ("input", message(11, "Guro Nes <guro@nes-energi.example>", "Innspel om bygg",
                          "Hei,\n\nEg kan ikkje kome, men vil gje eit innspel. Kommunen bør stille krav om "
                          "solceller på nye næringsbygg og hjelpe bedrifter med energisparing i eldre bygg. "
                          "Varmepumper og betre isolasjon gir store kutt i utsleppa.\n\nMed venleg helsing\n"
                          "Guro Nes\nNes Energi AS\n")),
        ("input", message(12, "Mark Green <mark@greenfleet.example>", "Input to the climate strategy",
                          "Hello,\n\nI cannot attend, but here is our input. The municipality should build "
                          "more fast chargers for electric vans and lorries, and give zero-emission delivery "
                          "vehicles access to bus lanes.\n\nKind regards\nMark Green\nGreenFleet AS\n")),
        ("question", message(13, "Hege Ask <hege@ask-design.example>", "Spørsmål om klimaverkstedet",
                             "Hei,\n\nEr det mulig å delta digitalt på klimaverkstedet? Og blir det servert "
                             "mat?\n\nMvh\nHege Ask\nAsk Design AS\n")),
        ("question", message(14, "Rune Li <rune@li-ror.example>", "Parkering?",
                             "Hei, finnes det parkeringsplasser ved rådhuset, og hva koster det?\n\n"
                             "Hilsen Rune Li\nLi Rør AS\n")),
        ("auto_reply", message(15, "Siv Moen <siv@moen-elektro.example>", "Automatisk svar: Påmelding",
                               "Jeg er på ferie til 20. mai og leser ikke e-post.\n",
                               {"Auto-Submitted": "auto-replied"})),
        ("auto_reply", message(16, "Bjørn Aas <bjorn@aas-maling.example>", "Fravær: Klimaverksted",
                               "Takk for e-posten. Jeg er ute av kontoret til mandag 11. mai, og svarer "
                               "når jeg er tilbake.\n")),
        ("bounce", message(17, "Mail Delivery System <MAILER-DAEMON@mx.example>",
                           "Undelivered Mail Returned to Sender",
                           "I'm sorry to have to inform you that your message could not be delivered.\n"
                           "<post@nedlagt.example>: 550 5.1.1 User unknown\n", {"Auto-Submitted": "auto-replied"})),
        ("other", message(18, "Hanne Lie <hanne.lie@drammen.kommune.example>", "Lunsj fredag?",
                          "Hei Marte,\n\nSkal vi ta lunsj på fredag? Jeg har fri etter klokka tolv.\n\n"
                          "Hilsen Hanne\n")),
        ("other", message(19, "Nyhetsbrev <nyheter@byggebransjen.example>", "Ukens nyheter",
                          "Les om nye regler for energimerking og årets byggemesse.\n",
                          {"List-Unsubscribe": "<mailto:avmeld@byggebransjen.example>", "Precedence": "bulk"})),
        ("registration", message(20, "Arne Holm <arne@holm-maskin.example>", "Påmelding",
                                 "Hei,\n\nJeg og en kollega kommer gjerne på klimaverkstedet.\n\n"
                                 "Mvh\nArne Holm\nHolm Maskin AS\n")),
    ]
    return mails
