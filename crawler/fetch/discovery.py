"""Discovery documents read into candidate article URLs with their dates: sitemaps (through
Scrapy's own :class:`~scrapy.utils.sitemap.Sitemap`), RSS/Atom feeds, listing pages; and where
the crawl's URLs point (the live site, or a mirror of it).

No requests are made here: the spider fetches, these functions read what came back, and the
:class:`~crawler.fetch.frontier.Frontier` decides what to fetch next. A document that cannot be used
raises :class:`Unreadable` with the reason recorded in ``rejects``.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import TextResponse
from scrapy.utils.sitemap import Sitemap

from crawler.arguments import origin
from crawler.extraction.dates import http_date, parse_date
from crawler.extraction.decode import looks_binary
from crawler.extraction.selecting import query
from crawler.sites.profile import SiteProfile
from crawler.urls import clean_url, same_site, with_origin

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


class Unreadable(ValueError):
    """A sitemap or feed that cannot be used: ``reason`` as recorded (``bad-sitemap``,
    ``empty-sitemap``, ``bad-feed``, ``too-large``), the message says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class SiteURLs:
    """A site's URLs as the crawl fetches them and as they are on the live site: in mirror mode
    (``base_url``) on-site URLs are fetched from the mirror and recorded under the live origin."""

    domains: tuple[str, ...]
    public_origin: str
    base_url: str | None = None

    @property
    def origin(self) -> str:
        return self.base_url or self.public_origin

    def crawl_url(self, url: str) -> str:
        """The URL to fetch: tracking parameters and fragments gone; the mirror in mirror mode."""
        url = clean_url(url)
        if self.base_url and same_site(url, self.domains):
            return with_origin(url, self.base_url)
        return url

    def public_url(self, url: str) -> str:
        """The URL as it is on the live site (mirror URLs mapped back)."""
        if self.base_url and origin(url) == self.base_url:
            return with_origin(url, self.public_origin)
        return url

    def on_site(self, url: str) -> bool:
        return same_site(url, self.domains) or (self.base_url is not None and origin(url) == self.base_url)

    def entry(self, path: str) -> str:
        """An entry point of the profile (a path on the site, or a full URL) as fetched."""
        return self.origin + path if path.startswith("/") else self.crawl_url(path)


class EntryPoints(dict[str, dict[str, Any]]):
    """What each entry point gave in a crawl: url -> kind, status, article URLs found, newest date."""

    def note(
        self,
        url: str,
        kind: str,
        status: str,
        *,
        articles: int = 0,
        newest: str | None = None,
        fetched: str | None = None,
    ) -> None:
        """Counts add up over a listing's pages; the last status and the newest date stay.
        ``fetched``: where it was fetched, when not at ``url`` (a mirror, a local copy)."""
        entry = self.setdefault(url, {"kind": kind, "articles": 0, "newest": None})
        if fetched and fetched != url:
            entry.setdefault("fetched", fetched)
        entry["status"] = status
        entry["articles"] += articles
        if newest and newest > (entry["newest"] or ""):
            entry["newest"] = newest


@dataclass
class SitemapLimits:
    """Bounds on what sitemaps may cost a crawl (a hostile or broken site costs a bounded number
    of requests): documents per crawl, index nesting, children per index, decompressed size."""

    max_documents: int = 500
    max_depth: int = 3
    max_children: int = 50
    maxsize: int = 50 * 1024 * 1024
    documents: int = 0  # sitemaps admitted in this crawl (and one more once the limit is recorded)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> SitemapLimits:
        return cls(
            max_documents=settings.getint("SITEMAP_MAX_DOCUMENTS", 500),
            max_depth=settings.getint("SITEMAP_MAX_DEPTH", 3),
            max_children=settings.getint("SITEMAP_MAX_CHILDREN", 50),
            maxsize=settings.getint("SITEMAP_MAXSIZE", 50 * 1024 * 1024),
        )

    def admit(self, depth: int) -> tuple[str, str] | None:
        """None when one more sitemap at ``depth`` may be fetched; else (reason, detail) to record,
        given once for the total (later refusals are ``("", "")``: already recorded)."""
        if depth > self.max_depth:
            return "too-deep", f"a sitemap index nested deeper than SITEMAP_MAX_DEPTH ({self.max_depth}); not followed"
        self.documents += 1
        if self.documents <= self.max_documents:
            return None
        if self.documents > self.max_documents + 1:
            return "", ""
        return "too-many", f"more than SITEMAP_MAX_DOCUMENTS ({self.max_documents}) sitemaps; the rest not read"


def normalize_lastmod(value: str | None) -> str | None:
    """Sitemap ``lastmod`` or feed ``pubDate`` as ISO 8601 in UTC, comparable as text."""
    if not value or not value.strip():
        return None
    value = value.strip()
    parsed = parse_date(value)
    if parsed is not None:
        return parsed.value.astimezone(UTC).isoformat(timespec="seconds")
    when = http_date(value)
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else None


def local_day(lastmod: str, tz: timezone) -> str:
    """The site's local date of a normalised (UTC) lastmod: what ``since`` is compared with."""
    try:
        return datetime.fromisoformat(lastmod).astimezone(tz).date().isoformat()
    except ValueError:
        return lastmod[:10]


def xml_body(body: bytes, maxsize: int, kind: str) -> bytes | None:
    """A sitemap or feed document, gunzipped when compressed (at most ``maxsize`` bytes); None
    when it is not XML. Raises :class:`Unreadable` for a corrupt or oversized gzip."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
                body = f.read(maxsize + 1)
        except (OSError, EOFError) as exc:
            raise Unreadable(f"bad-{kind}", f"corrupt gzip: {exc}") from None
        if len(body) > maxsize:
            raise Unreadable("too-large", f"too large: over {maxsize} bytes once decompressed (SITEMAP_MAXSIZE)")
    if not body[:512].lstrip().startswith(b"<"):
        return None
    return body


def read_sitemap(body: bytes, maxsize: int) -> tuple[str, list[dict[str, Any]]]:
    """(``sitemapindex`` or ``urlset``, its entries with a ``loc``)."""
    xml = xml_body(body, maxsize, "sitemap")
    try:
        sitemap = Sitemap(xml) if xml is not None else None
    except Exception:  # noqa: BLE001 - not XML at all
        sitemap = None
    if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
        raise Unreadable("bad-sitemap", "not a sitemap (not XML or unknown root)")
    try:
        entries = [e for e in sitemap if e.get("loc")]
    except Exception as exc:  # noqa: BLE001 - truncated or malformed XML mid-way
        raise Unreadable("bad-sitemap", f"unreadable: {exc}") from None
    if not entries:
        raise Unreadable("empty-sitemap", f"a {sitemap.type} without usable <loc> entries")
    return sitemap.type, entries


def read_feed(body: bytes, maxsize: int) -> list[tuple[str | None, str | None]]:
    """(link, normalised date) of every RSS item or Atom entry."""
    xml = xml_body(body, maxsize, "feed")
    if xml is None or looks_binary(xml[:1024]):
        raise Unreadable("bad-feed", "not XML")
    try:
        sel = Selector(body=xml, type="xml")
        sel.remove_namespaces()
    except Exception as exc:  # noqa: BLE001 - parsel and lxml raise assorted errors on a bad feed
        raise Unreadable("bad-feed", str(exc)[:200]) from None
    items = sel.xpath("//item | //entry")
    if not items:
        raise Unreadable("bad-feed", "no RSS items or Atom entries")
    found = []
    for item in items:
        link = item.xpath("link/@href").get() or item.xpath("link/text()").get() or item.xpath("guid/text()").get()
        raw = item.xpath("pubDate/text() | updated/text() | published/text() | date/text()").get()
        found.append((link and link.strip(), normalize_lastmod(raw)))
    return found


@dataclass
class ListingLinks:
    """The on-site links of a listing page, sorted by what the profile calls them."""

    articles: list[tuple[str, str]] = field(default_factory=list)  # (URL as linked, live URL)
    listings: list[tuple[str, str]] = field(default_factory=list)  # category pages (read from the home page)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (live URL, why it is not fetched)


def listing_links(response: TextResponse, urls: SiteURLs, profile: SiteProfile, *, home: bool) -> ListingLinks:
    """Every on-site http(s) link of a listing page, in page order: articles, other listings (on
    the home page), and links the profile refuses."""
    links = ListingLinks()
    for href in response.css("a::attr(href)").getall():
        url = response.urljoin(href.strip())
        if not url.startswith("http") or not urls.on_site(url):
            continue
        public = urls.public_url(urls.crawl_url(url))
        if (refusal := profile.refusal(public)) is None:
            links.articles.append((url, public))
        elif home and profile.is_listing_url(public):
            links.listings.append((url, public))
        else:
            links.refused.append((public, refusal))
    return links


def next_page(page: Selector, base_url: str, selectors: tuple[str, ...]) -> str | None:
    """The next page of a listing: the first of the profile's selectors that gives a link,
    resolved against the page's base URL."""
    for selector in selectors:
        href = next(iter(query(page, selector)), None)
        if isinstance(href, str) and href.strip():
            return urljoin(base_url, href.strip())
    return None


def advertised_feeds(page: Selector, base_url: str) -> list[str]:
    """The RSS/Atom feeds a page advertises (``<link rel=alternate>``), as absolute URLs against
    the page's base URL."""
    hrefs = page.css(
        'link[rel=alternate][type*="rss"]::attr(href), link[rel=alternate][type*="atom"]::attr(href)'
    ).getall()
    return [urljoin(base_url, href) for href in hrefs]
