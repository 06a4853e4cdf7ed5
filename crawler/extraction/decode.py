"""What a fetched page is before it is read: its bytes decoded (declared, sniffed or guessed encoding,
the way browsers and Scrapy do), its tree built with bounds, and pages that are no article (binary,
an XML feed or sitemap, a page whose body says it is an index) told apart."""

from __future__ import annotations

import codecs
import re
import unicodedata

from lxml import etree, html
from parsel import Selector
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom

from crawler.extraction.htmltext import INLINE_FORMATTING

_CP1252_FALLBACK = "pantau-cp1252-fallback"


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
    return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end


# The most elements a page may have, inline formatting (``<b>``, ``<span>``, ``<a>``...) not counted:
# ten times the largest real article page measured (5,795 elements, of 297 real pages in
# ../shared/data). Memory and time of extraction grow with the elements, not the bytes: a 7.7 MB
# page of half a million elements took 550 MB and 13 s, where a 7.4 MB page of text takes 190 MB
# and 7 s (docs/reliability.md). Inline formatting is flattened before the generic layer reads it.
MAX_ELEMENTS = 60_000
NOT_STRUCTURE = INLINE_FORMATTING | {"br", "img", "wbr"}
_COUNT_STRUCTURE = "count(//*[not(" + " or ".join(f"self::{tag}" for tag in sorted(NOT_STRUCTURE)) + ")])"


def html_tree(text: str) -> Selector:
    """The page's tree, as parsel builds it. A page nested deeper than the parser follows (2,048
    levels) would lose everything after the deep part without a word: it is refused instead, as
    is a page of more than :data:`MAX_ELEMENTS` elements (a page of many times more tags is
    refused before the parse, which is what costs memory). The text is read in Unicode's
    composed form (NFC), so that a word is stored, indexed and compared as it is typed, however
    the page wrote it (``u`` and a combining diaeresis are ``ü``). Comments and processing
    instructions are left out: never article text, and trafilatura 2.0.0 fails on a comment inside
    a heading."""
    tags = text.count("<") if len(text) > 3 * MAX_ELEMENTS else 0  # an element takes 3 characters at least
    if tags > 8 * MAX_ELEMENTS and text.count("</") + text.count("/>") > 8 * MAX_ELEMENTS:
        raise _too_many(f"more than {8 * MAX_ELEMENTS:,} closed elements")
    text = unicodedata.normalize("NFC", text)
    parser = html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True)
    root = etree.fromstring(text.strip().encode("utf-8") or b"<html/>", parser=parser)
    if any("Excessive depth" in error.message for error in parser.error_log):
        raise ExtractionError(
            "too-deep", "elements nested more than 2,048 levels deep; the text after them cannot be read"
        )
    if root is not None and tags > MAX_ELEMENTS and root.xpath(_COUNT_STRUCTURE) > MAX_ELEMENTS:
        raise _too_many(f"more than {MAX_ELEMENTS:,} elements (inline formatting not counted)")
    return Selector(root=root if root is not None else html.fromstring("<html/>"), type="html")


def _too_many(found: str) -> ExtractionError:
    return ExtractionError("too-complex", f"{found}; an article page has a few thousand (MAX_ELEMENTS)")


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
XML_DOCUMENT = re.compile(
    r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--(?:(?!-->).)*-->\s*|<\?[^>]*>\s*)*<(rss|feed|urlset|sitemapindex|rdf:RDF)\b",
    re.S | re.I,
)


XML_HEAD = 65536


# control characters that are not whitespace: counted by deleting them (in C, not byte by byte)
_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def looks_binary(data: bytes) -> bool:
    """A PDF, image or archive (by its magic number), or bytes where control characters are common.
    A stray NUL in an HTML page does not make it binary."""
    head = data[:1024].lstrip()
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROLS))
    if controls > len(head) * 0.1 and b"<" not in head[:64]:
        return True
    # a page has text between its tags: bytes where control characters are common are not one
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROLS)) - sample.count(0)
    return controls > max(8, len(sample) // 20)


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


codecs.register_error(_CP1252_FALLBACK, _cp1252_bytes)
