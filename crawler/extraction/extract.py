"""Layered article extraction: one parse tree per page, each field from the first layer that has it.

Layers: 1 JSON-LD, 2 meta tags, 3 the site profile's selectors (and bylines), 4 generic fallback
(h1/<title>, visible dates, trafilatura for the body). ``extracted_by`` records the winning layer.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

from lxml import etree, html
from parsel import Selector
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom

from crawler.extraction.authors import generic_authors, person_names
from crawler.extraction.bylines import Byline, credit_lines, parse_byline
from crawler.extraction.cleanup import body_text, clean_paragraphs
from crawler.extraction.dates import WIB, ParsedDate, declared_zone, parse_date
from crawler.extraction.generic import generic_date, generic_paragraphs, generic_title
from crawler.extraction.htmltext import (
    WORD,
    compiled_selector,
    declared_paragraphs,
    element_paragraphs,
    normalize_space,
)
from crawler.extraction.structured import Candidates, jsonld_candidates, meta_candidates
from crawler.extraction.titles import choose_title, site_names
from crawler.items import Article, Reject
from crawler.profile import SiteProfile
from crawler.urls import canonical_url, clean_url, host_of, same_site

MIN_BODY_WORDS = 25  # a profile body shorter than this is treated as "selector missed"
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


class ExtractionError(ValueError):
    """The input is not an article page. ``reason`` is short and machine-friendly."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Bytes to text, decided by evidence rather than by what the page claims: a BOM first; then
    bytes that are valid UTF-8 (with non-ASCII in them) are UTF-8 whatever charset is declared
    (a UTF-8 page declaring ``iso-8859-1`` or ``utf-16`` is common, and its text is not); bytes that
    are UTF-8 with some Windows-1252 ones (a template in one, an editor's paste in the other)
    are each read as what they are; then the declared charset (HTTP header, then ``<meta>``) when it
    decodes cleanly; else detection. A NUL becomes a space (it separates, it never joins words)."""
    return _decoded(data, content_type).replace("\x00", " ")


def _decoded(data: bytes, content_type: str | None) -> str:
    if looks_binary(data):
        raise ExtractionError("not-html", "the content is binary, not text (a PDF, an image, an archive...)")
    bom, _ = read_bom(data)
    if bom:
        return html_to_unicode(content_type, data)[1]
    if not data.isascii() and _is_utf8(data):
        return data.decode("utf-8")
    if not data.isascii() and _has_utf8_sequences(data):
        return data.decode("utf-8", errors=_CP1252_FALLBACK)
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(data)
    if declared and not declared.startswith("utf-16") and not declared.startswith("utf-32"):
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode(_undeclared_encoding(data) or "cp1252", errors="replace")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _has_utf8_sequences(data: bytes) -> bool:
    """Some characters are written as UTF-8 multi-byte sequences. Text in a single-byte charset
    almost never forms one by chance (it would need "Ã©" written literally), so their presence is
    the evidence: those sequences are UTF-8, and the other high bytes are Windows-1252."""
    text = data.decode("utf-8", errors="replace")
    return any(ord(ch) > 127 and ch != "\ufffd" for ch in text)


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: bytes that are not UTF-8, read as Windows-1252."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("cp1252", errors="replace"), exc.end


_CP1252_FALLBACK = "pantau-cp1252-fallback"
codecs.register_error(_CP1252_FALLBACK, _cp1252_bytes)


def html_tree(text: str) -> Selector:
    """The page's tree, as parsel builds it. A page nested deeper than the parser follows (2,048
    levels) would lose everything after the deep part without a word: it is refused instead."""
    parser = html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = etree.fromstring(text.strip().encode("utf-8") or b"<html/>", parser=parser)
    if any("Excessive depth" in error.message for error in parser.error_log):
        raise ExtractionError("too-deep", "elements nested more than 2,048 levels deep; the text after them "
                                          "cannot be read")  # fmt: skip
    return Selector(root=root if root is not None else html.fromstring("<html/>"), type="html")


def _undeclared_encoding(data: bytes) -> str | None:
    """Without a usable charset: UTF-8 when the bytes are valid UTF-8, else Windows-1252 (as Scrapy)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


# A feed or a sitemap: its root element, after any XML declaration or comments. A comment cannot
# reach past its own "-->" (a lazy ".*?" could, and a page opening with comments made the match
# backtrack for minutes); only the head of the page is looked at.
_XML_DOCUMENT = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--(?:(?!-->).)*-->\s*|<\?[^>]*>\s*)*<(rss|feed|urlset|sitemapindex|rdf:RDF)\b",
    re.S | re.I,
)
XML_HEAD = 65536


def looks_binary(data: bytes) -> bool:
    """A PDF, image or archive (by its magic number), or bytes where control characters are common.
    A stray NUL in an HTML page does not make it binary."""
    head = data[:1024].lstrip()
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or not head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    if controls > len(head) * 0.1 and b"<" not in head[:64]:
        return True
    # a page has text between its tags: bytes where control characters are common are not one
    sample = data[:8192]
    return sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12, 0)) > max(8, len(sample) // 20)


_NOT_ARTICLE_BODY = re.compile(
    r"\b(?:archive|category|tag|author|search|search-results|home|blog|error404|date|page-template"
    r"|page-id-\d+)\b"
)


def page_is_not_article(sel: Selector) -> str | None:
    """Why the page is a listing, search, author or static page (WordPress body classes), or
    None when it may be an article. Pages without such markers are given the benefit of doubt."""
    classes = " ".join(sel.xpath("//body/@class").getall())
    if not classes or re.search(r"\bsingle(?:-post)?\b", classes):
        return None
    m = _NOT_ARTICLE_BODY.search(classes)
    return f"the page is a {m.group(0)} page" if m else None


def query(sel: Selector, selector: str) -> list:
    """Elements or strings matched by a profile selector (see :func:`compiled_selector`)."""
    compiled = compiled_selector(selector)
    if compiled is None:
        return []
    try:
        result = compiled(sel.root)
    except etree.XPathError:
        return []
    return result if isinstance(result, list) else [result]


def _text_of(node: object) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, etree._Element):
        return " ".join(node.itertext())
    return str(node)


def _select_text(sel: Selector, selectors: tuple[str, ...]) -> str | None:
    for css in selectors:
        for node in query(sel, css):
            value = normalize_space(_text_of(node))
            if value:
                return value
    return None


def _select_all(sel: Selector, selectors: tuple[str, ...]) -> list[str]:
    for css in selectors:
        values = [v for v in (normalize_space(_text_of(n)) for n in query(sel, css)) if v]
        if values:
            return list(dict.fromkeys(values))
    return []


def _local(parsed: ParsedDate, tz: timezone) -> ParsedDate:
    """UTC values from meta tags are shown in the site's zone; explicit local zones are kept."""
    if parsed.value.utcoffset() == timedelta(0) and parsed.has_time:
        return ParsedDate(parsed.value.astimezone(tz), True)
    return parsed


def _views(sel: Selector, profile: SiteProfile | None) -> int | None:
    text = _select_text(sel, profile.views) if profile else None
    m = re.search(r"(\d[\d.]*)\s*(?:kali|views|x dibaca|dibaca)?", text or "", re.I)
    return int(m.group(1).replace(".", "")) if m else None


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


Layer = tuple[str, Callable[[], Any]]


def first_layer(*layers: Layer) -> tuple[Any, str | None]:
    """The value of the first layer that has one, and that layer's name (``extracted_by``).
    Layers are functions, so a layer below the one that answers is never evaluated."""
    for name, get in layers:
        if value := get():
            return value, name
    return None, None


@dataclass
class _Page:
    """One parsed page and what every field's layers read from it."""

    sel: Selector
    profile: SiteProfile | None
    ld: Candidates
    mt: Candidates
    byline: Byline
    tz: timezone
    fetched: datetime

    def selected(self, selectors: str) -> str | None:
        return _select_text(self.sel, getattr(self.profile, selectors)) if self.profile else None

    def selected_all(self, selectors: str) -> list[str]:
        return _select_all(self.sel, getattr(self.profile, selectors)) if self.profile else []

    def date(self, raw: str | None) -> tuple[ParsedDate, str] | None:
        parsed = parse_date(raw, self.tz, self.fetched) if raw else None
        return (_local(parsed, self.tz), raw) if parsed and raw else None


def _first(*values: str | None) -> str | None:
    return next((normalize_space(v) for v in values if v and normalize_space(v)), None)


def _page(page: str | bytes | Selector, profile: SiteProfile | None, content_type: str | None,
          fetched_at: datetime | None) -> _Page:  # fmt: skip
    if isinstance(page, bytes):
        page = decode_html(page, content_type)
    if isinstance(page, str):
        if not page.strip():
            raise ExtractionError("empty", "the page is empty")
        if "<" not in page[:2000]:
            raise ExtractionError("not-html", "no HTML markup found")
        if m := _XML_DOCUMENT.match(page[:XML_HEAD]):
            raise ExtractionError("not-html", f"an XML document ({m.group(1)}: a feed or a sitemap), not a page")
        page = html_tree(page)
    byline = Byline()
    if profile and profile.byline and (text := _select_text(page, profile.byline)):
        byline = parse_byline(text)
    ld, mt = jsonld_candidates(page), meta_candidates(page)
    tz = profile.timezone if profile else declared_zone(ld.published, mt.published, ld.modified, mt.modified) or WIB
    return _Page(page, profile, ld, mt, byline, tz,
                 fetched_at or datetime.now(UTC))  # fmt: skip


def _site_names(p: _Page, url: str) -> tuple[str, ...]:
    own = (p.profile.label, *p.profile.domains) if p.profile else ()
    return site_names(*own, p.ld.site_name, p.mt.site_name, url=url)


def _title(p: _Page, url: str) -> tuple[str | None, str | None]:
    names = _site_names(p, url)
    return choose_title([("jsonld", p.ld.title), ("meta", p.mt.title), ("profile", p.selected("title")),
                         ("generic", generic_title(p.sel, names))], names)  # fmt: skip


def _paragraphs(p: _Page, title: str | None) -> tuple[list[str], list[str], str | None]:
    """(clean paragraphs, raw paragraphs, layer). The raw ones keep credit lines ("Penulis: ...")
    that cleanup drops from the text, so that they are read before."""
    drop_exact = [title] if title else []
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

    found, layer = first_layer(("profile", profile))
    if found is None:
        found, layer = _declared_or_found(jsonld(), generic, p.profile is not None)
    return (found[0], found[1], layer) if found else ([], [], None)


Paragraphs = tuple[list[str], list[str]]
SUMMARY_SHARE = 0.5  # a body with under half the words of another candidate is a summary or a teaser
SHORT_BODY = 400  # words: a body found this short by trafilatura's fast mode is looked for again


def _words(found: Paragraphs | None) -> int:
    return sum(len(x.split()) for x in found[0]) if found else 0


def _declared_or_found(declared: Paragraphs | None, generic: Any,
                       profiled: bool) -> tuple[Paragraphs | None, str | None]:  # fmt: skip
    """The body the page declares (JSON-LD ``articleBody``) or the one found in its markup, chosen by
    length rather than first-wins: a declared body much shorter than the one in the page is a summary
    (publishers often put a teaser there); a body trafilatura's fast mode finds short, or shorter than
    the declared one, is looked for again with its fallbacks, which find the full text on pages
    where the fast mode stops at one block. On a site with a profile the declared body still comes
    first when there is one (the profile's pages are known)."""
    if profiled and declared:
        return declared, "jsonld"
    found = generic()
    if _words(found) < max(SHORT_BODY, SUMMARY_SHARE * _words(declared)):
        fuller = generic(False)
        if _words(fuller) > _words(found):
            found = fuller
    if declared and (not found or _words(declared) >= SUMMARY_SHARE * _words(found)):
        return declared, "jsonld"
    return (found, "generic") if found else (None, None)


def _published(p: _Page) -> tuple[tuple[ParsedDate, str] | None, str | None]:
    def generic() -> tuple[ParsedDate, str] | None:
        found = generic_date(p.sel, p.tz)
        return (_local(found[0], p.tz), found[1]) if found else None

    return first_layer(
        ("jsonld", lambda: p.date(p.ld.published)), ("meta", lambda: p.date(p.mt.published)),
        ("profile", lambda: p.date(p.selected("date"))), ("byline", lambda: p.date(p.byline.text or None)),
        ("generic", generic),
    )  # fmt: skip


def _canonical(p: _Page, url: str) -> str:
    """The page's own URL: its declared canonical when that is an article URL of the same site."""
    declared = _first(p.ld.canonical, p.mt.canonical)
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
    p = _page(page, profile, content_type, fetched_at)
    by: dict[str, str | None] = {}
    title, by["title"] = _title(p, url)
    paragraphs, raw_paragraphs, by["body"] = _paragraphs(p, title)
    if not title and not paragraphs:
        raise ExtractionError("no-article", "no title and no article text found")
    published, by["published"] = _published(p)
    modified = next((d[0].value.isoformat(timespec="seconds") for raw in (p.ld.modified, p.mt.modified)
                     if (d := p.date(raw))), None)  # fmt: skip
    credits = credit_lines([x for x in raw_paragraphs if x.strip()])
    authors, by["authors"] = first_layer(
        ("jsonld", lambda: person_names(p.ld.authors)), ("meta", lambda: person_names(p.mt.authors)),
        ("profile", lambda: person_names(p.selected_all("authors"))), ("byline", lambda: p.byline.authors),
        ("credits", lambda: credits.authors), ("generic", lambda: generic_authors(p.sel)),
    )  # fmt: skip
    image, by["image"] = first_layer(("jsonld", lambda: _first(p.ld.image)), ("meta", lambda: _first(p.mt.image)),
                                     ("profile", lambda: _first(p.selected("image"))))  # fmt: skip
    caption = _first(p.ld.caption) or _first(p.selected("caption"))
    caption = caption.lstrip(":;-– ") or None if caption else None
    category, by["category"] = first_layer(("jsonld", lambda: _first(p.ld.category)),
                                           ("meta", lambda: _first(p.mt.category)),
                                           ("profile", lambda: _first(p.selected("category"))))  # fmt: skip
    tags, by["tags"] = first_layer(("jsonld", lambda: p.ld.tags), ("meta", lambda: p.mt.tags),
                                   ("profile", lambda: p.selected_all("tags")))  # fmt: skip
    editor = p.byline.editor or credits.editor
    by["editor"] = ("byline" if p.byline.editor else "credits") if editor else None
    location = find_location(paragraphs)
    by["location"] = "dateline" if location else None
    body = body_text([x for x in paragraphs if x != caption] if caption else paragraphs)
    page_url = _canonical(p, url)
    language = _first(p.ld.language, p.mt.language) or (profile.language if profile else None)
    key = profile.url_key if profile else canonical_url
    return Article(
        url=page_url,
        site=profile.name if profile else (host_of(page_url).removeprefix("www.") or "unknown"),
        title=title, published_at=published[0].iso if published else None,
        published_date=published[0].day if published else None, published_raw=published[1] if published else None,
        modified_at=modified, authors=list(dict.fromkeys(authors or [])), editor=editor, source=credits.source,
        location=location, category=category, tags=list(dict.fromkeys(tags or [])),
        image_url=urljoin(url, image) if image else None, image_caption=caption,
        description=_first(p.ld.description, p.mt.description), body=body, word_count=len(WORD.findall(body)),
        language=language.split("-")[0].split("_")[0].lower() if language else None,
        views=p.byline.views if p.byline.views is not None else _views(p.sel, profile),
        content_hash=content_hash(body), fetched_at=p.fetched.astimezone(UTC).isoformat(timespec="seconds"),
        url_key=key(page_url), source_url=url, source_key=key(clean_url(url)),
        extracted_by={k: v for k, v in by.items() if v},
    )  # fmt: skip


def extract_page(body: bytes, content_type: str | None, url: str, profile: SiteProfile,
                 fetched_at: datetime | None = None) -> Article | Reject:  # fmt: skip
    """The record of one fetched page, or why it has none: the whole per-page extraction step of a
    crawl, as one plain function so that it can run in a helper process (:mod:`crawler.fetch.offload`).
    Never raises for a bad page: one bad page never stops a crawl. ``fetched_at``: when the page was
    fetched (relative dates, "3 hari lalu", count from it; default now)."""
    try:
        page = decode_html(body, content_type)
        sel = html_tree(page) if page.strip() else None
        if sel is not None and (reason := page_is_not_article(sel)):
            return Reject(url, profile.name, "not-article", reason)
        return extract_article(sel if sel is not None else page, url, profile, fetched_at=fetched_at)
    except ExtractionError as exc:
        return Reject(url, profile.name, exc.reason, exc.detail)
    except Exception as exc:  # noqa: BLE001 - recorded with its type, the crawl goes on
        return Reject(url, profile.name, "extraction-error", f"{type(exc).__name__}: {exc}"[:500])


def content_hash(body: str) -> str:
    """Exact fingerprint of the normalised body (case and spacing do not count)."""
    normal = " ".join(WORD.findall(body.casefold()))
    return hashlib.sha256(normal.encode()).hexdigest()[:32]
