"""Exports for the advisor: participants (CSV) and inputs (CSV, or Markdown for the strategy document).

CSV files are written with the csv module (every cell quoted when needed, CRLF line ends) and returned as
str; encode them as UTF-8.  Every cell that a spreadsheet would run as a formula (starting with = + - @)
gets a leading apostrophe, so a name like "=HYPERLINK(...)" shows as text.

By default the CSV is plain UTF-8 with commas and no byte-order mark: what scripts, LibreOffice and
`csv.reader` expect.  Excel needs help with that: in Excel use Data > From Text/CSV (Data > Fra tekst/CSV),
choose "65001: Unicode (UTF-8)" and the comma delimiter.  With `excel=True` the text instead starts with a
BOM and uses semicolons, which Norwegian Excel opens correctly with a plain double-click (its list
separator is ";"); the digest attaches that form.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailbot.report.common import (
    AREA_ORDER,
    DEFAULT_TZ,
    STATUS_LABELS,
    area_label,
    focus_area,
    nb_date,
    safe_cell,
    to_local,
)
from mailbot.report.queries import attendee_rows
from mailbot.store.models import Input

BOM = "\ufeff"
PARTICIPANT_HEADER = ("Navn", "Organisasjon", "E-post", "Status", "Påmeldt", "Fokusområde")
INPUT_HEADER = ("Fokusområde", "Organisasjon", "Dato", "Tekst", "Vedlegg", "Nøkkelord", "Også relevant for")


def export_participants_csv(session: Session, *, tz: str = DEFAULT_TZ, excel: bool = False) -> str:
    """Every attendee: confirmed (by registration time), then the waiting list in order, then cancelled.

    Columns: name, organisation, e-mail (the attendee's own, else the registration's contact), status
    (bekreftet / venteliste / avmeldt), registered at (local time, ISO 8601), focus area of interest.
    """
    rows = ((r.name or "", r.organisation or "", r.email or "", STATUS_LABELS.get(r.status, r.status),
             to_local(r.registered_at, tz).isoformat(timespec="seconds"), _area_or_blank(r.focus_area))
            for r in attendee_rows(session))
    return _csv(PARTICIPANT_HEADER, rows, excel)


def export_inputs(session: Session, fmt: Literal["csv", "md"] = "csv", *, tz: str = DEFAULT_TZ,
                  excel: bool = False) -> str:
    """All inputs grouped by focus area (the three areas in order, then those without one), oldest first.

    "csv": one row per input (area, organisation, local date, text, attachments' text, key terms, other
    areas).  "md": a heading per area and a section per input, ready to paste into the strategy document.
    """
    if fmt not in ("csv", "md"):
        raise ValueError(f"export format must be 'csv' or 'md', not {fmt!r}")
    grouped = _grouped_inputs(session)
    if fmt == "md":
        return _markdown(grouped, tz)
    rows = ((area_label(area), i.organization or "", to_local(i.created_at, tz).date().isoformat(), i.text,
             i.attachment_text or "", ", ".join(map(str, i.key_terms or [])), ", ".join(_others(i, area)))
            for area, inputs in grouped for i in inputs)
    return _csv(INPUT_HEADER, rows, excel)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]], excel: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return (BOM if excel else "") + buffer.getvalue()


def _area_or_blank(value: str | None) -> str:
    return area_label(value) if value else ""


def _grouped_inputs(session: Session) -> list[tuple[object, list[Input]]]:
    inputs = session.scalars(select(Input).order_by(Input.created_at, Input.id)).all()
    groups: dict[object, list[Input]] = {}
    for item in inputs:
        groups.setdefault(focus_area(item.primary_area, item.focus_areas), []).append(item)
    return [(area, groups[area]) for area in (*AREA_ORDER, None) if area in groups]


def _others(item: Input, area: object) -> list[str]:
    """Labels of the input's other focus areas (it is listed once, under its primary area)."""
    others = (focus_area(a) for a in dict.fromkeys(item.focus_areas or []))
    return [area_label(a) for a in others if a is not None and a != area]


# ------------------------------------------------------------------------------------------ Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#<>|])")
_HTML_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _markdown(grouped: list[tuple[object, list[Input]]], tz: str) -> str:
    total = sum(len(inputs) for _, inputs in grouped)
    lines = ["# Innspill til klimastrategien", "", f"{total} innspill, sortert etter fokusområde.", ""]
    for area, inputs in grouped:
        lines += [f"## {area_label(area)} ({len(inputs)})", ""]
        for item in inputs:
            lines += _md_section(item, area, tz)
    return "\n".join(lines).rstrip() + "\n"


def _md_section(item: Input, area: object, tz: str) -> list[str]:
    org = _md_inline(item.organization or "Ukjent avsender")
    lines = [f"### {org} – {nb_date(to_local(item.created_at, tz).date())}", "", *_md_quote(item.text), ""]
    if item.key_terms:
        lines += [f"**Nøkkelord:** {_md_inline(', '.join(map(str, item.key_terms)))}", ""]
    others = _others(item, area)
    if others:
        lines += [f"**Også relevant for:** {', '.join(others)}", ""]
    if item.attachment_text and item.attachment_text.strip():
        lines += ["**Fra vedlegg:**", "", *_md_quote(item.attachment_text), ""]
    return lines


def _md_inline(text: str) -> str:
    """One line of user text that cannot start a heading, a link, emphasis or raw HTML."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _md_quote(text: str | None) -> list[str]:
    """User text as a block quote (so its own lines cannot become headings), raw HTML tags neutralised."""
    body = (text or "").strip() or "(tom tekst)"
    return [("> " + _HTML_TAG_START.sub(r"\\<", line.rstrip())).rstrip() for line in body.splitlines()]
