"""Site profiles: the small, declarative part of a site that the generic code cannot guess.

A profile holds selectors for layer 3 of extraction and the entry points for discovery. Every
selector list is tried in order; a missing or wrong selector just falls through to the next layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone
from urllib.parse import urlsplit

from crawler.extraction.dates import WIB
from crawler.extraction.htmltext import selector_xpath
from crawler.urls import canonical_url

# Selectors removed from every article body before it becomes text (site-independent chrome).
COMMON_BODY_DROP: tuple[str, ...] = (
    "script", "style", "noscript", "iframe", "form", "button", "svg", "template",
    "ins", ".adsbygoogle", "[class*='code-block']", "[id^='div-gpt']", "[class*='iklan']",
    "[class*='advert']", "[class*='ads-']", "[class*='-ads']",
    "[class*='share']", "[class*='social']", "[class*='related']", "[id*='related']",
    "[class*='comment']", "[id*='comment']", "[id='respond']", "[class*='newsletter']",
    "[class*='tags']", "[class*='post-tags']", "[class*='pagination']", "[class*='page-links']",
    "[class*='breadcrumb']", "[class*='author-box']", "[class*='notification']",
    "figure", "figcaption", ".wp-caption", "nav", "aside", "footer",
)  # fmt: skip


@dataclass(frozen=True)
class SiteProfile:
    """Everything site-specific about one news site."""

    name: str  # spider name, also ``articles.site``
    label: str  # the site's own name as it appears in titles and datelines
    domains: tuple[str, ...]  # registrable domains; subdomains are accepted
    home: str  # the live home page
    article_path: str  # regex on the URL path that only article pages match
    # regex on the URL path of category listings linked from the home page (followed, paginated)
    listing_path: str = r"^/(?:category|kategori|kanal|rubrik)/[^/]+/?$"
    timezone: timezone = WIB
    language: str = "id"
    # Layer 3: CSS selectors, first match wins.
    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    byline: tuple[str, ...] = ()  # elements whose text holds author/date/editor together
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    image: tuple[str, ...] = ()
    caption: tuple[str, ...] = ()
    views: tuple[str, ...] = ()  # elements holding a view counter ("190 Kali")
    body: tuple[str, ...] = ()
    body_drop: tuple[str, ...] = ()  # removed from the body on top of COMMON_BODY_DROP
    boilerplate: tuple[str, ...] = ()  # regexes: body paragraphs matching one are dropped
    # Discovery: paths on the site's origin.
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    search: tuple[str, ...] = ()  # templates with {query}
    search_terms: tuple[str, ...] = ("netralitas ASN",)
    next_page: tuple[str, ...] = (
        "link[rel=next]::attr(href)",
        "a[rel=next]::attr(href)",
        "a.next::attr(href)",
        ".ray-pagination-next a::attr(href)",
        ".pagination a.next::attr(href)",
        "a.next.page-numbers::attr(href)",
        ".pages-nav a[rel=next]::attr(href)",
        "li.the-next-page a::attr(href)",
        "(//a[normalize-space()='Selanjutnya' or normalize-space()='Berikutnya' or normalize-space()='Next'"
        " or normalize-space()='›' or normalize-space()='»' or normalize-space()='Next »'])[1]/@href",
    )  # CSS, or XPath when it starts with "/" or "("
    # Identity of an article when the URL alone is not (e.g. a numeric id in the path).
    identity: Callable[[str], str | None] | None = None
    # regex on the URL path of static pages that look like articles (whole slugs, e.g.
    # ``^/(?:pedoman-media-siber|tentang-kami)/?$``): never fetched as articles
    static_path: str | None = None

    def is_article_url(self, url: str) -> bool:
        return self.refusal(url) is None

    def refusal(self, url: str) -> str | None:
        """Why the URL is not fetched as an article (``not-article-url``, ``static-page``), or
        None when it is one. Counted per reason in each run's summary."""
        if not _path_matches(url, self.article_path):
            return "not-article-url"
        if self.static_path and _path_matches(url, self.static_path):
            return "static-page"
        return None

    def is_listing_url(self, url: str) -> bool:
        return _path_matches(url, self.listing_path)

    def url_key(self, url: str) -> str:
        """The article's identity: the site's id where it has one, else the canonical URL."""
        if self.identity:
            key = self.identity(url)
            if key:
                return key
        return canonical_url(url)

    def drop_selectors(self) -> tuple[str, ...]:
        return self.body_drop + COMMON_BODY_DROP

    def check(self) -> None:
        """Raise :class:`ProfileError` naming every invalid selector or URL pattern: a typo must
        stop the crawl at start, not silently match nothing on every page."""
        problems = []
        for name in SELECTOR_FIELDS:
            for selector in getattr(self, name):
                try:
                    selector_xpath(selector)
                except Exception as exc:  # cssselect and lxml raise assorted errors
                    problems.append(f"{name} selector {selector!r}: {exc}")
        for name in ("article_path", "listing_path", "static_path"):
            pattern = getattr(self, name)
            try:
                re.compile(pattern or "")
            except re.error as exc:
                problems.append(f"{name} {pattern!r}: {exc}")
        if problems:
            raise ProfileError(f"site profile {self.name!r} is invalid: " + "; ".join(problems))


class ProfileError(ValueError):
    """A site profile has an invalid selector or pattern."""


SELECTOR_FIELDS = (
    "title", "date", "authors", "byline", "category", "tags", "image", "caption", "views", "body", "body_drop",
    "next_page",
)  # fmt: skip


def _path_matches(url: str, pattern: str) -> bool:
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return re.search(pattern, path) is not None
