"""Exports: CSV parse-back, formula injection, Markdown structure."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from report_data import T0, add_attendee, add_input, populate

from mailbot.report.export import export_inputs, export_participants_csv


def _rows(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_participants_csv_parses_back_in_list_order(db):
    with db.session() as s:
        populate(s, confirmed=3, waitlisted=2, inputs=0)
        add_attendee(s, 'Ola "Olsen", jr.', "Komma, Semikolon; AS", "ola@x.example", status="cancelled",
                     at=T0 + timedelta(days=1), focus_area=None)
        out = export_participants_csv(s)
    assert not out.startswith("\ufeff")
    rows = _rows(out)
    assert rows[0] == ["Navn", "Organisasjon", "E-post", "Status", "Påmeldt", "Fokusområde"]
    assert [r[0] for r in rows[1:]] == ["Deltaker 000", "Deltaker 001", "Deltaker 002", "Venter 01",
                                       "Venter 02", 'Ola "Olsen", jr.']
    assert [r[3] for r in rows[1:]] == ["bekreftet"] * 3 + ["venteliste"] * 2 + ["avmeldt"]
    assert rows[1][1:3] == ["Bedrift 00 AS", "d0@bedrift0.example"]
    assert rows[1][4] == "2027-05-03T10:00:00+02:00"  # 08:00 UTC as Oslo summer time
    assert rows[1][5] == "Mobilitet" and rows[2][5] == "Bygg og arealbruk" and rows[6][5] == ""
    assert rows[6][1] == "Komma, Semikolon; AS"


def test_formula_injection_is_neutralised(db):
    with db.session() as s:
        add_attendee(s, '=HYPERLINK("http://evil.example","klikk")', "+47 Rør AS", "a@x.example")
        add_attendee(s, "@SUM(A1:A9)", "-2+3 AS", "b@x.example")
        add_input(s, "=cmd|' /C calc'!A0", "+ ikke en formel", "mobilitet", key_terms=["-minus"])
        people = _rows(export_participants_csv(s))
        inputs = _rows(export_inputs(s, "csv"))
    assert people[1][0] == '\'=HYPERLINK("http://evil.example","klikk")' and people[1][1] == "'+47 Rør AS"
    assert people[2][0] == "'@SUM(A1:A9)" and people[2][1] == "'-2+3 AS"
    assert inputs[1][1] == "'=cmd|' /C calc'!A0" and inputs[1][3] == "'+ ikke en formel"
    assert inputs[1][5] == "'-minus"
    for row in people[1:] + inputs[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_inputs_csv_groups_by_area_with_all_fields(db):
    with db.session() as s:
        add_input(s, "Bygg AS", "Ombruk av materialer.\nAndre linje.", "bygg_og_arealbruk", at=T0,
                  attachment_text="Vedlagt rapport: 40 % ombruk.", also=("mobilitet",), key_terms=["ombruk"])
        add_input(s, "Sykkel AS", "Flere sykkelveier.", "mobilitet", at=T0 + timedelta(hours=1))
        add_input(s, "Sirkel AS", "Reparasjon før kjøp.", "baerekraftig_ressursbruk", at=T0 + timedelta(hours=2))
        rows = _rows(export_inputs(s, "csv"))
    assert rows[0] == ["Fokusområde", "Organisasjon", "Dato", "Tekst", "Vedlegg", "Nøkkelord", "Også relevant for"]
    assert [r[0] for r in rows[1:]] == ["Mobilitet", "Bygg og arealbruk", "Bærekraftig ressursbruk"]
    assert rows[2] == ["Bygg og arealbruk", "Bygg AS", "2027-05-03", "Ombruk av materialer.\nAndre linje.",
                       "Vedlagt rapport: 40 % ombruk.", "ombruk", "Mobilitet"]


def test_excel_form_has_bom_and_semicolons(db):
    with db.session() as s:
        add_attendee(s, "Åse Ødegård", "Bær AS", "a@x.example")
        out = export_participants_csv(s, excel=True)
    assert out.startswith("\ufeffNavn;Organisasjon;")
    assert _rows(out.removeprefix("\ufeff"), delimiter=";")[1][0] == "Åse Ødegård"


def test_markdown_has_a_heading_per_area_and_a_section_per_input(db):
    with db.session() as s:
        add_input(s, "Bygg *AS*", "# Ikke en overskrift\nVi foreslår <b>grønne tak</b>.", "bygg_og_arealbruk",
                  attachment_text="Fra rapporten.", key_terms=["grønne tak"])
        add_input(s, "Sykkel AS", "Flere sykkelveier.", "mobilitet")
        add_input(s, "Sykkel2 AS", "Bysykler.", "mobilitet")
        md = export_inputs(s, "md")
    lines = md.splitlines()
    assert lines[0] == "# Innspill til klimastrategien"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == ["## Mobilitet (2)", "## Bygg og arealbruk (1)"]
    assert "### Bygg \\*AS\\* – 3. mai 2027" in lines
    assert "> # Ikke en overskrift" in lines  # quoted: not a heading of its own
    assert "> Vi foreslår \\<b>grønne tak\\</b>." in lines
    assert "**Nøkkelord:** grønne tak" in lines and "> Fra rapporten." in lines
    assert md.index("Flere sykkelveier.") < md.index("Bysykler.") < md.index("grønne tak")


def test_unknown_format_is_refused(db):
    with db.session() as s:
        try:
            export_inputs(s, "xlsx")
        except ValueError as exc:
            assert "xlsx" in str(exc)
        else:
            raise AssertionError("export_inputs accepted an unknown format")
