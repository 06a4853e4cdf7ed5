"""Layered article extraction: one parse tree per page, each field from the first layer that has it.

Layers: 1 JSON-LD, 2 meta tags, 3 the site profile's selectors (and bylines), 4 generic fallback
(h1/<title>, visible dates, trafilatura for the body). ``extracted_by`` records the winning layer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from crawler.extraction.authors import (
    generic_authors,
    labelled_editor,
    person_names,
    without,
)
from crawler.extraction.bodies import declared_or_found
from crawler.extraction.bylines import credit_lines, find_location
from crawler.extraction.cleanup import body_text, clean_paragraphs
from crawler.extraction.dates import ParsedDate
from crawler.extraction.decode import (
    ExtractionError,
    decode_html,
    html_tree,
    page_is_not_article,
)
from crawler.extraction.generic import generic_date, generic_paragraphs, generic_title, labelled_date
from crawler.extraction.htmldates import htmldate_date
from crawler.extraction.htmltext import (
    WORD,
    declared_paragraphs,
    element_paragraphs,
)
from crawler.extraction.page import Page, first_layer, first_text, read_page
from crawler.extraction.scriptdata import script_paragraphs
from crawler.extraction.selecting import query, views_of
from crawler.extraction.titles import choose_title, site_names
from crawler.items import Article, Reject
from crawler.sites.profile import SiteProfile
from crawler.urls import canonical_url, clean_url, host_of, same_site

MIN_BODY_WORDS = 25  # a profile body shorter than this is treated as "selector missed"


def _site_names(p: Page, url: str) -> tuple[str, ...]:
    own = (p.profile.label, *p.profile.domains) if p.profile else ()
    return site_names(*own, p.ld.site_name, p.mt.site_name, url=url)


def _headlines(p: Page, names: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """The page's headline by every layer, in order of trust."""
    return [
        ("jsonld", p.ld.title),
        ("meta", p.mt.title),
        ("profile", p.selected("title")),
        ("generic", generic_title(p.sel, names)),
    ]


def _authors(p: Page, credited: list[str], names: tuple[str, ...]) -> tuple[list[str] | None, str | None]:
    """People first, from the first layer that names one; ``names`` (the site's own, the page's
    editor) only when no layer names anybody else (:mod:`crawler.extraction.authors`)."""
    # each declared layer read once: its names are looked at again when nobody else is named
    declared: tuple[tuple[str, Callable[[], list[str]]], ...] = (
        ("jsonld", cache(lambda: person_names(p.ld.authors))),
        ("meta", cache(lambda: person_names(p.mt.authors))),
        ("profile", cache(lambda: person_names(p.selected_all("authors")))),
    )
    return first_layer(
        *((layer, lambda get=get: without(get(), names)) for layer, get in declared),
        ("byline", lambda: without(p.byline.authors, names)),
        ("credits", lambda: without(credited, names)),
        ("generic", lambda: without(generic_authors(p.sel, p.labels), names)),
        *declared,
    )


def _paragraphs(p: Page, drop_exact: list[str]) -> tuple[list[str], list[str], str | None]:
    """(clean paragraphs, raw paragraphs, layer). The raw ones keep credit lines ("Penulis: ...")
    that cleanup drops from the text, so that they are read before. ``drop_exact``: the page's
    headlines, whichever was chosen: a paragraph that repeats one is the header, not text."""
    boilerplate = p.profile.boilerplate if p.profile else ()

    def profile() -> tuple[list[str], list[str]] | None:
        site = p.profile
        for css in site.body if site else ():
            nodes = [n for n in query(p.sel, css) if isinstance(n, etree._Element)]
            if nodes and site:
                raw = element_paragraphs(nodes[0], site.drop_selectors())
                found = clean_paragraphs(raw, boilerplate, drop_exact)
                if sum(len(x.split()) for x in found) >= MIN_BODY_WORDS:
                    return found, raw
        return None

    def jsonld() -> tuple[list[str], list[str]] | None:
        if not p.ld.body or len(p.ld.body.split()) < MIN_BODY_WORDS:
            return None
        raw = declared_paragraphs(p.ld.body)
        return (found, raw) if (found := clean_paragraphs(raw, boilerplate, drop_exact)) else None

    def generic(fast: bool = True) -> tuple[list[str], list[str]] | None:
        raw = generic_paragraphs(p.sel, fast)
        return (found, raw) if (found := clean_paragraphs(raw, boilerplate, drop_exact)) else None

    def script() -> tuple[list[str], list[str]] | None:
        raw = script_paragraphs(p.sel)
        return (found, raw) if (found := clean_paragraphs(raw, boilerplate, drop_exact)) else None

    found, layer = first_layer(("profile", profile))
    if found is None:
        found, layer = declared_or_found(jsonld(), generic, p.profile is not None)
    if found is None:  # no text in the markup: a page rendered from its script data
        found, layer = first_layer(("script", script))
    return (found[0], found[1], layer) if found else ([], [], None)


def _published(p: Page, url: str) -> tuple[tuple[ParsedDate, str] | None, str | None]:
    """The declared layers first (JSON-LD, meta, the profile's selectors, the byline, a date the
    page labels as its date: "Datum 28.04.2023"); else the
    date the page shows (:func:`generic_date`) checked by htmldate's: where the two name different
    days, the earlier is the publication (what comes later on a page is an update, a sidebar's or
    a related list's date, or a relative "23 hours ago" read against the fetch). Measured on real
    pages of sites nobody profiled (docs/sites.md, "Dates on pages of other sites")."""
    given = p.selected("date")
    declared = first_layer(
        ("jsonld", lambda: p.date(p.ld.published)),
        ("meta", lambda: p.date(p.mt.published)),
        ("profile", lambda: p.date(given)),
        ("byline", lambda: p.date(p.byline.text or None)),
        ("label", lambda: _in_zone(labelled_date(p.labels, p.tz), p)),
    )
    if declared[0] is not None:
        return declared
    if given and any(ch.isdigit() for ch in given):
        return None, None  # the site's own date element holds an impossible or garbled date: left empty, not guessed
    shown = _in_zone(generic_date(p.sel, p.tz), p)
    checked = htmldate_date(p.sel, url, p.fetched, p.tz)
    if shown is not None and (checked is None or checked[0].day >= shown[0].day):
        return shown, "generic"
    return (checked, "htmldate") if checked is not None else (None, None)


def _in_zone(found: tuple[ParsedDate, str] | None, p: Page) -> tuple[ParsedDate, str] | None:
    """A date found on the page, as the site means it (:meth:`Page.in_zone`)."""
    return (p.in_zone(found[0]), found[1]) if found else None


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
    p = read_page(page, profile, content_type, fetched_at)
    by: dict[str, str | None] = {}
    names = _site_names(p, url)
    headlines = _headlines(p, names)
    title, by["title"] = choose_title(headlines, names)
    paragraphs, raw_paragraphs, by["body"] = _paragraphs(p, [h for h in (title, *(h for _, h in headlines)) if h])
    if not title and not paragraphs:
        raise ExtractionError("no-article", "no title and no article text found")
    published, by["published"] = _published(p, url)
    modified = next(
        (d[0].value.isoformat(timespec="seconds") for raw in (p.ld.modified, p.mt.modified) if (d := p.date(raw))), None
    )
    credits = credit_lines([x for x in raw_paragraphs if x.strip()])
    # the page is searched for an editor's label only where no profile found the byline
    editor, by["editor"] = first_layer(
        ("byline", lambda: p.byline.editor),
        ("credits", lambda: credits.editor),
        ("generic", lambda: None if p.byline.text else labelled_editor(p.labels)),
    )
    authors, by["authors"] = _authors(p, credits.authors, (*names, *([editor] if editor else [])))
    image, by["image"] = first_layer(
        ("jsonld", lambda: first_text(p.ld.image)),
        ("meta", lambda: first_text(p.mt.image)),
        ("profile", lambda: first_text(p.selected("image"))),
    )
    caption = first_text(p.ld.caption) or first_text(p.selected("caption"))
    caption = caption.lstrip(":;-– ") or None if caption else None
    category, by["category"] = first_layer(
        ("jsonld", lambda: first_text(p.ld.category)),
        ("meta", lambda: first_text(p.mt.category)),
        ("profile", lambda: first_text(p.selected("category"))),
    )
    tags, by["tags"] = first_layer(
        ("jsonld", lambda: p.ld.tags), ("meta", lambda: p.mt.tags), ("profile", lambda: p.selected_all("tags"))
    )
    location = find_location(paragraphs)
    by["location"] = "dateline" if location else None
    body = body_text([x for x in paragraphs if x != caption] if caption else paragraphs)
    page_url = _canonical(p, url)
    language = first_text(p.ld.language, p.mt.language) or (profile.language if profile else None)
    key = profile.url_key if profile else canonical_url
    return Article(
        url=page_url,
        site=profile.name if profile else (host_of(page_url).removeprefix("www.") or "unknown"),
        title=title,
        published_at=published[0].iso if published else None,
        published_date=published[0].day if published else None,
        published_raw=published[1] if published else None,
        modified_at=modified,
        authors=list(dict.fromkeys(authors or [])),
        editor=editor,
        source=credits.source,
        location=location,
        category=category,
        tags=list(dict.fromkeys(tags or [])),
        image_url=urljoin(url, image) if image else None,
        image_caption=caption,
        description=first_text(p.ld.description, p.mt.description),
        body=body,
        word_count=len(WORD.findall(body)),
        language=language.split("-")[0].split("_")[0].lower() if language else None,
        views=p.byline.views if p.byline.views is not None else views_of(p.sel, profile),
        content_hash=content_hash(body),
        fetched_at=p.fetched.astimezone(UTC).isoformat(timespec="seconds"),
        url_key=key(page_url),
        source_url=url,
        source_key=key(clean_url(url)),
        extracted_by={k: v for k, v in by.items() if v},
    )


def extract_page(
    body: bytes, content_type: str | None, url: str, profile: SiteProfile | None, fetched_at: datetime | None = None
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
