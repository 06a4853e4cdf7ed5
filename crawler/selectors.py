"""A site profile's selector (CSS, or XPath when it starts with ``/`` or ``(``) as XPath: what the
site files are checked against when loaded and what extraction compiles."""

from __future__ import annotations

import re

from lxml import etree
from parsel.csstranslator import HTMLTranslator

# a step that picks any element by its class, as cssselect writes it (``.a`` or ``.a.b``)
_CLASS_STEP = re.compile(
    r"(^|\| )(descendant(?:-or-self)?)::\*\[(\(?)@class and contains\(@class, ('[^']*'|\"[^\"]*\")\) and "
)


def selector_xpath(selector: str, prefix: str = "descendant-or-self::") -> str:
    """A profile selector as XPath: XPath as is when it starts with ``/`` or ``(``, else CSS
    (with parsel's ``::text`` and ``::attr()``). Raises on an invalid selector."""
    if selector.startswith(("/", "(")):
        xpath = selector
    else:
        xpath = class_attributes_first(HTMLTranslator().css_to_xpath(selector, prefix=prefix))
    etree.XPath(xpath)  # validate
    return xpath


def class_attributes_first(xpath: str) -> str:
    """The same nodes, found in half the time: a step that picks any element by its class
    (``.entry-content``) first picks the class attributes that contain the name, then tests their
    elements in full. Otherwise libxml2 evaluates the predicate on every element of the page (0.4 ms
    on a news page, for each selector), and an attribute's own value is cheaper to test than an
    element's attribute. A step that names its element (``h1.title``) is quick as it is."""

    def rewrite(m: re.Match[str]) -> str:
        before, axis, paren, name = m.groups()
        found = f"{axis}::*/@class[contains(., {name})]/parent::*"
        return f"{before}{found}[{paren}@class and contains(@class, {name}) and "

    return _CLASS_STEP.sub(rewrite, xpath)
