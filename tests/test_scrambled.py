"""Extraction must not depend on the class names our reconstructed fixtures invented.
Every fixture article, with all class and id attributes renamed at random, still gives the same
record; with JSON-LD and meta tags removed as well, still its title, date and body."""

from __future__ import annotations

import re

import pytest

from crawler.extraction.extract import extract_page
from crawler.extraction.metrics import page_f1
from crawler.items import Article
from crawler.sites.registry import profiles
from tests.conftest import article_fixtures, load_expected
from tests.rethemed import scrambled

STRUCTURED = re.compile(r"<script[^>]*application/ld\+json[^>]*>.*?</script>|<meta\b[^>]*>", re.S | re.I)


def _extract(expected: dict, html: str) -> Article:
    page = extract_page(
        html.encode(), "text/html; charset=utf-8", expected["url"], profile=profiles()[expected["site"]]
    )
    assert isinstance(page, Article), page
    return page


@pytest.mark.parametrize("path", article_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
@pytest.mark.parametrize("salt", ["a", "b"])
def test_renamed_classes_give_the_same_record(path, salt):
    expected = load_expected(path)
    article = _extract(expected, scrambled(path.with_suffix(".html").read_text(encoding="utf-8"), salt))
    for field in ("title", "published_at", "published_date", "location"):
        assert getattr(article, field) == expected[field], field
    assert page_f1(expected["body"], article.body) >= 0.95
    if expected["site"] == "infopublik":  # the byline is found by its text ("Redaktur"), wherever it sits
        for field in ("authors", "editor", "views"):
            assert getattr(article, field) == expected[field], field


@pytest.mark.parametrize("path", article_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_without_structured_data_title_date_and_body_survive(path):
    expected = load_expected(path)
    html = STRUCTURED.sub("", scrambled(path.with_suffix(".html").read_text(encoding="utf-8")))
    article = _extract(expected, html)
    assert article.title == expected["title"] and article.published_date == expected["published_date"]
    assert page_f1(expected["body"], article.body) >= 0.90
