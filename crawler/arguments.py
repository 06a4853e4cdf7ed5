"""Spider arguments (``-a name=value``), checked before a crawl starts.

The same forms are accepted by ``scrapy crawl -a`` and ``crawler crawl``: ``since`` is a date
``YYYY-MM-DD`` or a span back from today (``7d``, ``24h``, ``2w``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

KNOWN = ("base_url", "refresh", "since", "max_items", "depth", "quick")


@dataclass(frozen=True)
class SpiderArguments:
    base_url: str | None = None  # origin of a mirror: http://HOST:PORT
    refresh: bool = False
    since: date | None = None
    max_items: int | None = None
    depth: int | None = None
    quick: bool = False  # only the fresh entry points, conditionally (a due poll; crawler.fetch.conditional)


_SPAN = re.compile(r"(\d+)\s*([smhdw])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def span(value: str, option: str = "duration") -> timedelta:
    """``90s``, ``5m``, ``24h``, ``7d``, ``2w`` as a timedelta (at most 100 years)."""
    m = _SPAN.fullmatch(str(value).strip())
    if not m:
        raise ValueError(f"{option} wants a span such as 30m, 24h, 7d or 2w, got {value!r}")
    seconds = int(m.group(1)) * _SECONDS[m.group(2)]
    if seconds > 100 * 366 * 86400:
        raise ValueError(f"{option} {value!r} is more than 100 years")
    return timedelta(seconds=seconds)


def since_moment(value: str, option: str = "since") -> datetime | date:
    """``7d`` / ``24h`` / ``2w`` back from now (an aware UTC datetime), or ``YYYY-MM-DD`` (a date):
    the one reading of a "since" that spider arguments and every command share."""
    text = value.strip()
    if re.fullmatch(r"\d+\s*[hdw]", text):
        try:
            return datetime.now(UTC) - span(text, option)
        except ValueError:
            raise ValueError(f"{option} {value!r} reaches back more than 100 years; use YYYY-MM-DD") from None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} wants YYYY-MM-DD, 7d, 24h or 2w, got {value!r}") from None


def since_day(value: str, option: str = "since") -> date:
    """The day a ``since`` spider argument starts from."""
    moment = since_moment(value, option)
    return moment.date() if isinstance(moment, datetime) else moment


def parse_arguments(**given: Any) -> SpiderArguments:
    """Raise ``ValueError`` (one clear sentence) for an argument that is unknown or malformed."""
    unknown = sorted(set(given) - set(KNOWN) - {"_job"})  # _job: the job id Scrapyd passes to every spider
    if unknown:
        raise ValueError(f"unknown spider argument(s) {', '.join(unknown)}; known: {', '.join(KNOWN)}")
    base_url = given.get("base_url") or None
    if base_url is not None:
        base_url = origin(str(base_url))
        if base_url is None:
            raise ValueError(f"base_url must look like http://HOST:PORT, got {given['base_url']!r}")
    refresh, quick = _flag("refresh", given.get("refresh")), _flag("quick", given.get("quick"))
    since = since_day(str(given["since"])) if given.get("since") else None
    return SpiderArguments(
        base_url=base_url,
        refresh=refresh,
        quick=quick,
        since=since,
        max_items=_count("max_items", given.get("max_items")),
        depth=_count("depth", given.get("depth")),
    )


def _flag(name: str, value: Any) -> bool:
    text = str(value or "0").strip().lower()
    if text not in ("0", "1", "true", "false", "yes", "no", "on", "off", ""):
        raise ValueError(f"{name} wants 1 or 0, got {value!r}")
    return text in ("1", "true", "yes", "on")


def _count(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} wants a whole number of 1 or more, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} wants a whole number of 1 or more, got {value!r}")
    return number


def origin(url: str | None) -> str | None:
    """``scheme://host:port`` of an http(s) URL with a host, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return f"{parts.scheme}://{parts.netloc}"
