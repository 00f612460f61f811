"""`mailbot status`: where things stand, for the operator (JSON for scripts, a short table for people)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailbot.config import Settings
from mailbot.domain import FocusArea
from mailbot.report.common import AREA_ORDER
from mailbot.report.figures import area_totals, capacity, seat_counts
from mailbot.store.models import Digest, Message, OutboxItem

REVIEW_STATUSES = ("review", "shunted")


@dataclass(frozen=True)
class StatusReport:
    capacity: int
    capacity_overridden: bool
    confirmed: int
    waitlisted: int
    cancelled: int
    inputs: Mapping[FocusArea, int]  # every focus area present
    inputs_unassigned: int
    kinds: Mapping[str, int]  # messages per kind ("unknown" for messages never classified)
    statuses: Mapping[str, int]  # messages per status
    review: int  # messages in review or shunted
    outbox: Mapping[str, int]  # outbox rows per status
    last_digest: date | None

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.confirmed)

    @property
    def outbox_pending(self) -> int:
        return self.outbox.get("pending", 0)

    @property
    def outbox_failed(self) -> int:
        return self.outbox.get("failed", 0)

    @property
    def outbox_sent(self) -> int:
        return self.outbox.get("sent", 0)

    def to_json(self) -> dict:
        """One JSON-ready dict; `inputs` maps each focus area's value to its count."""
        return {
            "capacity": self.capacity,
            "capacity_overridden": self.capacity_overridden,
            "confirmed": self.confirmed,
            "waitlisted": self.waitlisted,
            "cancelled": self.cancelled,
            "free": self.free,
            "inputs": {area.value: self.inputs.get(area, 0) for area in AREA_ORDER},
            "inputs_unassigned": self.inputs_unassigned,
            "messages": sum(self.kinds.values()),
            "kinds": dict(self.kinds),
            "statuses": dict(self.statuses),
            "review": self.review,
            "outbox_pending": self.outbox_pending,
            "outbox_failed": self.outbox_failed,
            "outbox_sent": self.outbox_sent,
            "last_digest": self.last_digest.isoformat() if self.last_digest else None,
        }

    def render(self) -> str:
        """A few aligned lines for a terminal."""
        override = " (set at run time)" if self.capacity_overridden else ""
        lines = [
            f"Seats        {self.confirmed} of {self.capacity} confirmed{override}, {self.free} free",
            f"Waiting list {self.waitlisted}    Cancelled {self.cancelled}",
            "Inputs       " + ", ".join(f"{a.value} {self.inputs.get(a, 0)}" for a in AREA_ORDER)
            + (f", no area {self.inputs_unassigned}" if self.inputs_unassigned else ""),
            f"Messages     {sum(self.kinds.values())}: {_pairs(self.kinds)}",
            f"Statuses     {_pairs(self.statuses)}",
            f"Review       {self.review} (review + shunted)",
            f"Outbox       pending {self.outbox_pending}, failed {self.outbox_failed}, sent {self.outbox_sent}",
            f"Last digest  {self.last_digest.isoformat() if self.last_digest else 'never'}",
        ]
        return "\n".join(lines) + "\n"


def status(session: Session, settings: Settings) -> StatusReport:
    seats = seat_counts(session)
    cap = capacity(session, settings)
    totals = area_totals(session)
    statuses = _count_by(session, Message.status)
    return StatusReport(
        capacity=cap.seats, capacity_overridden=cap.overridden, confirmed=seats.confirmed,
        waitlisted=seats.waitlisted, cancelled=seats.cancelled, inputs=totals.by_area,
        inputs_unassigned=totals.unassigned, kinds=_count_by(session, Message.kind), statuses=statuses,
        review=sum(statuses.get(s, 0) for s in REVIEW_STATUSES), outbox=_count_by(session, OutboxItem.status),
        last_digest=session.scalar(select(func.max(Digest.day))),
    )


def _count_by(session: Session, column) -> Mapping[str, int]:  # noqa: ANN001 - a mapped column
    rows = session.execute(select(column, func.count()).group_by(column).order_by(column)).all()
    return MappingProxyType({(value if value is not None else "unknown"): n for value, n in rows})


def _pairs(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
