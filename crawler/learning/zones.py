"""A new site's time zone, learnt from its sampled pages: the offset their dates declare, or,
where they declare UTC (``Z``, ``+00:00``), what the page shows a reader.

A page that declares UTC says one of two things. Either the instant is right and the page shows
the local time beside it (``2024-11-20T14:30:00Z`` and ``20 November 2024 21:30 WIB``: the zone
is seven hours ahead), or the CMS wrote the local clock time with ``Z`` (``14:30Z`` and ``14:30
WIB`` on the page: the file says ``declared_utc_is_local``). The shown time tells them apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from crawler.extraction.dates import ParsedDate
from crawler.learning.site_learning import Sampled, shown_dates
from crawler.zones import zone_from_offset, zone_name

_FARTHEST = timedelta(hours=14)  # no zone is further from UTC


@dataclass(frozen=True)
class LearntZone:
    zone: str | None  # WIB, WITA, WIT or +HH:MM; None when unknown
    declared_utc_is_local: bool = False  # its "Z" times are the zone's clock times


def learn_zone(pages: list[Sampled]) -> LearntZone:
    """The zone most dated pages point to (declared, or shown beside a declared UTC time), and
    whether their UTC times are in fact local ones; unknown when no zone has a majority."""
    votes: Counter[tuple[timedelta, bool]] = Counter()
    dated = 0
    for page in pages:
        if not page.answer.published_at:
            continue
        dated += 1
        declared = datetime.fromisoformat(page.answer.published_at)
        offset = declared.utcoffset()
        if offset is None:
            continue
        vote = (offset, False) if offset else _shown_beside_utc(page, declared)
        if vote is not None:
            votes[vote] += 1
    if not votes:
        return LearntZone(None)
    (offset, utc_is_local), n = votes.most_common(1)[0]
    if n * 2 < dated or not offset:
        return LearntZone(None)
    return LearntZone(zone_name(offset), utc_is_local)


def _shown_beside_utc(page: Sampled, declared: datetime) -> tuple[timedelta, bool] | None:
    """What the page shows of a time it declares in UTC: (the zone's offset, whether the UTC
    time is the local clock time), or None when it shows no time within a zone's reach."""
    utc = declared.replace(tzinfo=None)
    for shown in _shown_times(page, utc):
        clock = shown.value.replace(tzinfo=None)
        zone = shown.value.utcoffset()
        if zone is not None and clock == utc:
            return zone, True  # 14:30 WIB shown, 14:30Z declared
        if zone is not None and clock - zone == utc:
            return zone, False  # 21:30 WIB shown, 14:30Z declared: a right instant
        if zone is None and clock != utc and (clock - utc) % timedelta(minutes=15) == timedelta(0):
            return clock - utc, False  # 21:30 shown without a zone: the page shows local time
    return None


def _shown_times(page: Sampled, utc: datetime) -> list[ParsedDate]:
    """The dates with a time of day that the page's text shows (innermost elements, in page
    order) within fourteen hours of the declared time."""
    near = shown_dates(page, lambda p: p.has_time and abs(p.value.replace(tzinfo=None) - utc) <= _FARTHEST)
    return [parsed for _, parsed in near]


def in_learnt_zone(page: Sampled, zone: LearntZone) -> Sampled:
    """The page with its answer's day as the site shows it: a date the generic layers read in UTC
    (a JSON-LD ``Z`` time: 22:11Z on the 16th) is the next day on a page in WIB (05:11 on the
    17th), and the element that shows it must be found by that day."""
    tz = zone_from_offset(zone.zone)
    at = datetime.fromisoformat(page.answer.published_at) if page.answer.published_at else None
    if tz is None or at is None or at.utcoffset() is None:
        return page
    local = at.replace(tzinfo=None) if zone.declared_utc_is_local and not at.utcoffset() else at.astimezone(tz)
    return replace(page, answer=replace(page.answer, published_date=local.date().isoformat()))
