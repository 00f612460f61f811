#!/usr/bin/env python3
"""Build the mailbot training corpus (JSON Lines, one file per kind) from the hand-written
fragments in ./fragments.

Deterministic: one seeded random.Random drives everything, so running the script twice gives
byte-identical files. Usage:

    python rules/training/generate.py            # write the *.jsonl files next to this script
    python rules/training/generate.py --out DIR  # write them somewhere else
"""
from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE))

from fragments import auto, bounce, canc, inp, ques, reg  # noqa: E402
from fragments import common as C  # noqa: E402
from fragments import ideas_en, ideas_nb, ideas_nn, other  # noqa: E402

SEED = 20260601
AREAS = ("mobilitet", "bygg_og_arealbruk", "baerekraftig_ressursbruk")
KINDS = ("registration", "cancellation", "input", "question", "auto_reply", "other", "bounce")
IDEAS = {"nb": ideas_nb.IDEAS, "nn": ideas_nn.IDEAS, "en": ideas_en.IDEAS}

# examples per (kind, language); auto-reply "sv"/"da"/"de" are labelled language "en"
TARGETS = {
    "registration": {"nb": 210, "nn": 45, "en": 38},
    "cancellation": {"nb": 95, "nn": 20, "en": 20},
    "input": {"nb": 265, "nn": 58, "en": 48},
    "question": {"nb": 95, "nn": 20, "en": 20},
    "auto_reply": {"nb": 62, "nn": 16, "en": 16, "sv": 7, "da": 7, "de": 7},
    "other": {"nb": 120, "nn": 25, "en": 24},
}
# registrations that also carry substantive input
REG_WITH_INPUT = {"nb": 26, "nn": 6, "en": 5}

_FMT = string.Formatter()


def fill(template: str, ctx: dict) -> str:
    """str.format that fails loudly on a missing key."""
    for _, field, _, _ in _FMT.parse(template):
        if field is not None and field not in ctx:
            raise KeyError(f"missing {field!r} for template {template[:60]!r}")
    return template.format(**ctx)


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in _FMT.parse(template) if f}


def slug(s: str) -> str:
    s = s.lower()
    for a, b in (("æ", "ae"), ("ø", "o"), ("å", "a"), ("é", "e"), ("ś", "s"), ("ń", "n"), ("ć", "c"),
                 ("ą", "a"), ("ż", "z"), ("&", "og"), ("'", "")):
        s = s.replace(a, b)
    return re.sub(r"[^a-z0-9]", "", s)


class Cycler:
    """Hands out the items of a list in shuffled passes so every item is used about equally."""

    def __init__(self, rng: random.Random, items):
        self.rng, self.items, self.queue = rng, list(items), []

    def next(self):
        if not self.queue:
            self.queue = list(self.items)
            self.rng.shuffle(self.queue)
        return self.queue.pop()


class Company:
    def __init__(self, name, short, sector):
        self.name, self.short, self.sector = name, short, sector
        self.orgs = short or name
        self.domain = slug(short or name) + ".no"


COMPANIES = [Company(*c) for c in C.COMPANIES]

# When a paragraph names the kind of business speaking, pick a company whose name fits.
VOICE = [
    (("bryggeri",), ("Bryggeri",)),
    (("Som bilverksted",), ("Bilverksted",)),
    (("sportsbutikk",), ("Sport",)),
    (("trykksaker",), ("Trykkeri",)),
    (("byggmesterfirma",), ("Byggmester", "Tømrer", "Snekker")),
    (("tre kafeer",), ("Kafé", "Kaffebrenneri")),
    (("gårdsbruk på Skoger",), ("Skoger Gårdsbruk",)),
    (("Bakeriet vårt", "bakeri vårt"), ("Bakeri",)),
    (("driver restaurant", "driv restaurant", "run a restaurant"), ("Restaurant", "Spiseri", "Pizzeria", "Kafé")),
    (("driver kantine", "driv kantine", "Our canteen"), ("Kantinedrift", "Storkjøkken")),
    (("catering",), ("Catering",)),
    (("hotell", "As a hotel"), ("Hotell",)),
    (("bruktbutikk", "second-hand shop"), ("Bruktbutikk", "Gjenbruk")),
    (("sykkelbutikk",), ("Sykkelverksted", "Sport")),
    (("møbelbutikk", "brukte møbler og inventar"), ("Møbler", "Interiør", "Gjenbruk")),
    (("blomsterbutikk",), ("Blomster", "Hagesenter")),
    (("frisørsalong",), ("Frisør",)),
    (("kjøreskole",), ("Kjøreskole",)),
    (("Drosje", "taxi fleet"), ("Taxi",)),
    (("budfirma",), ("Budbil", "Budservice")),
    (("flyttebyrå",), ("Flytte",)),
    (("Bussnæringen",), ("Buss",)),
    (("arbeidsklær og verneutstyr",), ("Arbeidsklær",)),
    (("taktekker",), ("Tak og Fasade",)),
    (("rørleggere",), ("Rør", "VVS")),
    (("elektrikere",), ("Elektro", "Elektriske")),
    (("installerer varmepumper", "install heat pumps"), ("Varmepumper", "Rør", "VVS", "Elektro")),
    (("snekkerfirma", "snikkarfirma", "snekkerverksted"), ("Snekker", "Tømrer", "Byggmester", "Tre og Trapp")),
    (("arkitekt", "architects"), ("Arkitekter",)),
    (("energirådgivere", "energirådgjevarar"), ("Energirådgivning",)),
    (("betongelementer",), ("Betongelement",)),
    (("massivtre", "restmaterialer av tre", "restmateriale av tre"), ("Trevare", "Tre og Trapp")),
    (("produserer emballasje", "produce packaging"), ("Emballasje", "Plast")),
    (("brukte paller",), ("Pall",)),
    (("ombruk av byggevarer", "reclaimed building materials such", "brukte byggjevarer"), ("ReBygg", "Ombruk")),
    (("borettslag",), ("Boligbyggelag",)),
    (("kjøpesenter",), ("Senter",)),
    (("anleggstransport", "massetransport for"), ("Grus", "Maskin")),
    (("grunnentreprenør",), ("Grunnarbeid", "Anlegg", "Entreprenør")),
    (("PC-er", "PC-ar", "laptops"), ("ReTech", "Data")),
    (("ruteoptimalisering", "flåtestyringssystemet", "telematics"), ("Fleet", "Systemer")),
    (("overskuddsvarme fra produksjonen", "overskotsvarme frå produksjonen", "Our factory"), ("Mekaniske", "Stål", "Plast", "Emballasje")),
    (("renovasjonsbiler", "refuse trucks", "renovasjonsbilar", "henter avfall fra over"), ("Gjenvinning", "Container", "Avfall")),
    (("lastebil", "tungtransport", "trucks", "lastebilar", "terminal", "godstransport"),
     ("Transport AS", "Logistikk", "Godsterminal", "Kjøl og Frys", "Tankservice", "Grus")),
]


def voice_companies(texts):
    for keys, names in VOICE:
        if any(k in t for k in keys for t in texts):
            return [c for c in COMPANIES if any(n in c.name for n in names)]
    return []
PRINT_SHOP = next(c for c in COMPANIES if c.name == "Svelvik Trykkeri AS")


class Gen:
    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.seen: set[tuple[str, str]] = set()
        self.idea_use: dict[int, int] = {}

    # ---------- people, companies, signatures ----------
    def full_name(self, lang):
        r = self.rng
        if lang == "en" and r.random() < 0.5:
            return r.choice(C.FULL_EN)
        if r.random() < 0.14:
            return r.choice(C.FULL_OTHER)
        return f"{r.choice(C.FIRST_NB)} {r.choice(C.LAST_NB)}"

    def names(self, lang, n, exclude=()):
        out = []
        while len(out) < n:
            x = self.full_name(lang)
            if x not in out and x not in exclude and x.split()[0] not in {o.split()[0] for o in out}:
                out.append(x)
        return out

    def company(self, sector=None):
        if sector == "industri_print":
            return PRINT_SHOP
        if sector and sector.startswith("names:"):
            keys = sector[6:].split(",")
            return self.rng.choice([c for c in COMPANIES if any(k in c.name for k in keys)])
        pool = [c for c in COMPANIES if sector in (None, "*") or c.sector == sector]
        return self.rng.choice(pool or COMPANIES)

    def title(self, lang, sector):
        t = C.TITLES[lang]
        pool = t["*"] + t.get(sector, []) * 2
        return self.rng.choice(pool)

    def phone(self):
        r = self.rng
        num = f"{r.choice('49')}{r.randint(10, 99)} {r.randint(10, 99)} {r.randint(100, 999)}"
        return num if r.random() < 0.7 else "+47 " + num

    def email(self, name, comp):
        parts = name.split()
        dom = comp.domain if comp else self.rng.choice(["gmail.com", "online.no", "outlook.com", "hotmail.com"])
        return f"{slug(parts[0])}.{slug(parts[-1])}@{dom}"

    def greeting(self, lang, formal=False):
        return self.rng.choice(C.GREETINGS_FORMAL[lang] if formal else C.GREETINGS[lang])

    def signature(self, lang, name, title, comp):
        r = self.rng
        first = name.split()[0]
        so = r.choice(C.SIGNOFFS[lang])
        if comp is None:
            style = r.choice("AADEEKT")
        else:
            style = r.choice("ABBCCDEFGHHIJ")
        org = comp.name if comp else ""
        if style == "A":
            return f"{so}\n{name}"
        if style == "B":
            return f"{so}\n{name}\n{title[0].upper() + title[1:]}\n{org}"
        if style == "C":
            return f"{so}\n{name}\n{title[0].upper() + title[1:]}, {org}"
        if style == "D":
            return f"{so}\n{first}"
        if style == "E":
            return f"{r.choice(C.INLINE_SIGNOFFS[lang])} {first}"
        if style == "F":
            return f"{so}\n\n{name}\n{org}\nTlf. {self.phone()}" if lang != "en" else f"{so}\n\n{name}\n{org}\nPhone: {self.phone()}"
        if style == "G":
            return f"{so}\n{name} | {title} | {org}"
        if style == "H":
            return f"{so}\n{name}\n{org}"
        if style == "I":
            return f"{so}\n{name}\n{title[0].upper() + title[1:]}\n{org}\n{self.phone()} | {self.email(name, comp)}"
        if style == "J":
            return f"{so.rstrip(',')},\n{name} ({org})"
        if style == "K":
            return f"{name}\n{title[0].upper() + title[1:]}"
        return f"{so}\n{name}\n{self.phone()}"  # "T"

    def wrap(self, lang, text, name, title, comp, formal=False):
        g = self.greeting(lang, formal)
        sig = self.signature(lang, name, title, comp)
        tail = text[-60:].lower()
        if ("takk" in tail or "thank" in tail) and ("takk" in sig.lower() or "thank" in sig.lower()):
            sig = sig.split("\n", 2)[-1] if sig.lower().startswith(("takk!", "thanks", "many thanks")) else sig
        parts = ([g] if g else []) + [text, sig]
        return "\n\n".join(parts)

    # ---------- helpers ----------
    @staticmethod
    def org_label(subject, body, comp):
        if comp is None:
            return None
        s = subject + "\n" + body
        if comp.name in s:
            return comp.name
        if comp.short and comp.short in s:
            return comp.short
        return None

    def area_phrase(self, lang, area):
        return self.rng.choice(C.AREA_PHRASES[lang][area])

    def num(self, lang, n):
        return C.NUMWORDS[lang][n]

    def names_block(self, lang, names, sector):
        r = self.rng
        style = r.choice(reg.BLOCK_STYLES)
        lines = []
        for i, n in enumerate(names, 1):
            t = self.title(lang, sector)
            lines.append({
                "dash": f"- {n}", "bullet": f"• {n}", "numbered": f"{i}. {n}", "plain": n,
                "name_title_dash": f"{n} – {t}", "name_title_paren": f"{n} ({t})",
                "bullet_title": f"- {n}, {t}", "name_title_comma": f"{n}, {t}",
            }[style])
        return "\n".join(lines)

    def names_inline(self, lang, names):
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + f" {C.AND[lang]} " + names[-1]

    def base_ctx(self, lang, comp, name, title):
        ctx = {"me": name, "first": name.split()[0], "title": title}
        if comp:
            ctx.update(org=comp.name, orgs=comp.orgs, domain=comp.domain)
        return ctx

    def pick_subject(self, options, ctx):
        usable = [s for s in options if fields(s) <= set(ctx)]
        return fill(self.rng.choice(usable), ctx)

    def record(self, kind, lang, subject, body, comp=None, areas=(), has_input=False, seats=None, org=None):
        if org is None:
            org = self.org_label(subject, body, comp)
        return {"subject": subject, "body": body, "kind": kind, "focus_areas": list(areas),
                "has_input": has_input, "seats": seats, "organization": org, "language": lang}

    def unique(self, make, attempts=60):
        for _ in range(attempts):
            rec = make()
            key = (rec["subject"], rec["body"])
            if key not in self.seen:
                self.seen.add(key)
                return rec
        raise RuntimeError("could not produce a unique example")

    def pick_idea(self, lang, primary=None, exclude=(), only_generic=False):
        """Least-used paragraph (ties broken at random) with the given primary area."""
        cands = [x for x in IDEAS[lang]
                 if id(x) not in exclude and (primary is None or x[0][0] == primary)
                 and (not only_generic or x[1] == "*")]
        if not cands:
            return None
        low = min(self.idea_use.get(id(x), 0) for x in cands)
        best = [x for x in cands if self.idea_use.get(id(x), 0) == low]
        idea = self.rng.choice(best)
        self.idea_use[id(idea)] = self.idea_use.get(id(idea), 0) + 1
        return idea

    # ---------- registration ----------
    def registration(self, lang, tmpl):
        r = self.rng
        text, seats_spec, sgroup = tmpl
        raw = text.startswith("RAW|")
        areas = []
        if text.startswith("AREA2|"):
            a1, a2 = r.sample(AREAS, 2)
            areas = [a1, a2]
        elif text.startswith("AREA|"):
            areas = [r.choice(AREAS)]
        text = text.split("|", 1)[1] if "|" in text[:6] else text
        need_org = bool(fields(text) & {"org", "orgs"})
        comp = self.company() if (need_org or r.random() < 0.85) else None
        sector = comp.sector if comp else "*"
        name = self.full_name(lang)
        title = self.title(lang, sector)
        ctx = self.base_ctx(lang, comp, name, title)
        others = self.names(lang, 6, exclude=(name,))
        ctx.update(p1=others[0], p2=others[1], mgr=others[2], mgr_first=others[2].split()[0])
        ctx["mgr_title"] = r.choice({"nb": ["daglig leder", "administrerende direktør", "styreleder", "økonomisjef", "eier"],
                                     "nn": ["dagleg leiar", "styreleiar", "administrerande direktør", "eigar"],
                                     "en": ["Managing Director", "CEO", "Chair of the Board", "owner"]}[lang])
        if seats_spec == "n":
            n = r.randint(2, 6) if "{nd}" not in text else r.randint(2, 5)
            if "utvide" in text:
                n = r.randint(2, 3)
            seats = n
        elif seats_spec == "k+1":
            k = r.randint(2, 4)
            ctx["k"] = self.num(lang, k)
            seats = k + 1
            n = seats
        elif seats_spec in ("L", "L+1"):
            L = r.randint(2, 5) if seats_spec == "L" else r.randint(1, 3)
            lst = self.names(lang, L, exclude=(name,))
            ctx["names_block"] = self.names_block(lang, lst, sector)
            ctx["names_inline"] = self.names_inline(lang, lst)
            seats = L if seats_spec == "L" else L + 1
            n = seats
        else:
            seats = int(seats_spec)
            n = seats
        if n >= 2:
            ctx.update(n=self.num(lang, n), nc=self.num(lang, n).capitalize(), nd=str(n))
        if areas:
            ctx["area"] = self.area_phrase(lang, areas[0])
        if len(areas) == 2:
            ctx["area2"] = self.area_phrase(lang, areas[1])
        body_text = fill(text, ctx)
        if raw:
            body = body_text
        else:
            body = self.wrap(lang, body_text, name, title, comp, formal=(sgroup == "formal"))
        subject = self.pick_subject(reg.SUBJECTS[lang][sgroup], ctx)
        return self.record("registration", lang, subject, body, comp, areas, False, seats)

    def registration_with_input(self, lang, tmpl):
        r = self.rng
        text, seats_spec = tmpl
        idea = self.pick_idea(lang)
        fit = voice_companies([idea[2]])
        comp = r.choice(fit) if fit else (self.company(idea[1]) if (idea[1] != "*" or r.random() < 0.9) else None)
        if comp is None and fields(text) & {"org", "orgs"}:
            comp = self.company()
        sector = comp.sector if comp else "*"
        name = self.full_name(lang)
        title = self.title(lang, sector)
        ctx = self.base_ctx(lang, comp, name, title)
        seats = r.randint(2, 4) if seats_spec == "n" else seats_spec
        if seats >= 2:
            ctx.update(n=self.num(lang, seats), nc=self.num(lang, seats).capitalize())
        ctx["idea"] = idea[2]
        body = self.wrap(lang, fill(text, ctx), name, title, comp)
        subject = self.pick_subject(reg.SUBJECTS[lang][r.choice(["reg", "reg", "reply"])], ctx)
        return self.record("registration", lang, subject, body, comp, idea[0], True, seats)

    # ---------- cancellation ----------
    def cancellation(self, lang, tmpl):
        r = self.rng
        text, seats_spec, sgroup = tmpl
        raw = text.startswith("RAW|")
        text = text[4:] if raw else text
        need_org = bool(fields(text) & {"org", "orgs"})
        comp = self.company() if (need_org or r.random() < 0.8) else None
        name = self.full_name(lang)
        title = self.title(lang, comp.sector if comp else "*")
        ctx = self.base_ctx(lang, comp, name, title)
        others = self.names(lang, 2, exclude=(name,))
        ctx.update(p1=others[0], p2=others[1])
        seats = seats_spec
        if seats_spec == "diff":
            before = r.randint(3, 6)
            after = r.randint(2, before - 1)
            ctx.update(nb_before=self.num(lang, before), nb_after=self.num(lang, after))
            seats = before - after
        body_text = fill(text, ctx)
        body = body_text if raw else self.wrap(lang, body_text, name, title, comp)
        subject = self.pick_subject(canc.SUBJECTS[lang][sgroup], ctx)
        return self.record("cancellation", lang, subject, body, comp, (), False, seats)

    # ---------- input ----------
    def input(self, lang, primary, mode):
        r = self.rng
        first = self.pick_idea(lang, primary=primary)
        paras = [first]
        sector = first[1]
        extra = {"single": 0, "double": 1, "long": 2, "attach": r.choice([0, 0, 1, 2])}[mode]
        for _ in range(extra):
            # at most one paragraph in a specific business voice per mail; the rest are generic
            specific = sector != "*"
            want_other = r.random() < 0.45
            areas_now = {a for p in paras for a in p[0]}
            choices = [a for a in AREAS if (a not in areas_now) == want_other] or list(AREAS)
            used = {id(p) for p in paras}
            nxt = self.pick_idea(lang, primary=r.choice(choices), exclude=used, only_generic=specific)
            if nxt is None:
                nxt = self.pick_idea(lang, exclude=used, only_generic=specific)
            if nxt is None:
                break
            paras.append(nxt)
            if sector == "*":
                sector = nxt[1]
        areas = []
        for p in paras:
            for a in p[0]:
                if a not in areas:
                    areas.append(a)
        fit = voice_companies([p[2] for p in paras])
        if fit:
            comp = r.choice(fit)
        else:
            comp = None if (sector == "*" and r.random() < 0.1) else self.company(sector)
        name = self.full_name(lang)
        title = self.title(lang, comp.sector if comp else "*")
        ctx = self.base_ctx(lang, comp, name, title)
        ctx["area"] = self.area_phrase(lang, areas[0])
        ctx["topic"] = first[3] or self.area_phrase(lang, areas[0])

        def usable(opts):
            return [o for o in opts if fields(o) <= set(ctx)]

        if mode == "attach" and comp is None:
            comp = self.company()
            ctx = {**ctx, **self.base_ctx(lang, comp, name, title)}
        if mode == "attach":
            cover = r.choice(usable(inp.COVER[lang])).lstrip("!")
            note = fill(cover, ctx)
            top = self.wrap(lang, note, name, title, comp)
            head = fill(r.choice(inp.ATTACH_HEAD[lang]), ctx)
            if len(paras) > 1 and r.random() < 0.6:
                content = "\n\n".join(f"{i}. {p[2]}" for i, p in enumerate(paras, 1))
            else:
                content = "\n\n".join(p[2] for p in paras)
            tail = fill(r.choice(inp.ATTACH_TAIL[lang]), ctx)
            att = head + "\n" + content + ("\n\n" + tail if tail else "")
            body = top + "\n\n[vedlegg]\n" + att
        else:
            opener = fill(r.choice(usable(inp.OPENERS[lang])).lstrip("!"), ctx)
            chunks = [opener] if opener else []
            chunks.append(paras[0][2])
            for p in paras[1:]:
                con = r.choice(inp.CONNECTORS[lang])
                chunks.append((con + " " + p[2]) if con else p[2])
            closer = r.choice(inp.CLOSERS[lang])
            if closer:
                chunks.append(closer)
            body = self.wrap(lang, "\n\n".join(chunks), name, title, comp)
        subject = self.pick_subject(inp.SUBJECTS[lang], ctx)
        return self.record("input", lang, subject, body, comp, areas, True, None)

    # ---------- question ----------
    def question(self, lang, q, extra_q):
        r = self.rng
        text, subj = q
        comp = self.company() if r.random() < 0.75 else None
        name = self.full_name(lang)
        title = self.title(lang, comp.sector if comp else "*")
        ctx = self.base_ctx(lang, comp, name, title)
        frames = [f for f in ques.FRAMES[lang] if fields(f) - {"q"} <= set(ctx)]
        qtext = text if extra_q is None else text + " " + extra_q[0]
        body_text = fill(r.choice(frames), {**ctx, "q": qtext})
        body = self.wrap(lang, body_text, name, title, comp)
        subject = subj if (subj and r.random() < 0.6) else self.pick_subject(ques.SUBJECTS[lang], ctx)
        return self.record("question", lang, subject, body, comp)

    # ---------- auto reply ----------
    def date(self, code, month, day):
        m = C.MONTHS[code][month]
        if code == "en":
            return f"{day} {m}" if self.rng.random() < 0.5 else f"{m} {day}"
        if code == "sv":
            return f"{day} {m}"
        return f"{day}. {m}"

    def auto_reply(self, code, tmpl):
        r = self.rng
        lang = code if code in ("nb", "nn", "en") else "en"
        comp = self.company()
        name = self.full_name(lang)
        title = self.title(lang, comp.sector)
        alt = self.names(lang, 1, exclude=(name,))[0]
        month, day = r.choice([(5, r.randint(18, 29)), (6, r.randint(1, 22))])
        ctx = self.base_ctx(lang, comp, name, title)
        ctx.update(alt=alt, alt_first=alt.split()[0], alt_email=self.email(alt, comp), phone=self.phone(),
                   d1=self.date(code, month, day), d2=self.date(code, month, day + r.randint(1, 4)),
                   ticket=str(r.randint(10000, 99999)),
                   month=r.choice({"nb": ["august", "1. september", "midten av august", "uke 33"],
                                   "nn": ["august", "1. september", "midten av august"],
                                   "en": ["August", "1 September", "mid-August"],
                                   "sv": ["augusti", "1 september"], "da": ["august", "1. september"],
                                   "de": ["August", "1. September"]}[code]))
        body = fill(tmpl, ctx)
        subject = r.choice(auto.SUBJECT_PREFIX[code]) + r.choice(auto.ORIG_SUBJECTS)
        return self.record("auto_reply", lang, subject, body, comp)

    # ---------- other ----------
    def other(self, lang, item):
        r = self.rng
        subj, body_t, org = item[:3]
        sector = item[3] if len(item) > 3 else None
        comp = self.company(sector)
        name = self.full_name(lang)
        ctx = self.base_ctx(lang, comp, name, self.title(lang, comp.sector))
        ctx.update(invoice=str(r.randint(10000, 99999)),
                   amount=f"{r.randint(2, 48) * 250:,}".replace(",", " ") + ",00")
        subject, body = fill(subj, ctx), fill(body_t, ctx)
        if org == "{org}":
            label = self.org_label(subject, body, comp)
        else:
            label = org
        return self.record("other", lang, subject, body, None, org=label)

    # ---------- bounce ----------
    def bounce(self, item):
        subj, body_t, lang = item
        comp = self.company()
        addr = self.email(self.full_name("nb"), comp)
        ctx = {"addr": addr, "domain": comp.domain}
        return self.record("bounce", lang, fill(subj, ctx), fill(body_t, ctx))

    # ---------- driver ----------
    def build(self):
        r = self.rng
        out = {k: [] for k in KINDS}

        for lang, total in TARGETS["registration"].items():
            ri = Cycler(r, inp.REG_INPUT[lang])
            for _ in range(REG_WITH_INPUT[lang]):
                out["registration"].append(self.unique(lambda: self.registration_with_input(lang, ri.next())))
            cyc = Cycler(r, reg.REG[lang])
            for _ in range(total - REG_WITH_INPUT[lang]):
                out["registration"].append(self.unique(lambda: self.registration(lang, cyc.next())))

        for lang, total in TARGETS["cancellation"].items():
            cyc = Cycler(r, canc.CANC[lang])
            for _ in range(total):
                out["cancellation"].append(self.unique(lambda: self.cancellation(lang, cyc.next())))

        modes = ["single"] * 44 + ["double"] * 28 + ["long"] * 10 + ["attach"] * 18
        for lang, total in TARGETS["input"].items():
            mc = Cycler(r, modes)
            for i in range(total):
                primary = AREAS[i % 3]
                mode = mc.next()
                out["input"].append(self.unique(lambda: self.input(lang, primary, mode)))

        for lang, total in TARGETS["question"].items():
            cyc = Cycler(r, ques.QUES[lang])
            for _ in range(total):
                def mk():
                    q = cyc.next()
                    extra = None
                    if r.random() < 0.2:
                        extra = r.choice([x for x in ques.QUES[lang] if x is not q])
                    return self.question(lang, q, extra)
                out["question"].append(self.unique(mk))

        for code, total in TARGETS["auto_reply"].items():
            cyc = Cycler(r, auto.AUTO[code])
            for _ in range(total):
                out["auto_reply"].append(self.unique(lambda: self.auto_reply(code, cyc.next())))

        for lang, total in TARGETS["other"].items():
            cyc = Cycler(r, other.OTHER[lang])
            for _ in range(total):
                out["other"].append(self.unique(lambda: self.other(lang, cyc.next())))

        for item in bounce.BOUNCE:
            out["bounce"].append(self.unique(lambda: self.bounce(item)))

        for recs in out.values():
            r.shuffle(recs)
        return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args(argv)
    data = Gen(SEED).build()
    args.out.mkdir(parents=True, exist_ok=True)
    for kind, recs in data.items():
        path = args.out / f"{kind}.jsonl"
        with path.open("w", encoding="utf-8", newline="\n") as f:
            for rec in recs:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        print(f"{path.name}: {len(recs)}")


if __name__ == "__main__":
    main()
