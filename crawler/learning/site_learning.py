"""A site's selectors, learnt from a sample of its articles read by the generic layers.

For each field, the element that holds the generic layers' answer on each sampled page is
described as CSS (its tag and the classes it carries on every page, else its parent's, else its
tag alone), and the description is kept only when, applied to every sampled page, it gives that
page's answer (the same title, a date of the same day, the body's text): an element that moves or
changes between pages is no selector, and the field keeps the generic layers. (The time zone is
learnt in :mod:`crawler.learning.zones`.) Where no element holds the writer's name alone (a line
"Oleh MC KOTA PONTIANAK, Senin, 14 Oktober 2024 | 17:55 WIB - Redaktur: Untung S"), the line that
holds it is learnt as the site's byline, which the byline layer reads for writer, editor and date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.extraction.authors import MAX_BYLINE, in_marked_byline, person_names
from crawler.extraction.bylines import parse_byline
from crawler.extraction.cleanup import clean_paragraphs
from crawler.extraction.dates import ParsedDate, parse_date
from crawler.extraction.htmltext import element_paragraphs, element_text
from crawler.extraction.metrics import page_f1
from crawler.extraction.selecting import query, select_all, select_text
from crawler.items import Article
from crawler.sites.profile import COMMON_BODY_DROP

LEARNT_FIELDS = ("title", "date", "authors", "byline", "body", "category")
MAX_SELECTORS = 3  # per field: one per layout a sample spans
BODY_AGREEMENT = 0.9  # a body selector's text against the generic layers' body (F1)
_STABLE_CLASS = re.compile(r"[A-Za-z_][\w-]*")
_SHOWN_TAGS = ("span", "div", "p", "time", "li", "small")  # where a page shows its date as text


@dataclass(frozen=True)
class Sampled:
    """One sampled article page: its tree and what the generic layers read from it."""

    url: str
    tree: Selector
    answer: Article


def _classes(el: etree._Element) -> frozenset[str]:
    """Classes a theme gives every page alike: no ids (``post-1234``) or generated names."""
    return frozenset(
        c for c in (el.get("class") or "").split() if _STABLE_CLASS.fullmatch(c) and not re.search(r"\d{2}", c)
    )


def _describe(elements: list[etree._Element], attribute: str = "") -> list[str]:
    """CSS for elements of one layout (one per page, one tag), most specific first: their tag and
    the classes they share; the tag under the nearest ancestor whose classes all share; the tag."""
    tag = elements[0].tag
    if not isinstance(tag, str):
        return []
    suffix = f"::attr({attribute})" if attribute else ""
    found = []
    if own := frozenset.intersection(*(_classes(el) for el in elements)):
        found.append(tag + "".join(f".{c}" for c in sorted(own)) + suffix)
    for depth in range(1, 4):
        above = [next(islice(el.iterancestors(), depth - 1, None), None) for el in elements]
        if any(a is None for a in above):
            break
        if shared := frozenset.intersection(*(_classes(a) for a in above if a is not None)):
            scope = "".join(f".{c}" for c in sorted(shared))
            found.append(f"{scope} {tag}{suffix}")
            if len(places := {_place_among_its_kind(el) for el in elements}) == 1:
                # a classless element among others of its tag ("Oleh Redaksi", " - ", the date)
                found.append(f"{scope} {tag}:nth-of-type({places.pop()}){suffix}")
            break
    found.append(tag + suffix)
    return found


def _place_among_its_kind(el: etree._Element) -> int:
    """1 + the number of earlier siblings of the same tag (CSS ``:nth-of-type``)."""
    return 1 + sum(1 for sibling in el.itersiblings(preceding=True) if sibling.tag == el.tag)


@dataclass(frozen=True)
class Located:
    """The element that shows a field's answer on one page, and the attribute that holds it."""

    element: etree._Element
    attribute: str = ""  # the text when empty


def _showing(page: Sampled, text: str | None, tags: tuple[str, ...]) -> Located | None:
    """The first element of ``tags`` whose text is ``text``."""
    found = next((el for el in page.tree.root.iter(*tags) if text and element_text(el) == text), None)
    return Located(found) if found is not None else None


def _title_element(page: Sampled) -> Located | None:
    """The heading that shows the title: an ``h1``, else another heading, else any element (a
    breadcrumb's last item repeats the title too, deeper in the page, and is not the headline)."""
    for tags in (("h1",), ("h2", "h3"), ("div", "span", "p")):
        if found := _showing(page, page.answer.title, tags):
            return found
    return None


def _author_element(page: Sampled) -> Located | None:
    """The element that shows the writer's name, one the page marks as the writer's first (a link
    to the writer's page, ``rel="author"``, an ``author`` class on it or just above it): the desk's
    name "Redaksi" is often a menu link to the desk's page too, earlier in the page."""
    name = page.answer.authors[0] if page.answer.authors else None
    showing = [el for el in page.tree.root.iter("a", "span") if name and element_text(el) == name]
    marked = [el for el in showing if in_marked_byline(el)]
    return Located((marked or showing)[0]) if showing else None


def _date_element(page: Sampled) -> Located | None:
    """The element that shows the page's date: a ``datetime`` attribute, else the first element
    whose own text is a date of that day and holds no smaller one (a comment's date comes later)."""
    day = page.answer.published_date
    if not day:
        return None
    for el in page.tree.root.iter("time"):
        if _same_day(el.get("datetime"), day):
            return Located(el, "datetime")
    shown = shown_dates(page, lambda parsed: parsed.day == day)
    return Located(shown[0][0]) if shown else None


def shown_dates(page: Sampled, wanted: Callable[[ParsedDate], bool]) -> list[tuple[etree._Element, ParsedDate]]:
    """The dates the page's text shows that are ``wanted``, each with its element: innermost
    elements (one holding a smaller such element is not one), in page order."""
    found = []
    for el in page.tree.root.iter(*_SHOWN_TAGS):
        text = element_text(el)
        if len(text) <= 100 and (parsed := parse_date(text, None)) is not None and wanted(parsed):
            found.append((el, parsed))
    elements = {el for el, _ in found}
    return [(el, parsed) for el, parsed in found if not any(other in elements for other in el.iterdescendants())]


def _byline_element(page: Sampled) -> Located | None:
    """The innermost short element whose text, read as a byline, names the page's writers and
    nobody else (the first such in the page: a comment's byline comes later)."""
    names = page.answer.authors
    if not names:
        return None
    found = [
        el
        for el in page.tree.root.iter(*_SHOWN_TAGS)
        if names[0] in (text := element_text(el)) and len(text) <= MAX_BYLINE and parse_byline(text).authors == names
    ]
    held = set(found)
    innermost = [el for el in found if not any(other in held for other in el.iterdescendants())]
    return Located(innermost[0]) if innermost else None


def _same_day(raw: str | None, day: str) -> bool:
    parsed = parse_date(raw, None) if raw else None
    return parsed is not None and parsed.value.date().isoformat() == day


def _body_text(page: Sampled, el: etree._Element) -> str:
    """An element's text as the profile layer makes a body of it (common drops, cleanup)."""
    paragraphs = element_paragraphs(el, COMMON_BODY_DROP)
    return "\n".join(clean_paragraphs(paragraphs, (), [page.answer.title] if page.answer.title else []))


def _body_element(page: Sampled) -> Located | None:
    """Of the elements that hold paragraphs, the one whose text is closest to the body; of
    those nearly as close, the innermost (the article's own box, not the column around it)."""
    holders = {el.getparent() for el in page.tree.root.iter("p") if el.getparent() is not None}
    scored = [(page_f1(page.answer.body, _body_text(page, el)), el) for el in holders]
    best = max((f1 for f1, _ in scored), default=0.0)
    close = [el for f1, el in scored if f1 >= max(BODY_AGREEMENT, best - 0.03)]
    innermost = max(close, key=lambda el: len(list(el.iterancestors())), default=None)
    return Located(innermost) if innermost is not None else None


def _verdict(name: str, selector: str, page: Sampled) -> bool | None:
    """Whether ``selector``, as the profile layer reads it, gives the generic layers' answer;
    None when it selects nothing on the page (the profile layer then tries its next selector)."""
    if name == "body":
        nodes = [n for n in query(page.tree, selector) if isinstance(n, etree._Element)]
        return page_f1(page.answer.body, _body_text(page, nodes[0])) >= BODY_AGREEMENT if nodes else None
    if name == "authors":
        names = person_names(select_all(page.tree, (selector,)))
        return names == page.answer.authors if names else None
    if name == "byline":
        line = select_text(page.tree, (selector,))
        return parse_byline(line).authors == page.answer.authors if line else None
    text = select_text(page.tree, (selector,))
    if text is None:
        return None
    if name == "date":
        return _same_day(text, page.answer.published_date or "")
    return text == (page.answer.title if name == "title" else page.answer.category)


_FINDERS: dict[str, Callable[[Sampled], Located | None]] = {
    "title": _title_element,
    "date": _date_element,
    "authors": _author_element,
    "byline": _byline_element,
    "body": _body_element,
    "category": lambda page: _showing(page, page.answer.category, ("a", "span")),
}


def learn_selectors(pages: list[Sampled]) -> dict[str, tuple[str, ...]]:
    """Field -> the selectors that give the sampled pages' answers (one per layout, for a site
    whose archive spans themes; none that gives a wrong answer on any page). A field whose
    element is not stable on every page where the generic layers found it is left out: it keeps
    the generic layers."""
    learnt: dict[str, tuple[str, ...]] = {}
    for name in LEARNT_FIELDS:
        if name == "byline" and "authors" in learnt:
            continue  # the writers' names have an element of their own
        located = [(page, found) for page in pages if (found := _FINDERS[name](page)) is not None]
        if len(located) < max(2, len(pages) // 2):
            continue  # the generic layers found the field on too few pages to learn from
        if chosen := _cover(name, located):
            learnt[name] = chosen
    return learnt


def unlearnt(selectors: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The fields left to the generic layers (the writers are learnt when their line is)."""
    learnt = set(selectors) | ({"authors"} if "byline" in selectors else set())
    return tuple(f for f in LEARNT_FIELDS if f != "byline" and f not in learnt)


def _cover(name: str, located: list[tuple[Sampled, Located]]) -> tuple[str, ...]:
    """The fewest selectors (at most :data:`MAX_SELECTORS`) that between them give every located
    page its answer, none giving a wrong one; empty when there are none."""
    layouts: dict[tuple[Any, ...], list[etree._Element]] = {}
    for _, at in located:
        layouts.setdefault((at.element.tag, _classes(at.element), at.attribute), []).append(at.element)
    candidates = []
    for (_, _, attribute), elements in sorted(layouts.items(), key=lambda kv: -len(kv[1])):
        candidates += [c for c in _describe(elements, attribute) if c not in candidates]
    covers = {}
    for selector in candidates:
        verdicts = [_verdict(name, selector, page) for page, _ in located]
        if False not in verdicts:
            covers[selector] = {i for i, v in enumerate(verdicts) if v}
    chosen: list[str] = []
    left = set(range(len(located)))
    while left and len(chosen) < MAX_SELECTORS:
        best = max(covers, key=lambda c: len(covers[c] & left), default=None)
        if best is None or not covers[best] & left:
            break
        chosen.append(best)
        left -= covers[best]
    return tuple(chosen) if not left else ()
