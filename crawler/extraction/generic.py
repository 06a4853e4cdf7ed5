"""Extraction layer 4: what works on a page no site profile fits (a new site, a changed layout).

The body comes from trafilatura, a proven main-content extractor; title and date from the page's
visible structure.
"""

from __future__ import annotations

import copy
import re
from datetime import timezone
from urllib.parse import urljoin

from lxml import etree, html
from parsel import Selector

from crawler.extraction.dates import ParsedDate, find_date_in_text, parse_date
from crawler.extraction.htmltext import INLINE_FORMATTING, Labels, element_text, normalize_space, text_after
from crawler.urls import canonical_url
from crawler.zones import WIB

TITLE_SEPARATORS = re.compile(r"\s+[-|–—:»*]+\s+|\s*::\s*")
# Where a visible publication date sits, as steps after an axis ("descendant::", "following::").
# A date inside a quotation (``blockquote``: an embedded post, a quoted letter) is the quoted
# text's, never the page's.
_DATE_PLACES = (
    "time[not(ancestor::blockquote)]/@datetime",
    "*[@itemprop='datePublished'][not(ancestor::blockquote)]/@content",
    "*[@itemprop='datePublished'][not(ancestor::blockquote)]//text()",
    "time[not(ancestor::blockquote)]//text()",
    "*[contains(@class,'date') or contains(@class,'time') or contains(@class,'tanggal')"
    " or contains(@class,'publish') or contains(@class,'meta')][not(self::html or self::body)]"
    "[not(ancestor-or-self::blockquote)]",
)
# the page's headline candidates, all found in one pass and ranked by :func:`_rank`
_HEADLINE_CANDIDATES = etree.XPath("//*[@itemprop='headline'] | //h1")


def _simplify(text: str) -> str:
    return re.sub(r"[\W_]", "", text.casefold())


def names_site(part: str, names: set[str]) -> bool:
    """Whether a title segment names the site: a name of four characters or more anywhere in it
    (``Golem.de``), a shorter one (``DW``) only as the whole segment."""
    part = _simplify(part)
    return any(n in part if len(n) >= 4 else n == part for n in map(_simplify, names) if n)


def strip_site_name(title: str, site_names: tuple[str, ...] = ()) -> str:
    """``Judul Berita - Suara Kalbar`` -> ``Judul Berita``. Generic when the site is unknown:
    a short trailing (or leading) segment after a separator is treated as the site name."""
    title = normalize_space(title)
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    names = {n for n in site_names if n}
    if names:
        while len(parts) > 1 and names_site(parts[-1], names):
            parts.pop()
        while len(parts) > 1 and names_site(parts[0], names):
            parts.pop(0)
    elif len(parts[-1].split()) <= 4 and len(" ".join(parts[:-1]).split()) >= 3:
        parts.pop()
    rebuilt = TITLE_SEPARATORS.findall(title)
    out = parts[0]
    # put the original separators back between the segments that remain
    for sep, part in zip(rebuilt, parts[1:], strict=False):
        out += sep + part
    return out.strip()


def links_elsewhere(heading: etree._Element, url: str) -> bool:
    """Whether a heading's whole text is one link to another page: the name of a section or of the
    site over an article (``<h1><a href="/news/business/">Business Monday</a></h1>``), not its
    headline, which names the page it is on."""
    links = heading.xpath(".//a[@href]")
    if len(links) != 1 or not url:
        return False
    if normalize_space(" ".join(links[0].xpath(".//text()"))) != normalize_space(" ".join(heading.xpath(".//text()"))):
        return False
    return _to_another_page(links[0], url)


def _to_another_page(link: etree._Element, url: str) -> bool:
    """Whether ``link`` leads to another page than ``url``, the page it is on."""
    return canonical_url(urljoin(url, link.get("href"))) != canonical_url(url)


def _rank(heading: etree._Element) -> int:
    """How likely a candidate is the headline, the lower the likelier: the headline microdata
    declares (``itemprop="headline"``), else an ``<h1>`` in ``<article>``, in ``<main>``, anywhere."""
    if heading.get("itemprop") == "headline":
        return 0
    around = {ancestor.tag for ancestor in heading.iterancestors()}
    return 1 if "article" in around else 2 if "main" in around else 3


def is_masthead(text: str, site_names: tuple[str, ...]) -> bool:
    """The site's name, alone or with one word of edition (``Bloomberg UK``, ``Kompas TV``): the
    logo a page puts in a heading, not a headline."""
    folded = text.casefold()
    return any(folded.startswith(n.casefold()) and len(text[len(n) :].split()) <= 1 for n in site_names)


def _headline(sel: Selector, url: str, site_names: tuple[str, ...] = ()) -> Selector | None:
    """The page's headline element: one pass over the page for every kind of candidate, ranked
    (:func:`_rank`), in document order within a rank; the site's logo (:func:`is_masthead`) is none."""
    for node in sorted(_HEADLINE_CANDIDATES(sel.root), key=_rank)[:12]:
        text = normalize_space(" ".join(node.xpath(".//text()")))
        if len(text) >= 10 and not links_elsewhere(node, url) and not is_masthead(text, site_names):
            return Selector(root=node)
    return None


def shown_headline(sel: Selector, url: str = "", site_names: tuple[str, ...] = ()) -> str | None:
    """The headline the page shows (:func:`_headline`); ``url``: the page's own, to tell its
    headline from a heading that links elsewhere."""
    heading = _headline(sel, url, site_names)
    return _without_edge_links(heading.root, url) if heading is not None else None


def _without_edge_links(heading: etree._Element, url: str) -> str:
    """The heading's text without a link to another page at its start or end: the site's or the
    section's name set in the headline's element (``<h1><span>Headline</span><a href="/">Site</a>
    </h1>``) names where the article sits, not what it says. The headline itself links, if at
    all, to its own page."""
    text = element_text(heading)
    if not url:
        return text
    for link in heading.xpath(".//a[@href]"):
        if not _to_another_page(link, url):
            continue
        linked = element_text(link)
        rest = text.removesuffix(linked) if text.endswith(linked) else text.removeprefix(linked)
        if linked and rest != text and len(rest.split()) >= 3:
            text = rest.strip()
    return text


def page_title(sel: Selector, site_names: tuple[str, ...] = ()) -> str | None:
    """The page's ``<title>`` without the site's name."""
    title = sel.xpath("//title//text()").get()
    return strip_site_name(title, site_names) if title and title.strip() else None


def _date_at(scope: Selector, axis: str, default_tz: timezone | None) -> tuple[ParsedDate, str] | None:
    for place in _DATE_PLACES:
        for node in scope.xpath(axis + place)[:10]:
            raw = node.get() if place.endswith(("@datetime", "@content", "text()")) else None
            raw = normalize_space(raw if raw is not None else " ".join(node.xpath(".//text()").getall()))
            if raw and len(raw) <= 200 and (parsed := parse_date(raw, default_tz)):
                return parsed, raw
    return None


# each axis bounded on its own before the union: libxml2 builds (and sorts) a union whole before a
# position() on it applies, which on a page of half a million elements took minutes
_FOLLOWING = "following::*[position() <= {n}] | following::text()[position() <= {n}]"
_NOT_TEXT = frozenset({"script", "style"})
_MARKED = re.compile(r"date|time|tanggal|publish|meta", re.I)


def _in_script(node: etree._Element | etree._ElementUnicodeResult) -> bool:
    """A script or style element, or the text inside one (not the text after it)."""
    if isinstance(node, etree._ElementUnicodeResult):
        parent = node.getparent()
        return parent is not None and not node.is_tail and parent.tag in _NOT_TEXT
    return node.tag in _NOT_TEXT


# inside a picture's caption (it dates the picture) or a quotation (``blockquote``: an embedded post
# or a quoted text carries its own date): what these hold dates another thing than the article
_DATES_ANOTHER = etree.XPath("//figcaption | //figcaption//* | //blockquote | //blockquote//*")


def _nearest_after(heading: Selector, default_tz: timezone | None, limit: int = 600) -> tuple[ParsedDate, str] | None:
    """The first date after the headline in document order, marked (``<time>``, ``itemprop``, a
    date-like class) or in plain text: the date line of a page sits right under its title."""
    # raw lxml nodes, at most ``limit`` of them: wrapping thousands of nodes in Selectors is slow
    captions = {normalize_space(text) for text in heading.root.xpath("//img/@alt | //img/@title")}
    elsewhere = set(_DATES_ANOTHER(heading.root))
    following = heading.root.xpath(_FOLLOWING.format(n=limit))
    for element in [node for node in following if not _in_script(node)][:limit]:
        if (element.getparent() if isinstance(element, etree._ElementUnicodeResult) else element) in elsewhere:
            continue
        if isinstance(element, str):
            raw = normalize_space(element)
            # a picture's alt text again under it dates the picture, not the article
            parsed = find_date_in_text(raw, default_tz) if 6 <= len(raw) <= 300 and raw not in captions else None
        else:
            raw = element.get("datetime")
            if raw is None and element.get("itemprop") == "datePublished":
                raw = element.get("content")
            if raw is None and _MARKED.search(element.get("class") or ""):
                raw = normalize_space(" ".join(element.itertext()))
            parsed = parse_date(raw, default_tz) if raw and len(raw) <= 200 else None
        if parsed:
            return parsed, raw or ""
    return None


# a label the page puts before its date ("<strong>Datum</strong> 28.04.2023" in a facts box)
DATE_LABELS = (
    "datum",
    "date",
    "tanggal",
    "published",
    "veröffentlicht",
    "diterbitkan",
    "publié le",
    "publicado",
    "pubblicato",
    "data",
    "dato",
)


def labelled_date(labels: Labels, default_tz: timezone | None) -> tuple[ParsedDate, str] | None:
    """A date right after a text that labels it as the page's date."""
    for text in labels:
        if normalize_space(text).rstrip(":").strip().casefold() not in DATE_LABELS:
            continue
        raw = text_after(text)
        if raw and len(raw) <= 60 and (parsed := parse_date(raw, default_tz)):
            return parsed, raw
    return None


def _date_in_text(scope: Selector, default_tz: timezone | None) -> tuple[ParsedDate, str] | None:
    parsed = find_date_in_text(normalize_space(_leading_text(scope.root, 10_000))[:5000], default_tz)
    return (parsed, "") if parsed else None


def _leading_text(root: etree._Element, size: int) -> str:
    """The first ``size`` characters or so of the text under ``root``, in page order, scripts and
    styles left out: read as far as needed, not over the whole page (a page of 200,000 elements
    took seconds when every text was collected first)."""
    pieces: list[str] = []
    read = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        readable = isinstance(element.tag, str) and element.tag not in _NOT_TEXT  # no comment's text
        piece = element.text if event == "start" and readable else None
        if event == "end" and element is not root:
            piece = element.tail
        if piece:
            pieces.append(piece)
            read += len(piece) + 1
            if read > size:
                break
    return " ".join(pieces)


def generic_date(sel: Selector, default_tz: timezone | None = WIB, url: str = "") -> tuple[ParsedDate, str] | None:
    """The publication date from visible page structure, looked for at the headline first: pages
    carry other dates before it (a top bar with today's date, a menu of recent posts) and after
    the article (related posts, comments). Order: a marked date just above the headline (a
    kicker), the first date after the headline (not a picture's caption), then marked dates
    anywhere, then the page's first date. A date the page labels as its date
    (:func:`labelled_date`) is read before this, among the declared layers. ``url``: the page's
    own (:func:`shown_headline`)."""
    if (heading := _headline(sel, url)) is not None:
        if found := _date_at(heading, "preceding-sibling::*[position() <= 3]/descendant-or-self::", default_tz):
            return found
        if found := _nearest_after(heading, default_tz):
            return found
    if found := _date_at(sel, "descendant::", default_tz):
        return found
    body = sel.xpath("//body")
    return _date_in_text(body[0] if body else sel, default_tz)


# Above this many elements, inline formatting (thousands of <b> or <font>) is flattened before
# trafilatura sees the page: its cost grows much faster than the page on such markup.
MAX_GENERIC_ELEMENTS = 20_000


def bounded_tree(root: etree._Element) -> etree._Element:
    """The page as trafilatura and htmldate are given it: the page's own tree (both copy a tree
    before they change it; comments were left out by the parse,
    :func:`~crawler.extraction.decode.html_tree`), or on a huge page a copy with inline formatting
    flattened."""
    if root.xpath("count(//*)") <= MAX_GENERIC_ELEMENTS:
        return root
    tree = copy.deepcopy(root)
    etree.strip_tags(tree, *INLINE_FORMATTING)
    return html.fromstring(etree.tostring(tree))  # re-parsed: merged text nodes, as a page would be


def generic_paragraphs(sel: Selector, fast: bool = True, tree: etree._Element | None = None) -> list[str]:
    """Main text by trafilatura (comments off, tables on), as paragraphs: its fast mode, or with
    its fallbacks (readability, jusText) when ``fast`` is off; ``tree``: the page's
    :func:`bounded_tree` where the caller keeps it."""
    import trafilatura

    text = trafilatura.extract(
        bounded_tree(sel.root) if tree is None else tree,
        include_comments=False,
        include_images=False,
        include_tables=True,
        deduplicate=False,
        with_metadata=False,
        fast=fast,
    )
    if not text:
        return []
    teasers, hidden = _link_texts(sel), _hidden_texts(sel)
    return [
        p
        for p in (normalize_space(line) for line in text.split("\n"))
        if p and not _teaser(p, teasers) and not any(p in h for h in hidden)
    ]


HIDDEN_MAX = 300  # characters: a hidden block longer than a prompt may hold a copy of the article


def _hidden_texts(sel: Selector) -> list[str]:
    """The texts of the short elements HTML's ``hidden`` attribute keeps from being shown (a
    push prompt, a dialog): what trafilatura reads from them is no article text. Text kept
    ``until-found`` (a collapsed part the reader opens) is shown when found; a long hidden block
    is left alone, as it may repeat the article's own paragraphs (a print view)."""
    found = sel.root.xpath("//*[@hidden!='until-found'][not(ancestor::*[@hidden!='until-found'])]")
    texts = (normalize_space(" ".join(el.itertext())) for el in found)
    return [text for text in texts if text and len(text) <= HIDDEN_MAX]


TEASER_MIN = 60  # characters: a link with this much text is another article's teaser, not a link in a sentence


def _link_texts(sel: Selector) -> list[str]:
    found = sel.root.xpath(f"//a[string-length(normalize-space()) >= {TEASER_MIN}]")
    return [normalize_space(" ".join(a.itertext())) for a in found]


def _teaser(paragraph: str, teasers: list[str]) -> bool:
    """A paragraph that lies wholly inside a link is another page's teaser (related articles)."""
    return len(paragraph) >= TEASER_MIN and any(paragraph in t for t in teasers)
