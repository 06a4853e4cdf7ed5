"""A profile's CSS selectors are compiled to XPath that looks at class attributes first; the nodes
they find are exactly those of the plain translation, on every page."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from parsel.csstranslator import HTMLTranslator

from crawler.extraction.decode import decode_html, html_tree
from crawler.selectors import selector_xpath
from crawler.sites.registry import profiles

FIELDS = ("title", "date", "authors", "byline", "category", "tags", "image", "caption", "views", "body")
PAGES = sorted(Path("fixtures").rglob("*.html"))
TRICKY = """<html><body>
<div class="a-b">not a</div><div class=" a  b ">a and b</div><p class="ab a">a once</p>
<div class="x
 a">newline</div><section class="A">capital</section><div id="a" class="b">id a</div>
<div class="a"><span class="a">nested</span><img class="c" src="/i.jpg"></div>
</body></html>"""


def _nodes(tree: etree._Element, xpath: str) -> list[str]:
    found = etree.XPath(xpath)(tree)
    return [n if isinstance(n, str) else etree.tostring(n, encoding="unicode") for n in found]


def _plain(selector: str) -> str:
    return HTMLTranslator().css_to_xpath(selector)


def _every_profile_selector() -> list[str]:
    chosen = {s for p in profiles().values() for name in FIELDS for s in getattr(p, name)}
    chosen |= {s for p in profiles().values() for s in p.drop_selectors()}
    return sorted(s for s in chosen if not s.startswith(("/", "(")))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_profile_selector_finds_the_nodes_of_its_plain_translation(path):
    tree = html_tree(decode_html(path.read_bytes(), None)).root
    selectors = _every_profile_selector()
    assert sum(selector_xpath(s) != _plain(s) for s in selectors) > 10  # the rewrite is in play
    for selector in selectors:
        assert _nodes(tree, selector_xpath(selector)) == _nodes(tree, _plain(selector)), selector


@pytest.mark.parametrize(
    "selector",
    [".a", ".b", ".a.b", "div.a", ".a span", ".a .a", ".c::attr(src)", "#a.b", ".A", ".a, .b", "p, .a", ".zz"],
)
def test_class_selectors_match_whole_class_names_only(selector):
    tree = html_tree(TRICKY).root
    assert _nodes(tree, selector_xpath(selector)) == _nodes(tree, _plain(selector))


def test_a_class_selector_matches_whole_names_in_any_spacing():
    tree = html_tree(TRICKY).root
    texts = [etree.fromstring(n).xpath("string()") for n in _nodes(tree, selector_xpath(".a"))]
    assert texts == ["a and b", "a once", "newline", "nested", "nested"]
    assert "descendant-or-self::*/@class" in selector_xpath(".a")


def test_a_descendant_prefix_is_kept_for_selectors_under_an_element():
    tree = html_tree(TRICKY).root
    inner = tree.xpath("//div[@class='a']")[0]
    found = etree.XPath(selector_xpath(".a", prefix="descendant::"))(inner)
    assert [n.text for n in found] == ["nested"]
