"""Site profiles: the small, declarative part of a site that the generic code cannot guess.

A profile holds selectors for layer 3 of extraction and the typed entry points for discovery
(sitemaps, feeds, listings, search pages: :class:`EntryPoint`, as Fundus declares a publisher's
sources). Every selector list is tried in order; a missing or wrong selector just falls through to
the next layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone
from typing import Literal
from urllib.parse import urlsplit

from crawler.selectors import selector_xpath
from crawler.urls import canonical_url
from crawler.zones import WIB

# Selectors removed from every article body before it becomes text (site-independent chrome).
COMMON_BODY_DROP: tuple[str, ...] = (
    "script",
    "style",
    "noscript",
    "iframe",
    "form",
    "button",
    "svg",
    "template",
    "[hidden]:not([hidden='until-found'])",  # not rendered (HTML's hidden attribute): a push prompt
    "ins",
    ".adsbygoogle",
    "[class*='code-block']",
    "[id^='div-gpt']",
    "[class*='iklan']",
    "[class*='advert']",
    "[class*='ads-']",
    "[class*='-ads']",
    "[class*='share']",
    "[class*='social']",
    "[class*='related']",
    "[id*='related']",
    "[class*='comment']",
    "[id*='comment']",
    "[id='respond']",
    "[class*='newsletter']",
    "[class*='tags']",
    "[class*='post-tags']",
    "[class*='pagination']",
    "[class*='page-links']",
    "[class*='breadcrumb']",
    "[class*='author-box']",
    "[class*='notification']",
    "figure",
    "figcaption",
    ".wp-caption",
    "nav",
    "aside",
    "footer",
)


EntryKind = Literal["sitemap", "feed", "listing", "search"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("sitemap", "feed", "listing", "search")


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """Where discovery starts on a site: a path on the site's origin (a search's is a template with
    ``{query}``). Several of one kind are tried in the order declared (sitemaps: alternatives, a
    plugin's index before WordPress core's)."""

    kind: EntryKind
    path: str


def sitemap(path: str) -> EntryPoint:
    return EntryPoint("sitemap", path)


def feed(path: str) -> EntryPoint:
    return EntryPoint("feed", path)


def listing(path: str) -> EntryPoint:
    return EntryPoint("listing", path)


def search(template: str) -> EntryPoint:
    return EntryPoint("search", template)


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
    # the site writes its local time with "Z" or "+00:00" (a common CMS bug: the page shows 14:00
    # WIB and declares 14:00Z): such a value is read as local time, not converted
    declared_utc_is_local: bool = False
    language: str = "id"
    # Layer 3: CSS selectors, first match wins.
    # selectors that come before what the page declares (JSON-LD, meta tags) for their fields:
    # `crawler sites add` names those that gave the declared value on every sampled page, so that
    # a layout change shows as the field leaving the profile layer
    selectors_first: tuple[str, ...] = ()
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
    # Discovery: where it starts, typed (paths on the site's origin).
    entry_points: tuple[EntryPoint, ...] = ()
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

    def paths(self, kind: EntryKind) -> tuple[str, ...]:
        """The paths of one kind of entry point, in the order declared."""
        return tuple(e.path for e in self.entry_points if e.kind == kind)

    @property
    def sitemaps(self) -> tuple[str, ...]:
        return self.paths("sitemap")

    @property
    def feeds(self) -> tuple[str, ...]:
        return self.paths("feed")

    @property
    def listings(self) -> tuple[str, ...]:
        return self.paths("listing")

    @property
    def searches(self) -> tuple[str, ...]:
        """Search page templates (``{query}``)."""
        return self.paths("search")

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
                except Exception as exc:  # noqa: BLE001 - cssselect and lxml raise assorted errors
                    problems.append(f"{name} selector {selector!r}: {exc}")
        for entry in self.entry_points:
            if entry.kind not in ENTRY_KINDS or not entry.path.startswith("/"):
                problems.append(
                    f"entry point {entry.kind} {entry.path!r}: a kind of {', '.join(ENTRY_KINDS)} "
                    "and a path on the site, starting with /"
                )
            elif entry.kind == "search" and "{query}" not in entry.path:
                problems.append(f"search {entry.path!r}: a template with {{query}}")
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
    "title",
    "date",
    "authors",
    "byline",
    "category",
    "tags",
    "image",
    "caption",
    "views",
    "body",
    "body_drop",
    "next_page",
)


def _path_matches(url: str, pattern: str) -> bool:
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return re.search(pattern, path) is not None
