"""What monitoring adds to an extracted article: watchlist topics, places and officials, and the
SimHash fingerprint that storage uses to find copies of a story.

:func:`page_record` is the whole per-page step (extraction, then enrichment, then the rule of what
is stored) as one plain function of its arguments: every command that turns a page into a record
calls it, and a crawl runs it in a helper process (:mod:`crawler.fetch.offload`) in one round trip.
"""

from __future__ import annotations

from datetime import datetime

from crawler.enrichment.entities import find_officials, find_places
from crawler.enrichment.neardup import fingerprints
from crawler.enrichment.topics import Topic, match_topics
from crawler.extraction.decode import looks_binary
from crawler.extraction.extract import extract_page
from crawler.items import Article, Reject, unusable
from crawler.sites.profile import SiteProfile


def enrich(article: Article, topics: tuple[Topic, ...]) -> Article:
    text = f"{article.title or ''}\n\n{article.body}"
    article.topics = match_topics(article.title or "", article.body, topics)
    article.places = find_places(text, article.location)
    article.officials = find_officials(article.body)  # titles are Title Case: no names to tell apart
    article.simhash, article.sketch = fingerprints(article.body)
    return article


def page_record(
    body: bytes,
    content_type: str | None,
    url: str,
    *,
    profile: SiteProfile | None,
    topics: tuple[Topic, ...],
    min_words: int,
    fetched_at: datetime | None = None,
) -> Article | Reject:
    """The stored-ready record of one fetched page, or why it has none: decoded, extracted (a page
    that is no article, a listing or an index, is refused), enriched, and held to what a crawl
    stores (a title, a body of ``min_words``). The crawl, ``crawler extract``, ``capture`` and
    ``reextract`` all call this one function, so a page one accepts is a page the others accept.
    Never raises for a bad page."""
    site = profile.name if profile else ""
    if not body.strip():
        return Reject(url, site, "empty", "the page has an empty body")
    if looks_binary(body):
        return Reject(url, site, "not-html", f"content type {content_type or 'unknown'}")
    page = extract_page(body, content_type, url, profile=profile, fetched_at=fetched_at)
    if isinstance(page, Reject):
        return page
    try:
        article = enrich(page, topics)
    except Exception as exc:  # noqa: BLE001 - recorded with its type, the crawl goes on
        return Reject(url, site, "extraction-error", f"enrichment: {type(exc).__name__}: {exc}"[:500])
    if problem := unusable(article, min_words):
        return Reject(url, site, *problem)
    return article
