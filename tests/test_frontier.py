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


def test_sitemap_limits_admit_documents_up_to_the_total_and_say_so_once():
    from crawler.fetch.discovery import SitemapLimits

    limits = SitemapLimits(max_documents=2, max_depth=1)
    assert limits.admit(0) is None and limits.admit(1) is None
    assert limits.admit(2)[0] == "too-deep"  # nesting is refused whatever the count
    assert limits.admit(0) == ("too-many", "more than SITEMAP_MAX_DOCUMENTS (2) sitemaps; the rest not read")
    assert limits.admit(0) == ("", "") and limits.admit(1) == ("", "")  # recorded once


def test_listing_walks_resume_a_backfill_and_stop_early_once_walked_to_the_end():
    from crawler.fetch.frontier import ListingWalks

    walks = ListingWalks(state={"home": (False, "home?page=6"), "kalbar": (True, None)})
    assert walks.resume_point("home") == "home?page=6" and walks.resume_point("kalbar") is None
    assert walks.goes_on("home", fresh=False, refresh=False)  # never walked to its end: go on
    assert not walks.goes_on("kalbar", fresh=False, refresh=False)  # walked once: stop at nothing new
    assert walks.goes_on("kalbar", fresh=True, refresh=False) and walks.goes_on("kalbar", fresh=False, refresh=True)
    assert walks.ended("home", "home?page=5", resumed=False) and walks.walked == {"home": "home?page=5"}
    assert walks.ended("home", "home?page=11", resumed=True)  # the resumed walk went deeper
    assert walks.ended("home", None, resumed=False) and walks.walked["home"] is None  # the end wins
    assert not walks.ended("home", "home?page=3", resumed=True)
