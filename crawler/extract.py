"""Layered article extraction: one parse tree per page, each field from the first layer that has it.

Layers: 1 JSON-LD, 2 meta tags, 3 the site profile's selectors (and bylines), 4 generic fallback
(h1/<title>, visible dates, trafilatura for the body). ``extracted_by`` records the winning layer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom

from crawler.bylines import Byline, credit_lines, parse_byline
from crawler.cleanup import body_text, clean_paragraphs
from crawler.dates import WIB, ParsedDate, parse_date
from crawler.generic import generic_date, generic_paragraphs, generic_title, strip_site_name
from crawler.htmltext import compiled_selector, element_paragraphs, normalize_space
from crawler.items import Article, Reject
from crawler.profile import SiteProfile
from crawler.structured import Candidates, jsonld_candidates, meta_candidates
from crawler.urls import canonical_url, clean_url, host_of, same_site

MIN_BODY_WORDS = 25  # a profile body shorter than this is treated as "selector missed"
_WORD = re.compile(r"\w+")
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
    (a UTF-8 page declaring ``iso-8859-1`` or ``utf-16`` is common, and its text is not); then the
    declared charset (HTTP header, then ``<meta>``) when it decodes cleanly; else detection."""
    if looks_binary(data):
        raise ExtractionError("not-html", "the content is binary (PDF, image or archive)")
    bom, _ = read_bom(data)
    if bom:
        return html_to_unicode(content_type, data)[1]
    if not data.isascii() and _is_utf8(data):
        return data.decode("utf-8")
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


def _undeclared_encoding(data: bytes) -> str | None:
    """Without a usable charset: UTF-8 when the bytes are valid UTF-8, else Windows-1252 (as Scrapy)."""
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def looks_binary(data: bytes) -> bool:
    """A PDF, image or archive (by its magic number), or bytes that are mostly control characters.
    A stray NUL in an HTML page does not make it binary."""
    head = data[:1024].lstrip()
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or not head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    return controls > len(head) * 0.1 and b"<" not in head[:64]


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


def _good_title(value: str | None, profile: SiteProfile | None) -> str | None:
    if not value:
        return None
    value = normalize_space(value)
    if profile:
        value = strip_site_name(value, (profile.label, *profile.domains))
    if len(value) < 5 or (profile and value.casefold() == profile.label.casefold()):
        return None
    return value


def extract_article(
    page: str | bytes | Selector,
    url: str,
    profile: SiteProfile | None = None,
    *,
    fetched_at: datetime | None = None,
    content_type: str | None = None,
) -> Article:
    """Extract the article record from one page. Raises :class:`ExtractionError` when the page
    holds no article (no title and no body) or is not HTML."""
    if isinstance(page, bytes):
        page = decode_html(page, content_type)
    if isinstance(page, str):
        if not page.strip():
            raise ExtractionError("empty", "the page is empty")
        if "<" not in page[:2000]:
            raise ExtractionError("not-html", "no HTML markup found")
        sel = Selector(text=page)
    else:
        sel = page
    fetched = fetched_at or datetime.now(UTC)
    tz = profile.timezone if profile else WIB
    by: dict[str, str] = {}
    ld = jsonld_candidates(sel)
    mt = meta_candidates(sel)
    layers: tuple[tuple[str, Candidates], ...] = (("jsonld", ld), ("meta", mt))

    byline = Byline()
    if profile and profile.byline and (text := _select_text(sel, profile.byline)):
        byline = parse_byline(text)

    # -- title
    title = None
    for name, cand in layers:
        if title := _good_title(cand.title, profile):
            by["title"] = name
            break
    if not title and profile and (title := _good_title(_select_text(sel, profile.title), profile)):
        by["title"] = "profile"
    if not title:
        names = (profile.label, *profile.domains) if profile else ()
        if title := _good_title(generic_title(sel, names), profile):
            by["title"] = "generic"

    # -- body (the raw paragraphs are kept: credit lines such as "Penulis: ..." are read from them
    # before cleanup drops them from the text)
    paragraphs, raw_paragraphs = [], []
    drop_exact = [t for t in (title,) if t]
    boilerplate = profile.boilerplate if profile else ()
    if profile and profile.body:
        for css in profile.body:
            nodes = [n for n in query(sel, css) if isinstance(n, etree._Element)]
            if nodes:
                found_raw = element_paragraphs(nodes[0], profile.drop_selectors())
                found = clean_paragraphs(found_raw, boilerplate, drop_exact)
                if sum(len(p.split()) for p in found) >= MIN_BODY_WORDS:
                    paragraphs, raw_paragraphs, by["body"] = found, found_raw, "profile"
                    break
    if not paragraphs and ld.body and len(ld.body.split()) >= MIN_BODY_WORDS:
        raw_paragraphs = [normalize_space(p) for p in ld.body.split("\n")]
        paragraphs, by["body"] = clean_paragraphs(raw_paragraphs, boilerplate, drop_exact), "jsonld"
    if not paragraphs:
        raw_paragraphs = generic_paragraphs(sel)
        paragraphs = clean_paragraphs(raw_paragraphs, boilerplate, drop_exact)
        if paragraphs:
            by["body"] = "generic"
    if not title and not paragraphs:
        raise ExtractionError("no-article", "no title and no article text found")

    # -- dates
    published: ParsedDate | None = None
    raw_date = None
    # layers are evaluated lazily: a profile selector only runs when the layers above had nothing
    candidates: list[tuple[str, Callable[[], str | None]]] = [
        ("jsonld", lambda: ld.published), ("meta", lambda: mt.published),
        ("profile", lambda: _select_text(sel, profile.date) if profile else None),
        ("byline", lambda: byline.text or None),
    ]  # fmt: skip
    for name, get_raw in candidates:
        raw = get_raw()
        if raw and (parsed := parse_date(raw, tz, fetched)):
            published, raw_date, by["published"] = _local(parsed, tz), raw, name
            break
    if published is None and (found_date := generic_date(sel, tz)):
        published, raw_date, by["published"] = _local(found_date[0], tz), found_date[1], "generic"
    modified = None
    for raw in (ld.modified, mt.modified):
        if raw and (parsed := parse_date(raw, tz, fetched)):
            modified = _local(parsed, tz).value.isoformat(timespec="seconds")
            break

    # -- people
    credits = credit_lines([p for p in raw_paragraphs if p.strip()])
    authors: list[str] = []
    for name, get_values in (
        ("jsonld", lambda: ld.authors),
        ("meta", lambda: mt.authors),
        ("profile", lambda: _select_all(sel, profile.authors) if profile else []),
        ("byline", lambda: byline.authors),
        ("credits", lambda: credits.authors),
    ):
        if values := get_values():
            authors, by["authors"] = list(dict.fromkeys(values)), name
            break
    editor = byline.editor or credits.editor

    # -- the rest
    def first(*values: str | None) -> str | None:
        return next((normalize_space(v) for v in values if v and normalize_space(v)), None)

    def from_profile(selectors: str) -> str | None:
        return _select_text(sel, getattr(profile, selectors)) if profile else None

    def layered(*candidates: tuple[str, Callable[[], Any]]) -> tuple[Any, str | None]:
        """The first layer's value that is not empty, with the layer recorded in ``extracted_by``."""
        for layer, get in candidates:
            if value := get():
                return value, layer
        return None, None

    image, by["image"] = layered(("jsonld", lambda: first(ld.image)), ("meta", lambda: first(mt.image)),
                                 ("profile", lambda: first(from_profile("image"))))  # fmt: skip
    caption = first(ld.caption) or first(from_profile("caption"))
    caption = caption.lstrip(":;-– ") or None if caption else None
    category, by["category"] = layered(("jsonld", lambda: first(ld.category)), ("meta", lambda: first(mt.category)),
                                       ("profile", lambda: first(from_profile("category"))))  # fmt: skip
    tags, by["tags"] = layered(("jsonld", lambda: ld.tags), ("meta", lambda: mt.tags),
                               ("profile", lambda: _select_all(sel, profile.tags) if profile else []))  # fmt: skip
    tags = tags or []
    for name in ("image", "category", "tags"):
        if by[name] is None:
            del by[name]
    if editor:
        by["editor"] = "byline" if byline.editor else "credits"
    if location := find_location(paragraphs):
        by["location"] = "dateline"
    if caption:
        paragraphs = [p for p in paragraphs if p != caption]
    body = body_text(paragraphs)

    page_url = clean_url(url)
    declared = first(ld.canonical, mt.canonical)
    if declared:
        declared = urljoin(url, declared)
        domains = profile.domains if profile else (host_of(url).removeprefix("www."),)
        if same_site(declared, domains) and (not profile or profile.is_article_url(declared)):
            page_url = clean_url(declared)
    language = first(ld.language, mt.language) or (profile.language if profile else None)
    return Article(
        url=page_url,
        site=profile.name if profile else (host_of(page_url).removeprefix("www.") or "unknown"),
        title=title,
        published_at=published.iso if published else None,
        published_date=published.day if published else None,
        published_raw=raw_date,
        modified_at=modified,
        authors=authors,
        editor=editor,
        source=credits.source,
        location=location,
        category=category,
        tags=list(dict.fromkeys(tags)),
        image_url=urljoin(url, image) if image else None,
        image_caption=caption,
        description=first(ld.description, mt.description),
        body=body,
        word_count=len(_WORD.findall(body)),
        language=language.split("-")[0].split("_")[0].lower() if language else None,
        views=byline.views if byline.views is not None else _views(sel, profile),
        content_hash=content_hash(body),
        fetched_at=fetched.astimezone(UTC).isoformat(timespec="seconds"),
        url_key=profile.url_key(page_url) if profile else canonical_url(page_url),
        source_url=url,
        source_key=profile.url_key(clean_url(url)) if profile else canonical_url(url),
        extracted_by=by,
    )


def extract_page(body: bytes, content_type: str | None, url: str, profile: SiteProfile) -> Article | Reject:
    """The record of one fetched page, or why it has none: the whole per-page extraction step of a
    crawl, as one plain function so that it can run in a helper process (:mod:`crawler.offload`).
    Never raises for a bad page: one bad page never stops a crawl."""
    try:
        page = decode_html(body, content_type)
        sel = Selector(text=page) if page.strip() else None
        if sel is not None and (reason := page_is_not_article(sel)):
            return Reject(url, profile.name, "not-article", reason)
        return extract_article(sel if sel is not None else page, url, profile)
    except ExtractionError as exc:
        return Reject(url, profile.name, exc.reason, exc.detail)
    except Exception as exc:  # noqa: BLE001 - recorded with its type, the crawl goes on
        return Reject(url, profile.name, "extraction-error", f"{type(exc).__name__}: {exc}"[:500])


def content_hash(body: str) -> str:
    """Exact fingerprint of the normalised body (case and spacing do not count)."""
    normal = " ".join(_WORD.findall(body.casefold()))
    return hashlib.sha256(normal.encode()).hexdigest()[:32]


