"""The article a page carries only in its script data.

A page rendered by a JavaScript framework (Next.js's ``__NEXT_DATA__`` and React Server Components
stream, Nuxt, Arc's Fusion) may hold no article text in its markup at all: the text is a string in
the data the framework hydrates the page from, under a key such as ``contentHtml``, ``articleBody``
or ``body``. Read last, when the markup gives no body: trafilatura finds nothing on such pages.
"""

from __future__ import annotations

import json
import re

from parsel import Selector

from crawler.extraction.htmltext import declared_paragraphs

# a JSON string under a key that names an article's text; the string's escapes are JSON's
_BODY_STRING = re.compile(
    r'"(?:contentHtml|content_html|articleBody|article_body|bodyHtml|body_html|content|body|html)"\s*:\s*'
    r'"((?:[^"\\]|\\.){200,})"'
)
MAX_SCRIPT = 2_000_000  # characters of script data read, at most


def script_paragraphs(sel: Selector) -> list[str]:
    """The paragraphs of the longest article text found in the page's script data."""
    best: list[str] = []
    best_words = 0
    for script in sel.xpath("//script[not(@src)]/text()").getall():
        for match in _BODY_STRING.finditer(script[:MAX_SCRIPT]):
            try:
                text = json.loads(f'"{match.group(1)}"')
            except ValueError:
                continue
            if not isinstance(text, str) or "<" not in text:  # HTML: a text string is often a teaser
                continue
            paragraphs = declared_paragraphs(text)
            if (words := sum(len(p.split()) for p in paragraphs)) > best_words:
                best, best_words = paragraphs, words
    return best
