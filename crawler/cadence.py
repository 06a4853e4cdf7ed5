"""When a site is due: its polling interval, learnt from when its new articles appeared.

A site that publishes every ten minutes is polled at the floor; one that publishes three times a
day is polled a few times a day; and the same site is polled more often during the hours it
usually publishes than at night. The interval is a share (``SCHEDULE_GAP_SHARE``) of the typical
gap between new articles at this hour of the day, clamped to ``SCHEDULE_MIN_INTERVAL`` and
``SCHEDULE_MAX_INTERVAL``. A run that failed (offline, DNS, the site down) is retried soon:
after the floor, doubling with each failure in a row up to the learnt interval, so that a network
blip at night does not leave the watch blind until morning. A run that was told to slow down
(HTTP 429/503) stretches the interval instead: the site asked to be polled less often.

Plain Python, no I/O: :mod:`crawler.store.polling` reads the history and keeps the schedule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

HOURS_AROUND = 1  # the hour-of-day pattern looks at this many hours either side of now


@dataclass(frozen=True)
class Cadence:
    """The polling policy, from the settings of the same names."""

    floor: float = 180.0  # SCHEDULE_MIN_INTERVAL: never more often than this (seconds)
    ceiling: float = 21600.0  # SCHEDULE_MAX_INTERVAL: at least this often, however quiet the site
    share: float = 0.25  # SCHEDULE_GAP_SHARE: the interval is this share of the typical gap
    window_days: float = 14.0  # SCHEDULE_HISTORY_DAYS: the history the interval is learnt from
    full_walk: float = 86400.0  # FULL_WALK_INTERVAL: a full walk of every entry point at least this often

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Cadence:
        return cls(
            floor=settings.getfloat("SCHEDULE_MIN_INTERVAL", cls.floor),
            ceiling=settings.getfloat("SCHEDULE_MAX_INTERVAL", cls.ceiling),
            share=settings.getfloat("SCHEDULE_GAP_SHARE", cls.share),
            window_days=settings.getfloat("SCHEDULE_HISTORY_DAYS", cls.window_days),
            full_walk=settings.getfloat("FULL_WALK_INTERVAL", cls.full_walk),
        )

    def clamp(self, seconds: float) -> float:
        return min(max(seconds, self.floor), max(self.ceiling, self.floor))


def learnt_interval(appeared: Iterable[datetime], now: datetime, cadence: Cadence) -> float:
    """Seconds between polls of a site whose new articles appeared at ``appeared`` (aware times,
    those of the last ``window_days``). Once two days of history are known, the rate at this hour
    of day (three hours wide) is blended with the all-day rate, so that a quiet night is polled
    less often but not forgotten; before that, the rate over the history there is."""
    start = now - timedelta(days=cadence.window_days)
    times = [t for t in appeared if start <= t <= now]
    if not times:
        return cadence.ceiling
    span_hours = max(1.0, (now - min(times)).total_seconds() / 3600)
    rate = len(times) / span_hours  # articles per hour
    if span_hours >= 48:
        hours = {(now.hour + d) % 24 for d in range(-HOURS_AROUND, HOURS_AROUND + 1)}
        near = sum(1 for t in times if t.hour in hours)
        rate = 0.75 * near / (len(hours) * span_hours / 24) + 0.25 * rate
    return cadence.clamp(cadence.share * 3600 / rate) if rate else cadence.ceiling


def next_interval(learnt: float, failures: int, slowed: bool, *, cadence: Cadence) -> tuple[float, str]:
    """The interval until the next poll, and why it differs from the learnt one (empty when it
    does not). After ``failures`` failed runs in a row the site is retried after the floor,
    doubled per further failure (and once more when it answered 429/503), never later than the
    learnt interval. A run that finished but was told to slow down waits twice the learnt
    interval (at most the ceiling, or the learnt interval when that is already longer)."""
    if failures:
        retry = cadence.floor * 2 ** (failures - 1 + slowed)
        return min(retry, learnt), f"retrying: {failures} failed in a row"
    if slowed:
        return min(2 * learnt, max(cadence.ceiling, learnt)), "the site asked to slow down (429/503)"
    return learnt, ""


def duration_text(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3.5 h``: an interval as people read it."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
