"""The incremental policy of a crawl: which article URLs to fetch, skip or only record as seen.

Plain Python, no Scrapy: the spider asks :meth:`Frontier.decide` for every article URL that
discovery finds (sitemaps, feeds, listings) and turns the answer into a request, a ``Seen``
record or nothing. Kept here: what is stored (``known``), what this crawl scheduled or skipped,
the newest sitemap/feed date seen per article, and the ``since`` / ``max_items`` bounds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any


class Decision(Enum):
    """What to do with an article URL discovery found."""

    FETCH = "fetch"  # request the page
    SEEN = "seen"  # stored and unchanged: record that it is still listed (and a newer date)
    NOTHING = "nothing"  # already handled in this crawl, or out of its bounds


FETCH, SEEN, NOTHING = Decision.FETCH, Decision.SEEN, Decision.NOTHING
_ABSENT = "absent"


@dataclass
class Frontier:
    # stored articles: key (or alias URL) -> lastmod recorded at the last fetch ("~": not an article)
    known: Mapping[str, str | None] | Any = field(default_factory=dict)
    since: date | None = None
    max_items: int | None = None
    local_day: Callable[[str], str] = lambda lastmod: lastmod[:10]  # a lastmod's day where the site is
    scheduled: set[str] = field(default_factory=set)  # fetched or queued in this crawl
    skipped: set[str] = field(default_factory=set)  # stored and unchanged: not fetched
    lastmods: dict[str, str] = field(default_factory=dict)  # newest sitemap/feed date per article
    requested: int = 0  # article requests made (``max_items``)
    before_since: int = 0  # URLs dropped for a date before ``since``
    over_max_items: int = 0  # URLs dropped by ``max_items``

    def decide(self, key: str, lastmod: str | None = None, alias: str | None = None) -> tuple[Decision, str | None]:
        """(FETCH, lastmod), (SEEN, lastmod or None) or (NOTHING, None) for the article ``key``
        (``alias``: the URL's own canonical form, for articles stored under an alias). A stored
        article is fetched again when the lastmod is newer than the one recorded (or, when none
        was recorded, than the time it was fetched); an article met twice is fetched once, and a
        date learnt later is still recorded."""
        if lastmod and lastmod > (self.lastmods.get(key) or ""):
            self.lastmods[key] = lastmod
        if key in self.scheduled:
            return (SEEN, lastmod) if lastmod else (NOTHING, None)
        if self.is_before_since(lastmod):
            self.before_since += 1
            return NOTHING, None
        # not marked as scheduled when skipped: another source may still show a newer lastmod
        stored = self.known.get(key, _ABSENT)
        if stored == _ABSENT and alias is not None:
            stored = self.known.get(alias, _ABSENT)
        if stored != _ABSENT and (lastmod is None or (stored is not None and lastmod <= stored)):
            first_time = key not in self.skipped
            self.skipped.add(key)
            return (SEEN, None) if first_time else (NOTHING, None)
        if self.max_items is not None and self.requested >= self.max_items:
            self.over_max_items += 1
            return NOTHING, None
        self.scheduled.add(key)
        self.skipped.discard(key)
        self.requested += 1
        return FETCH, lastmod

    def is_before_since(self, lastmod: str | None) -> bool:
        """A sitemap/feed date on a local day before ``since``."""
        return bool(self.since and lastmod and self.local_day(lastmod) < self.since.isoformat())

    def is_stored(self, key: str) -> bool:
        return key in self.known


@dataclass
class ListingWalks:
    """How far each listing (home page, category, search) was walked: ``state`` as stored by
    earlier crawls (url -> (walked to its end once, page where a backfill stopped)), ``walked``
    in this crawl (url -> None when it reached the end, else the page to resume at)."""

    state: dict[str, tuple[bool, str | None]] = field(default_factory=dict)
    walked: dict[str, str | None] = field(default_factory=dict)

    def resume_point(self, key: str) -> str | None:
        """Where an earlier crawl stopped at its depth limit before the listing's end, if one did."""
        complete, resume = self.state.get(key, (False, None))
        return resume if resume and not complete else None

    def goes_on(self, key: str, fresh: bool, refresh: bool) -> bool:
        """Whether to read the next page: once a listing has been walked to its end, a crawl stops
        at the first page with nothing new; until then every page up to the depth limit is read."""
        return fresh or refresh or not self.state.get(key, (False, None))[0]

    def ended(self, key: str, resume_url: str | None, resumed: bool) -> bool:
        """A walk reached the listing's end (``resume_url`` None) or the depth limit; whether that
        changed what this crawl records. The end wins; a walk that itself resumed a backfill stops
        deeper than one from page 1."""
        before = self.walked.get(key, "")
        if before is None:
            return False
        if resume_url is None or resumed or before == "":
            self.walked[key] = resume_url
            return True
        return False
