"""Feeds and sitemaps cannot expand entities or read files; spiders stay on their sites."""

from __future__ import annotations

from scrapy.http import Request, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.items import Reject
from spiders.suarakalbar import SuarakalbarSpider

XXE_FEED = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<rss><channel><item><title>&xxe;&c;</title><link>https://www.suarakalbar.co.id/2024/01/&xxe;/</link></item>
<item><link>https://evil.example/2024/01/berita-lain/</link></item>
<item><link>https://www.suarakalbar.co.id/2024/02/berita-aman/</link></item></channel></rss>"""


def spider():
    crawler = get_crawler(SuarakalbarSpider, {"DB_PATH": "/nonexistent/x.db"})
    s = SuarakalbarSpider.from_crawler(crawler)
    crawler.spider = s
    return s


def test_feed_with_external_entities_and_bomb():
    s = spider()
    url = "https://www.suarakalbar.co.id/feed/"
    out = list(s.parse_feed(XmlResponse(url, body=XXE_FEED, request=Request(url))))
    urls = [r.url for r in out if isinstance(r, Request)]
    assert urls == ["https://www.suarakalbar.co.id/2024/02/berita-aman/"]  # off-site and entity links never followed
    assert all("root:" not in u for u in urls)


def test_sitemap_with_external_entity_reads_nothing():
    s = spider()
    body = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&x;</loc></url></urlset>'
    )
    url = "https://www.suarakalbar.co.id/sitemap.xml"
    out = list(s.parse_sitemap(XmlResponse(url, body=body, request=Request(url))))
    assert len(out) == 1 and isinstance(out[0], Reject) and out[0].reason == "empty-sitemap"


def test_listing_never_leaves_the_site():
    s = spider()
    url = "https://www.suarakalbar.co.id/"
    html = (
        b"<html><body class='home'><a href='https://evil.example/2024/01/x/'>x</a>"
        b"<a href='javascript:alert(1)'>j</a><a href='/2024/01/ok-berita/'>ok</a></body></html>"
    )
    out = list(s.parse_listing(TextResponse(url, body=html, request=Request(url, meta={"home": True}))))
    assert [r.url for r in out if isinstance(r, Request)] == ["https://www.suarakalbar.co.id/2024/01/ok-berita/"]


def test_listing_follows_a_plain_next_link():
    s = spider()
    s.depth = 3
    url = "https://www.suarakalbar.co.id/category/kalbar/"
    html = (
        b"<html><body><a href='/2024/01/berita-baru-sekali/'>b</a>"
        b"<ul class='pager'><li><a href='/category/kalbar/?page=2'>Selanjutnya</a></li></ul></body></html>"
    )
    out = [
        r.url
        for r in s.parse_listing(TextResponse(url, body=html, request=Request(url, meta={"page": 1})))
        if isinstance(r, Request)
    ]
    assert "https://www.suarakalbar.co.id/category/kalbar/?page=2" in out
