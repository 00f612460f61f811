"""The headline numbers, each computed by one query: capacity, seats, inputs per focus area.

Shared by the digest and `mailbot status` so both always say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.domain import FocusArea
from mailbot.report.common import AREA_ORDER, focus_area
from mailbot.store.models import Attendee, Input, Setting

CAPACITY_SETTING = "capacity"


@dataclass(frozen=True)
class Capacity:
    seats: int
    overridden: bool  # True when `mailbot capacity set N` (a Setting row) replaced event.capacity


@dataclass(frozen=True)
class SeatCounts:
    confirmed: int
    waitlisted: int
    cancelled: int


@dataclass(frozen=True)
class AreaTotals:
    """Inputs per focus area (every area present, 0 when none) and those without an area."""

    by_area: Mapping[FocusArea, int]
    unassigned: int

    @property
    def total(self) -> int:
        return sum(self.by_area.values()) + self.unassigned


def capacity(session: Session, settings: Settings) -> Capacity:
    """The seat count in force: the "capacity" Setting row when it holds a positive integer, else config."""
    row = session.get(Setting, CAPACITY_SETTING)
    if row is not None:
        try:
            seats = int(row.value.strip())
        except ValueError:
            seats = 0  # a garbled override is ignored rather than letting the count go wrong
        if seats > 0:
            return Capacity(seats, True)
    return Capacity(settings.event.capacity, False)


def seat_counts(session: Session) -> SeatCounts:
    rows = session.execute(select(Attendee.status, func.count()).group_by(Attendee.status)).all()
    counts = {status: n for status, n in rows}
    return SeatCounts(counts.get("confirmed", 0), counts.get("waitlisted", 0), counts.get("cancelled", 0))


def area_totals(session: Session) -> AreaTotals:
    """Each input counted once, under its primary area (or its first listed area when none is primary)."""
    counts = dict.fromkeys(AREA_ORDER, 0)
    unassigned = 0
    rows = session.execute(select(Input.primary_area, func.count()).group_by(Input.primary_area)).all()
    for primary, n in rows:
        area = focus_area(primary)
        if area is not None:
            counts[area] += n
    # Rows without a usable primary area are rare: resolve them one by one from their area list.
    valid = [a.value for a in AREA_ORDER]
    orphans = select(Input.focus_areas).where(Input.primary_area.is_(None) | Input.primary_area.not_in(valid))
    for (areas,) in session.execute(orphans):
        area = focus_area(None, areas)
        if area is None:
            unassigned += 1
        else:
            counts[area] += 1
    return AreaTotals(MappingProxyType(counts), unassigned)
