"""One page being read into a record (:class:`Reading`) and how a field is declared (:class:`Field`):
its layers in order of trust and the rule that picks among them. The reading resolves each field
once and holds what several fields' layers share (the site's names, the headlines, the body's
paragraphs, the credit lines, the dates the page shows). The fields themselves are declared in
:mod:`crawler.extraction.fields`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lxml import etree

from crawler.extraction.authors import person_names
from crawler.extraction.bodies import SHORT_BODY, SUMMARY_SHARE, Paragraphs, words_of
from crawler.extraction.bylines import Byline, credit_lines
from crawler.extraction.cleanup import clean_paragraphs
from crawler.extraction.dates import ParsedDate
from crawler.extraction.generic import bounded_tree, generic_date, generic_paragraphs
from crawler.extraction.htmldates import htmldate_date
from crawler.extraction.htmltext import declared_paragraphs
from crawler.extraction.page import Page, first_layer
from crawler.extraction.titles import site_names
from crawler.extraction.urldates import UrlDays, url_days

MIN_BODY_WORDS = 25  # a profile body shorter than this is treated as "selector missed"
_SELECTOR_OF = {"published": "date"}  # a record field -> the name of its selectors, where the two differ

Dated = tuple[ParsedDate, str]  # a date and the text it was read from
LayerFn = Callable[["Reading"], Any]
Rule = Callable[["Reading", Sequence[tuple[str, LayerFn]]], tuple[Any, str | None]]


def first_answer(reading: Reading, layers: Sequence[tuple[str, LayerFn]]) -> tuple[Any, str | None]:
    """The first layer's value that is not empty; the layers below it are never read."""
    return first_layer(*((name, lambda get=get: get(reading)) for name, get in layers))


@dataclass(frozen=True)
class Field:
    """One field of the record: its layers in order of trust and the rule that picks among them."""

    layers: tuple[tuple[str, LayerFn], ...]
    rule: Rule = first_answer


@dataclass
class Reading:
    """One page being read into a record: the parsed page, its URL, and each field once resolved."""

    page: Page
    url: str
    fields: Mapping[str, Field]
    _found: dict[str, tuple[Any, str | None]] = field(default_factory=dict)
    _authors: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        return self.resolved(name)[0]

    def resolved(self, name: str) -> tuple[Any, str | None]:
        """(value, layer) of field ``name``, resolved the first time it is asked for."""
        if name not in self._found:
            self._found[name] = self.fields[name].rule(self, self.layers(name))
        return self._found[name]

    def layers(self, name: str) -> tuple[tuple[str, LayerFn], ...]:
        """Field ``name``'s layers in order of trust: as declared, the profile's first where the
        site's file puts its selectors for the field before what pages declare (``selectors_first``)."""
        layers = self.fields[name].layers
        profile = self.page.profile
        if profile is None or _SELECTOR_OF.get(name, name) not in profile.selectors_first:
            return layers
        return (*(x for x in layers if x[0] == "profile"), *(x for x in layers if x[0] != "profile"))

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The names the site goes by (:func:`site_names`): a title's tail, never an author."""
        p = self.page
        own = (p.profile.label, *p.profile.domains) if p.profile else ()
        return site_names(*own, p.ld.site_name, p.mt.site_name, url=self.url)

    @cached_property
    def headlines(self) -> list[tuple[str, str | None]]:
        """The title's layers, each read once: the title is chosen among them all, and a paragraph
        that repeats any of them is the header, not text."""
        return [(name, get(self)) for name, get in self.layers("title")]

    @cached_property
    def credits(self) -> Byline:
        """Closing credit lines ("Penulis: ... / Editor: ...") of the body's raw paragraphs, which
        keep what cleanup drops from the text."""
        body = self.value("body")
        return credit_lines([x for x in body[1] if x.strip()] if body else [])

    def declared_authors(self, layer: str) -> list[str]:
        """The people a declared layer (``jsonld``, ``meta``, ``profile``) names, read once and only
        when asked: looked at again when nobody else is named."""
        if layer not in self._authors:
            p = self.page
            values = {"jsonld": lambda: p.ld.authors, "meta": lambda: p.mt.authors}.get(layer)
            self._authors[layer] = person_names(values() if values else p.selected_all("authors"))
        return self._authors[layer]

    @cached_property
    def not_authors(self) -> tuple[str, ...]:
        """The site's own names and the page's editor: authors only when nobody else is named."""
        editor = self.value("editor")
        return (*self.names, *([editor] if editor else []))

    def cleaned(self, raw: list[str]) -> Paragraphs | None:
        """(clean, raw) paragraphs, or None when cleanup leaves nothing."""
        boilerplate = self.page.profile.boilerplate if self.page.profile else ()
        headers = [h for h in (self.value("title"), *(h for _, h in self.headlines)) if h]
        found = clean_paragraphs(raw, boilerplate, headers)
        return (found, raw) if found else None

    @cached_property
    def declared_body(self) -> Paragraphs | None:
        body = self.page.ld.body
        return self.cleaned(declared_paragraphs(body)) if body and len(body.split()) >= MIN_BODY_WORDS else None

    @cached_property
    def bounded_tree(self) -> etree._Element:
        """The page as trafilatura and htmldate read it (:func:`bounded_tree`): flattened once."""
        return bounded_tree(self.page.sel.root)

    @cached_property
    def found_body(self) -> Paragraphs | None:
        """The body found in the markup (trafilatura's fast mode), looked for again with its
        fallbacks when short or shorter than the declared one: they find the full text on pages
        where the fast mode stops at one block."""
        found = self.cleaned(generic_paragraphs(self.page.sel, True, self.bounded_tree))
        if words_of(found) < max(SHORT_BODY, SUMMARY_SHARE * words_of(self.declared_body)):
            fuller = self.cleaned(generic_paragraphs(self.page.sel, False, self.bounded_tree))
            if words_of(fuller) > words_of(found):
                return fuller
        return found

    @cached_property
    def garbled_profile_date(self) -> bool:
        """The site's own date element holds a date that does not parse: left empty, not guessed."""
        given = self.page.selected("date")
        return bool(given and any(ch.isdigit() for ch in given))

    @cached_property
    def shown_date(self) -> Dated | None:
        return (
            None if self.garbled_profile_date else in_zone_of(generic_date(self.page.sel, self.page.tz, self.url), self)
        )

    @cached_property
    def checked_date(self) -> Dated | None:
        p = self.page
        if self.garbled_profile_date:
            return None
        return htmldate_date(self.bounded_tree, self.url, p.fetched, tz=p.tz, within=self.url_days)

    @cached_property
    def url_days(self) -> UrlDays | None:
        """The days the page's URL allows for its publication (:func:`url_days`)."""
        return url_days(self.url)


def in_zone_of(found: Dated | None, r: Reading) -> Dated | None:
    """A date found on the page, as the site means it (:meth:`Page.in_zone`)."""
    return (r.page.in_zone(found[0]), found[1]) if found else None
