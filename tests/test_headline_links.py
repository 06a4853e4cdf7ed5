"""A link inside the headline's element: the page's own is the headline, another page's at either
edge is the site's or the section's name set beside it."""

from __future__ import annotations

import pytest

from crawler.extraction.extract import extract_article

URL = "https://news.example.es/mallorca/noticias/2013/01/07/123/anticorrupcion-decidira.html"
TEXT = (
    "<p>La Fiscalía Anticorrupción decidirá en Madrid si recurre la imputación de la Infanta, una "
    "decisión que se conocerá en los próximos días según fuentes del ministerio público.</p>"
)


def headline(h1: str) -> str | None:
    page = f"<html><head></head><body><h1>{h1}</h1>{TEXT}</body></html>".encode()
    return extract_article(page, URL, None).title


@pytest.mark.parametrize(
    ("h1", "title"),
    [
        # the edition's front page after the headline, the section's before it
        (
            '<span>Anticorrupción decidirá en Madrid si recurre</span><a href="/mallorca.html">Ultima Hora Mallorca</a>',
            "Anticorrupción decidirá en Madrid si recurre",
        ),
        (
            '<a href="/mallorca/noticias/">Noticias</a> <span>Anticorrupción decidirá en Madrid si recurre</span>',
            "Anticorrupción decidirá en Madrid si recurre",
        ),
        # the headline linking to its own page stays whole
        (
            f'<a href="{URL}">Anticorrupción decidirá en Madrid si recurre</a>',
            "Anticorrupción decidirá en Madrid si recurre",
        ),
        # a link inside the sentence is part of it
        (
            'Anticorrupción decidirá en <a href="/tag/madrid">Madrid</a> si recurre la imputación',
            "Anticorrupción decidirá en Madrid si recurre la imputación",
        ),
        # what would be left is no headline: the heading is read whole
        (
            '<span>Infanta:</span> <a href="/mallorca/noticias/">Anticorrupción decidirá en Madrid</a>',
            "Infanta: Anticorrupción decidirá en Madrid",
        ),
    ],
)
def test_a_link_to_another_page_at_the_headlines_edge_is_not_the_headline(h1: str, title: str) -> None:
    assert headline(h1) == title
