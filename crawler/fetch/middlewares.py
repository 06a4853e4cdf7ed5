"""Downloader middlewares: retries with backoff (and ``Retry-After``), cookies without network."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from scrapy import Request
from scrapy import exceptions as scrapy_exceptions
from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Response
from scrapy.settings import BaseSettings
from tldextract import TLDExtract
from twisted.internet.error import ConnectionRefusedError, DNSLookupError

from crawler.extraction.dates import http_date

# nothing listens at the address (Scrapy 2.19 wraps Twisted's error in its own)
_WRAPPED = getattr(scrapy_exceptions, "DownloadConnectionRefusedError", None)
REFUSED: tuple[type[Exception], ...] = (ConnectionRefusedError, *([_WRAPPED] if _WRAPPED else []))

# tldextract downloads the public suffix list on first use; ``suffix_list_urls=()`` makes it
# use the snapshot bundled with the package, so nothing but the crawled pages touches the network.
OFFLINE_TLD_EXTRACT = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


class OfflineCookiesMiddleware(CookiesMiddleware):
    """Scrapy's cookie middleware, with the public suffix list read from the installed package."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        scrapy_cookies._split_domain = OFFLINE_TLD_EXTRACT


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: an integer or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    when = http_date(text)
    return None if when is None else max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry: ``Retry-After`` when the server sends one
    (429, 503), else exponential backoff; never longer than ``RETRY_BACKOFF_MAX`` seconds."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    def delay_for(self, request: Request, response: Response | None = None) -> float:
        retries = request.meta.get("retry_times", 0)
        delay = self.backoff_base * (2**retries)
        if response is not None:
            after = retry_after_seconds(response.headers.get(b"Retry-After"))
            if after is not None:
                delay = after
        return min(delay, self.backoff_max)

    # Scrapy awaits these as coroutines (2.13+), so overriding its plain methods with them is sound
    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        self.crawler.stats.inc_value("pantau/retry_wait")
        await asyncio.sleep(self.delay_for(request, response))
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        if isinstance(exception, DNSLookupError | CannotResolveHostError):
            return None  # a name that does not resolve will not resolve in a few seconds either
        if isinstance(exception, REFUSED) and not self.crawler.stats.get_value("response_received_count"):
            return None  # nothing listens, and nothing ever answered in this crawl: a wrong address, not a hiccup
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self.delay_for(request))
        return retry


class OffsiteRedirectMiddleware:
    """Refuses a redirect that leaves the site, with an error the spider records (``offsite``).

    Scrapy would drop such a redirect silently; a monitor wants to know that a page now points
    elsewhere. Runs before RedirectMiddleware sees the response."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> OffsiteRedirectMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        from scrapy.exceptions import IgnoreRequest
        from scrapy.utils.url import url_is_from_any_domain

        location = response.headers.get(b"Location")
        if response.status not in (301, 302, 303, 307, 308) or location is None:
            return response
        target = response.urljoin(location.decode("latin-1"))
        spider = self.crawler.spider
        urls = getattr(spider, "urls", None)  # a Pantau spider: its site, or the mirror it crawls
        if urls is not None:
            allowed = urls.on_site(target)
        else:
            allowed = url_is_from_any_domain(target, getattr(spider, "allowed_domains", []))
        if allowed:
            return response
        self.crawler.stats.inc_value("pantau/offsite_redirect")
        raise IgnoreRequest(f"offsite redirect to {target}")
