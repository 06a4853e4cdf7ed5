"""The reference for crawl speed: bare Scrapy over the same local site, yielding only URLs.

It discovers articles the same way (robots.txt -> sitemap index -> sitemaps) with Scrapy's own
SitemapSpider and does nothing else: no extraction, no dedup, no storage. bench/run.py runs it
outside the project, on Scrapy's default settings, and once more with Pantau's settings."""

from scrapy.spiders import SitemapSpider


class BareSpider(SitemapSpider):
    name = "bare"

    def __init__(self, base_url: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sitemap_urls = [base_url.rstrip("/") + "/robots.txt"]

    def parse(self, response):
        yield {"url": response.url}
