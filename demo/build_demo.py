"""Writes demo/mail/*.eml: a small, made-up mailbox for `mailbot demo` (run: python demo/build_demo.py).

All people, companies and addresses are fictional (.example domains).  Output is deterministic.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

BOT = "klimaverksted@drammen.kommune.example"
START = datetime(2027, 5, 3, 9, 0, tzinfo=timezone(timedelta(hours=2)))

MAILS = [
    ("Ingrid Holm <ingrid.holm@holmen-transport.example>", "Påmelding klimaverksted",
     "Hei!\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\nIngrid Holm\n"
     "Daglig leder, Holmen Transport AS\n", {}),
    ("Per Aasen <per@lierbyen-eiendom.example>", "Påmelding – Lierbyen Eiendom",
     "Hei,\n\nVi ønsker å melde på tre personer fra Lierbyen Eiendom AS:\n- Per Aasen, eiendomssjef\n"
     "- Sofie Lund, prosjektleder\n- Amir Haddad, driftsansvarlig\n\nVi er mest interessert i bygg og "
     "arealbruk.\n\nVennlig hilsen\nPer Aasen\nLierbyen Eiendom AS\n", {}),
    ("Kjersti Vik <kjersti@bragernes-bakeri.example>", "Innspill til klimastrategien",
     "Hei,\n\nVi har dessverre ikke anledning til å delta, men vil gjerne gi et innspill.\n\n"
     "Som bakeri kaster vi for mye mat. Vi har startet å selge gårsdagens brød billig og gir resten til "
     "Matsentralen, men det hadde hjulpet med en felles ordning for hente og gjenbruke overskuddsmat i "
     "sentrum. Vi ønsker også at kommunen stiller krav til gjenbrukbar emballasje ved innkjøp.\n\n"
     "Mvh\nKjersti Vik\nBragernes Bakeri\n", {}),
    ("Eirik Berg <eirik.berg@konnerud-bygg.example>", "Innspel frå Konnerud Bygg",
     "Hei,\n\nEg kan ikkje kome, men sender eit innspel. Vi ser at mykje brukbart byggemateriale hamnar "
     "som avfall når bygg vert rivne. Kommunen bør krevje ombrukskartlegging før riving, og gjerne opprette eit "
     "lager for brukte dører, vindauge og teglstein.\n\nMed venleg helsing\nEirik Berg\nKonnerud Bygg AS\n", {}),
    ("Laura Smith <laura.smith@nordic-freight.example>", "Registration for the climate workshop",
     "Dear organisers,\n\nI would like to register for the climate workshop on 1 June. My colleague "
     "Tom Evans will join me, so please register two people.\n\nBest regards\nLaura Smith\n"
     "Nordic Freight Ltd\n", {}),
    ("Ingrid Holm <ingrid.holm@holmen-transport.example>", "Avmelding",
     "Hei igjen,\n\nJeg må dessverre melde avbud til klimaverkstedet likevel. Beklager!\n\n"
     "Med vennlig hilsen\nIngrid Holm\nHolmen Transport AS\n", {}),
    ("Martin Dahl <martin@dahl-regnskap.example>", "Spørsmål om klimaverkstedet",
     "Hei,\n\nEr det mulig å delta digitalt? Vi holder til i Hokksund.\n\nMvh\nMartin Dahl\n"
     "Dahl Regnskap AS\n", {}),
    ("Silje Nygård <silje.nygard@elvebyen-elektro.example>", "Automatisk svar: Invitasjon til klimaverksted",
     "Takk for e-posten din. Jeg er på ferie til og med 20. mai og leser ikke e-post.\n", 
     {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}),
    ("Mail Delivery System <MAILER-DAEMON@mx.example>", "Undelivered Mail Returned to Sender",
     "This is the mail system at host mx.example.\n\nI'm sorry to have to inform you that your message "
     "could not be delivered to one or more recipients.\n\n<post@nedlagt-firma.example>: host "
     "mx.nedlagt-firma.example said: 550 5.1.1 User unknown\n", {"Auto-Submitted": "auto-replied"}),
    ("Nyhetsbrev <nyheter@byggebransjen.example>", "Ukens nyheter fra byggebransjen",
     "Les om nye regler for energimerking, årets byggemesse og mye mer.\n\nAvslutt abonnement: "
     "https://byggebransjen.example/avmeld\n",
     {"List-Unsubscribe": "<mailto:avmeld@byggebransjen.example>", "Precedence": "bulk"}),
    ("Hanne Lie <hanne.lie@drammen.kommune.example>", "Møterom 1. juni",
     "Hei Marte,\n\nBystyresalen er booket for deg 1. juni kl. 13–17. Si fra om dere trenger "
     "projektor.\n\nHilsen Hanne\nServicetorget\n", {}),
    ("Jonas Moe <jonas@sykkelbud-drammen.example>", "Innspill om mobilitet",
     "Hei,\n\nVi leverer varer med elsykkel i sentrum. Kommunen kan legge bedre til rette for "
     "sykkellogistikk med egne lastesoner, ladepunkter for lastesykler og færre parkeringsplasser for "
     "varebiler i gågatene. Det vil kutte utslipp og gjøre sentrum tryggere.\n\nMvh\nJonas Moe\n"
     "Sykkelbud Drammen AS\n", {}),
]


def build(index: int, sender: str, subject: str, body: str, extra: dict[str, str]) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = BOT
    msg["Subject"] = subject
    msg["Date"] = format_datetime(START + timedelta(hours=7 * index))
    msg["Message-ID"] = f"<demo{index:03d}@mailbot-demo.example>"
    for name, value in extra.items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


def main() -> None:
    out = Path(__file__).resolve().parent / "mail"
    out.mkdir(exist_ok=True)
    for index, (sender, subject, body, extra) in enumerate(MAILS, start=1):
        (out / f"demo{index:03d}.eml").write_bytes(build(index, sender, subject, body, extra))


if __name__ == "__main__":
    main()
