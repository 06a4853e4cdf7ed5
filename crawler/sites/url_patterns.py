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


def _is_article_shape(shape: tuple[str, ...]) -> bool:
    return any(part in (SLUG, NUMBER) for part in shape)


def article_path(urls: list[str]) -> str | None:
    """A regular expression for the paths of ``urls`` (the articles a site lists), or None when
    they share no article-like shape. A first segment that is the same word in every URL of a
    shape stays that word (``kategori``, ``read``); any other keeps its kind."""
    by_shape: dict[tuple[str, ...], list[list[str]]] = {}
    for url in urls:
        segments = [s for s in urlsplit(url).path.lower().split("/") if s]
        shape = tuple(segment_shape(s) for s in segments)
        if _is_article_shape(shape):
            by_shape.setdefault(shape, []).append(segments)
    common = sorted(by_shape, key=lambda shape: -len(by_shape[shape]))
    chosen = [shape for shape in common if len(by_shape[shape]) >= max(1, MIN_SHARE * len(urls))]
    if not chosen:
        return None
    alternatives = []
    for shape in chosen:
        # the first segment names the kind of page (``read``, ``berita``, ``kategori``); a later
        # word is a section's name, which a sample of a few sections cannot list
        first = {segments[0] for segments in by_shape[shape]}
        parts = [re.escape(first.pop()) if shape[0] == WORD and len(first) == 1 else shape[0], *shape[1:]]
        alternatives.append("/".join(parts))
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return f"(?i)^/{body}/?$"
