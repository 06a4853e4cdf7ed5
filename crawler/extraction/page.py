"""One parsed page and what every field's layers read from it (JSON-LD and meta candidates, the
profile's selections, the byline, the page's zone and labels), and the first-layer rule that
assembles a field from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import cached_property
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.extraction.authors import (
    AUTHOR_WORDS,
    EDITOR_WORDS,
)
from crawler.extraction.bylines import Byline, parse_byline
from crawler.extraction.dates import ParsedDate, declared_zone, parse_date
from crawler.extraction.decode import (
    XML_DOCUMENT,
    XML_HEAD,
    ExtractionError,
    decode_html,
    html_tree,
)
from crawler.extraction.generic import DATE_LABELS
from crawler.extraction.htmltext import (
    label_texts,
    normalize_space,
)
from crawler.extraction.selecting import select_all, select_text
from crawler.extraction.structured import Candidates, jsonld_candidates, meta_candidates
from crawler.sites.profile import SiteProfile


def in_site_zone(parsed: ParsedDate, tz: timezone | None, utc_is_local: bool = False) -> ParsedDate:
    """UTC values from meta tags are shown in the site's zone (or, for a site that writes its local
    time with ``Z``, read as that local time); explicit local zones are kept, and so is every value
    where the zone is not known."""
    if tz is None or parsed.value.utcoffset() != timedelta(0) or not parsed.has_time:
        return parsed
    if utc_is_local:
        return ParsedDate(parsed.value.replace(tzinfo=tz), True)
    return ParsedDate(parsed.value.astimezone(tz), True)


Layer = tuple[str, Callable[[], Any]]


def first_layer(*layers: Layer) -> tuple[Any, str | None]:
    """The value of the first layer that has one, and that layer's name (``extracted_by``).
    Layers are functions, so a layer below the one that answers is never evaluated."""
    for name, get in layers:
        if value := get():
            return value, name
    return None, None


@dataclass
class Page:
    """One parsed page and what every field's layers read from it."""

    sel: Selector
    profile: SiteProfile | None
    ld: Candidates
    mt: Candidates
    byline: Byline
    tz: timezone | None
    fetched: datetime
    _selected: dict[str, str | None] = field(default_factory=dict)

    def selected(self, selectors: str) -> str | None:
        """The text the profile's ``selectors`` (a field's name) select, read once per page."""
        if selectors not in self._selected:
            self._selected[selectors] = (
                select_text(self.sel, getattr(self.profile, selectors)) if self.profile else None
            )
        return self._selected[selectors]

    def selected_all(self, selectors: str) -> list[str]:
        return select_all(self.sel, getattr(self.profile, selectors)) if self.profile else []

    @cached_property
    def labels(self) -> list[etree._ElementUnicodeResult]:
        """The page's label texts ("Editor :", "Datum"), found once for every field that reads one."""
        return label_texts(self.sel.root, EDITOR_WORDS + AUTHOR_WORDS + DATE_LABELS)

    def date(self, raw: str | None) -> tuple[ParsedDate, str] | None:
        parsed = parse_date(raw, self.tz, self.fetched) if raw else None
        return (self.in_zone(parsed), raw) if parsed and raw else None

    def in_zone(self, parsed: ParsedDate) -> ParsedDate:
        """A date as the site means it (:func:`in_site_zone`)."""
        return in_site_zone(parsed, self.tz, bool(self.profile and self.profile.declared_utc_is_local))


def first_text(*values: str | None) -> str | None:
    return next((normalize_space(v) for v in values if v and normalize_space(v)), None)


def read_page(
    page: str | bytes | Selector, profile: SiteProfile | None, content_type: str | None, *, fetched_at: datetime | None
) -> Page:
    if isinstance(page, bytes):
        page = decode_html(page, content_type)
    if isinstance(page, str):
        if not page.strip():
            raise ExtractionError("empty", "the page is empty")
        if "<" not in page[:2000]:
            raise ExtractionError("not-html", "no HTML markup found")
        if m := XML_DOCUMENT.match(page[:XML_HEAD]):
            raise ExtractionError("not-html", f"an XML document ({m.group(1)}: a feed or a sitemap), not a page")
        page = html_tree(page)
    byline = Byline()
    if profile and profile.byline and (text := select_text(page, profile.byline)):
        byline = parse_byline(text)
    ld, mt = jsonld_candidates(page), meta_candidates(page)
    # a page of no known site has the zone it declares in its dates, or none (its local times stay local)
    tz = profile.timezone if profile else declared_zone(ld.published, mt.published, ld.modified, mt.modified)
    return Page(page, profile, ld, mt, byline, tz, fetched_at or datetime.now(UTC))
