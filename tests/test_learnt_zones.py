"""The zone `crawler sites add` learns from a sample, written from what pages do: declare their
zone in their dates, or declare UTC and show the local time to the reader, or write the local
clock time with "Z" (a CMS bug: 14:30Z on a page that shows 14:30 WIB)."""

from __future__ import annotations

from datetime import timedelta

from crawler.extraction.decode import html_tree
from crawler.items import Article
from crawler.learning.site_learning import Sampled, learn_selectors
from crawler.learning.zones import LearntZone, in_learnt_zone, learn_zone
from crawler.sites.file_writer import Learnt, site_file_text
from crawler.sites.files import profile_from_file


def _page(declared: str | None, shown: str, n: int = 0) -> Sampled:
    html = (
        f"<html><body><h1>Berita {n}</h1><div class='meta'><span class='date'>{shown}</span></div>"
        "<div class='content'><p>Isi berita tentang netralitas ASN.</p></div></body></html>"
    )
    url = f"https://portal.example/berita/{n}/"
    return Sampled(url, html_tree(html), Article(url=url, site="portal", published_at=declared))


def _sample(pairs: list[tuple[str | None, str]]) -> list[Sampled]:
    return [_page(declared, shown, n) for n, (declared, shown) in enumerate(pairs)]


def test_a_zone_the_dates_declare_is_the_sites_zone():
    pages = _sample([("2024-11-20T14:30:00+08:00", "20 November 2024"), ("2024-11-21T09:00:00+08:00", "")])
    assert learn_zone(pages) == LearntZone("WITA")


def test_utc_declared_beside_the_local_time_shown_gives_the_zone_and_a_right_instant():
    pages = _sample(
        [
            ("2024-11-20T14:30:00+00:00", "Rabu, 20 November 2024 21:30 WIB"),
            ("2024-11-20T20:15:00Z", "Kamis, 21 November 2024 | 03:15 WIB"),  # the next day there
        ]
    )
    assert learn_zone(pages) == LearntZone("WIB", declared_utc_is_local=False)


def test_a_local_time_shown_without_a_zone_gives_the_offset_from_the_declared_utc():
    pages = _sample([("2024-11-20T14:30:00Z", "20/11/2024 23:30"), ("2024-11-21T01:00:00Z", "21/11/2024 10:00")])
    assert learn_zone(pages) == LearntZone("WIT")


def test_the_clock_time_written_with_z_is_local_when_the_page_shows_the_same_time_in_its_zone():
    pages = _sample(
        [
            ("2024-11-20T14:30:00Z", "Rabu, 20 November 2024 14:30 WITA"),
            ("2024-11-21T08:05:00+00:00", "Kamis, 21 November 2024, 08:05 WITA"),
        ]
    )
    assert learn_zone(pages) == LearntZone("WITA", declared_utc_is_local=True)


def test_utc_with_nothing_shown_or_no_majority_is_unknown():
    assert learn_zone(_sample([("2024-11-20T14:30:00Z", "20 November 2024")] * 2)) == LearntZone(None)
    split = _sample(
        [
            ("2024-11-20T14:30:00+07:00", ""),
            ("2024-11-20T14:30:00+08:00", ""),
            ("2024-11-20T14:30:00+09:00", ""),
        ]
    )
    assert learn_zone(split) == LearntZone(None)
    assert learn_zone(_sample([(None, "20 November 2024 14:30 WIB")])) == LearntZone(None)


def test_a_learnt_local_z_goes_into_the_site_file_and_its_profile(tmp_path):
    learnt = Learnt(
        name="portal",
        label="portal.example",
        domains=("portal.example",),
        home="https://portal.example/",
        article_path=r"(?i)^/berita/[^/]+/?$",
        timezone="WITA",
        declared_utc_is_local=True,
        sitemaps=("/sitemap.xml",),
        feeds=(),
        listings=("/",),
        search=("/search?q={query}",),
        selectors={"title": ("h1",)},
    )
    path = tmp_path / "portal.toml"
    path.write_text(site_file_text(learnt, ()), encoding="utf-8")
    profile = profile_from_file(path)
    assert profile.timezone.utcoffset(None) == timedelta(hours=8) and profile.declared_utc_is_local
    assert (profile.listings, profile.searches) == (("/",), ("/search?q={query}",))


def _bylined(declared: str, shown: str, n: int) -> Sampled:
    """A page whose byline shows the date in a classless span beside the writer's name."""
    html = (
        f"<html><body><h1>Berita {n}</h1><div class='meta'><div><span>Oleh <a href='/author/r/'>Redaksi</a></span>"
        f"<span> - </span><span>{shown}</span></div></div>"
        "<div class='content'><p>Isi berita tentang netralitas ASN.</p></div></body></html>"
    )
    url = f"https://portal.example/berita/{n}/"
    answer = Article(url=url, site="portal", published_at=declared, published_date=declared[:10])
    return Sampled(url, html_tree(html), answer)


def test_a_date_declared_in_utc_is_found_on_the_page_by_its_local_day():
    """22:11Z on the 16th is 05:11 on the 17th in WIB: the element that shows the date is found by
    the day the site shows, and a classless one by its place among its kind."""
    pages = [
        _bylined("2024-11-16T22:11:00+00:00", "17 November 2024, 05:11", 1),
        _bylined("2024-11-10T23:24:00+00:00", "11 November 2024, 06:24", 2),
        _bylined("2024-11-19T03:36:00+00:00", "19 November 2024, 10:36", 3),
    ]
    zone = learn_zone(pages)
    assert zone == LearntZone("WIB")
    assert learn_selectors(pages).get("date") is None  # by the UTC day, two pages show no such date
    assert learn_selectors([in_learnt_zone(page, zone) for page in pages])["date"] == (".meta span:nth-of-type(3)",)
