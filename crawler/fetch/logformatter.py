"""Scrapy's log lines about items, one line each: the reason and the URL, never the whole record.

Scrapy logs a dropped item with the item itself (an article with its body: lines of kilobytes);
Pantau's items are recorded in ``rejects`` with their reason, and counted in the run's summary, so
the log needs only what identifies them. Skips that are the user's own choice (``--since``) are
logged at DEBUG: the summary counts them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter

from crawler.safetext import safe_text

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Response
    from scrapy.logformatter import LogFormatterResult
    from twisted.python.failure import Failure

USER_CHOICES = frozenset({"before-since", "bookkeeping"})


def _reason(exception: BaseException) -> str:
    return safe_text(str(exception)).splitlines()[0][:300] if str(exception) else type(exception).__name__


def _url(item: Any, response: Response | Failure | None) -> str:
    return str(getattr(item, "url", None) or getattr(response, "url", "") or "")


class PantauLogFormatter(LogFormatter):
    # Scrapy 2.15 passes the spider, newer releases may not: it stays optional here
    def dropped(  # noqa: PLR0917 - Scrapy's LogFormatter signature
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider | None = None
    ) -> LogFormatterResult:
        reason = _reason(exception)
        level = getattr(exception, "log_level", None)
        if getattr(exception, "reason", None) in USER_CHOICES:
            level = logging.DEBUG
        if isinstance(level, str):
            level = getattr(logging, level)
        return {
            "level": level if level is not None else logging.WARNING,
            "msg": "Dropped %(url)s: %(reason)s",
            "args": {"url": _url(item, response), "reason": reason},
        }

    def item_error(  # noqa: PLR0917 - Scrapy's LogFormatter signature
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider | None = None
    ) -> LogFormatterResult:
        return {
            "level": logging.ERROR,
            "msg": "Could not store %(url)s: %(reason)s",
            "args": {"url": _url(item, response), "reason": _reason(exception)},
        }
