"""One page for ``extract`` and ``capture``: downloaded over HTTP with a crawl's bounds
(:mod:`crawler.fetch.single_page`), or read from a saved file."""

from __future__ import annotations

import os
import stat

from crawler.fetch.single_page import max_page_bytes


def declared_url(data: bytes) -> str | None:
    """The page's own URL, from its canonical link or ``og:url`` (a saved page knows where it lives)."""
    from parsel import Selector

    from crawler.extraction.decode import ExtractionError, decode_html
    from crawler.extraction.structured import meta_candidates

    try:
        url = meta_candidates(Selector(text=decode_html(data))).canonical
    except (ExtractionError, ValueError):
        return None
    return url.strip() if url and url.strip().startswith(("http://", "https://")) else None


def read_page_file(source: str) -> bytes:
    """A saved page: a regular file of at most ``DOWNLOAD_MAXSIZE`` bytes (not /dev/zero, a FIFO...)."""
    limit = max_page_bytes()
    try:
        info = os.stat(source)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{source} is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"{source} is {info.st_size} bytes, over the {limit}-byte page limit (DOWNLOAD_MAXSIZE)")
        with open(source, "rb") as f:
            return f.read(limit + 1)[:limit]
    except OSError as exc:
        raise ValueError(f"cannot read {source}: {exc.strerror or exc}") from exc
