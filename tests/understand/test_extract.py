"""Detail extraction: a table of registrations, cancellations and other mail in nb, nn and en.

Each case states what a careful human reader would take from the message.  ANY means "not checked here".
The sender of every case is Kari Nordby <kari.nordby@solberg-transport.example> unless the case says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from builders import make_mail

from mailbot.domain import Kind
from mailbot.understand.extract import extract_details

ANY = object()
SENDER = "Kari Nordby"
R, C = Kind.REGISTRATION, Kind.CANCELLATION


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    kind: Kind = R
    seats: object = ANY
    names: object = ANY  # attendee names (registration) / coming names (cancellation)
    org: object = ANY
    withdrawn: object = ANY
    subs: object = ANY
    subject: str = "Påmelding klimaverksted"
    signature: str = ""


CASES = [
    # ---- registrations, Bokmål -------------------------------------------------------------------------
    Case("nb-plain", "Hei!\n\nJeg kommer gjerne!", seats=1, names=(SENDER,), org=None),
    Case("nb-total-org", "Vi blir 4 fra Solberg Transport AS.", seats=4, org="Solberg Transport AS"),
    Case("nb-companion-1", "Hei, meg og en kollega kommer.", seats=2, names=(SENDER,)),
    Case("nb-companion-2", "Jeg og to kolleger ønsker å delta.", seats=3),
    Case("nb-boss", "Jeg vil melde på sjefen min.", seats=1, names=()),
    Case("nb-colleague-named", "Jeg vil gjerne melde på min kollega Ola Hansen.", seats=1, names=("Ola Hansen",)),
    Case("nb-two-names", "Ola Hansen og Kari Berg kommer fra oss.", seats=2, names=("Ola Hansen", "Kari Berg")),
    Case(
        "nb-bullets",
        "Vi melder på disse:\n- Kari Nordby, HMS- og kvalitetsleder, kari@firma.example\n"
        "- Ola Hansen – daglig leder\n- Per Olsen (innkjøpssjef)\n",
        seats=3, names=("Kari Nordby", "Ola Hansen", "Per Olsen"),
    ),
    Case("nb-numbered", "Påmeldte:\n1. Kari Nordby\n2. Ola Hansen\n3. Per Olsen", seats=3),
    Case(
        "nb-table",
        "Navn | Stilling | E-post\nKari Nordby | HMS-leder | kari@firma.example\n"
        "Ola Hansen | Daglig leder | ola@firma.example",
        seats=2, names=("Kari Nordby", "Ola Hansen"),
    ),
    Case(
        "nb-form",
        "Navn: Ola Hansen\nStilling: Innkjøpssjef\nE-post: ola@firma.example\n\n"
        "Navn: Per Olsen\nStilling: Daglig leder",
        seats=2, names=("Ola Hansen", "Per Olsen"),
    ),
    Case(
        "nb-dates-times-phone",
        "Jeg melder meg på klimaverkstedet 1. juni kl. 14:00. Ring meg gjerne på 912 34 567.",
        seats=1, names=(SENDER,),
    ),
    Case(
        "nb-company-size",
        "Vi er 45 ansatte i bedriften, org.nr. 912 345 678, men bare jeg kommer.", seats=1, names=(SENDER,),
    ),
    Case("nb-stykker", "Vi blir tre stykker.", seats=3),
    Case("nb-personer-som", "Vi er 2 personer som kommer.", seats=2),
    Case(
        "nb-total-with-names", "Vi blir 3: meg, Ola Hansen og Per Olsen.",
        seats=3, names=(SENDER, "Ola Hansen", "Per Olsen"),
    ),
    Case("nb-plus-me", "Jeg melder på 2 personer i tillegg til meg.", seats=3),
    Case("nb-vi-kommer-to", "Vi kommer to fra Solberg Transport.", seats=2, org="Solberg Transport"),
    Case("nb-bring", "Jeg tar med en kollega.", seats=2, names=(SENDER,)),
    Case("nb-holiday-human", "Hei! Jeg kommer rett fra ferie, men melder meg på.", seats=1),
    Case("nb-one-more", "Vi blir en til fra oss – Per Olsen kommer også.", seats=1, names=("Per Olsen",)),
    Case("nb-one-more-plain", "Hei igjen! Vi blir en til.", subject="Re: Påmelding", seats=1, names=()),
    Case("nb-two-more", "Kan vi bli to til? Vi blir to til fra oss.", seats=2),
    Case(
        "nb-subject-org", "Jeg kommer.", subject="Påmelding – Berg Eiendom AS", seats=1, org="Berg Eiendom AS",
    ),
    Case(
        "nb-signature-plain-org", "Jeg melder meg på.",
        signature="Mvh\nKari Nordby\nDaglig leder\nNordby Rør og Varme", org="Nordby Rør og Varme",
    ),
    Case(
        "nb-signature-suffix", "Jeg melder meg på.",
        signature="Med vennlig hilsen\nKari Nordby\nHMS-leder\nSolberg Transport AS\nTlf 912 34 567",
        org="Solberg Transport AS",
    ),
    Case(
        "nb-signature-in-text", "Jeg melder meg på.\n\nMed vennlig hilsen\nKari Nordby\nLier Bygg AS",
        org="Lier Bygg AS",
    ),
    Case("nb-host-excluded", "Takk for invitasjonen fra Drammen kommune! Jeg kommer.", seats=1, org=None),
    Case(
        "nb-host-in-signature", "Jeg kommer!",
        signature="Hilsen\nKari Nordby\nDrammen kommune", org=None,
    ),
    Case("nb-on-behalf", "Jeg melder meg på på vegne av Solberg Transport.", org="Solberg Transport"),
    Case("nb-vi-i", "Vi i Berg Eiendom vil gjerne delta med 2 personer.", seats=2, org="Berg Eiendom"),
    Case("nb-date-before-list", "Vi kommer 1. juni:\n1. Ola Hansen\n2. Per Olsen", seats=2),
    Case("nb-phone-and-total", "Ring meg på 41 23 45 67 hvis dere lurer på noe. Vi blir 2.", seats=2),
    Case(
        "nb-html-table",
        "Navn | Firma | E-post\nOla Hansen | Solberg Transport AS | ola@firma.example\n"
        "Per Olsen | Solberg Transport AS | per@firma.example",
        seats=2, names=("Ola Hansen", "Per Olsen"), org="Solberg Transport AS",
    ),
    Case("nb-input-bullets-not-people", "Jeg kommer!\n\nInnspill:\n- Mobilitet: flere ladepunkter\n- Bedre sykkelveier",
         seats=1, names=(SENDER,)),
    Case("nb-self-and-named-colleague", "Jeg melder meg på. Kollegaen min Ola Hansen kommer også.", seats=2,
         names=(SENDER, "Ola Hansen")),
    Case("nb-bring-my-colleague", "Jeg melder meg på, og tar med kollegaen min.", seats=2, names=(SENDER,)),
    Case("nb-signoff-not-names", "Vi blir 2.\n\nHilsen Kari og Ola", seats=2),
    Case("nb-too-many", "Vi er 120 personer i konsernet, men jeg kommer alene.", seats=1),
    # ---- registrations, Nynorsk --------------------------------------------------------------------------
    Case("nn-plain", "Eg kjem gjerne!", seats=1, names=(SENDER,)),
    Case("nn-total-org", "Me blir fire personar frå Vossebygg AS.", seats=4, org="Vossebygg AS"),
    Case("nn-companion", "Eg og ein kollega kjem.", seats=2),
    Case("nn-register-two", "Eg vil melde på to tilsette frå oss.", seats=2),
    Case("nn-one-more", "Me blir ein til.", seats=1, names=()),
    Case("nn-names", "Påmelding for Ola Nordmann og Kari Nordmann.", seats=2, names=("Ola Nordmann", "Kari Nordmann")),
    Case(
        "nn-signature", "Eg melder meg på.",
        signature="Med venleg helsing\nSigrid Vik\nDagleg leiar\nVik Trelast AS", org="Vik Trelast AS",
    ),
    Case("nn-total-som", "Me er tre som kjem.", seats=3),
    # ---- registrations, English ------------------------------------------------------------------------------
    Case("en-plain", "I would like to register for the workshop.", seats=1, names=(SENDER,)),
    Case("en-total-org", "We will be three people from Acme Ltd.", seats=3, org="Acme Ltd"),
    Case("en-companions", "Me and two colleagues would like to attend.", seats=3),
    Case("en-bring", "I'll bring a colleague.", seats=2),
    Case("en-register-named", "I would like to register my colleague Ola Hansen.", seats=1, names=("Ola Hansen",)),
    Case("en-one-more", "One more colleague from us would like to join.", seats=1),
    Case("en-we-at", "We at Nordic Solar would like to join with 2 participants.", seats=2, org="Nordic Solar"),
    Case("en-of-us", "There will be 5 of us.", seats=5),
    Case("en-sign-up-names", "Please sign up John Smith and Jane Doe.", seats=2, names=("John Smith", "Jane Doe")),
    Case("en-colleague-and-i", "My colleague John Smith and I will attend.", seats=2, names=(SENDER, "John Smith")),
    Case("en-date-time", "I will attend the workshop on 1 June at 14:00.", seats=1),
    # ---- cancellations, Bokmål -------------------------------------------------------------------------------
    Case("c-nb-self", "Jeg kan dessverre ikke komme likevel.", C, seats=1, withdrawn=(SENDER,)),
    Case("c-nb-whole-firm", "Vi må dessverre melde avbud for hele firmaet.", C, seats=None, withdrawn=()),
    Case("c-nb-two-of-us", "To av oss kan ikke komme.", C, seats=2),
    Case("c-nb-named", "Ola Hansen kan ikke komme.", C, seats=1, withdrawn=("Ola Hansen",)),
    Case("c-nb-two-named", "Kari Berg og Ola Hansen kan ikke komme likevel.", C, seats=2,
         withdrawn=("Kari Berg", "Ola Hansen")),
    Case("c-nb-inverted", "Dessverre kan ikke Ola Hansen komme.", C, seats=1, withdrawn=("Ola Hansen",)),
    Case("c-nb-all", "Vi melder oss av klimaverkstedet.", C, seats=None),
    Case("c-nb-substitute", "Kari Berg kommer i stedet for Ola Hansen.", C, seats=1,
         subs=(("Ola Hansen", "Kari Berg"),), names=("Kari Berg",)),
    Case("c-nb-substitute-2", "Ola Hansen kan ikke komme, men Per Olsen kommer i stedet.", C,
         subs=(("Ola Hansen", "Per Olsen"),)),
    Case("c-nb-reduced", "Vi blir bare 2 i stedet for 3.", C, seats=1),
    Case("c-nb-meld-meg-av", "Meld meg av, takk.", C, seats=1, withdrawn=(SENDER,)),
    Case("c-nb-one-less", "Vi blir en mindre enn påmeldt.", C, seats=1),
    Case("c-nb-me-and-named", "Jeg og Ola Hansen kan ikke komme.", C, seats=2, withdrawn=(SENDER, "Ola Hansen")),
    Case("c-nb-takes-place", "Per Olsen tar plassen til Ola Hansen.", C, subs=(("Ola Hansen", "Per Olsen"),)),
    Case("c-nb-my-place", "Jeg er forhindret. I mitt sted kommer Per Olsen.", C, subs=((SENDER, "Per Olsen"),)),
    Case("c-nb-plural-default", "Beklager, vi får ikke til å komme.", C, seats=None),
    # ---- cancellations, Nynorsk / English ---------------------------------------------------------------------
    Case("c-nn-self", "Eg kan dessverre ikkje kome.", C, seats=1, withdrawn=(SENDER,)),
    Case("c-nn-all", "Me melder oss av.", C, seats=None),
    Case("c-nn-substitute", "Sigrid Vik kjem i staden for Ola Vik.", C, subs=(("Ola Vik", "Sigrid Vik"),)),
    Case("c-en-self", "I can't make it after all, sorry.", C, seats=1, withdrawn=(SENDER,)),
    Case("c-en-all", "Please cancel our registration.", C, seats=None),
    Case("c-en-named", "Unfortunately John Smith cannot attend.", C, seats=1, withdrawn=("John Smith",)),
    Case("c-en-substitute", "Jane Doe will attend instead of John Smith.", C, subs=(("John Smith", "Jane Doe"),)),
    Case("c-en-two-of-us", "Two of us can't come.", C, seats=2),
    # ---- other kinds ------------------------------------------------------------------------------------------
    Case("input-org", "Her er våre innspill til klimastrategien: flere ladepunkter.", Kind.INPUT, seats=None,
         names=(), signature="Mvh\nKari Nordby\nSolberg Transport AS", org="Solberg Transport AS",
         subject="Innspill"),
    Case("question-no-seats", "Er det parkering? Vi blir kanskje 3.", Kind.QUESTION, seats=None, names=(),
         subject="Spørsmål"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_extract(case: Case):
    mail = make_mail(subject=case.subject, new_text=case.text, signature=case.signature)
    details = extract_details(mail, case.kind)
    why = f"reasons: {details.reasons}"
    if case.seats is not ANY:
        assert details.seats == case.seats, why
    if case.names is not ANY:
        assert tuple(a.name for a in details.attendees) == case.names, why
    if case.org is not ANY:
        assert details.organization == case.org, why
    if case.withdrawn is not ANY:
        assert details.withdrawn == case.withdrawn, why
    if case.subs is not ANY:
        assert details.substitutes == case.subs, why


def test_table_has_enough_cases_in_each_language():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
