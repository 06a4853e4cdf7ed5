"""The publication date as htmldate finds it (trafilatura's own date library, tuned on thousands of
pages of sites nobody profiled): the URL's date, header and JSON data, ``abbr`` and ``time``
elements, then the page's text by its own heuristics, preferring the original date over an
update. Pantau's layer for pages where the declared layers (JSON-LD, meta, a profile's selectors,
a byline) give nothing; which order wins was measured on real pages (docs/sites.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from htmldate import find_date
from lxml import etree

from crawler.extraction.dates import EARLIEST, ParsedDate, latest_day
from crawler.extraction.urldates import UrlDays

_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def htmldate_date(
    tree: etree._Element, url: str | None, fetched: datetime, *, tz: timezone | None, within: UrlDays | None = None
) -> tuple[ParsedDate, str] | None:
    """The page's publication date by htmldate (``tree``, the page as the generic layers bound it,
    is copied, never changed), no later than the day the page was fetched nor before 1995, and
    among the days its URL allows (``within``). A day without a time is a day; a time without an
    offset takes ``tz`` (the zone the page or its site declares)."""
    earliest, latest = EARLIEST, latest_day(fetched)
    if within is not None:
        earliest, latest = max(earliest, within.first), min(latest, within.last)
    if earliest > latest:
        return None
    found = find_date(
        tree,
        url=url,
        original_date=True,
        extensive_search=True,
        outputformat=_FORMAT,
        min_date=earliest.isoformat(),
        max_date=latest.isoformat(),
    )
    if not found:
        return None
    has_offset = found[-5] in "+-" and found[-4:].isdigit()
    value = datetime.strptime(found, _FORMAT if has_offset else _FORMAT[:-2])
    if not earliest <= value.date() <= latest:
        return None
    if not has_offset and value.time() == datetime.min.time():  # a day, no time of day
        return ParsedDate.of_day(value.date(), tz), found[:10]
    return ParsedDate(value if value.tzinfo else value.replace(tzinfo=tz), True), found
