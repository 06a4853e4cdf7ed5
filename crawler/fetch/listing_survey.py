"""A site's listing pages and its search, found from outside once its article URLs are known:
what ``crawler sites add`` adds to the sitemaps and feeds of :mod:`crawler.fetch.survey`.

A listing is the home page or a section page the home page links to (``/category/politik/``,
``/kanal/daerah``, ``/indeks``), kept when it links to enough articles; whether it has a next page
that the crawl of a site file follows back in time (the WordPress profile's ``next_page``
selectors, which a site file keeps) is noted. The search is the home page's search form (its
action and the field that takes the words), else WordPress's ``/?s=``, kept when a search answers
with articles. The home page is the one the survey fetched; a few more requests in all, through
the same polite fetcher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.fetch.discovery import next_page
from crawler.fetch.survey import PoliteFetcher, page_selector, what_failed
from crawler.sites.files import WORDPRESS

LISTING_WORDS = frozenset(
    {"category", "kategori", "kanal", "rubrik", "rubrikasi", "topik", "section", "indeks", "index"}
)
MAX_SECTIONS = 3  # section pages tried beside the home page
MIN_ARTICLES = 3  # article links a listing holds, at the least
PROBE = "netralitas"  # the words of the test search
_SEARCH_FIELDS = ("s", "q", "query", "keyword", "keywords", "search", "cari", "kata")


@dataclass
class Listings:
    """The listing pages and search of a site, as its file names them."""

    listings: list[str] = field(default_factory=list)  # paths, the home page ("/") first
    paginated: list[str] = field(default_factory=list)  # those of them with a next page
    search: str | None = None  # a template with {query}
    tried: dict[str, str] = field(default_factory=dict)  # where -> what it gave


def survey_listings(home_page: Selector | None, is_article: Callable[[str], bool], asker: PoliteFetcher) -> Listings:
    """The home page (as the survey fetched it) and the section pages it links to that list
    articles (``is_article``: an absolute URL's test), and the search that answers; whatever
    cannot be fetched is left out."""
    probe = _Prober(asker, is_article)
    if home_page is None:
        return probe.found
    probe.keep_listing("/", home_page)
    for path in probe.sections(home_page)[:MAX_SECTIONS]:
        if (section := probe.page(path, path)) is not None:
            probe.keep_listing(path, section)
    probe.found.search = probe.search(home_page)
    return probe.found


@dataclass
class _Prober:
    asker: PoliteFetcher
    is_article: Callable[[str], bool]
    found: Listings = field(default_factory=Listings)

    def page(self, where: str, name: str) -> Selector | None:
        """The page at ``where`` (a URL or a path); what went wrong is noted under ``name``."""
        try:
            body, _ = self.asker.get(where)
        except ValueError as exc:
            self.found.tried[name] = what_failed(exc)
            return None
        return page_selector(body, where if where.startswith("http") else self.asker.urls.public_origin + where)

    def links(self, page: Selector) -> list[str]:
        """The page's links on the site, as public absolute URLs, once each, in page order."""
        urls = (urljoin(page.root.base_url or "", href.strip()) for href in page.css("a::attr(href)").getall())
        return list(dict.fromkeys(self.asker.urls.public_url(u) for u in urls if self.asker.urls.on_site(u)))

    def articles(self, page: Selector) -> int:
        return sum(1 for url in self.links(page) if self.is_article(url))

    def sections(self, page: Selector) -> list[str]:
        """Paths of the section pages the page links to: a segment names a listing, not an article."""
        paths = []
        for url in self.links(page):
            path = urlsplit(url).path
            words = set(path.lower().strip("/").split("/"))
            if not self.is_article(url) and LISTING_WORDS & words and "page" not in words:
                paths.append(path)
        return list(dict.fromkeys(paths))

    def keep_listing(self, path: str, page: Selector) -> None:
        """Keep ``path`` when its page links to :data:`MIN_ARTICLES` articles; note a next page."""
        articles = self.articles(page)
        self.found.tried[path] = f"{articles} articles"
        if articles < MIN_ARTICLES:
            return
        self.found.listings.append(path)
        if next_page(page, page.root.base_url or "", WORDPRESS.next_page):
            self.found.paginated.append(path)

    def search(self, home: Selector) -> str | None:
        """The search template that answers with articles: the home page's form, else ``/?s=``."""
        for template in dict.fromkeys([*self.form_templates(home), "/?s={query}"]):
            results = self.page(template.replace("{query}", PROBE), template)
            if results is None:
                continue
            articles = self.articles(results)
            self.found.tried[template] = f"{articles} articles"
            if articles:
                return template
        return None

    def form_templates(self, page: Selector) -> list[str]:
        """``/search?q={query}`` for each GET form with a field that takes search words."""
        templates = []
        for form in page.css("form"):
            if (form.attrib.get("method") or "get").lower() != "get":
                continue
            names = [n for n in form.css("input::attr(name)").getall() if n.lower() in _SEARCH_FIELDS]
            action = urljoin(page.root.base_url or "", form.attrib.get("action") or "/")
            if names and self.asker.urls.on_site(action):
                path = urlsplit(self.asker.urls.public_url(action)).path or "/"
                templates.append(f"{path}?{names[0]}={{query}}")
        return templates
