"""What monitoring adds to an extracted article: watchlist topics, places and officials, and the
SimHash fingerprint that storage uses to find copies of a story.

:func:`page_record` is the whole per-page step of a crawl (extraction, then enrichment) as one
plain function of its arguments, so that it runs in a helper process (:mod:`crawler.fetch.offload`)
in one round trip.
"""

from __future__ import annotations

from datetime import datetime

from crawler.enrichment.entities import find_officials, find_places
from crawler.enrichment.neardup import fingerprint, sketch
from crawler.enrichment.topics import Topic, match_topics
from crawler.extraction.extract import extract_page
from crawler.fetch.offload import Offload, OffloadStopped, WorkerCrashed, WorkTimedOut
from crawler.items import Article, Reject
from crawler.sites.profile import SiteProfile


def enrich(article: Article, topics: tuple[Topic, ...]) -> Article:
    text = f"{article.title or ''}\n\n{article.body}"
    article.topics = [
        {"topic": m.topic, "terms": m.terms, "snippet": m.snippet}
        for m in match_topics(article.title or "", article.body, topics)
    ]
    article.places = find_places(text, article.location)
    article.officials = find_officials(article.body)  # titles are Title Case: no names to tell apart
    article.simhash = fingerprint(article.body)
    article.sketch = sketch(article.body)
    return article


def page_record(
    body: bytes,
    content_type: str | None,
    url: str,
    profile: SiteProfile,
    topics: tuple[Topic, ...],
    fetched_at: datetime | None = None,
) -> Article | Reject:
    """The enriched record of one fetched page, or why it has none (never raises for a bad page)."""
    page = extract_page(body, content_type, url, profile, fetched_at)
    if isinstance(page, Reject):
        return page
    try:
        return enrich(page, topics)
    except Exception as exc:  # noqa: BLE001 - recorded with its type, the crawl goes on
        return Reject(url, profile.name, "extraction-error", f"enrichment: {type(exc).__name__}: {exc}"[:500])


async def page_record_in_helper(
    offload: Offload, body: bytes, content_type: str | None, url: str, profile: SiteProfile, topics: tuple[Topic, ...]
) -> Article | Reject | None:
    """:func:`page_record` in a helper process: a helper that crashed or overran
    ``EXTRACT_TIMEOUT`` is a :class:`Reject` of the page; None when the crawl is stopping (the
    page is not recorded, and the next crawl fetches it again)."""
    try:
        return await offload.run(page_record, body, content_type, url, profile, topics)
    except WorkerCrashed as exc:
        return Reject(url, profile.name, "extraction-crash", str(exc))
    except WorkTimedOut as exc:
        return Reject(url, profile.name, "extraction-timeout", f"{exc} (EXTRACT_TIMEOUT); the helper was replaced")
    except OffloadStopped:
        return None
