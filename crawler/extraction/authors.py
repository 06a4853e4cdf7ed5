"""Who wrote a page: names out of the values every layer gives, and a generic byline layer for the
pages no profile fits.

General truths about news markup, measured on the real pages of ``bench/real_pages.py``: one author
value often holds several people (``A, B and C``, ``A und B``); and a page with no declared author
still marks its byline (``itemprop="author"``, ``rel="author"``, a ``byline`` or ``author`` class)
with the name after ``By``/``Von``/``Oleh``. A site's own name as author is kept: it is what the
page says (Fundus's parsers keep it too).
"""

from __future__ import annotations

import re

from parsel import Selector

from crawler.extraction.htmltext import normalize_space

# between two people: a comma, a semicolon, or "and" in the languages of the pages seen
_BETWEEN = re.compile(r"\s*[,;]\s*|\s+(?:and|und|dan|et|y|e|og|och|en|&)\s+", re.I)
_LEAD = re.compile(
    r"^(?:by|von|oleh|par|por|di|door|af|av|da|autor(?:in)?|author|penulis|reporter|written by)\b\s*:?\s*", re.I
)
_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "bin", "binti", "al", "el", "y"}
)
MAX_NAME = 80
# Where a page marks its byline, most explicit first; the first place that gives names wins.
_DECLARED = ("//*[@itemprop='author']", "//a[@rel='author']")
_MARKED = ("//*[contains(@class,'byline')]", "//*[contains(@class,'author')]")
MAX_NODES = 5


def _name(part: str) -> str | None:
    part = _LEAD.sub("", part.strip(" ,.-–|:/")).strip(" ,.-–|:/")
    return part if part and len(part) <= MAX_NAME else None


def person_names(values: list[str]) -> list[str]:
    """Each author once, out of author values that may list several."""
    found = [name for value in values for part in _BETWEEN.split(normalize_space(value)) if (name := _name(part))]
    return list(dict.fromkeys(found))


def _looks_like_person(name: str) -> bool:
    """A byline name found by a class alone: two to five words, each capitalised where the script
    has capitals (particles such as ``van`` or ``bin`` aside)."""
    words = name.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in name):
        return False
    return all(w.lower() in _PARTICLES or not w[0].isalpha() or not w[0].islower() for w in words)


def _texts(node: Selector) -> list[str]:
    return [t for t in (normalize_space(x) for x in node.xpath(".//text()[not(ancestor::script or ancestor::style)]")
                        .getall()) if t]  # fmt: skip


def generic_authors(sel: Selector) -> list[str]:
    """The byline's names on a page that declares none in JSON-LD or meta tags."""
    for xpath in _DECLARED:
        for node in sel.xpath(xpath)[:MAX_NODES]:
            if found := person_names([" ".join(_texts(node))]):
                return found
    for xpath in _MARKED:
        for node in sel.xpath(xpath)[:MAX_NODES]:
            # each text of the byline apart: names in separate elements are separate people
            found = [n for n in person_names(_texts(node)) if _looks_like_person(n)]
            if found:
                return found
    return []
