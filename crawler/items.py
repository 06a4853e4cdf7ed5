"""The records that flow from spiders through the pipelines into SQLite."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

RunId = int | str  # a crawl run: its row id in SQLite, a token in distributed mode (Redis)


@dataclass(frozen=True)
class TopicMatch:
    """A watchlist topic an article matches: the terms found in it and a snippet around them."""

    topic: str
    terms: list[str]
    snippet: str


@dataclass(slots=True)
class Article:
    """One news article, as extracted from one page. Field names are the ``articles`` columns."""

    url: str  # canonical URL
    site: str  # spider / profile name
    title: str | None = None
    published_at: str | None = None  # ISO 8601 with offset, only when the page gives a time
    published_date: str | None = None  # YYYY-MM-DD, local date
    published_raw: str | None = None  # the text the date was read from
    modified_at: str | None = None
    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    source: str | None = None  # a credit line naming where the story came from ("Sumber : ...")
    location: str | None = None  # dateline place
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    image_caption: str | None = None
    description: str | None = None
    body: str = ""
    word_count: int = 0
    language: str | None = None
    views: int | None = None
    content_hash: str | None = None
    fetched_at: str | None = None
    url_key: str | None = None  # identity of the article (canonical URL or site id)
    source_url: str | None = None  # the URL that was fetched, kept as an alias
    source_key: str | None = None  # identity of the fetched URL (differs when a canonical link moved it)
    sitemap_lastmod: str | None = None  # lastmod / feed date that led here, for re-crawl decisions
    extracted_by: dict[str, str] = field(default_factory=dict)  # field -> layer that gave it
    # filled by enrichment (crawler.enrichment.enrich)
    simhash: str | None = None
    sketch: str | None = None  # sampled shingle hashes (crawler.enrichment.neardup.sketch), for containment
    topics: list[TopicMatch] = field(default_factory=list)
    places: list[dict[str, str]] = field(default_factory=list)
    officials: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


UNUSABLE = frozenset({"no-title", "short-body"})  # the reasons :func:`unusable` gives


def unusable(article: Article, min_words: int) -> tuple[str, str] | None:
    """Why an extracted record is no article to store, as ``(reason, detail)`` (no title, a body
    under ``min_words``), or None. The crawl's validation and ``crawler extract`` both ask this."""
    if not article.title:
        return "no-title", "the page has no recognisable title"
    if article.word_count < min_words:
        return "short-body", f"{article.word_count} words (minimum {min_words})"
    return None


@dataclass(slots=True)
class Reject:
    """A page that could not become an article, and why. Stored in ``rejects``."""

    url: str
    site: str
    reason: str  # short machine-friendly reason: http-404, no-title, timeout, ...
    detail: str = ""
    kind: str = "article"  # what failed: article, sitemap, feed, listing, robots, store


@dataclass(slots=True)
class Seen:
    """An article met again during discovery (not re-fetched): refreshes ``last_seen_at`` and
    records a newer sitemap/feed date that arrived after the page itself was fetched."""

    url_key: str
    site: str
    lastmod: str | None = None
