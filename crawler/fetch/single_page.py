"""One page over HTTP, bounded like a crawl's page: for the commands that fetch a page or two
outside a crawl (``crawler extract URL``, ``crawler sites add``)."""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
from typing import Any


def max_page_bytes() -> int:
    from crawler import settings

    return settings.DOWNLOAD_MAXSIZE


def download(
    url: str, total_seconds: float = 30.0, *, max_bytes: int | None = None, limit_name: str = "DOWNLOAD_MAXSIZE"
) -> tuple[bytes, str | None]:
    """One page over HTTP, bounded like a crawl's: at most ``max_bytes`` (the setting named
    ``limit_name``; ``DOWNLOAD_MAXSIZE`` by default) and ``total_seconds`` for the whole exchange,
    headers included (a server that sends a byte now and then, before or after its headers,
    cannot keep it open). The exchange runs in a helper thread that is abandoned when the time is
    up: the command ends, and the thread with it."""
    outcome: list[Any] = []
    limit = (max_bytes or max_page_bytes(), limit_name)
    worker = threading.Thread(target=lambda: outcome.append(_fetch(url, total_seconds, limit)), daemon=True)
    worker.start()
    worker.join(total_seconds)
    if not outcome:
        raise ValueError(f"cannot fetch {url}: no complete answer within {total_seconds:g} s (--timeout)")
    if isinstance(outcome[0], ValueError):
        raise outcome[0]
    return outcome[0]


def _fetch(url: str, total_seconds: float, bound: tuple[int, str]) -> tuple[bytes, str | None] | ValueError:
    limit, limit_name = bound
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return ValueError(f"cannot fetch {url}: only http and https pages are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": _user_agent()})  # noqa: S310 - scheme checked
    chunks, size = [], 0
    try:
        with urllib.request.urlopen(request, timeout=min(10.0, total_seconds)) as response:  # noqa: S310 - checked
            content_type = response.headers.get("Content-Type")
            while chunk := response.read1(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    return ValueError(f"cannot fetch {url}: over the {limit}-byte limit ({limit_name})")
    except Exception as exc:  # noqa: BLE001 - any network failure is one line for the user
        return ValueError(f"cannot fetch {url}: {exc}")
    return b"".join(chunks), content_type


def _user_agent() -> str:
    from crawler import settings

    return settings.USER_AGENT
