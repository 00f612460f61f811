"""Jinja2 templates for the digest (rules/templates/digest/) and the seat bar drawn in them.

`digest.html` is rendered with autoescape on, so every string from a message (names, organisations,
subjects, extracts) is HTML-escaped; `digest.txt` is rendered without (it is plain text).  StrictUndefined
turns a misspelt variable into an error instead of a silently empty line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEXT_BAR_CELLS = 20


@dataclass(frozen=True)
class SeatBar:
    """How full the workshop is, for drawing: percentages for the HTML table, cells for the text bar."""

    confirmed: int
    capacity: int

    @property
    def filled_pct(self) -> int:
        """0-100; never rounds a non-empty list to 0 or a list with free seats to 100."""
        if self.capacity <= 0:
            return 100
        pct = round(100 * min(self.confirmed, self.capacity) / self.capacity)
        if self.confirmed > 0:
            pct = max(pct, 1)
        if self.confirmed < self.capacity:
            pct = min(pct, 99)
        return pct

    @property
    def empty_pct(self) -> int:
        return 100 - self.filled_pct

    @property
    def colour(self) -> str:
        """Green, amber from 80 %, red when full."""
        if self.confirmed >= self.capacity:
            return "#c62828"
        return "#f9a825" if self.filled_pct >= 80 else "#2e7d32"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.confirmed)

    @property
    def over(self) -> int:
        """Seats confirmed beyond capacity (after `mailbot capacity set` lowered it)."""
        return max(0, self.confirmed - self.capacity)

    def text(self) -> str:
        """'[██████████░░░░░░░░░░] 30 av 60'."""
        filled = round(TEXT_BAR_CELLS * self.filled_pct / 100)
        if self.filled_pct > 0 and filled == 0:
            filled = 1
        if self.filled_pct < 100 and filled == TEXT_BAR_CELLS:
            filled -= 1
        return f"[{'█' * filled}{'░' * (TEXT_BAR_CELLS - filled)}] {self.confirmed} av {self.capacity}"


@lru_cache(maxsize=8)
def environment(template_dir: Path, html: bool) -> Environment:
    """One environment per template folder and mode (templates are read-only; the cache is keyed by path)."""
    return Environment(loader=FileSystemLoader(str(template_dir)), autoescape=html, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(template_dir: Path, name: str, context: dict) -> str:
    """Render `name` from `template_dir`; autoescaped when it is an .html template."""
    return environment(template_dir, name.endswith(".html")).get_template(name).render(context)
