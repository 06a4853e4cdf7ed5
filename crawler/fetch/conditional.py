"""Conditional requests for entry points, and robots.txt kept between runs.

A quick run (a site polled because it is due, :mod:`crawler.cadence`) asks for its sitemaps,
feeds and first listing page with ``If-None-Match`` / ``If-Modified-Since`` from what the last
finished run stored. A ``304 Not Modified`` costs the site a few hundred bytes and the spider
nothing; a server that ignores validators and sends the same body again is caught by a hash of the
body, and that body is not parsed either. A full walk (first crawl, every ``FULL_WALK_INTERVAL``,
``--full``) fetches everything unconditionally: it is the check that nothing was missed.

robots.txt is fetched once per run (by Scrapy's robots middleware; the spider reads its ``Sitemap:``
lines from the parsed rules) and, between runs, kept with its validators for ``ROBOTS_CACHE_SECONDS``
(a day, as the major search engines do): a quick poll within that time reads it from the database;
a full walk, or a poll after it, asks again conditionally (a 304 renews the kept copy).

The book of validators lives on the spider (loaded at start, saved by the store pipeline only after
a run that finished, so a crawl cut short never vouches for entry points it did not read).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, cast

from scrapy.http import Request, Response, TextResponse
from scrapy.utils.httpobj import urlparse_cached

from crawler.store.polling import Validator, parse_time
from crawler.store.schema import now_iso

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from crawler.fetch.discovery import SiteURLs

logger = logging.getLogger(__name__)

CONDITIONAL_KINDS = frozenset({"sitemap", "feed", "listing"})


@dataclass
class ValidatorBook:
    """Validators known from the last finished run (``known``) and seen in this one (``seen``),
    keyed by the entry point's public URL. ``conditional``: send them (quick runs)."""

    known: dict[str, Validator] = field(default_factory=dict)
    seen: dict[str, Validator] = field(default_factory=dict)
    conditional: bool = False


def body_hash(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


class ValidatingSpider(Protocol):
    """What the middleware asks of a spider (Pantau's entry spider is one): its validators, its
    URLs on the live site, and a note per entry point."""

    validators: ValidatorBook
    urls: SiteURLs

    def note_entry(self, url: str, kind: str, status: str, *, articles: int = 0, newest: str | None = None) -> None: ...


class ConditionalRequestsMiddleware:
    """Downloader middleware: validators on entry-point requests, 304s and unchanged bodies marked
    (``request.meta["unchanged"]``: ``"not-modified"`` or ``"same-body"``) for the spider to skip,
    and robots.txt served from the database while it is fresh."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.robots_max_age = crawler.settings.getfloat("ROBOTS_CACHE_SECONDS", 86400.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestsMiddleware:
        return cls(crawler)

    def _book(self) -> tuple[ValidatingSpider, ValidatorBook] | None:
        """Our spider and its validators; None for a spider without them (the benchmark's bare one)."""
        spider = self.crawler.spider
        book = getattr(spider, "validators", None)
        return None if book is None else (cast("ValidatingSpider", spider), book)

    def process_request(self, request: Request, spider: Spider | None = None) -> Response | None:
        kind, ours = _kind(request), self._book()
        if ours is None or kind is None:
            return None
        site, book = ours
        key = site.urls.public_url(request.url)
        known = book.known.get(key)
        if known is None:
            return None
        if kind == "robots":
            if book.conditional and known.body is not None and _age(known.checked_at) < self.robots_max_age:
                book.seen[key] = known
                self.crawler.stats.inc_value("pantau/robots_cached")
                site.note_entry(request.url, "robots", "kept")
                return _text(request, known.body, flags=["cached"])
        elif not book.conditional or not (known.etag or known.last_modified):
            return None  # nothing to ask with: a 304 to this request would not mean "unchanged"
        if known.etag:
            request.headers.setdefault(b"If-None-Match", known.etag.encode("latin-1"))
        if known.last_modified:
            request.headers.setdefault(b"If-Modified-Since", known.last_modified.encode("latin-1"))
        request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", []), 304]
        return None

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        kind, ours = _kind(request), self._book()
        if ours is None or kind is None or "cached" in response.flags:
            return response
        site, book = ours
        key = site.urls.public_url(request.url)
        known = book.known.get(key)
        if kind == "robots":
            site.note_entry(request.url, "robots", str(response.status))
        if response.status == 304 and known is not None and (kind == "robots" or _asked_conditionally(request)):
            book.seen[key] = replace(known, checked_at=now_iso())
            self.crawler.stats.inc_value("pantau/not_modified")
            if kind == "robots":  # the rules as kept, for Scrapy's robots middleware
                return _text(request, known.body or "")
            request.meta["unchanged"] = "not-modified"
            return response
        if response.status != 200:
            return response
        digest = body_hash(response.body)
        body = response.body.decode("utf-8", "replace") if kind == "robots" else None
        book.seen[key] = Validator(
            _header(response, b"ETag"), _header(response, b"Last-Modified"), digest, body, now_iso()
        )
        if kind != "robots" and book.conditional and known is not None and known.body_hash == digest:
            self.crawler.stats.inc_value("pantau/unchanged_body")
            request.meta["unchanged"] = "same-body"
        return response


def _kind(request: Request) -> str | None:
    if request.meta.get("dont_obey_robotstxt") and urlparse_cached(request).path == "/robots.txt":
        return "robots"
    kind = request.meta.get("entry")
    if kind in CONDITIONAL_KINDS and request.meta.get("page", 1) == 1 and not request.meta.get("resumed"):
        return str(kind)
    return None


def _asked_conditionally(request: Request) -> bool:
    """A 304 means "unchanged" only as the answer to a request that sent validators; to one that
    sent none it is a broken server (the entry point failed, its links are not known)."""
    return bool(request.headers.get(b"If-None-Match") or request.headers.get(b"If-Modified-Since"))


def _text(request: Request, body: str, flags: list[str] | None = None) -> TextResponse:
    """robots.txt as kept in the database, as if the site had just sent it."""
    return TextResponse(
        request.url,
        body=body.encode("utf-8"),
        status=200,
        request=request,
        flags=flags,
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _age(checked_at: str | None) -> float:
    moment = parse_time(checked_at)
    return float("inf") if moment is None else (datetime.now(UTC) - moment).total_seconds()
