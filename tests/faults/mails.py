"""Test messages for the fault and bad-input tests: a labelled, reproducible mix of workshop mail.

Every message gets its own Message-ID (`<{prefix}-{n:04d}@test.example>`) and, except where a scenario says
otherwise, its own sender, so replies at the SMTP recorder can be matched to messages by In-Reply-To.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

BOT = "klimaverksted@drammen.kommune.example"
BASE = datetime(2027, 5, 3, 9, 0, tzinfo=timezone(timedelta(hours=2)))
ANSWERED = frozenset({"registration", "cancellation", "input"})
FOLDERS = {"registration": "Klimaverksted/Påmeldinger", "cancellation": "Klimaverksted/Avmeldinger",
           "input": "Klimaverksted/Innspill", "question": "Klimaverksted/Til vurdering",
           "auto_reply": "Klimaverksted/Automatiske svar", "other": "INBOX"}

FIRST = ["Ola", "Kari", "Nils", "Eva", "Per", "Siri", "Jonas", "Lise", "Tor", "Guro", "Hege", "Rune", "Siv",
         "Bjørn", "Arne", "Hanne", "Ingrid", "Lars", "Marit", "Knut", "Anne", "Odd", "Trine", "Geir"]
LAST = ["Hansen", "Berg", "Lund", "Dahl", "Moe", "Holt", "Vik", "Bakke", "Strand", "Nes", "Ask", "Li", "Moen",
        "Aas", "Holm", "Lie", "Haugen", "Johansen", "Larsen", "Solberg", "Eide", "Brekke", "Tangen", "Foss"]
TRADES = ["Bygg", "Transport", "Eiendom", "Regnskap", "Logistikk", "Elektro", "Maling", "Rør", "Energi",
          "Bakeri", "Design", "Maskin", "Tre", "Data", "Arkitekter", "Renhold"]

REGISTRATION_BODIES = [
    "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\n{name}\n{org}\n",
    "Hei!\n\nMeld meg på klimaverkstedet for næringslivet. Jeg kommer gjerne.\n\nVennlig hilsen\n{name}\n{org}\n",
    "Hei,\n\nJeg ønsker å delta på klimaverkstedet i rådhuset 1. juni og melder meg herved på.\n\nMvh\n{name}\n{org}\n",
]
REGISTRATION_SUBJECTS = ["Påmelding til klimaverksted", "Påmelding klimaverkstedet", "Påmelding"]
CANCELLATION_BODY = ("Hei,\n\nJeg må dessverre melde avbud til klimaverkstedet. Beklager!\n\n"
                     "Med vennlig hilsen\n{name}\n{org}\n")
INPUT_BODIES = [
    ("Innspill om sykkellogistikk",
     "Hei,\n\nVi kan dessverre ikke delta, men sender et innspill. Kommunen bør legge til rette for "
     "sykkellogistikk i sentrum med egne lastesoner og ladepunkter for elektriske lastesykler. Færre varebiler "
     "i gågatene vil kutte utslipp og støy.\n\nMvh\n{name}\n{org}\n"),
    ("Innspill til klimastrategien",
     "Hei,\n\nVi har ikke anledning til å komme, men vil gi et innspill om matsvinn. Vi kaster for mye brød og "
     "ønsker en felles ordning for å gi bort overskuddsmat. Kommunen bør også kreve gjenbrukbar emballasje ved "
     "innkjøp.\n\nVennlig hilsen\n{name}\n{org}\n"),
    ("Innspill: ombruk av byggematerialer",
     "Hei,\n\nVårt innspill til klimastrategien: Kommunen bør kreve kartlegging av ombrukbare materialer før "
     "riving, og opprette et lager for brukte dører, vinduer og teglstein, slik at byggematerialer kan brukes "
     "på nytt.\n\nMvh\n{name}\n{org}\n"),
]
AUTO_REPLIES = [
    ("Automatisk svar: Påmelding", "Jeg er på ferie til 20. mai og leser ikke e-post.\n",
     {"Auto-Submitted": "auto-replied"}),
    ("Fravær: Klimaverksted", "Takk for e-posten. Jeg er ute av kontoret til mandag 11. mai, og svarer når "
     "jeg er tilbake.\n", {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}),
]
OTHERS = [
    ("Faktura 4411 fra Kontorrekvisita AS", "Vedlagt finner du faktura 4411 for kontorrekvisita levert i april. "
     "Forfall 30 dager.\n\nKontorrekvisita AS\n", {}),
    ("Møtereferat fra avdelingsmøtet", "Hei alle,\n\nHer er referatet fra avdelingsmøtet i går. Neste møte er "
     "tirsdag.\n\nHilsen {first}\n", {}),
    ("Ukens nyheter", "Les om nye regler for energimerking og årets byggemesse.\n",
     {"List-Unsubscribe": "<mailto:avmeld@byggebransjen.example>", "Precedence": "bulk"}),
]
QUESTION = ("Spørsmål om klimaverkstedet", "Hei,\n\nEr det mulig å delta digitalt på klimaverkstedet? Og blir "
            "det servert mat?\n\nMvh\n{name}\n{org}\n")


@dataclass(frozen=True)
class Mail:
    """One test message and what it is."""

    n: int
    kind: str  # registration | cancellation | input | question | auto_reply | other
    sender: str  # bare address
    message_id: str  # with angle brackets
    raw: bytes

    @property
    def answered(self) -> bool:
        return self.kind in ANSWERED

    @property
    def folder(self) -> str:
        return FOLDERS[self.kind]


def build(n: int, sender: str, subject: str, body: str, headers: dict[str, str] | None = None,
          prefix: str = "fault", html: str | None = None, message_id: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = BOT
    msg["Subject"] = subject
    msg["Date"] = format_datetime(BASE + timedelta(minutes=7 * n))
    msg["Message-ID"] = message_id or f"<{prefix}-{n:04d}@test.example>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def _person(i: int) -> tuple[str, str, str, str]:
    """(first, full name, address, organisation) of person number i: unique per i."""
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    trade = TRADES[i % len(TRADES)]
    ascii_last = last.lower().replace("ø", "o").replace("å", "a").replace("æ", "ae")
    org = f"{last} {trade} AS"
    return first, f"{first} {last}", f"{first.lower().replace('ø', 'o')}.{ascii_last}.{i}@firma{i}.example", org


def mixed(count: int = 200, registrations: int = 90, cancellations: int = 20, inputs: int = 40,
          auto_replies: int = 20, questions: int = 6, seed: int = 1, prefix: str = "fault") -> list[Mail]:
    """`count` messages: the given numbers of each kind, the rest "other" mail, in a seeded random order in
    which every cancellation comes after the registration it cancels."""
    rng = random.Random(seed)
    others = count - registrations - cancellations - inputs - auto_replies - questions
    assert others >= 0 and cancellations <= registrations
    kinds = (["registration"] * registrations + ["input"] * inputs + ["auto_reply"] * auto_replies
             + ["question"] * questions + ["other"] * others)
    rng.shuffle(kinds)
    # Cancellations: by registrants chosen at random, each placed somewhere after its registration.
    reg_positions = [i for i, k in enumerate(kinds) if k == "registration"]
    cancelling = sorted(rng.sample(range(registrations), cancellations))
    plan: list[tuple[str, int | None]] = [(k, None) for k in kinds]
    for reg_index in reversed(cancelling):
        after = reg_positions[reg_index] + 1
        plan.insert(rng.randint(after, len(plan)), ("cancellation", reg_index))
        reg_positions = [p + (1 if p >= after else 0) for p in reg_positions]
    mails: list[Mail] = []
    reg_person: dict[int, int] = {}
    reg_seen = 0
    for n, (kind, reg_index) in enumerate(plan, start=1):
        person = n
        if kind == "registration":
            reg_person[reg_seen] = n
            reg_seen += 1
        if kind == "cancellation":
            person = reg_person[reg_index]
        mails.append(_mail(n, kind, person, rng, prefix))
    return mails


def _mail(n: int, kind: str, person: int, rng: random.Random, prefix: str) -> Mail:
    first, name, address, org = _person(person)
    sender = f"{name} <{address}>"
    fill = {"name": name, "org": org, "first": first}
    if kind == "registration":
        raw = build(n, sender, rng.choice(REGISTRATION_SUBJECTS), rng.choice(REGISTRATION_BODIES).format(**fill),
                    prefix=prefix)
    elif kind == "cancellation":
        raw = build(n, sender, "Avmelding klimaverksted", CANCELLATION_BODY.format(**fill), prefix=prefix)
    elif kind == "input":
        subject, body = rng.choice(INPUT_BODIES)
        raw = build(n, sender, subject, body.format(**fill), prefix=prefix)
    elif kind == "auto_reply":
        subject, body, headers = rng.choice(AUTO_REPLIES)
        raw = build(n, sender, subject, body, headers, prefix=prefix)
    elif kind == "question":
        raw = build(n, sender, QUESTION[0], QUESTION[1].format(**fill), prefix=prefix)
    else:
        subject, body, headers = rng.choice(OTHERS)
        raw = build(n, sender, subject, body.format(**fill), headers, prefix=prefix)
    return Mail(n, kind, address, f"<{prefix}-{n:04d}@test.example>", raw)
