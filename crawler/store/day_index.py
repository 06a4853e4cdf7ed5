"""The near-duplicate day index of the write path: the fingerprints (SimHash, sketch) of the articles
published on each day, read once from the database and kept in memory, with an inverted index of
sketch hashes so that a new article is compared with few of them."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from crawler.enrichment.neardup import (
    candidates_among,
    parse_sketch,
    sketch_shares_enough,
)

NEAR_DUP_DAYS = 2  # a copy of a story is looked for among articles published this many days around it


def days_around(day: str, spread: int) -> list[str]:
    try:
        center = date.fromisoformat(day)
    except ValueError:
        return []
    return [(center + timedelta(days=d)).isoformat() for d in range(-spread, spread + 1)]


class DayFingerprints:
    """Fingerprints (SimHash, sketch) of stored articles, read per publication day and cached while
    no other connection has committed (``PRAGMA data_version``), so that concurrent crawls see each
    other's stories. Forgotten with a transaction that rolled back (it may have added some)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._days: dict[str, _Day] = {}
        self._data_version: int | None = None

    def forget(self) -> None:
        self._days.clear()
        self._data_version = None

    def refresh(self) -> None:
        """Forget what another connection (another site's crawl, another process) changed."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._days.clear()
            self._data_version = version

    def cached(self, day: str) -> _Day | None:
        return self._days.get(day)

    def day(self, day: str) -> _Day:
        cached = self._days.get(day)
        if cached is None:
            cached = self._days[day] = _Day()
            rows = self.conn.execute(
                "SELECT id, site, story_id, simhash, sketch FROM articles WHERE published_date = ?", (day,)
            )
            for row in rows:
                cached.add(*row)
        return cached


@dataclass(slots=True)
class Twin:
    id: str
    site: str
    story_id: str
    same_article: bool = False


@dataclass(slots=True)
class _Day:
    """Fingerprints of the articles published on one day: SimHashes and sketches, with an
    inverted index of sketch hashes so that a new article is compared with few of them. A hash
    maps to the first row that has it, and only the hashes several rows share (a copy's) to a
    list of the others: building a list for every hash cost twice as long, and the index is
    built once per run for every day around the articles stored (thousands of rows at scale)."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    simhashes: list[int] = field(default_factory=list)
    simhash_rows: list[int] = field(default_factory=list)
    sketch_sizes: list[int] = field(default_factory=list)
    first: dict[int, int] = field(default_factory=dict)
    more: dict[int, list[int]] = field(default_factory=dict)

    def add(self, aid: str, site: str, story: str, simhash: str | None, sketch: str | None) -> None:  # noqa: PLR0917 - given a row of its SELECT
        index = len(self.rows)
        self.rows.append((aid, site, story))
        if simhash:
            self.simhashes.append(int(simhash, 16))
            self.simhash_rows.append(index)
        hashes = parse_sketch(sketch)
        self.sketch_sizes.append(len(hashes))
        first, more = self.first.setdefault, self.more
        for h in hashes:
            if first(h, index) != index:
                more.setdefault(h, []).append(index)

    def candidates(self, simhash: int | None, sketch: frozenset[int]) -> list[tuple[str, str, str]]:
        found: set[int] = set()
        if simhash is not None:
            found.update(self.simhash_rows[i] for i in candidates_among(simhash, self.simhashes))
        # hashes shared with each article of the day, counted from the postings (no set
        # intersections)
        shared: Counter[int] = Counter()
        for h in sketch:
            if (row := self.first.get(h)) is not None:
                shared[row] += 1
                if others := self.more.get(h):
                    shared.update(others)
        mine = len(sketch)
        found.update(i for i, common in shared.items() if sketch_shares_enough(mine, self.sketch_sizes[i], common))
        return [self.rows[i] for i in sorted(found)]
