"""A site file learnt from the site itself (``crawler sites add``): where it announces its
articles (:mod:`crawler.fetch.survey`), what their URLs look like
(:mod:`crawler.sites.url_patterns`), selectors and zone learnt from a sample of them read by the
generic layers (:mod:`crawler.learning.site_learning`); the file's text, read back before anyone
writes it."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawler.extraction.decode import ExtractionError, decode_html, html_tree
from crawler.extraction.extract import extract_article
from crawler.extraction.metrics import page_f1
from crawler.fetch.listing_survey import Listings, survey_listings
from crawler.fetch.survey import PoliteFetcher, Survey, SurveyError, survey
from crawler.items import Article
from crawler.learning.site_learning import Sampled, learn_selectors, unlearnt
from crawler.learning.zones import LearntZone, in_learnt_zone, learn_zone
from crawler.sites.file_writer import Learnt, site_file_text
from crawler.sites.files import profile_from_file
from crawler.sites.profile import ProfileError, SiteProfile
from crawler.sites.url_patterns import article_path

MIN_SAMPLE = 2  # articles read, at the least, to learn from
AGREED_BODY = 0.95  # body F1 at which the learnt profile and the generic layers agree
AGREEMENT = {"title": "title", "published": "date", "authors": "authors", "body": "body"}  # record -> learnt field


class CannotAdd(Exception):
    """The site cannot be added: one line that says why."""


class LearntFileBroken(CannotAdd):
    """The file learnt does not load: Pantau's fault, not the site's."""


@dataclass
class AddedSite:
    """A site's file as learnt, and what it was learnt from."""

    text: str  # the site file
    profile: SiteProfile  # the file, read back
    survey: Survey
    listings: Listings
    pages: list[Sampled]
    passed: Counter[str]  # listed articles passed over in the sample, by reason
    selectors: dict[str, tuple[str, ...]]

    @property
    def places(self) -> list[str]:
        """Every entry point the file names: sitemaps and feeds, listings, the search."""
        return [*self.survey.places, *self.listings.listings, *filter(None, [self.listings.search])]


def site_name(home: str) -> str:
    """``https://www.suarakalbar.co.id/`` -> ``suarakalbar``: the host's first label."""
    host = (urlsplit(home).hostname or "").removeprefix("www.")
    return re.sub(r"[^a-z0-9_-]", "-", host.split(".")[0].lower()) or "site"


def learn_site(home: str, name: str, fetcher: PoliteFetcher, *, sample: int) -> AddedSite:
    """The site file of the site at ``home``; :class:`CannotAdd` when it cannot be learnt (not
    reachable, forbidden by robots.txt, no feed or sitemap listing its pages, no URL shape, too
    few readable articles, no stable selector)."""
    try:
        found = survey(home, fetcher)
    except SurveyError as exc:
        raise CannotAdd(str(exc)) from None
    if not found.found:
        tried = ", ".join(f"{where} ({what})" for where, what in found.tried.items())
        raise CannotAdd(f"not a news site: no feed or sitemap lists its pages (tried {tried})")
    pattern = article_path(found.listed)
    if pattern is None:
        raise CannotAdd(f"the {len(found.listed)} pages its feeds and sitemaps list share no article URL shape")
    is_article = _article_test(pattern, fetcher)
    pages, passed = _sample(fetcher, found, is_article, size=sample)
    if len(pages) < MIN_SAMPLE:
        why = f" (passed over: {passed_text(passed)})" if passed else ""
        raise CannotAdd(
            f"{len(pages)} of the listed articles could be read{why}; {MIN_SAMPLE} are needed to learn from"
        )
    zone = learn_zone(pages)
    selectors = learn_selectors([in_learnt_zone(page, zone) for page in pages])
    if not selectors:
        raise CannotAdd(f"no selector is stable across the {len(pages)} sampled articles; no file written")
    listings = survey_listings(found.home_page, is_article, fetcher)
    site = _learnt(home, name, pattern=pattern, found=found, listings=listings, zone=zone, selectors=selectors)
    text = site_file_text(site, unlearnt(selectors))
    profile = _read_back(name, text)
    if first := selectors_first(pages, profile, selectors):
        site.selectors_first = first
        text = site_file_text(site, unlearnt(selectors))
        profile = _read_back(name, text)
    return AddedSite(text, profile, found, listings, pages, passed, selectors)


# the learnt selectors that may come before what pages declare, with the record field each gives
_DECLARED_FIELDS = {"title": "title", "date": "published_at"}


def selectors_first(
    pages: list[Sampled], profile: SiteProfile, selectors: dict[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """The learnt selectors that give, on every sampled page, the very value the page declares
    (the same title, the same instant): put before JSON-LD and meta tags they change no record of
    the sample, and a layout change then shows as the field leaving the profile layer."""
    declared_first = [extract_article(page.tree, page.url, profile) for page in pages]
    chosen = []
    for name, record_field in _DECLARED_FIELDS.items():
        if name not in selectors:
            continue
        trusted = replace(profile, selectors_first=(name,))
        ours = [extract_article(page.tree, page.url, trusted) for page in pages]
        if all(getattr(a, record_field) == getattr(b, record_field) for a, b in zip(declared_first, ours, strict=True)):
            chosen.append(name)
    return tuple(chosen)


def _article_test(pattern: str, fetcher: PoliteFetcher) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda url: fetcher.urls.on_site(url) and compiled.search(urlsplit(url).path) is not None


def _learnt(
    home: str,
    name: str,
    *,
    pattern: str,
    found: Survey,
    listings: Listings,
    zone: LearntZone,
    selectors: dict[str, tuple[str, ...]],
) -> Learnt:
    """The site file's contents, from what each step of :func:`learn_site` found."""
    host = urlsplit(home).hostname or name
    tried = {**found.tried, **listings.tried}
    notes = [f"entry points tried: {', '.join(f'{w} ({what})' for w, what in tried.items())}"]
    if listings.paginated:
        notes.append(f"listings with a next page (followed back in time): {', '.join(listings.paginated)}")
    return Learnt(
        name=name,
        label=host,
        domains=(host.removeprefix("www."),),
        home=home,
        article_path=pattern,
        timezone=zone.zone,
        declared_utc_is_local=zone.declared_utc_is_local,
        sitemaps=tuple(dict.fromkeys(f.path for f in found.found if f.kind == "sitemap")),
        feeds=tuple(dict.fromkeys(f.path for f in found.found if f.kind == "feed")),
        listings=tuple(listings.listings),
        search=(listings.search,) if listings.search else (),
        selectors=selectors,
        notes=notes,
    )


def passed_text(passed: Counter[str]) -> str:
    return ", ".join(f"{why} {n}" for why, n in passed.most_common())


def _sample(
    fetcher: PoliteFetcher, found: Survey, is_article: Callable[[str], bool], *, size: int
) -> tuple[list[Sampled], Counter[str]]:
    """Up to ``size`` of the listed articles, read by the generic layers, and why the others
    read were passed over (cannot be fetched, holds no article: counted by reason)."""
    pages: list[Sampled] = []
    passed: Counter[str] = Counter()
    for url in found.listed:
        if len(pages) >= size:
            break
        if not is_article(url):
            continue
        try:
            body, content_type = fetcher.get(url)
            tree = html_tree(decode_html(body, content_type))
            pages.append(Sampled(url, tree, extract_article(tree, url, None)))
        except ExtractionError as exc:
            passed[exc.reason] += 1
        except ValueError:
            passed["not fetched"] += 1
    return pages, passed


def _read_back(name: str, text: str) -> SiteProfile:
    """The profile the file's text gives, as the crawl will read it."""
    with tempfile.TemporaryDirectory(prefix="pantau-sites-add-") as scratch:
        draft = Path(scratch) / f"{name}.toml"
        draft.write_text(text, encoding="utf-8")
        try:
            return profile_from_file(draft)
        except ProfileError as exc:
            raise LearntFileBroken(f"the learnt file does not load: {exc}") from None


def agreement(pages: list[Sampled], profile: SiteProfile) -> dict[str, tuple[float, float]]:
    """Record field -> (share of pages where the learnt profile and the generic layers agree,
    share of pages where the profile layer gave the field)."""
    table = {name: [0, 0] for name in AGREEMENT}
    for page in pages:
        ours = extract_article(page.tree, page.url, profile)
        same = {
            "title": ours.title == page.answer.title,
            "published": _same_time(ours, page.answer),
            "authors": ours.authors == page.answer.authors,
            "body": page_f1(page.answer.body, ours.body) >= AGREED_BODY,
        }
        for name in AGREEMENT:
            table[name][0] += same[name]
            table[name][1] += ours.extracted_by.get(name) == "profile"
    n = max(len(pages), 1)
    return {name: (agree / n, by_profile / n) for name, (agree, by_profile) in table.items()}


def _same_time(ours: Article, generic: Article) -> bool:
    """The same moment where both records know it (the learnt zone moves a UTC day, not the
    instant), the same local clock where one has no zone, else the same day."""
    if not (ours.published_at and generic.published_at):
        return ours.published_date == generic.published_date
    a, b = datetime.fromisoformat(ours.published_at), datetime.fromisoformat(generic.published_at)
    if (a.utcoffset() is None) != (b.utcoffset() is None):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b
