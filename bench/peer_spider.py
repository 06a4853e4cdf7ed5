"""What a user would build instead of Pantau: a plain Scrapy spider that finds articles the same way
(robots.txt -> sitemaps, Scrapy's own SitemapSpider), extracts each page with trafilatura (its
``bare_extraction``, metadata included) and stores it with sqlite-utils (an upsert by URL, a
full-text index over title and text). bench/run.py runs it outside the project, on Scrapy's
defaults plus the benchmark's fast settings, beside Pantau's crawl of the same site."""

from typing import Any

import sqlite_utils
import trafilatura
from scrapy.spiders import SitemapSpider


class SqliteUtilsStore:
    """Each article upserted by URL into ``articles``, full-text searchable over title and text."""

    def open_spider(self, spider: Any) -> None:
        self.db = sqlite_utils.Database(spider.db_path)
        self.table = self.db["articles"]
        self.table.create(
            {"url": str, "title": str, "author": str, "date": str, "text": str}, pk="url", if_not_exists=True
        )
        if not self.db["articles_fts"].exists():
            self.table.enable_fts(["title", "text"], create_triggers=True)

    def process_item(self, item: dict, spider: Any) -> dict:
        self.table.upsert(item, pk="url")
        return item

    def close_spider(self, spider: Any) -> None:
        self.db.close()


class PeerSpider(SitemapSpider):
    name = "peer"
    custom_settings = {"ITEM_PIPELINES": {SqliteUtilsStore: 300}}

    def __init__(self, base_url: str = "", db: str = "peer.db", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sitemap_urls = [base_url.rstrip("/") + "/robots.txt"]
        self.db_path = db

    def parse(self, response: Any) -> Any:
        found = trafilatura.bare_extraction(response.text, url=response.url, with_metadata=True)
        if not found:
            return
        doc = found if isinstance(found, dict) else found.as_dict()
        if doc.get("text"):
            yield {
                "url": response.url,
                "title": doc.get("title"),
                "author": doc.get("author"),
                "date": doc.get("date"),
                "text": doc.get("text"),
            }
