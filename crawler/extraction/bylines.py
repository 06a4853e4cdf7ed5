"""Indonesian bylines, credit lines and datelines: ``Oleh X, <date> - Redaktur: Y - 171``,
``Penulis: X / Editor: Y``, ``Singkawang (Suara Kalbar)-``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crawler.extraction.dates import DAY_NAMES
from crawler.extraction.htmltext import (
    normalize_space,
)

_DATELINES = (
    # "EDITORIALKALTIM.COM, BERAU –"
    re.compile(r"^[\w.]+\.(?:com|id|net|co\.id|go\.id)\s*,\s*(?P<place>[A-Za-z][\w .'’]{1,40}?)\s*[-–—]+", re.I),
    # "Singkawang (Suara Kalbar)-", "Pontianak, InfoPublik –", "Jakarta (ANTARA) -"
    re.compile(
        r"^(?P<place>[A-Z][\w'’]*(?:\s+[A-Z][\w'’]*){0,3})\s*(?:\([^)]{2,40}\)|,\s*[A-Z][\w.]*"
        r"(?:\s[A-Z][\w.]*)?)\s*[-–—]+"
    ),
    # "PONTIANAK - "
    re.compile(r"^(?P<place>[A-Z][A-Z'’]+(?:\s[A-Z][A-Z'’]+){0,3})\s*[-–—]+\s"),
)


def find_location(paragraphs: list[str]) -> str | None:
    """The dateline place of the first paragraphs (``Singkawang (Suara Kalbar)-`` -> Singkawang)."""
    for para in paragraphs[:2]:
        for pattern in _DATELINES:
            m = pattern.match(para)
            if m:
                place = m.group("place").strip(" .,")
                if place.isupper():
                    place = place.title()
                if 2 <= len(place) <= 40:
                    return place
    return None


_AUTHOR_OLEH = re.compile(rf"\boleh\s*:?\s+(?P<v>.+?)\s*(?:,\s*{DAY_NAMES}\b|,?\s*\d|\s[-|–]\s|$)", re.I)
# a credit's value ends where the next credit's label begins, separated or not ("Penulis : Hendra
# Editor : Andi", two adjacent elements read with a space between them)
_NEXT_LABEL = r"(?=\s(?:penulis|reporter|pewarta|wartawan|redaktur|editor|penyunting|sumber|foto)\s*:)"
_AUTHOR_LABEL = re.compile(
    r"\b(?:penulis|reporter|pewarta|wartawan|author)\s*:\s*(?P<v>.+?)\s*"
    rf"(?:[,|/]\s*(?:redaktur|editor)\b|[|/]|{_NEXT_LABEL}|$)",
    re.I,
)
_EDITOR = re.compile(
    rf"\b(?:redaktur|editor|penyunting)\s*:\s*(?P<v>.+?)\s*(?:\s-\s*\d+\s*$|[|/,]|\s-\s|{_NEXT_LABEL}|$)", re.I
)
_VIEWS = re.compile(r"(?:redaktur|editor)\s*:.*?\s-\s*(?P<n>\d[\d.]*)\s*$|(?P<k>\d[\d.]*)\s+kali\b", re.I)


@dataclass(slots=True)
class Byline:
    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    views: int | None = None
    text: str = ""  # the normalised byline, for date parsing
    source: str | None = None  # "Sumber : Suara Ketapang": where a story came from


def _clean_name(value: str) -> str | None:
    value = value.strip(" ,.-–|:/")
    if not value or len(value) > 80 or any(ch.isdigit() for ch in value):
        return None
    return value


def parse_byline(text: str) -> Byline:
    """Author(s), editor and view count from a byline; fields stay empty when absent."""
    text = normalize_space(text)
    result = Byline(text=text)
    m = _AUTHOR_OLEH.search(text) or _AUTHOR_LABEL.search(text)
    if m:
        for part in re.split(r"\s*(?:,|&|\bdan\b)\s*", m.group("v")):
            name = _clean_name(part)
            if name:
                result.authors.append(name)
    m = _EDITOR.search(text)
    if m:
        result.editor = _clean_name(m.group("v"))
    m = _VIEWS.search(text)
    if m:
        result.views = int((m.group("n") or m.group("k")).replace(".", ""))
    return result


_CREDIT = re.compile(r"^(?:penulis|reporter|pewarta|editor|redaktur|sumber)\s*:", re.I)
_SOURCE = re.compile(r"^sumber\s*:\s*(?P<v>.+?)\s*$", re.I)


def credit_lines(paragraphs: list[str]) -> Byline:
    """Author/editor from closing credit paragraphs such as ``Penulis: Ani / Editor: Budi``."""
    merged = Byline()
    for para in paragraphs[-6:]:
        if len(para) > 160 or not _CREDIT.match(para):
            continue
        found = parse_byline(para)
        merged.authors = merged.authors or found.authors
        merged.editor = merged.editor or found.editor
        if (m := _SOURCE.match(para)) and not merged.source:
            merged.source = m.group("v")
    return merged
