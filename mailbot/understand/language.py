"""Language of a text (Bokmål, Nynorsk or English) from function words; fast, no model.

English is chosen when words only English has outnumber the Norwegian ones.  Otherwise Nynorsk when its
marker words (eg, ikkje, kva, me, dykk, frå, vere, berre, ...) outnumber the Bokmål ones (jeg, ikke, hva,
vi, dere, fra, være, bare, ...); Bokmål, the most common, is the default.  Word lists: rules/extract.toml
[language].
"""

from __future__ import annotations

import re

from mailbot.domain import Language
from mailbot.understand.extract_table import ExtractTable

WORD = re.compile(r"[a-zæøåàèéòôäöü]+")
SCAN = 3000  # characters; the start of a message tells its language


def detect(text: str, table: ExtractTable) -> Language:
    words = WORD.findall(text[:SCAN].lower())
    lang = table.lang
    # Counts of words in each list (sum of booleans, counted in C).
    english = sum(map(lang["en"].__contains__, words))
    norwegian = sum(map(lang["no_only"].__contains__, words))  # Norwegian and not also English
    if english > norwegian:
        return Language.EN
    nynorsk = sum(map(lang["nn"].__contains__, words))
    bokmaal = sum(map(lang["nb"].__contains__, words))
    return Language.NN if nynorsk > bokmaal else Language.NB
