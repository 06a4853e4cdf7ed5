"""Layered article extraction: one parse tree per page, the record composed from its fields, each
declared with its layers in :mod:`crawler.extraction.fields` (JSON-LD, meta tags, the site profile's
selectors and byline, the generic layers: h1/``<title>``, visible dates, trafilatura for the body).
``extracted_by`` records the winning layer of each.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from urllib.parse import urljoin

from parsel import Selector

from crawler.extraction.cleanup import body_text
from crawler.extraction.decode import ExtractionError, decode_html, html_tree, page_is_not_article
from crawler.extraction.fields import FIELDS
from crawler.extraction.htmltext import WORD
from crawler.extraction.page import Page, first_text, read_page
from crawler.extraction.reading import Dated, Reading
from crawler.items import Article, Reject
from crawler.sites.profile import SiteProfile
from crawler.urls import canonical_url, clean_url, host_of, same_site


def _canonical(p: Page, url: str) -> str:
    """The page's own URL: its declared canonical when that is an article URL of the same site."""
    declared = first_text(p.ld.canonical, p.mt.canonical)
    if declared:
        declared = urljoin(url, declared)
        domains = p.profile.domains if p.profile else (host_of(url).removeprefix("www."),)
        if same_site(declared, domains) and (not p.profile or p.profile.is_article_url(declared)):
            return clean_url(declared)
    return clean_url(url)


def extract_article(
    page: str | bytes | Selector,
    url: str,
    profile: SiteProfile | None = None,
    *,
    fetched_at: datetime | None = None,
    content_type: str | None = None,
) -> Article:
    """Extract the article record from one page: each field from the first layer that has it
    (see :func:`first_layer`), the layer recorded in ``extracted_by``. Raises
    :class:`ExtractionError` when the page holds no article (no title and no body) or is not HTML."""
    p = read_page(page, profile, content_type, fetched_at=fetched_at)
    r = Reading(p, url, FIELDS)
    if not r.value("title") and not r.value("body"):
        raise ExtractionError("no-article", "no title and no article text found")
    found = {name: r.resolved(name) for name in FIELDS}
    published: Dated | None = found["published"][0]
    modified: Dated | None = found["modified"][0]
    paragraphs = found["body"][0][0] if found["body"][0] else []
    caption = found["caption"][0]
    body = body_text([x for x in paragraphs if x != caption] if caption else paragraphs)
    image = found["image"][0]
    page_url = _canonical(p, url)
    key = profile.url_key if profile else canonical_url
    return Article(
        url=page_url,
        site=profile.name if profile else (host_of(page_url).removeprefix("www.") or "unknown"),
        title=found["title"][0],
        published_at=published[0].iso if published else None,
        published_date=published[0].day if published else None,
        published_raw=published[1] if published else None,
        modified_at=modified[0].value.isoformat(timespec="seconds") if modified else None,
        authors=list(dict.fromkeys(found["authors"][0] or [])),
        editor=found["editor"][0],
        source=r.credits.source,
        location=found["location"][0],
        category=found["category"][0],
        tags=list(dict.fromkeys(found["tags"][0] or [])),
        image_url=urljoin(url, image) if image else None,
        image_caption=caption,
        description=found["description"][0],
        body=body,
        word_count=len(WORD.findall(body)),
        language=found["language"][0],
        views=found["views"][0],
        content_hash=content_hash(body),
        fetched_at=p.fetched.astimezone(UTC).isoformat(timespec="seconds"),
        url_key=key(page_url),
        source_url=url,
        source_key=key(clean_url(url)),
        extracted_by={name: layer for name, (_, layer) in found.items() if layer},
    )


def extract_page(
    body: bytes, content_type: str | None, url: str, *, profile: SiteProfile | None, fetched_at: datetime | None = None
) -> Article | Reject:
    """The record of one fetched page, or why it has none: the whole per-page extraction step of a
    crawl, as one plain function so that it can run in a helper process (:mod:`crawler.fetch.offload`).
    Never raises for a bad page: one bad page never stops a crawl. ``fetched_at``: when the page was
    fetched (relative dates, "3 hari lalu", count from it; default now)."""
    site = profile.name if profile else ""
    try:
        page = decode_html(body, content_type)
        sel = html_tree(page) if page.strip() else None
        if sel is not None and (reason := page_is_not_article(sel)):
            return Reject(url, site, "not-article", reason)
        return extract_article(sel if sel is not None else page, url, profile, fetched_at=fetched_at)
    except ExtractionError as exc:
        return Reject(url, site, exc.reason, exc.detail)
    except Exception as exc:  # noqa: BLE001 - recorded with its type, the crawl goes on
        return Reject(url, site, "extraction-error", f"{type(exc).__name__}: {exc}"[:500])


def content_hash(body: str) -> str:
    """Exact fingerprint of the normalised body (case and spacing do not count)."""
    normal = " ".join(WORD.findall(body.casefold()))
    return hashlib.sha256(normal.encode()).hexdigest()[:32]
