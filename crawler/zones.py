"""Indonesia's time zones by name (WIB, WITA, WIT) and a zone from an offset or a name: what site
files declare and what dates on pages name."""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone

ZONES: dict[str, timezone] = {
    "WIB": timezone(timedelta(hours=7)),
    "WITA": timezone(timedelta(hours=8)),
    "WIT": timezone(timedelta(hours=9)),
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
}
WIB, WITA, WIT = ZONES["WIB"], ZONES["WITA"], ZONES["WIT"]
_INDONESIAN = {tz.utcoffset(None): name for name, tz in ZONES.items() if name in ("WIB", "WITA", "WIT")}


def zone_name(offset: timedelta) -> str:
    """An offset by the name Indonesia gives it (WIB, WITA, WIT), else as ``+HH:MM``."""
    if offset in _INDONESIAN:
        return _INDONESIAN[offset]
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_from_offset(offset: str | None) -> timezone | None:
    """'+07:00' / '+0700' / 'WITA' -> a timezone, None when unknown."""
    if not offset:
        return None
    text = offset.strip()
    if text.upper() in ZONES:
        return ZONES[text.upper()]
    m = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?", text)
    if not m or int(m.group(2)) > 14:
        return None
    sign = -1 if m.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))
