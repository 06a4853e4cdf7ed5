"""The days a page's URL allows for its publication date.

A news site that puts the date in its article URLs (``/2017/7/12/slug``, ``/2019-06-27-slug``)
writes the day the article was first published, when the URL is minted: the URL does not change
when the article is updated, so it outlives a later date in the page's data (a CMS that declares
the update as the publication). A day either side is allowed: the URL's day is the newsroom's,
the page may declare the instant in UTC. A year and month without a day are not read: magazines
put the issue's month there (``/magazine/2017/01/`` on a story published in December), others an
issue number (``/ausgaben/2019-4/``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

# year, month and day as path segments or one dashed segment, always followed by a separator:
# "/2017/7/12/", "/2019-06-27-slug", never the digits of an article's id
_DATED_PATH = re.compile(
    r"/(?P<y>(?:19|20)\d\d)(?P<sep>[/-])(?P<m>0?[1-9]|1[0-2])(?P=sep)(?P<d>0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
)
_SLACK = timedelta(days=1)


@dataclass(frozen=True)
class UrlDays:
    """The day the URL names (``day``) and the days it allows (``first`` to ``last``)."""

    day: date

    @property
    def first(self) -> date:
        return self.day - _SLACK

    @property
    def last(self) -> date:
        return self.day + _SLACK

    def allows(self, value: date) -> bool:
        return self.first <= value <= self.last


def url_days(url: str | None) -> UrlDays | None:
    """The publication day the URL's path names, or None where it names none (a year alone is often
    an archive's or a section's, a year and month an issue's)."""
    # the last dated segment: the article's own comes after any in a section's name
    found = next(iter(reversed(list(_DATED_PATH.finditer(urlsplit(url or "").path)))), None)
    if found is None:
        return None
    try:
        return UrlDays(date(int(found["y"]), int(found["m"]), int(found["d"])))
    except ValueError:  # "/2023/02/30/": no such day
        return None
