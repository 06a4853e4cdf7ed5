"""The incremental policy without Scrapy (crawler.fetch.frontier): what a crawl fetches, skips or
records as seen, for every article URL discovery meets."""

from __future__ import annotations

from datetime import date

from crawler.fetch.frontier import FETCH, NOTHING, SEEN, Frontier


def test_a_new_article_is_fetched_once_and_a_later_date_is_still_recorded():
    f = Frontier()
    assert f.decide("a", "2024-11-01T00:00:00+00:00") == (FETCH, "2024-11-01T00:00:00+00:00")
    assert f.decide("a") == (NOTHING, None)  # met again (a listing): already queued
    assert f.decide("a", "2024-11-02T00:00:00+00:00") == (SEEN, "2024-11-02T00:00:00+00:00")
    assert f.lastmods["a"] == "2024-11-02T00:00:00+00:00" and f.requested == 1


def test_a_stored_article_is_skipped_unless_its_date_is_newer():
    f = Frontier(known={"a": "2024-11-01T00:00:00+00:00", "b": None, "alias-c": "2024-01-01"})
    assert f.decide("a", "2024-11-01T00:00:00+00:00") == (SEEN, None)  # unchanged: seen, not fetched
    assert f.decide("a") == (NOTHING, None)  # and recorded once
    assert f.decide("a", "2024-11-05T00:00:00+00:00") == (FETCH, "2024-11-05T00:00:00+00:00")  # changed
    assert f.decide("b", "2024-11-05T00:00:00+00:00") == (FETCH, "2024-11-05T00:00:00+00:00")  # no date stored
    assert f.decide("b") == (NOTHING, None)
    assert f.decide("c", None, alias="alias-c") == (SEEN, None)  # stored under an alias URL
    assert f.skipped == {"c"} and f.scheduled == {"a", "b"}  # "a" was fetched after all: not skipped


def test_since_and_max_items_bound_what_is_fetched():
    f = Frontier(since=date(2024, 11, 1), max_items=2, local_day=lambda lastmod: lastmod[:10])
    assert f.decide("old", "2024-10-31T23:00:00+00:00") == (NOTHING, None) and f.before_since == 1
    assert f.decide("x", "2024-11-02")[0] == FETCH and f.decide("y")[0] == FETCH
    assert f.decide("z") == (NOTHING, None) and f.over_max_items == 1
    # the day is the site's local day: 23:30 UTC on 31 October is 1 November in WITA
    wita = Frontier(since=date(2024, 11, 1), local_day=lambda lastmod: "2024-11-01")
    assert wita.decide("late", "2024-10-31T23:30:00+00:00")[0] == FETCH
