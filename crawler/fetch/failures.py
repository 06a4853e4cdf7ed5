"""Why a download failed, as a short reason (``http-404``, ``timeout``, ``dns``...) and a readable
detail: by the exception's type (Scrapy's, Twisted's), never by its name as a string."""

from __future__ import annotations

import logging

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed


class CrawlStopped(IgnoreRequest):
    """A request that was waiting for its turn (a site's Crawl-delay) when the crawl was told to
    stop: never sent, nothing to record (the next run finds it again)."""


def failure_reason(failure: Failure) -> tuple[str, str]:
    """A short, specific reason for a failed download, and a readable detail."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http-{status}", f"HTTP {status}"
    name = type(exc).__name__
    text = str(exc)
    detail = f"{name}: {text}"[:300]
    if isinstance(exc, TimeoutError | DownloadTimeoutError):
        return "timeout", "no answer within DOWNLOAD_TIMEOUT"
    if isinstance(exc, DNSLookupError | CannotResolveHostError):
        return "dns", detail
    if isinstance(exc, ConnectionRefusedError | DownloadConnectionRefusedError):
        return "connection-refused", detail
    too_large = "maxsize" in text.lower() or "max size" in text.lower()
    if too_large or isinstance(exc, CancelledError | DownloadCancelledError):
        # Scrapy cancels a body that grows past DOWNLOAD_MAXSIZE, and ignores one that decompresses past it
        return "too-large", f"the body is larger than DOWNLOAD_MAXSIZE (or decompresses to more): {text}"[:300]
    if isinstance(exc, ResponseFailed | ResponseDataLossError | ConnectionLost | ConnectionDone | ConnectError):
        return "connection-lost", detail
    if isinstance(exc, IgnoreRequest):
        if "offsite" in text.lower():
            return "offsite", text[:300]
        if "redirection" in text:
            return "redirect-loop", text[:300]
        return "ignored", text[:300] or "robots.txt"
    return "download-error", detail


class _OneLine(logging.Filter):
    """Drops the traceback Scrapy attaches to an expected network error (an unreachable
    robots.txt); the one-line message stays, and the failure is recorded with its reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = record.exc_text = None
        return True


def one_line_robots_errors() -> None:
    """Scrapy's robots.txt middleware logs an unreachable robots.txt in one line (once per process)."""
    log = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    if not any(isinstance(f, _OneLine) for f in log.filters):
        log.addFilter(_OneLine())
