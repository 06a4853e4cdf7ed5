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
