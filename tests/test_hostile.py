"""A misbehaving server. The crawl finishes within its timeouts, stores the good pages,
and records every bad one with a specific reason."""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.conftest import scrapy_crawl
from tests.hostile_server import BAD, CP1252, GOOD, HostileSite


@pytest.mark.slow
def test_crawl_survives_a_hostile_server(tmp_path):
    db = tmp_path / "h.db"
    started = time.monotonic()
    with HostileSite() as site:
        result = scrapy_crawl(
            "suarakalbar",
            db,
            "-a",
            f"base_url={site.url}",
            "-s",
            "DOWNLOAD_TIMEOUT=3",
            "-s",
            "RETRY_TIMES=1",
            "-s",
            "RETRY_BACKOFF_MAX=1",
            "-s",
            "DOWNLOAD_MAXSIZE=2000000",
            timeout=150,
        )
        hits = dict(site.hits)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert elapsed < 90
    conn = sqlite3.connect(db)
    stored = {
        url.split("suarakalbar.co.id")[-1]: (title, day, at, body)
        for url, title, day, at, body in conn.execute(
            "select url, title, published_date, published_at, body from articles"
        )
    }
    rejects = {
        url.split("suarakalbar.co.id")[-1]: reason
        for url, reason in conn.execute("select url, reason from rejects where kind = 'article'")
    }
    assert set(GOOD) | set(CP1252) <= set(stored), (sorted(stored), rejects, result.stderr[-6000:])
    assert not set(BAD) & set(stored)
    for path, reason in BAD.items():
        assert path in rejects, (path, rejects)
        assert rejects[path].startswith(reason), (path, rejects[path])
    # wrong or missing charsets are repaired
    for path in CP1252:
        assert "Café – “kutipan”." in stored[path][3]
    # impossible, garbled and future dates never become a date
    for path in ("/2024/01/future-date/", "/2024/01/impossible-date/"):
        assert stored[path][1] is None and stored[path][2] is None
    assert stored["/2024/01/good-one/"][2] == "2023-11-29T13:05:00+07:00"
    assert hits["/2024/01/retry-429/"] == 2  # retried after Retry-After, then stored
    sitemaps = dict(conn.execute("select url, reason from rejects where kind = 'sitemap'"))
    live = "https://www.suarakalbar.co.id"  # rejects name the site's own URLs, as articles do
    # wp-sitemap.xml is absent: one of the profile's alternative sitemaps, not a failure
    assert sitemaps == {f"{live}/not-xml.xml": "bad-sitemap", f"{live}/bomb.xml": "empty-sitemap"}
    assert hits["/post.xml.gz"] == 1  # the gzip sitemap was read (its articles are among those stored)
    run = conn.execute("select status, new, dropped, dropped_reasons from crawl_runs").fetchone()
    assert run[0] == "finished" and run[1] == len(stored) and run[2] == len(rejects)
