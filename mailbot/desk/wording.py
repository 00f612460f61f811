"""Language helpers for the reply templates: dates, times, numbers, lists and focus-area names.

Templates get one `Wording` as `w` and call e.g. `w.count(2, "plass", "plasser")` -> "to plasser".
Norwegian writing conventions followed here: weekday and month in lower case ("tirsdag 1. juni 2027"),
"kl. 14.00–16.00" with a full stop between hours and minutes and an en dash, numbers up to twelve written
out in running text, and «guillemets» around focus-area names (their names contain "og" themselves, so
"mobilitet og bygg og arealbruk" would be ambiguous without them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from mailbot.domain import FocusArea, Language

WEEKDAYS = {
    Language.NB: ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    Language.NN: ("måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "søndag"),
    Language.EN: ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_NO_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
              "november", "desember")
MONTHS = {
    Language.NB: _NO_MONTHS,
    Language.NN: _NO_MONTHS,
    Language.EN: ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"),
}
# "én"/"éin" carry the accent that marks the numeral (as opposed to the article) in Norwegian.
NUMBERS = {
    Language.NB: ("null", "én", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti", "elleve", "tolv"),
    Language.NN: ("null", "éin", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti", "elleve", "tolv"),
    Language.EN: ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                  "twelve"),
}
AND = {Language.NB: "og", Language.NN: "og", Language.EN: "and"}
AREA_WORDS = {
    Language.NB: {FocusArea.MOBILITET: "mobilitet", FocusArea.BYGG_OG_AREALBRUK: "bygg og arealbruk",
                  FocusArea.BAEREKRAFTIG_RESSURSBRUK: "bærekraftig ressursbruk"},
    Language.NN: {FocusArea.MOBILITET: "mobilitet", FocusArea.BYGG_OG_AREALBRUK: "bygg og arealbruk",
                  FocusArea.BAEREKRAFTIG_RESSURSBRUK: "berekraftig ressursbruk"},
    Language.EN: {FocusArea.MOBILITET: "mobility", FocusArea.BYGG_OG_AREALBRUK: "buildings and land use",
                  FocusArea.BAEREKRAFTIG_RESSURSBRUK: "sustainable resource use"},
}
QUOTES = {Language.NB: ("«", "»"), Language.NN: ("«", "»"), Language.EN: ("“", "”")}
# How a seat without a name is shown: "Ola Nordmann og to personer til" / "... and two more people".
UNNAMED = {
    Language.NB: ("én person til", "{n} personer til", "én person", "{n} personer"),
    Language.NN: ("éin person til", "{n} personar til", "éin person", "{n} personar"),
    Language.EN: ("one more person", "{n} more people", "one person", "{n} people"),
}
PERSON_UNNAMED = {Language.NB: "person (navn ikke oppgitt)", Language.NN: "person (namn ikkje oppgjeve)",
                  Language.EN: "guest (name not given)"}
QUEUE = {Language.NB: "{who} (nr. {rank} i køen)", Language.NN: "{who} (nr. {rank} i køen)",
         Language.EN: "{who} (no. {rank} in line)"}
SWAP = {Language.NB: "{new} tar over plassen til {old}", Language.NN: "{new} tek over plassen til {old}",
        Language.EN: "{new} takes the place of {old}"}
SWAP_UNNAMED = {Language.NB: "{new} tar over en av plassene uten navn",
                Language.NN: "{new} tek over ein av plassane utan namn",
                Language.EN: "{new} takes one of the places without a name"}


@dataclass(frozen=True)
class Wording:
    """Formatting in one language.  Pure functions of their arguments; safe to share."""

    language: Language

    def date(self, day: date | datetime) -> str:
        """'tirsdag 1. juni 2027' (nb), 'tysdag 1. juni 2027' (nn), 'Tuesday 1 June 2027' (en)."""
        weekday = WEEKDAYS[self.language][day.weekday()]
        month = MONTHS[self.language][day.month - 1]
        if self.language is Language.EN:
            return f"{weekday} {day.day} {month} {day.year}"
        return f"{weekday} {day.day}. {month} {day.year}"

    def clock(self, moment: time | datetime) -> str:
        """'14.00' in Norwegian, '14:00' in English."""
        sep = ":" if self.language is Language.EN else "."
        return f"{moment.hour:02d}{sep}{moment.minute:02d}"

    def time_span(self, start: time, end: time) -> str:
        """'kl. 14.00–16.00' / '14:00–16:00'."""
        span = f"{self.clock(start)}–{self.clock(end)}"
        return span if self.language is Language.EN else f"kl. {span}"

    def number(self, n: int) -> str:
        """A count in words up to twelve, in digits above (the usual rule in Norwegian prose)."""
        words = NUMBERS[self.language]
        return words[n] if 0 <= n < len(words) else str(n)

    def count(self, n: int, one: str, many: str) -> str:
        """'én plass', 'to plasser', '14 plasser'."""
        return f"{self.number(n)} {one if n == 1 else many}"

    def join(self, items: Sequence[str]) -> str:
        """'A', 'A og B', 'A, B og C' (no serial comma, also not in English: it reads the same to everyone)."""
        items = [i for i in items if i]
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {AND[self.language]} {items[-1]}"

    def people(self, names: Sequence[str | None]) -> str:
        """Names joined, seats without a name summed up: 'Ola Nordmann og to personer til'."""
        named = [n for n in names if n]
        unnamed = len(names) - len(named)
        if unnamed == 0:
            return self.join(named)
        more, more_n, alone, alone_n = UNNAMED[self.language]
        if named:
            tail = more if unnamed == 1 else more_n.format(n=self.number(unnamed))
        else:
            tail = alone if unnamed == 1 else alone_n.format(n=self.number(unnamed))
        return self.join([*named, tail])

    def area(self, area: FocusArea) -> str:
        return AREA_WORDS[self.language][area]

    def areas(self, areas: Sequence[FocusArea]) -> str:
        """'«mobilitet» og «bygg og arealbruk»'."""
        left, right = QUOTES[self.language]
        return self.join([f"{left}{self.area(a)}{right}" for a in areas])

    def person(self, name: str | None) -> str:
        return name or PERSON_UNNAMED[self.language]

    def queue(self, waiting: Sequence[tuple[str | None, int]]) -> str:
        """'Per Hansen (nr. 3 i køen) og Anne Berg (nr. 4 i køen)'."""
        return self.join([QUEUE[self.language].format(who=self.person(n), rank=r) for n, r in waiting])

    def swaps(self, pairs: Sequence[tuple[str | None, str]]) -> str:
        """'Kari Nordmann tar over plassen til Ola Nordmann'."""
        return self.join([(SWAP if old else SWAP_UNNAMED)[self.language].format(new=new, old=old)
                          for old, new in pairs])
