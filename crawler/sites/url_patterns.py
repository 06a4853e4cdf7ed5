"""What a site's article URLs look like, learnt from the URLs its feeds and sitemaps list.

News sites give their articles addresses of a few shapes: a date path and a slug (WordPress
permalinks, ``/2024/10/14/pj-wali-kota-tegaskan-netralitas/``), a numeric id beside a slug
(``/kategori/nusantara/861347/pj-wali-kota...``, ``/read/861347/...``, ``/berita-861347.html``), a
slug alone (``/pjs-bupati-berau-tekankan-netralitas-asn/``). Each path is reduced to its shape
(a year, a number, a slug, a word), the shapes most of the listed URLs share become one pattern,
and a shape that holds neither a slug nor a number (a section, a tag page) is never an article's.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

YEAR = r"\d{4}"
NUMBER = r"\d+"
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+){2,}(?:\.(?:html?|php|aspx?))?"
WORD = r"[a-z0-9_-]+"
MIN_SHARE = 0.1  # a shape held by fewer of the listed URLs is a stray (a page, a tag) and left out


def segment_shape(segment: str) -> str:
    """A path segment as the kind of value it holds: a year, a number, a slug (three words or
    more, joined by hyphens, a number or an extension allowed), or a word (a section's name)."""
    if re.fullmatch(r"(?:19|20)\d{2}", segment):
        return YEAR
    if segment.isdigit():
        return NUMBER
    if re.fullmatch(SLUG, segment):
        return SLUG
    return WORD


def _shape(path: str) -> tuple[str, ...] | None:
    segments = [s for s in path.lower().split("/") if s]
    return tuple(segment_shape(s) for s in segments) or None


def _is_article_shape(shape: tuple[str, ...]) -> bool:
    return any(part in (SLUG, NUMBER) for part in shape)


def article_path(urls: list[str]) -> str | None:
    """A regular expression for the paths of ``urls`` (the articles a site lists), or None when
    they share no article-like shape. A first segment that is the same word in every URL of a
    shape stays that word (``kategori``, ``read``); any other keeps its kind."""
    paths = [urlsplit(u).path for u in urls]
    shapes: dict[tuple[str, ...], list[list[str]]] = {}
    for path in paths:
        shape = _shape(path)
        if shape and _is_article_shape(shape):
            shapes.setdefault(shape, []).append([s for s in path.lower().split("/") if s])
    counts = Counter({shape: len(found) for shape, found in shapes.items()})
    chosen = [shape for shape, n in counts.most_common() if n >= max(1, MIN_SHARE * len(paths))]
    if not chosen:
        return None
    alternatives = []
    for shape in chosen:
        parts = []
        for i, kind in enumerate(shape):
            values = {segments[i] for segments in shapes[shape]}
            # the first segment names the kind of page (``read``, ``berita``, ``kategori``); a later
            # word is a section's name, which a sample of a few sections cannot list
            parts.append(re.escape(values.pop()) if kind == WORD and i == 0 and len(values) == 1 else kind)
        alternatives.append("/".join(parts))
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return f"(?i)^/{body}/?$"


def share_matching(pattern: str, urls: list[str]) -> float:
    """The share of ``urls`` whose path ``pattern`` matches."""
    if not urls:
        return 0.0
    compiled = re.compile(pattern)
    return sum(bool(compiled.search(urlsplit(u).path)) for u in urls) / len(urls)
