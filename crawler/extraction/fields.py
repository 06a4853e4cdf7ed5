"""The record's fields, each declared once with its layers in order of trust, as Fundus declares a
publisher's attributes: a field's value is the first of its layers that has one (or, for the few
fields whose layers are weighed against each other, its own rule over them), and the layer's name
is what ``extracted_by`` records. Adding a field or a layer is one entry in :data:`FIELDS`; a layer
is a function of the :class:`~crawler.extraction.reading.Reading`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from lxml import etree

from crawler.extraction.authors import generic_authors, labelled_editor, without
from crawler.extraction.bodies import SUMMARY_SHARE, Paragraphs, words_of
from crawler.extraction.bylines import find_location
from crawler.extraction.dates import EARLIEST, ParsedDate, latest_day
from crawler.extraction.generic import labelled_date, page_title, shown_headline
from crawler.extraction.htmltext import element_paragraphs
from crawler.extraction.page import first_text
from crawler.extraction.reading import MIN_BODY_WORDS, Dated, Field, LayerFn, Reading, first_answer, in_zone_of
from crawler.extraction.scriptdata import script_paragraphs
from crawler.extraction.selecting import query, views_of
from crawler.extraction.titles import choose_title


def _title_rule(r: Reading, layers: Sequence[tuple[str, LayerFn]]) -> tuple[Any, str | None]:
    """The first good headline, without a tail that another candidate shows it does not need
    (``layers`` are the title's, read once in :attr:`Reading.headlines`)."""
    return choose_title(r.headlines, r.names)


def first_counted(r: Reading, layers: Sequence[tuple[str, LayerFn]]) -> tuple[Any, str | None]:
    """The first layer's count that is known, 0 included."""
    return next(((v, name) for name, get in layers if (v := get(r)) is not None), (None, None))


def _caption(raw: str | None) -> str | None:
    return (first_text(raw) or "").lstrip(":;-– ") or None


def _language(raw: str | None) -> str | None:
    """``id-ID`` and ``id_ID`` are ``id``."""
    return raw.split("-")[0].split("_")[0].lower() if raw else None


def _profile_body(r: Reading) -> Paragraphs | None:
    """The first of the profile's body selectors that holds a body of some length."""
    site = r.page.profile
    for css in site.body if site else ():
        nodes = [n for n in query(r.page.sel, css) if isinstance(n, etree._Element)]
        if nodes and site:
            found = r.cleaned(element_paragraphs(nodes[0], site.drop_selectors()))
            if found and words_of(found) >= MIN_BODY_WORDS:
                return found
    return None


def _declared_body(r: Reading) -> Paragraphs | None:
    """The body the page declares (JSON-LD ``articleBody``) unless the one in its markup is more
    than twice as long: a declared body that short is a summary (publishers often put a teaser
    there). On a site with a profile the declared body comes first (the profile's pages are known)."""
    declared = r.declared_body
    if not declared or r.page.profile is not None:
        return declared
    found = r.found_body
    return declared if not found or words_of(declared) >= SUMMARY_SHARE * words_of(found) else None


def _visible_date(r: Reading) -> Dated | None:
    """The date the page shows, unless htmldate's names an earlier day: what comes later on a page
    is an update, a sidebar's or a related list's date, or a relative "23 hours ago" read against
    the fetch. Measured on real pages of sites nobody profiled (docs/sites.md, "Dates on pages of
    other sites")."""
    shown, checked = r.shown_date, r.checked_date
    if shown is None or checked is None:
        return shown
    if checked[0].day == shown[0].day and checked[0].has_time and not shown[0].has_time:
        return None  # htmldate's (the next layer) says the same day with its time: the more precise
    return shown if checked[0].day >= shown[0].day else None


def _dated_as_url_allows(r: Reading, layers: Sequence[tuple[str, LayerFn]]) -> tuple[Any, str | None]:
    """The first layer's date on a day the page's URL allows (:mod:`crawler.extraction.urldates`),
    else the URL's own day, a day without a time ("url"); on a URL without a date, the first
    layer's date."""
    allowed = r.url_days
    if allowed is None:
        return first_answer(r, layers)
    for name, get in layers:
        found: Dated | None = get(r)
        if found and allowed.allows(found[0].value.date()):
            return found, name
    if not EARLIEST <= allowed.day <= latest_day(r.page.fetched):
        return None, None  # a day no publication can have: the URL names something else
    return (ParsedDate.of_day(allowed.day, r.page.tz), allowed.day.isoformat()), "url"


def _authors_layer(name: str) -> LayerFn:
    return lambda r: without(r.declared_authors(name), r.not_authors)


FIELDS: dict[str, Field] = {
    "title": Field(
        (
            ("jsonld", lambda r: r.page.ld.title),
            ("profile", lambda r: r.page.selected("title")),
            ("generic", lambda r: shown_headline(r.page.sel, r.url, r.names)),
            ("meta", lambda r: r.page.mt.title),
            ("generic", lambda r: page_title(r.page.sel, r.names)),
        ),
        _title_rule,
    ),
    "body": Field(
        (
            ("profile", _profile_body),
            ("jsonld", _declared_body),
            ("generic", lambda r: r.found_body),
            ("script", lambda r: r.cleaned(script_paragraphs(r.page.sel))),  # a page rendered from its data
        )
    ),
    # the declared layers first (a date the page labels as its date among them: "Datum 28.04.2023")
    "published": Field(
        (
            ("jsonld", lambda r: r.page.date(r.page.ld.published)),
            ("meta", lambda r: r.page.date(r.page.mt.published)),
            ("profile", lambda r: r.page.date(r.page.selected("date"))),
            ("byline", lambda r: r.page.date(r.page.byline.text or None)),
            ("label", lambda r: in_zone_of(labelled_date(r.page.labels, r.page.tz), r)),
            ("generic", _visible_date),
            ("htmldate", lambda r: r.checked_date),
        ),
        _dated_as_url_allows,
    ),
    "modified": Field(
        (
            ("jsonld", lambda r: r.page.date(r.page.ld.modified)),
            ("meta", lambda r: r.page.date(r.page.mt.modified)),
        )
    ),
    "editor": Field(
        (
            ("byline", lambda r: r.page.byline.editor),
            ("credits", lambda r: r.credits.editor),
            # the page is searched for an editor's label only where no profile found the byline
            ("generic", lambda r: None if r.page.byline.text else labelled_editor(r.page.labels)),
        )
    ),
    # people first, from the first layer that names one; the site's own names and the page's editor
    # only when no layer names anybody else (:mod:`crawler.extraction.authors`)
    "authors": Field(
        (
            *((name, _authors_layer(name)) for name in ("jsonld", "meta", "profile")),
            ("byline", lambda r: without(r.page.byline.authors, r.not_authors)),
            ("credits", lambda r: without(r.credits.authors, r.not_authors)),
            ("generic", lambda r: without(generic_authors(r.page.sel, r.page.labels), r.not_authors)),
            *((name, lambda r, name=name: r.declared_authors(name)) for name in ("jsonld", "meta", "profile")),
        )
    ),
    "image": Field(
        (
            ("jsonld", lambda r: first_text(r.page.ld.image)),
            ("meta", lambda r: first_text(r.page.mt.image)),
            ("profile", lambda r: first_text(r.page.selected("image"))),
        )
    ),
    "caption": Field(
        (
            ("jsonld", lambda r: _caption(r.page.ld.caption)),
            ("profile", lambda r: _caption(r.page.selected("caption"))),
        )
    ),
    "category": Field(
        (
            ("jsonld", lambda r: first_text(r.page.ld.category)),
            ("meta", lambda r: first_text(r.page.mt.category)),
            ("profile", lambda r: first_text(r.page.selected("category"))),
        )
    ),
    "tags": Field(
        (
            ("jsonld", lambda r: r.page.ld.tags),
            ("meta", lambda r: r.page.mt.tags),
            ("profile", lambda r: r.page.selected_all("tags")),
        )
    ),
    "description": Field(
        (
            ("jsonld", lambda r: first_text(r.page.ld.description)),
            ("meta", lambda r: first_text(r.page.mt.description)),
        )
    ),
    "language": Field(
        (
            ("jsonld", lambda r: _language(first_text(r.page.ld.language))),
            ("meta", lambda r: _language(first_text(r.page.mt.language))),
            ("profile", lambda r: _language(r.page.profile.language if r.page.profile else None)),
        )
    ),
    "views": Field(
        (
            ("byline", lambda r: r.page.byline.views),
            ("profile", lambda r: views_of(r.page.sel, r.page.profile)),
        ),
        first_counted,
    ),
    "location": Field((("dateline", lambda r: find_location(r.value("body")[0] if r.value("body") else [])),)),
}


def layer_order() -> str:
    """The order of every field's layers, as one short string: two crawls whose layers are in
    another order (a release that moved one) cannot be compared layer by layer."""
    order = ";".join(f"{name}:{'>'.join(layer for layer, _ in field.layers)}" for name, field in sorted(FIELDS.items()))
    return hashlib.sha256(order.encode()).hexdigest()[:12]
