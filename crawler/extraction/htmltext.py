"""Turn a known content element into paragraphs of clean text (block elements become breaks)."""

from __future__ import annotations

import copy
import html as html_entities
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from lxml import etree, html

from crawler.selectors import selector_xpath

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "figure",
        "figcaption",
        "center",
        "address",
        "details",
        "summary",
    }
)
# Inline formatting: flattened where its number would slow the generic layer, and not counted as
# structure where a page's elements are bounded.
INLINE_FORMATTING = frozenset(
    {"b", "i", "u", "em", "strong", "font", "span", "small", "big", "sup", "sub", "a", "abbr", "mark", "s"}
)
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BREAK = "\x00"

WORD = re.compile(r"\w+")  # a word, as word counts, hashes and shingles count them


_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8}\d{0,2});")


def unescaped(text: str) -> str:
    """``text`` with HTML entities a CMS escaped twice (``zerst&ouml;ren``, ``Swift&#8217;s``) read:
    JSON-LD and meta values are text, where an entity is never meant literally."""
    return html_entities.unescape(text) if "&" in text and _ENTITY.search(text) else text


def normalize_space(text: str) -> str:
    """One space for any run of spaces, and no soft hyphen: a hint where a word may break (``&shy;``,
    read as U+00AD), which left in would split the word for the full-text index."""
    return _SPACE.sub(" ", text).replace("\xad", "").strip()


_CLOSES = ":;,.!?)]}\u00bb\u201d\u2019"  # punctuation that follows a word without a space
# Where two elements meet with nothing between them (``<span>Penulis : Hendra</span><span>Editor``):
# a space when a word ends and another begins there, else nothing (``<span>Patent</span><span>: ``).
_MEET = "\x01"
_MEETS = re.compile(rf"(?<=([^\s{_BREAK}{_MEET}])){_MEET}+(?=([^\s{_BREAK}{_MEET}{re.escape(_CLOSES)}]))")


def _wide(char: str) -> bool:
    """A character of a script written without spaces between words (Chinese, Japanese: East
    Asian wide and full-width forms, ``：`` and ``（`` among them)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _meeting(match: re.Match[str]) -> str:
    return "" if _wide(match[1]) or _wide(match[2]) else " "


def element_text(el: etree._Element) -> str:
    """One line of text from an element's text nodes (a headline, a byline). Where two nodes meet
    with no space on either side a space is put between them (``<span>Kicker</span><span>Title``
    are two words, not one), but not before closing punctuation: ``<span>LTE-Patent</span>
    <span>: </span>`` reads ``LTE-Patent:``, not ``LTE-Patent :``; and none beside a character of a
    script written without spaces (``<span>比較してみた</span><i>：</i>``)."""
    out = ""
    for piece in el.xpath(".//text()"):
        if out and piece and not out[-1].isspace() and not piece[0].isspace() and piece[0] not in _CLOSES:
            out += "" if _wide(out[-1]) or _wide(piece[0]) else " "
        out += piece
    return normalize_space(out)


@lru_cache(maxsize=512)
def compiled_selector(selector: str) -> etree.XPath | None:
    """A profile selector compiled once; None when it is invalid, so it matches nothing and
    extraction falls through to the next selector or layer."""
    try:
        return etree.XPath(selector_xpath(selector))
    except Exception:  # noqa: BLE001 - cssselect and lxml raise assorted errors on a bad selector
        return None


@lru_cache(maxsize=64)
def _compiled_union(selectors: tuple[str, ...]) -> etree.XPath | None:
    """One compiled XPath for a set of selectors (descendants only); invalid ones are skipped."""
    parts = []
    for selector in selectors:
        try:
            parts.append(selector_xpath(selector, prefix="descendant::"))
        except Exception:  # noqa: BLE001 - an invalid selector in a profile must not break extraction
            continue
    return etree.XPath(" | ".join(parts)) if parts else None


def remove_elements(root: html.HtmlElement, selectors: tuple[str, ...]) -> None:
    """Drop every descendant matching one of the selectors, keeping the tail text."""
    union = _compiled_union(tuple(selectors))
    if union is None:
        return
    for el in union(root):
        if el is not root and el.getparent() is not None:
            _drop(el)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _drop(el: html.HtmlElement) -> None:
    """lxml's ``drop_tree``, which joins the element's tail to the text before it. The parser keeps
    characters XML does not allow (a stray ESC in a page) that lxml refuses to set back, after it
    has already cleared the text it was setting: they are removed from both texts first."""
    if el.tail:
        before = el.getprevious()
        holder, attr = (before, "tail") if before is not None else (el.getparent(), "text")
        joined = getattr(holder, attr) or ""
        if _NOT_XML.search(el.tail) or _NOT_XML.search(joined):
            el.tail = _NOT_XML.sub("", el.tail) or None
            setattr(holder, attr, _NOT_XML.sub("", joined) or None)
    el.drop_tree()


def element_paragraphs(root: etree._Element, drop: tuple[str, ...] = ()) -> list[str]:
    """Text of ``root`` as a list of paragraphs. ``root`` is copied, never modified."""
    root = copy.deepcopy(root)
    if drop:
        remove_elements(root, drop)
    parts: list[str] = []
    _walk(root, parts)
    text = _MEETS.sub(_meeting, "".join(parts)).replace(_MEET, "")
    return [p for p in (normalize_space(chunk) for chunk in text.split(_BREAK)) if p]


_MARKUP = re.compile(r"</?(?:p|br|div|strong|em|b|i|a|span|h[1-6]|ul|ol|li|blockquote)\b[^>]*>", re.I)


def declared_paragraphs(text: str) -> list[str]:
    """Paragraphs of a body a page declares as text (JSON-LD ``articleBody``): often it is HTML
    (``<p>...</p>``, entities escaped once more), which is read as HTML, never kept as tags."""
    text = unescaped(text)
    if not _MARKUP.search(text):
        return [p for p in (normalize_space(line) for line in text.split("\n")) if p]
    root = html.fragment_fromstring(text, create_parent="div")
    return [unescaped(p) for p in element_paragraphs(root)]


def _walk(root: etree._Element, out: list[str]) -> None:
    """Text pieces of ``root`` in document order, with breaks around blocks. Iterative: a page
    nested a thousand levels deep (or with a thousand unclosed ``<font>``) is read like any other."""
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, closing = stack.pop()
        tag = el.tag if isinstance(el.tag, str) else ""
        if closing:
            if tag in BLOCK_TAGS:
                out.append(_BREAK)
            if el.tail:
                out.append(el.tail)
            elif el.getnext() is not None:  # two elements meet: a word ends here, unless punctuation follows
                out.append(_MEET)
            continue
        if tag in ("script", "style", "noscript", "template"):
            if el.tail:
                out.append(el.tail)
            continue
        if tag in BLOCK_TAGS:
            out.append(_BREAK)
        if tag == "br":
            # one <br> is a line break inside a paragraph; a run of them separates paragraphs
            out.append(_BREAK if _next_is_br(el) or _prev_was_break(out) else " ")
        if el.text and isinstance(el.tag, str):
            out.append(el.text)
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))


def _next_is_br(el: etree._Element) -> bool:
    nxt = el.getnext()
    return nxt is not None and nxt.tag == "br" and not (el.tail or "").strip()


def _prev_was_break(out: list[str]) -> bool:
    for piece in reversed(out):
        if piece.strip(" \t\r\n\u00a0"):
            return piece == _BREAK
    return True


def text_after(label: etree._ElementUnicodeResult) -> str:
    """The first non-blank text after a text node in document order (the value after a label:
    ``<strong>Datum</strong> 28.04.2023``, ``<div>Editor : <a>Heryadi</a></div>``), normalised."""
    parent = label.getparent()
    if parent is None:
        return ""
    # a text inside its element comes before the element's children: they are looked at first
    found = (
        parent.xpath("(descendant::text() | following::text())[normalize-space()][position() <= 2]")
        if label.is_text
        else parent.xpath("following::text()[normalize-space()][1]")
    )
    found = found[1:] if label.is_text else found
    return normalize_space(found[0]) if found else ""


MAX_LABEL = 60  # characters: a label with its value ("Editor : Heryadi"), never a sentence


Labels = Sequence[etree._ElementUnicodeResult]  # a page's label texts (label_texts)


_BODY_TEXT = etree.XPath("string(//body)")


@lru_cache(maxsize=64)
def _label_xpath(forms: tuple[str, ...]) -> etree.XPath:
    hit = " or ".join(f"contains(., '{form}')" for form in forms)
    return etree.XPath(
        f"//body//text()[string-length() <= 400][{hit}][not(ancestor::script or ancestor::style or ancestor::a)]"
    )


def label_texts(root: etree._Element, words: tuple[str, ...]) -> list[etree._ElementUnicodeResult]:
    """Short texts of a page, outside links and scripts, that contain one of ``words`` (given in
    lower case; found capitalised or in capitals, as labels are written): the labels a page puts
    before a value. The words the page's text holds at all are found first, in one string, so
    that libxml2 looks for those alone (each word looked for costs a copy of every text)."""
    text = _BODY_TEXT(root)
    forms = tuple(sorted(form for word in words for form in {word.capitalize(), word.upper()} if form in text))
    return [t for t in _label_xpath(forms)(root) if len(normalize_space(t)) <= MAX_LABEL] if forms else []
