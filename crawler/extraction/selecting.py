"""A site profile's selectors (CSS or XPath, several per field, the first that matches wins) applied to
a page."""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

from crawler.extraction.htmltext import compiled_selector, element_text, normalize_space
from crawler.sites.profile import SiteProfile


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
        return element_text(node)
    return str(node)


def select_text(sel: Selector, selectors: tuple[str, ...]) -> str | None:
    for css in selectors:
        for node in query(sel, css):
            value = normalize_space(_text_of(node))
            if value:
                return value
    return None


def select_all(sel: Selector, selectors: tuple[str, ...]) -> list[str]:
    for css in selectors:
        values = [v for v in (normalize_space(_text_of(n)) for n in query(sel, css)) if v]
        if values:
            return list(dict.fromkeys(values))
    return []


def views_of(sel: Selector, profile: SiteProfile | None) -> int | None:
    text = select_text(sel, profile.views) if profile else None
    m = re.search(r"(\d[\d.]*)\s*(?:kali|views|x dibaca|dibaca)?", text or "", re.I)
    return int(m.group(1).replace(".", "")) if m else None
