"""A site profile's selector (CSS, or XPath when it starts with ``/`` or ``(``) as XPath: what the
site files are checked against when loaded and what extraction compiles."""

from __future__ import annotations

from lxml import etree
from parsel.csstranslator import HTMLTranslator


def selector_xpath(selector: str, prefix: str = "descendant-or-self::") -> str:
    """A profile selector as XPath: XPath as is when it starts with ``/`` or ``(``, else CSS
    (with parsel's ``::text`` and ``::attr()``). Raises on an invalid selector."""
    xpath = selector if selector.startswith(("/", "(")) else HTMLTranslator().css_to_xpath(selector, prefix=prefix)
    etree.XPath(xpath)  # validate
    return xpath
