"""Spider arguments and politeness helpers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from scrapy.utils.test import get_crawler

from crawler.cli.localserver import LocalSite
from crawler.fetch.middlewares import retry_after_seconds
from spiders.suarakalbar import SuarakalbarSpider
from tests.conftest import SITES, scrapy_crawl


def test_retry_after_header():
    now = datetime(2024, 10, 14, 10, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Mon, 14 Oct 2024 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_bad_spider_arguments_are_clear():
    with pytest.raises(ValueError, match="since wants YYYY-MM-DD"):
        SuarakalbarSpider.from_crawler(get_crawler(SuarakalbarSpider), since="kemarin")
    with pytest.raises(ValueError, match="base_url"):
        SuarakalbarSpider.from_crawler(get_crawler(SuarakalbarSpider), base_url="ftp://x")


def test_mirror_mode_maps_urls_both_ways():
    spider = SuarakalbarSpider.from_crawler(
        get_crawler(SuarakalbarSpider, {"DB_PATH": "/nonexistent.db"}), base_url="http://127.0.0.1:8123"
    )
    live = "https://www.suarakalbar.co.id/2023/12/x/?utm_source=fb#c"
    assert spider.urls.crawl_url(live) == "http://127.0.0.1:8123/2023/12/x/"
    assert spider.urls.public_url("http://127.0.0.1:8123/2023/12/x/") == "https://www.suarakalbar.co.id/2023/12/x/"
    assert spider.urls.crawl_url("https://example.org/a") == "https://example.org/a"
    assert "127.0.0.1" in spider.allowed_domains


def test_since_and_max_items_bound_a_crawl(tmp_path):
    db = tmp_path / "b.db"
    with LocalSite(SITES / "suarakalbar") as server:
        result = scrapy_crawl(
            "suarakalbar", db, "-a", f"base_url={server.url}", "-a", "since=2024-01-01", "-a", "max_items=3"
        )
    assert result.returncode == 0, result.stderr[-2000:]
    conn = sqlite3.connect(db)
    dates = [d for (d,) in conn.execute("select published_date from articles")]
    assert 0 < len(dates) <= 3 and all(d >= "2024-01-01" for d in dates)
