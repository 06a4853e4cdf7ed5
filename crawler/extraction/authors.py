"""Who wrote a page: names out of the values every layer gives, and a generic byline layer for the
pages no profile fits.

General truths about news markup, measured on the real pages of ``bench/real_pages.py``: one author
value often holds several people (``A, B and C``, ``A und B``); and a page with no declared author
still marks its byline (``itemprop="author"``, ``rel="author"``, a ``byline`` or ``author`` class)
with the name after ``By``/``Von``/``Oleh``; an Indonesian byline is often marked by its first word
alone: a short line "Oleh <writer>, <day>, <date> | <time> WIB - Redaktur: <editor>". A site's own
name as author (``n-tv NACHRICHTEN``, ``한국일보`` beside the reporter) is who published the page, not
who wrote it, and a person the page labels as its editor (``Editor : Heryadi``) is not its writer
either, even where JSON-LD names them as author: a person named by another layer comes first, and
such a name is kept only when the page names nobody else (Fundus's parsers keep it then too). A job
title after a name (Korean ``기자``, reporter) is not part of the name, nor is the site's own name
after a separator in a credit (``Rahmat Hidayat - Sultengpos``, ``Budi | Kompas.com``): the person
is the author.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from crawler.extraction.bylines import parse_byline
from crawler.extraction.generic import strip_site_name
from crawler.extraction.htmltext import Labels, element_text, normalize_space, text_after

# between two people: a comma, a semicolon, or "and" in the languages of the pages seen
_BETWEEN = re.compile(r"\s*[,;]\s*|\s+(?:and|und|dan|et|y|e|og|och|en|&)\s+", re.I)
_LEAD = re.compile(
    r"^(?:by|von|oleh|par|por|di|door|af|av|da|autor(?:in)?|author|penulis|reporter|written by)\b\s*:?\s*", re.I
)
_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "bin", "binti", "al", "el", "y"}
)
_ROLE_AFTER = re.compile(r"\s+(?:기자|특파원|記者)$")  # reporter, correspondent (Korean, Japanese/Chinese)
MAX_NAME = 80
# Where a page marks its byline, most explicit first; the first place that gives names wins.
# a name in the comments (WordPress's ``comment-author vcard`` in ``#comments``, a Comment's
# ``itemprop="author"``) is a reader's, not the writer's: an element whose id or a class starts with
# "comment" (a share bar's ``social-comments`` count is no comment)
_NOT_IN_COMMENTS = (
    "[not(ancestor-or-self::*[contains(concat(' ', normalize-space(@class)), ' comment') or starts-with(@id, 'comment')"
    " or contains(@itemtype, '/Comment')])]"
)
# a link to the writer's page on the site (WordPress's ``/author/<name>/``) names the writer as
# surely as ``rel="author"``, even where the name is the desk's ("Redaksi", "Admin")
_DECLARING = ("@itemprop='author'", "self::a[@rel='author']", "self::a[contains(@href, '/author/')]")
_MARKING = ("contains(@class,'byline')", "contains(@class,'author')")  # names that must look like people's
_DECLARED = tuple(f"//*[{mark}]{_NOT_IN_COMMENTS}" for mark in _DECLARING)
_MARKED = tuple(f"//*[{mark}]{_NOT_IN_COMMENTS}" for mark in _MARKING)
# an element the page marks as its byline's, or inside one (up to two levels)
_IN_BYLINE = f"boolean(ancestor-or-self::*[position() <= 3][{' or '.join((*_DECLARING, *_MARKING))}])"
MAX_NODES = 5
# an unmarked line that opens with "Oleh" (Indonesian "by"), alone in its element or before the
# name: "Oleh MC KOTA PONTIANAK, Senin, 14 Oktober 2024 | 17:55 WIB - Redaktur: Untung S"
# (the texts that hold the word are found by XPath, those that open with it in Python: XPath's
# normalize-space on every text of a page took 1.35 ms a page against 0.86)
_OLEH = (
    f"//text()[contains(., 'Oleh') or contains(., 'OLEH')][not(ancestor::script or ancestor::style)]{_NOT_IN_COMMENTS}"
)
_OPENS_WITH_OLEH = re.compile(r"\s*(?:Oleh|OLEH)(?:[\s:]|\Z)")
MAX_BYLINE = 160  # characters: a longer text that names the writer is a paragraph, not a byline


def _name(part: str) -> str | None:
    part = _ROLE_AFTER.sub("", _LEAD.sub("", part.strip(" ,.-–|:/")).strip(" ,.-–|:/"))
    return part if part and len(part) <= MAX_NAME else None


def person_names(values: list[str]) -> list[str]:
    """Each author once, out of author values that may list several."""
    found = [name for value in values for part in _BETWEEN.split(normalize_space(value)) if (name := _name(part))]
    return list(dict.fromkeys(found))


def _folded(name: str) -> str:
    return " ".join(re.findall(r"\w+", name.casefold()))


_WEB_ADDRESS = re.compile(r"\b[\w-]+\.(?:com|net|org|info|news|tv|co\.id|id)\b")  # "mediaindonesia.com developer"


def without(authors: list[str], others: tuple[str, ...]) -> list[str]:
    """The authors that are none of ``others`` (the site's own names, the page's editor) and name no
    web address (a site's account, not a person); a credit of a person and the site is the person."""
    own = {_folded(name) for name in others}
    named = dict.fromkeys(strip_site_name(a, others) if others else a for a in authors)
    return [a for a in named if _folded(a) not in own and not _WEB_ADDRESS.search(a)]


# a label alone (the name in the next text) or with a colon and the name
_EDITOR_LABEL = re.compile(r"(?:editor|redaktur|penyunting|redakteur)\s*(?::\s*(?P<name>.*))?", re.I)
EDITOR_WORDS = ("editor", "redaktur", "penyunting", "redakteur")
_AUTHOR_LABEL = re.compile(
    r"(?:autor(?:in)?(?:\s*/\s*autor)?|author|penulis|reporter|pewarta|wartawan)\s*(?::\s*(?P<name>.*))?", re.I
)
AUTHOR_WORDS = ("autor", "author", "penulis", "reporter", "pewarta", "wartawan")


def _labelled(labels: Labels, label: re.Pattern[str]) -> str | None:
    """The person a page names after a label ("Editor : Heryadi", "Autorin/Autor Roman G."), wherever
    it is (``labels``: the page's label texts, :func:`~crawler.extraction.htmltext.label_texts`)."""
    for text in labels:
        if not (m := label.fullmatch(normalize_space(text))):
            continue
        name = _name(m["name"] or text_after(text))
        if name and not any(ch.isdigit() for ch in name) and len(name.split()) <= 5:
            return name
    return None


def labelled_editor(labels: Labels) -> str | None:
    return _labelled(labels, _EDITOR_LABEL)


def _looks_like_person(name: str) -> bool:
    """A byline name found by a class alone: two to five words, each capitalised where the script
    has capitals (particles such as ``van`` or ``bin`` aside)."""
    words = name.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in name):
        return False
    return all(w.lower() in _PARTICLES or not w[0].isalpha() or not w[0].islower() for w in words)


def _texts(node: Selector) -> list[str]:
    return [
        t
        for t in (
            normalize_space(x) for x in node.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall()
        )
        if t
    ]


def generic_authors(sel: Selector, labels: Labels) -> list[str]:
    """The byline's names on a page that declares none in JSON-LD or meta tags (``labels``: the
    page's label texts, with ``AUTHOR_WORDS``). A name the page labels as its editor's (its
    link to the editor's page too: "Editor : <a href="/author/112">Heryadi</a>") is passed over."""
    editor = labelled_editor(labels)
    for xpath in _DECLARED:
        for node in sel.xpath(xpath)[:MAX_NODES]:
            if found := [n for n in person_names([" ".join(_texts(node))]) if n != editor]:
                return found
    if labelled := _labelled(labels, _AUTHOR_LABEL):
        return person_names([labelled])
    for xpath in _MARKED:
        for node in sel.xpath(xpath)[:MAX_NODES]:
            # each text of the byline apart: names in separate elements are separate people
            found = [n for n in person_names(_texts(node)) if _looks_like_person(n)]
            if found:
                return found
    return _oleh_line(sel)


def in_marked_byline(element: etree._Element) -> bool:
    """Whether the page marks ``element`` (or an element up to two levels around it) as its byline,
    with the marks :func:`generic_authors` looks for."""
    return bool(element.xpath(_IN_BYLINE))


def _oleh_line(sel: Selector) -> list[str]:
    """The writer an unmarked "Oleh ..." line names: the line is the element that holds the word
    (or, where the word stands alone in one, its parent), short, and the name reads as a person's."""
    opening = [text for text in sel.root.xpath(_OLEH) if _OPENS_WITH_OLEH.match(text)]
    for found in opening[:MAX_NODES]:
        element = found.getparent()
        if found.is_tail:  # text after an element belongs to the element around both
            element = element.getparent()
        for _ in range(2):
            if element is None or len(line := element_text(element)) > MAX_BYLINE:
                break
            if names := [n for n in parse_byline(line).authors if _looks_like_person(n)]:
                return names
            element = element.getparent()
    return []
