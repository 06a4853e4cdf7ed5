"""A page's headline: the first layer that has one (JSON-LD, meta, the profile, the page's ``<h1>``
or ``<title>``), cleaned of what a CMS puts around it.

Two general truths about news markup, measured on the real pages of ``bench/real_pages.py``: a
CMS often names the site (or a section) after a separator in one candidate but not in another
(``Headline | Sport`` beside ``Headline``), so a candidate that is another one plus a separated tail
gives way to the shorter; and the site's own name comes from the page itself (``og:site_name``, the
JSON-LD publisher, the host), not only from a profile.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crawler.extraction.generic import TITLE_SEPARATORS, is_masthead, strip_site_name
from crawler.extraction.htmltext import normalize_space
from crawler.urls import host_of

MIN_TITLE = 5  # characters: shorter is a site name, a date or a stray label, not a headline


def site_names(*names: str | None, url: str = "") -> tuple[str, ...]:
    """The names a site goes by on its own pages: the given ones (a profile's label and domains,
    ``og:site_name``, the JSON-LD publisher) and the longest label of the page's host
    (``www.golem.de`` -> ``golem``)."""
    labels = [label for label in host_of(url).split(".")[:-1] if label != "www"]
    host_name = max(labels, key=len) if labels else None
    return tuple(dict.fromkeys(n.strip() for n in (*names, host_name) if n and n.strip()))


def good_title(value: str | None, names: tuple[str, ...]) -> str | None:
    """``value`` without the site's name around it, or None when what is left is no headline."""
    if not value:
        return None
    value = strip_site_name(normalize_space(value), names)
    if len(value) < MIN_TITLE or is_masthead(value, names):
        return None
    return value


# what ends a kicker (a topic line shown before the headline): a dash or bar between spaces, or a colon
_KICKER_END = re.compile(r"(?:\s+[-|–—»]+|\s*:)\s+$")


def _tail_of(title: str, other: str) -> bool:
    """``title`` is ``other`` plus a separated tail: ``Headline | Sport``."""
    return title.startswith(other) and bool(TITLE_SEPARATORS.match(title, len(other)))


def _kicker_of(title: str, other: str) -> bool:
    """``title`` is a kicker before ``other``: ``Minderheit in Syrien - Drusen fordern...``,
    ``Pilkada 2024: ASN dilarang...`` (the kicker in its own element, the headline beside it)."""
    return title.endswith(other) and bool(_KICKER_END.search(title[: len(title) - len(other)]))


DECLARING_LAYERS = frozenset({"jsonld", "meta"})  # where a page declares its headline, apart from showing it


def without_tail(title: str, others: Sequence[tuple[str, str]]) -> str:
    """The shortest other candidate (layer, title) that ``title`` is, plus a separated tail (a
    section or the site's name that stripping did not know), or after a kicker where the page
    declares the headline without it (JSON-LD, meta): ``Headline | Sport`` and ``Topic: Headline``
    -> ``Headline``. A shown headline without the kicker a declared one has is not the page
    saying the kicker is no part of it: the kicker may sit in its own element."""
    best = title
    for layer, other in others:
        kicker = layer in DECLARING_LAYERS and _kicker_of(title, other)
        if len(other) < len(best) and (_tail_of(title, other) or kicker):
            best = other
    return best


def choose_title(layers: Sequence[tuple[str, str | None]], names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(headline, layer) from candidates in order of trust: the first good one, without a tail
    that another candidate shows it does not need."""
    found = [(layer, title) for layer, value in layers if (title := good_title(value, names))]
    if not found:
        return None, None
    layer, title = found[0]
    return without_tail(title, found[1:]), layer
