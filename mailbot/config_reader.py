"""Reading typed values out of a parsed TOML tree, collecting every problem with the key it concerns."""

from __future__ import annotations

import ipaddress
import re
from datetime import time
from pathlib import Path
from typing import Any


class TomlReader:
    """Reads typed values out of the TOML tree, collecting problems instead of raising at the first."""

    def __init__(self, data: dict[str, Any], base: Path) -> None:
        self.data = data
        self.base = base
        self.problems: list[str] = []

    def section(self, name: str) -> dict[str, Any] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problems.append(f"{name}: must be a table ([{name}])")
            return None
        return value

    def get(self, sec: dict | None, section: str, key: str, kind: type, default: Any = ..., ) -> Any:
        full = f"{section}.{key}"
        if sec is None or key not in sec:
            if default is ...:
                self.problems.append(f"{full}: missing (required)")
                return None
            return default
        value = sec[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.problems.append(f"{full}: must be {kind.__name__}, got {type(value).__name__} {value!r}")
            return None if default is ... else default
        return value

    def path(self, sec: dict | None, section: str, key: str, default: str | None = None) -> Path | None:
        value = self.get(sec, section, key, str, default)
        if value is None:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.base / path).resolve()

    def check_unknown(self, sec: dict | None, section: str, allowed: set[str]) -> None:
        for key in (sec or {}):
            if key not in allowed:
                self.problems.append(f"{section}.{key}: unknown key")


def read_time(r: TomlReader, sec: dict | None, section: str, key: str, default: str | None = None) -> time | None:
    raw = sec.get(key, default) if sec is not None else default
    if raw is None:
        r.problems.append(f"{section}.{key}: missing (required)")
        return None
    if isinstance(raw, time):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\d{1,2}:\d{2}", raw):
        hours, minutes = (int(x) for x in raw.split(":"))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    r.problems.append(f"{section}.{key}: must be a time like \"14:00\", got {raw!r}")
    return None


def resolve_sqlite_url(url: str, base: Path) -> str:
    """Make a relative sqlite:///path relative to the config file's directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        return prefix + str((base / url[len(prefix):]).resolve())
    return url


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bare_address(value: str) -> str:
    match = re.search(r"<([^>]+)>", value)
    return (match.group(1) if match else value).strip()


def looks_like_address(value: str) -> bool:
    return re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", bare_address(value)) is not None
