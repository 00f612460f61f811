#!/usr/bin/env python3
"""Validate the training corpus in rules/training/*.jsonl and print counts.

Checks every line against the schema (README.md), the allowed kinds/areas/languages, the
per-kind label rules, duplicates, unfilled template placeholders, a few Bokmål/Nynorsk slips,
and the minimum counts the corpus promises. Exit status 1 on any error.

    python rules/training/check.py [DIR]
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

KINDS = ("registration", "cancellation", "input", "question", "auto_reply", "other", "bounce")
AREAS = ("mobilitet", "bygg_og_arealbruk", "baerekraftig_ressursbruk")
LANGS = ("nb", "nn", "en")
FIELDS = {"subject": str, "body": str, "kind": str, "focus_areas": list, "has_input": bool,
          "seats": (int, type(None)), "organization": (str, type(None)), "language": str}

MIN_KIND = {"registration": 250, "cancellation": 120, "input": 330, "question": 120,
            "auto_reply": 100, "other": 150, "bounce": 25}
MIN_TOTAL = 1100
MIN_INPUT_PRIMARY = 100   # inputs per primary focus area
MIN_INPUT_TWO_AREAS = 60  # inputs touching two or more areas
LANG_SHARE = {"nb": (0.62, 0.78), "nn": (0.12, 0.20), "en": (0.12, 0.20)}

# words that should not appear in Nynorsk text (Bokmål forms) and vice versa
NB_IN_NN = re.compile(r"\b(jeg|ikke|hva|hvordan|hvis|mye|noen|fra|vennlig|hilsen|dessverre|bedriften|"
                      r"innspill|verkstedet|kommer|selv|hvem|hvor|mulig|deltakelse|også ønsker|ønsker)\b", re.I)
NN_IN_NB = re.compile(r"\b(eg|ikkje|kva|korleis|kvifor|kven|frå|mykje|nokre|nokon|berre|diverre|"
                      r"helsing|venleg|innspel|verkstaden|kjem|ønskjer|sjølv)\b", re.I)


def check(directory: Path) -> int:
    errors: list[str] = []
    per_kind: Counter = Counter()
    per_lang: Counter = Counter()
    per_kind_lang: Counter = Counter()
    area_any: Counter = Counter()
    input_primary: Counter = Counter()
    input_multi = 0
    reg_with_input = 0
    reg_with_area = 0
    seen: dict[tuple[str, str], str] = {}

    for kind in KINDS:
        path = directory / f"{kind}.jsonl"
        if not path.exists():
            errors.append(f"{path.name}: missing")
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{no}"
            if not line.strip():
                errors.append(f"{where}: empty line")
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: bad JSON ({e})")
                continue
            if set(d) != set(FIELDS):
                errors.append(f"{where}: fields {sorted(d)} != {sorted(FIELDS)}")
                continue
            bad = [k for k, t in FIELDS.items() if not isinstance(d[k], t) or (k == "seats" and isinstance(d[k], bool))]
            if bad:
                errors.append(f"{where}: wrong type for {bad}")
                continue
            k, lang, areas, seats, org = d["kind"], d["language"], d["focus_areas"], d["seats"], d["organization"]
            text = d["subject"] + "\n" + d["body"]
            if k != kind:
                errors.append(f"{where}: kind {k!r} in {path.name}")
            if lang not in LANGS:
                errors.append(f"{where}: language {lang!r}")
            if any(a not in AREAS for a in areas) or len(set(areas)) != len(areas):
                errors.append(f"{where}: focus_areas {areas}")
            if not d["body"].strip():
                errors.append(f"{where}: empty body")
            if re.search(r"\{[a-z_0-9]*\}", text):
                errors.append(f"{where}: unfilled placeholder")
            if org is not None and (not org.strip() or org not in text):
                errors.append(f"{where}: organization {org!r} not found in subject/body")
            key = (d["subject"], d["body"])
            if key in seen:
                errors.append(f"{where}: duplicate of {seen[key]}")
            seen[key] = where
            # per-kind label rules
            if k == "registration":
                if not isinstance(seats, int) or seats < 1:
                    errors.append(f"{where}: registration needs seats >= 1")
                if d["has_input"] and not areas:
                    errors.append(f"{where}: registration with input needs focus_areas")
                reg_with_input += d["has_input"]
                reg_with_area += bool(areas) and not d["has_input"]
            elif k == "cancellation":
                if seats is not None and seats < 1:
                    errors.append(f"{where}: cancellation seats must be null or >= 1")
                if d["has_input"] or areas:
                    errors.append(f"{where}: cancellation carries no input/areas")
            elif k == "input":
                if not d["has_input"] or not areas or seats is not None:
                    errors.append(f"{where}: input needs has_input, focus_areas and seats=null")
                input_primary[areas[0] if areas else "-"] += 1
                input_multi += len(areas) >= 2
            else:
                if d["has_input"] or areas or seats is not None:
                    errors.append(f"{where}: {k} must have has_input=false, focus_areas=[], seats=null")
            # language slips (skip auto-replies in other Nordic languages/German, labelled en)
            body_main = d["body"].split("[vedlegg]")[0]
            if lang == "nn" and NB_IN_NN.search(body_main):
                errors.append(f"{where}: Bokmål word in Nynorsk: {NB_IN_NN.search(body_main).group(0)!r}")
            if lang == "nb" and NN_IN_NB.search(body_main):
                errors.append(f"{where}: Nynorsk word in Bokmål: {NN_IN_NB.search(body_main).group(0)!r}")
            per_kind[k] += 1
            per_lang[lang] += 1
            per_kind_lang[(k, lang)] += 1
            for a in areas:
                area_any[(k, a)] += 1

    total = sum(per_kind.values())
    for k, n in MIN_KIND.items():
        if per_kind[k] < n:
            errors.append(f"count: {k} has {per_kind[k]} < {n}")
    if total < MIN_TOTAL:
        errors.append(f"count: total {total} < {MIN_TOTAL}")
    for a in AREAS:
        if input_primary[a] < MIN_INPUT_PRIMARY:
            errors.append(f"count: input with primary area {a} = {input_primary[a]} < {MIN_INPUT_PRIMARY}")
    if input_multi < MIN_INPUT_TWO_AREAS:
        errors.append(f"count: inputs with two areas = {input_multi} < {MIN_INPUT_TWO_AREAS}")
    for lang, (lo, hi) in LANG_SHARE.items():
        share = per_lang[lang] / total if total else 0
        if not lo <= share <= hi:
            errors.append(f"count: language {lang} share {share:.1%} outside {lo:.0%}-{hi:.0%}")

    # report
    print(f"total examples: {total}")
    print("\nper kind:          " + "  ".join(f"{l:>4}" for l in LANGS) + "  total")
    for k in KINDS:
        print(f"  {k:<15} " + "  ".join(f"{per_kind_lang[(k, l)]:>4}" for l in LANGS) + f"  {per_kind[k]:>5}")
    print("\nper language: " + ", ".join(f"{l} {per_lang[l]} ({per_lang[l] / total:.1%})" for l in LANGS))
    print("\ninput by primary area: " + ", ".join(f"{a} {input_primary[a]}" for a in AREAS))
    print(f"inputs touching two or more areas: {input_multi}")
    print("areas mentioned (any position): " + ", ".join(
        f"{k}/{a} {area_any[(k, a)]}" for k in ("input", "registration") for a in AREAS))
    print(f"registrations with input: {reg_with_input}; registrations naming a focus area only: {reg_with_area}")
    if errors:
        print(f"\n{len(errors)} error(s):")
        for e in errors[:200]:
            print("  " + e)
        return 1
    print("\nOK: all lines valid")
    return 0


if __name__ == "__main__":
    sys.exit(check(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent))
