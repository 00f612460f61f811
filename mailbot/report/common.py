"""Small helpers shared by the report modules: times, Norwegian dates, focus-area labels, CSV cells.

Times: SQLite hands back naive datetimes (SQLAlchemy stores UTC wall time without an offset), PostgreSQL
hands back aware ones.  Everything here treats a naive value as UTC, which is what `models.utcnow` stores.
"""

from __future__ import annotations

from datetime import date, datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from mailbot.domain import FocusArea
from mailbot.store.models import as_utc

DEFAULT_TZ = "Europe/Oslo"

AREA_ORDER: tuple[FocusArea, ...] = (
    FocusArea.MOBILITET, FocusArea.BYGG_OG_AREALBRUK, FocusArea.BAEREKRAFTIG_RESSURSBRUK,
)
AREA_LABELS: dict[FocusArea, str] = {
    FocusArea.MOBILITET: "Mobilitet",
    FocusArea.BYGG_OG_AREALBRUK: "Bygg og arealbruk",
    FocusArea.BAEREKRAFTIG_RESSURSBRUK: "Bærekraftig ressursbruk",
}
NO_AREA_LABEL = "Uten fokusområde"

STATUS_LABELS = {"confirmed": "bekreftet", "waitlisted": "venteliste", "cancelled": "avmeldt"}

_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember")
_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def to_local(value: datetime, tz: str | ZoneInfo) -> datetime:
    """`value` (naive = UTC) in time zone `tz`."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return as_utc(value).astimezone(zone)


def nb_date(day: date, weekday: bool = False, year: bool = True) -> str:
    """'3. mai 2027' (with `weekday`: 'mandag 3. mai 2027'; without `year`: '3. mai')."""
    text = f"{day.day}. {_MONTHS[day.month - 1]}"
    if year:
        text += f" {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def nb_time(value: datetime) -> str:
    """'14.00': Norwegian writes clock times with a full stop."""
    return f"{value.hour:02d}.{value.minute:02d}"


def nb_datetime(value: datetime, tz: str | ZoneInfo) -> str:
    """'3. mai kl. 09.15' in time zone `tz`."""
    local = to_local(value, tz)
    return f"{nb_date(local.date(), year=False)} kl. {nb_time(local)}"


def plural(count: int, one: str, many: str) -> str:
    """'1 avmelding', '3 avmeldinger'."""
    return f"{count} {one if count == 1 else many}"


def focus_area(primary: str | None, areas: list | None = None) -> FocusArea | None:
    """The focus area an input is counted under: its primary area, else its first listed area."""
    for candidate in [primary, *(areas or [])]:
        try:
            return FocusArea(candidate)
        except ValueError:
            continue
    return None


def area_label(area: FocusArea | str | None) -> str:
    try:
        return AREA_LABELS[FocusArea(area)]
    except ValueError:
        return NO_AREA_LABEL


def bare_address(value: str | None) -> str:
    """'Ola <ola@x.no>' -> 'ola@x.no' (lower-cased); '' for None."""
    if not value:
        return ""
    return (parseaddr(value)[1] or value).strip().lower()


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: a leading = + - @ (or tab/CR) gets an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
