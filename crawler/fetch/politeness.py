"""robots.txt's ``Crawl-delay`` and ``Request-rate``, honoured (Scrapy obeys robots.txt's rules but
not its pace).

When a site's robots.txt is parsed, the delay it asks for becomes the floor of that site's
download slot: never two requests closer than it, no random shortening, and AutoThrottle may slow
the site down further but never below it. A delay over ``CRAWL_DELAY_MAX`` is capped, with a
warning (a robots.txt asking for an hour between requests would make a site uncrawlable).

A robots.txt is read as the major crawlers read it: its first ``ROBOTSTXT_MAXSIZE`` bytes (500 KiB,
Google's documented limit) are obeyed and the rest ignored, with a warning; the download stops
there, so a robots.txt larger than ``DOWNLOAD_MAXSIZE`` still has its rules obeyed (Scrapy alone
would fail the download and crawl as if there were no rules).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import StopDownload
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)


def asked_delay(parser: Any, user_agent: str | bytes) -> float | None:
    """Seconds between requests that a parsed robots.txt asks of ``user_agent``: its Crawl-delay,
    or its Request-rate (n requests per m seconds), whichever is slower; None when it asks nothing."""
    protego = getattr(parser, "rp", None)  # Scrapy's Protego parser keeps Protego's own object
    if protego is None or not hasattr(protego, "crawl_delay"):
        return None
    agent = user_agent.decode() if isinstance(user_agent, bytes) else user_agent
    delays = [float(d) for d in [protego.crawl_delay(agent)] if d]
    rate = protego.request_rate(agent)
    if rate and rate.requests:
        delays.append(rate.seconds / rate.requests)
    return max(delays) if delays else None


def floors(crawler: Crawler) -> dict[str, float]:
    """Download slot key -> the least delay its site asked for (kept on the crawler: Scrapy's slots
    take no attributes of ours)."""
    found: dict[str, float] = vars(crawler).setdefault("pantau_delay_floors", {})
    return found


def set_floor(slot: Any, delay: float) -> None:
    """Make ``delay`` the least time between two requests of ``slot``."""
    slot.delay = max(slot.delay, delay)
    if hasattr(slot, "jitter"):  # Scrapy 2.19: no random shortening of a delay the site asked for
        slot.jitter = 0.0
    else:
        slot.randomize_delay = False


def is_robots_request(request: Request) -> bool:
    return bool(request.meta.get("dont_obey_robotstxt")) and urlparse_cached(request).path == "/robots.txt"


def obeyed_part(body: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes of a robots.txt, cut at the last line end within them (a rule cut
    in half is not a rule)."""
    if len(body) <= limit:
        return body
    head = body[:limit]
    end = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[: end + 1] if end >= 0 else b""


class RobotsSizeMiddleware:
    """Downloader middleware: a robots.txt is downloaded up to ``ROBOTSTXT_MAXSIZE`` bytes (not
    failed by ``DOWNLOAD_MAXSIZE``), and what arrived is cut there, at a line end, with a warning."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getint("ROBOTSTXT_MAXSIZE", 500 * 1024)
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsSizeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if is_robots_request(request):
            request.meta.setdefault("download_maxsize", 0)  # bounded by the limit below instead

    def _bytes_received(self, data: bytes, request: Request, spider: Spider | None = None) -> None:
        if not is_robots_request(request):
            return
        received = request.meta.get("pantau_robots_bytes", 0) + len(data)
        request.meta["pantau_robots_bytes"] = received
        if received > self.limit:
            raise StopDownload(fail=False)  # the response keeps what arrived

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        if not is_robots_request(request) or len(response.body) <= self.limit:
            return response
        logger.warning(
            "robots.txt of %s is larger than %d KiB: its first %d KiB are obeyed, the rest ignored",
            urlparse_cached(request).netloc,
            self.limit // 1024,
            self.limit // 1024,
        )
        self.crawler.stats.set_value("pantau/robots_truncated", 1)
        return response.replace(body=obeyed_part(response.body, self.limit))


class PoliteRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, which also applies the site's Crawl-delay to its slot."""

    def process_request_2(self, rp: Any, request: Request) -> None:
        if rp is not None:
            try:
                self._apply_delay(rp, request)
            except Exception as exc:  # noqa: BLE001 - Scrapy's internals moved: say so, never fail the request
                logger.warning("robots.txt Crawl-delay not applied to %s: %s: %s", request.url, type(exc).__name__, exc)
        super().process_request_2(rp, request)

    def _apply_delay(self, rp: Any, request: Request) -> None:
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        if downloader is None:
            return
        key, slot = downloader._get_slot(request)  # the slot this request will be downloaded in
        known = floors(self.crawler)
        if key in known:
            return
        agent = self._robotstxt_useragent or request.headers.get(b"User-Agent") or self._default_useragent
        delay = asked_delay(rp, agent) or 0.0
        cap = self.crawler.settings.getfloat("CRAWL_DELAY_MAX", 60.0)
        host = urlparse_cached(request).netloc
        if delay > cap:
            logger.warning(
                "robots.txt of %s asks for %g s between requests; using %g s (CRAWL_DELAY_MAX)", host, delay, cap
            )
            delay = cap
        known[key] = delay
        if delay:
            set_floor(slot, delay)
            logger.info("robots.txt of %s: %g s between requests (Crawl-delay)", host, delay)
            self.crawler.stats.set_value("pantau/crawl_delay", delay)


class PoliteAutoThrottle(AutoThrottle):
    """AutoThrottle that never goes below the delay a site's robots.txt asks for."""

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        super()._adjust_delay(slot, latency, response)
        slots = self.crawler.engine.downloader.slots if self.crawler.engine else {}
        floor = max((d for key, d in floors(self.crawler).items() if slots.get(key) is slot), default=0.0)
        slot.delay = max(slot.delay, floor)
