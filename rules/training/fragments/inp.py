"""Framing for input (innspill) mails: openers, closers, covering notes, attachment headers.

Placeholders: {org} {orgs} {title} {area} {area2} {topic} {me}
An opener marked with a leading "!" says the sender cannot attend (still kind=input).
"""

OPENERS = {
    "nb": [
        "!Takk for invitasjonen til klimaverkstedet. Vi har ikke anledning til å delta, men sender gjerne noen innspill.",
        "Vi i {orgs} vil gjerne komme med noen innspill til kommunens klimastrategi.",
        "Her er noen tanker fra oss til klimastrategien.",
        "!Jeg kan dessverre ikke komme på verkstedet 1. juni, men vil gjerne gi et skriftlig innspill.",
        "Som {title} i {org} har jeg noen innspill jeg håper dere tar med videre.",
        "Vi har diskutert invitasjonen internt og har følgende innspill:",
        "!Jeg har ikke mulighet til å være med på verkstedet, men her er våre innspill:",
        "Flott at kommunen involverer næringslivet! Her er noen innspill fra oss.",
        "Vi sender herved innspill til klimastrategien.",
        "!Jeg blir dessverre bortreist 1. juni. Her er likevel noen innspill fra {orgs}:",
        "Innspill fra {org} til klimastrategien:",
        "",
        "",
        "Kort innspill fra oss:",
        "Vi har et par konkrete forslag vi gjerne vil gi videre.",
        "!Jeg svarer på invitasjonen med noen innspill i stedet for å delta, siden vi er midt i høysesongen.",
        "!Det passer dårlig for oss å stille på verkstedet, men vi vil gjerne bidra skriftlig.",
        "Takk for at dere spør næringslivet. Vi har noen erfaringer vi tror kan være nyttige.",
        "!Vi rekker ikke verkstedet, men ville ikke gå glipp av muligheten til å si noe.",
        "Jeg har lest invitasjonen og vil gjerne si noe om {area}.",
        "Vårt innspill gjelder {area}.",
        "Jeg skriver på vegne av {org} med et innspill til arbeidet med klimastrategien.",
        "Dere ba om innspill fra næringslivet, så her kommer vårt.",
        "!Ingen av oss kan komme 1. juni, dessverre. Vi har likevel et innspill vi håper dere tar med i arbeidet.",
        "Vi følger arbeidet med klimastrategien med interesse og vil gjerne bidra med et innspill.",
        "Jeg har lenge tenkt på dette, og invitasjonen var en god anledning til å skrive det ned.",
        "!Vi er for få på jobb til å kunne sende noen på verkstedet, men her er noen tanker fra oss.",
        "Vi har et innspill til klimastrategien, særlig når det gjelder {area}.",
    ],
    "nn": [
        "!Takk for invitasjonen til klimaverkstaden. Vi har ikkje høve til å delta, men sender gjerne nokre innspel.",
        "Vi i {orgs} vil gjerne kome med nokre innspel til klimastrategien til kommunen.",
        "Her er nokre tankar frå oss til klimastrategien.",
        "!Eg kan diverre ikkje kome på verkstaden 1. juni, men vil gjerne gje eit skriftleg innspel.",
        "Som {title} i {org} har eg nokre innspel som eg håpar de tek med vidare.",
        "Vi har drøfta invitasjonen internt og har desse innspela:",
        "!Eg har ikkje høve til å vere med på verkstaden, men her er innspela våre:",
        "Så fint at kommunen tek med næringslivet! Her er nokre innspel frå oss.",
        "Innspel frå {org} til klimastrategien:",
        "",
        "Kort innspel frå oss:",
        "!Vi rekk ikkje verkstaden, men ville ikkje gå glipp av sjansen til å seie noko.",
        "Innspelet vårt gjeld {area}.",
        "Eg skriv på vegner av {org} med eit innspel til arbeidet med klimastrategien.",
        "!Ingen av oss kan kome 1. juni, diverre. Vi har likevel eit innspel som vi håpar de tek med i arbeidet.",
        "Vi har eit par konkrete forslag som vi gjerne vil gje vidare.",
    ],
    "en": [
        "!Thank you for the invitation to the climate workshop. We are unable to attend, but we would like to send some input.",
        "We at {orgs} would like to share some input for the municipality's climate strategy.",
        "Here are a few thoughts from us for the climate strategy.",
        "!Unfortunately I can't make it to the workshop on 1 June, but I'd like to submit some written input.",
        "As {title} at {org}, I have a few suggestions I hope you will take forward.",
        "We discussed the invitation internally and have the following input:",
        "!I won't be able to join the workshop, but here is our input:",
        "Great to see the municipality involving local businesses! Here is some input from us.",
        "Input from {org} to the climate strategy:",
        "",
        "A short input from our side:",
        "!We can't make it on 1 June, but didn't want to miss the chance to contribute.",
        "Our input concerns {area}.",
        "I'm writing on behalf of {org} with some input for the climate strategy.",
        "You asked local businesses for input, so here is ours.",
        "We have a couple of concrete suggestions we'd like to pass on.",
    ],
}

CONNECTORS = {
    "nb": ["I tillegg vil vi nevne én ting til.", "Et annet poeng:", "Vi vil også gjerne løfte et annet tema.",
           "Dessuten:", "Til slutt et forslag på et litt annet område.", "", "", ""],
    "nn": ["I tillegg vil vi nemne ein ting til.", "Eit anna poeng:", "Dessutan:", "", ""],
    "en": ["One more point:", "In addition:", "We would also like to raise another issue.", "", ""],
}

CLOSERS = {
    "nb": ["Ta gjerne kontakt hvis dere vil vite mer.", "Lykke til med arbeidet med strategien!",
           "Vi bidrar gjerne videre i arbeidet.", "Jeg stiller gjerne opp hvis dere vil høre mer om erfaringene våre.",
           "Håper dette kan være nyttig.", "Vi ser fram til å lese strategien når den er ferdig.",
           "Takk for at vi fikk mulighet til å si noe.", "Si fra om noe er uklart.", "", "", "",
           "Lykke til med verkstedet!", "Vi stiller gjerne som case eller pilot hvis det er aktuelt.",
           "Vi håper innspillet blir tatt med i det videre arbeidet."],
    "nn": ["Ta gjerne kontakt om de vil vite meir.", "Lukke til med arbeidet med strategien!",
           "Vi bidreg gjerne vidare i arbeidet.", "Håpar dette kan vere nyttig.", "", "",
           "Lukke til med verkstaden!", "Takk for at vi fekk høve til å seie noko."],
    "en": ["Feel free to get in touch if you'd like to know more.", "Good luck with the strategy work!",
           "We are happy to contribute further.", "I hope this is useful.", "", "",
           "Good luck with the workshop!", "Thanks for giving us the opportunity to contribute."],
}

# covering notes for an attached document; the attachment text follows a line "[vedlegg]"
COVER = {
    "nb": [
        "Se vedlagt innspill fra {orgs} om {topic}.",
        "Se vedlagt innspill fra oss om {topic}.",
        "!Vedlagt følger vårt skriftlige innspill om {topic}. Vi har dessverre ikke anledning til å delta på verkstedet.",
        "Vi har samlet innspillene våre i et notat, se vedlegg.",
        "Vedlagt ligger innspillet vårt. Det handler mest om {area}.",
        "Vedlagt er et kort notat med våre innspill til klimastrategien.",
        "!Vi kan ikke komme 1. juni, så vi sender innspillet vårt skriftlig. Se vedlagte dokument.",
        "Som avtalt på telefon sender jeg over notatet vårt om {topic}.",
        "Her er innspillet vårt til klimastrategien (PDF vedlagt).",
    ],
    "nn": [
        "Sjå vedlagt innspel frå oss om {topic}.",
        "!Vedlagt er det skriftlege innspelet vårt om {topic}. Vi har diverre ikkje høve til å delta på verkstaden.",
        "Vi har samla innspela våre i eit notat, sjå vedlegg.",
        "Vedlagt ligg innspelet vårt. Det handlar mest om {area}.",
    ],
    "en": [
        "Please find attached our input on {topic}.",
        "!Attached is our written input on {topic}. Unfortunately we are unable to attend the workshop.",
        "We have collected our input in a short memo, see attachment.",
        "Attached is our input to the climate strategy. It is mainly about {area}.",
    ],
}

ATTACH_HEAD = {
    "nb": ["Innspill til Drammen kommunes klimastrategi\nFra: {org}\n", "INNSPILL – KLIMASTRATEGI FOR DRAMMEN\n{org}, mai\n",
           "Notat\nTil: Drammen kommune, klimarådgiver\nFra: {org}\nSak: Innspill til klimastrategien\n",
           "Innspill fra {org}\n"],
    "nn": ["Innspel til klimastrategien for Drammen kommune\nFrå: {org}\n", "Notat\nTil: Drammen kommune\nFrå: {org}\nSak: Innspel til klimastrategien\n"],
    "en": ["Input to Drammen municipality's climate strategy\nFrom: {org}\n", "MEMO\nTo: Drammen municipality, climate advisor\nFrom: {org}\nRe: Climate strategy input\n"],
}
ATTACH_TAIL = {
    "nb": ["Kontaktperson: {me}", "", "Vi stiller gjerne til et oppfølgingsmøte.", ""],
    "nn": ["Kontaktperson: {me}", ""],
    "en": ["Contact person: {me}", ""],
}

SUBJECTS = {
    "nb": ["Innspill til klimastrategien", "Innspill", "Innspill fra {orgs}", "Innspill – {area}",
           "SV: Invitasjon til klimaverksted for næringslivet", "Skriftlig innspill", "Klimastrategi – innspill fra oss",
           "Innspill til klimaverkstedet", "Re: Klimaverksted 1. juni", "Våre innspill", "Innspill om {topic}",
           "Innspill klimastrategi", "Forslag til klimastrategien", "Noen tanker om {topic}"],
    "nn": ["Innspel til klimastrategien", "Innspel", "Innspel frå {orgs}", "Skriftleg innspel",
           "SV: Invitasjon til klimaverkstad for næringslivet", "Innspel om {topic}", "Innspel – {area}"],
    "en": ["Input to the climate strategy", "Our input", "Written input from {orgs}", "Climate strategy – comments",
           "RE: Invitation to climate workshop", "Input on {topic}", "Suggestions for the climate strategy"],
}

# registration + input
REG_INPUT = {
    "nb": [
        ("Jeg melder meg på klimaverkstedet. Vi har også et innspill vi gjerne vil dele allerede nå:\n\n{idea}", 1),
        ("Vi kommer {n} fra {orgs}. Som forberedelse vil vi gjerne gi dere noen tanker:\n\n{idea}", "n"),
        ("Meld meg på, takk! Og et innspill i samme slengen:\n\n{idea}", 1),
        ("Jeg vil gjerne delta på verkstedet 1. juni.\n\n{idea}\n\nDette tar jeg gjerne opp på verkstedet også.", 1),
        ("Påmelding for {me} fra {org}.\n\nVi ønsker å ta opp følgende på verkstedet:\n{idea}", 1),
        ("{idea}\n\nDette vil vi gjerne diskutere videre, så jeg melder meg på verkstedet 1. juni.", 1),
        ("Jeg og en kollega kommer gjerne. Vi har allerede ett konkret innspill:\n\n{idea}", 2),
        ("Takk for invitasjonen – vi blir {n} fra {orgs}. Her er det vi brenner mest for:\n\n{idea}", "n"),
        ("Jeg ønsker å melde meg på. Vi har tenkt litt på forhånd:\n\n{idea}\n\nSer fram til en god diskusjon.", 1),
    ],
    "nn": [
        ("Eg vil gjerne melde meg på verkstaden. Vi har òg eit innspel:\n\n{idea}", 1),
        ("Vi kjem {n} frå {orgs}. Her er nokre tankar på førehand:\n\n{idea}", "n"),
        ("Meld meg på, takk! Og eit innspel med det same:\n\n{idea}", 1),
    ],
    "en": [
        ("I'd like to register for the workshop. We also have some input we'd like to share in advance:\n\n{idea}", 1),
        ("{nc} of us from {orgs} will attend. Here are a few thoughts ahead of the workshop:\n\n{idea}", "n"),
        ("Please sign me up. And here is one concrete suggestion already:\n\n{idea}", 1),
    ],
}
