"""The dashboard's Vega-Lite views, built for the range the reader chose: bars by day over a short
range and by week over a long one, the time scale spanning the whole range (a week of news is not
one full-width bar), count axes in whole articles, and labels wrapped, never cut, so that an
official's name or a story's title reads whole.

Label wrapping is done in the browser by an expression function ``wrap(text, width)`` that the
page registers with vega-embed (Vega's expression language cannot loop)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

SHORT_RANGE_DAYS = 92  # up to about three months a bar is a day; beyond, a week
LABEL_WIDTH = 52  # characters per line of a wrapped label
WIDE_LABEL_WIDTH = 70  # the story timeline's titles, on a full-width card

Spec = dict[str, Any]


@dataclass(frozen=True)
class TimeAxis:
    """How a chart by publication date shows the range ``since``..``until`` (both included)."""

    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def by_week(self) -> bool:
        return self.days > SHORT_RANGE_DAYS

    def encoding(self, field: str) -> Spec:
        """The x encoding of a bar per day (or week) of ``field``, a YYYY-MM-DD column."""
        ticks: Spec
        if self.by_week:
            unit, title, ticks, label = "utcyearweek", "week (Sunday to Saturday)", {"interval": "month"}, "%b %Y"
        else:
            unit, title, label = "utcyearmonthdate", "day", "%d %b"
            ticks = {"interval": "day", "step": 1} if self.days <= 16 else {"interval": "week"}
        end = datetime.combine(self.until + timedelta(days=1), time(), UTC)
        start = datetime.combine(self.since, time(), UTC)
        return {
            "field": field,
            "type": "temporal",
            "timeUnit": unit,
            "title": title,
            "scale": {"type": "utc", "domain": [_ms(start), _ms(end)]},
            "axis": {"tickCount": ticks, "format": label, "labelOverlap": True},  # a utc scale: the format is UTC
        }


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def count(field: str, channel: str) -> Spec:
    """A count of articles on the ``channel`` axis: ticks at whole numbers only, never 0.5 of an
    article (Vega's ``tickMinStep`` is not honoured by the build Datasette serves, so the values
    are listed: about six steps from 0 to the scale's top)."""
    top = f"floor(domain('{channel}')[1])"
    values = {"expr": f"sequence(0, {top} + 1, max(1, ceil({top} / 6)))"}
    return {"field": field, "type": "quantitative", "title": field, "axis": {"values": values, "format": "d"}}


def label(field: str, width: int = LABEL_WIDTH) -> Spec:
    """A row label (a place, an official, a story) wrapped at ``width`` characters and never cut."""
    expr = f"wrap(datum.label, {width})"
    return {
        "field": field,
        "type": "nominal",
        "title": None,
        "sort": None,
        "axis": {"labelLimit": 0, "labelExpr": expr},
    }


def bars_per_day(axis: TimeAxis, day: str, counted: str, *, color: str) -> Spec:
    """Bars per day (or week), stacked by ``color``."""
    return {
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": axis.encoding(day),
            "y": {**count(counted, "y"), "aggregate": "sum"},
            "color": {"field": color, "type": "nominal"},
            "tooltip": [{"field": day, "title": "published"}, {"field": color}, {"field": counted}],
        },
    }


def ranked_bars(counted: str, row: str, color: str | None = None) -> Spec:
    """Horizontal bars, largest first, one row per ``row`` value with its label whole."""
    encoding: Spec = {
        "x": count(counted, "x"),
        "y": {**label(row), "sort": "-x"},
        "tooltip": [{"field": row}, {"field": counted}],
    }
    if color:
        encoding["color"] = {"field": color, "type": "nominal"}
        encoding["tooltip"].append({"field": color})
    return {"mark": {"type": "bar", "tooltip": True}, "encoding": encoding, "height": {"step": 22}}


def story_timeline() -> Spec:
    """One line per story from its first to its last site's publication, a point per site at that
    site's own time (the axis in WIB, the tooltip in the site's zone) and the gap at the line's end."""
    story = {**label("story", WIDE_LABEL_WIDTH), "sort": {"field": "at", "op": "min", "order": "descending"}}
    scale = {"type": "utc", "padding": 90}  # room for the gap's label after the last point
    at = {"field": "at", "type": "temporal", "scale": scale, "title": "published (WIB)"}
    at["axis"] = {"format": "%d %b %H:%M", "labelAngle": -30, "labelOverlap": True}
    tooltip = [
        {"field": f, "title": t}
        for f, t in (
            ("story", "story"),
            ("site", "site"),
            ("published", "published"),
            ("first_seen", "first seen by Pantau (UTC)"),
            ("gap", "gap"),
        )
    ]
    return {
        "height": {"step": 44},
        "encoding": {"y": story},
        "layer": [
            {"mark": "rule", "encoding": {"x": {**at, "aggregate": "min"}, "x2": {"field": "at", "aggregate": "max"}}},
            {
                "mark": {"type": "point", "filled": True, "size": 110, "tooltip": True},
                "encoding": {"x": at, "color": {"field": "site", "type": "nominal"}, "tooltip": tooltip},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 10, "fontWeight": "bold"},
                "encoding": {"x": {**at, "aggregate": "max"}, "text": {"field": "gap", "type": "nominal"}},
            },
        ],
    }
