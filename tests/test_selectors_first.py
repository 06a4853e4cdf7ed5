"""A site file may put its selectors before what pages declare (``selectors_first``): `crawler
sites add` does so for a learnt selector that gave, on every sampled page, the very value the page
declares in JSON-LD or meta tags, so that a layout change shows as the field leaving the profile
layer; where the two differ on any sampled page (a declared time to the second, a date shown to the
minute), the page's declaration stays first."""

from __future__ import annotations

from dataclasses import replace

import pytest

from crawler.extraction.decode import html_tree
from crawler.extraction.extract import extract_article
from crawler.learning.add_site import selectors_first
from crawler.learning.site_learning import Sampled
from crawler.sites.files import WORDPRESS, profile_from_file
from crawler.sites.profile import ProfileError

PROFILE = replace(
    WORDPRESS,
    name="portal",
    label="Portal",
    domains=("portal.example",),
    home="https://portal.example/",
    title=("h1.judul",),
    date=("span.tanggal",),
    body=("div.isi",),
)
TEXT = "".join(f"<p>Kalimat {i} tentang netralitas aparatur sipil negara menjelang pilkada.</p>" for i in range(6))


def _page(n: int, declared_title: str, shown_title: str, declared_at: str, shown_at: str) -> str:
    ld = f'{{"@type": "NewsArticle", "headline": "{declared_title}", "datePublished": "{declared_at}"}}'
    return (
        f'<html><head><script type="application/ld+json">{ld}</script></head><body>'
        f"<h1 class='judul'>{shown_title}</h1><span class='tanggal'>{shown_at}</span>"
        f"<div class='isi'>{TEXT}</div></body></html>"
    )


def _sampled(pages: list[str]) -> list[Sampled]:
    found = []
    for n, html in enumerate(pages):
        url = f"https://portal.example/berita/{n}/"
        found.append(Sampled(url, html_tree(html), extract_article(html, url, None)))
    return found


def test_a_site_file_can_put_its_selectors_before_what_the_page_declares():
    html = _page(1, "ASN Diminta Netral | Portal", "ASN Diminta Netral", "2024-11-20T14:30:00+07:00", "20/11/2024")
    declared = extract_article(html, "https://portal.example/berita/1/", PROFILE)
    assert declared.extracted_by["title"] == "jsonld" and declared.extracted_by["published"] == "jsonld"
    first = extract_article(html, "https://portal.example/berita/1/", replace(PROFILE, selectors_first=("title",)))
    assert (first.title, first.extracted_by["title"]) == ("ASN Diminta Netral", "profile")
    assert first.extracted_by["published"] == "jsonld"  # only the fields the file names


def test_the_learner_puts_first_only_selectors_that_gave_the_declared_value_on_every_page():
    same = [
        _page(n, f"Berita {n}", f"Berita {n}", f"2024-11-2{n}T14:30:00+07:00", f"2{n} November 2024 14:30 WIB")
        for n in range(3)
    ]
    assert selectors_first(_sampled(same), PROFILE, {"title": PROFILE.title, "date": PROFILE.date}) == (
        "title",
        "date",
    )
    # declared to the second, shown to the minute: the date would lose its seconds
    seconds = [
        _page(n, f"Berita {n}", f"Berita {n}", f"2024-11-2{n}T14:30:27+07:00", f"2{n} November 2024 14:30 WIB")
        for n in range(3)
    ]
    assert selectors_first(_sampled(seconds), PROFILE, {"title": PROFILE.title, "date": PROFILE.date}) == ("title",)
    # a field without a learnt selector is never put first
    assert selectors_first(_sampled(same), PROFILE, {"date": PROFILE.date}) == ("date",)


def test_a_site_file_names_only_fields_pages_declare_in_selectors_first(tmp_path):
    path = tmp_path / "portal.toml"
    path.write_text('domains = ["portal.example"]\nhome = "https://portal.example/"\nselectors_first = ["date"]\n')
    assert profile_from_file(path).selectors_first == ("date",)
    path.write_text('domains = ["portal.example"]\nhome = "https://portal.example/"\nselectors_first = ["body"]\n')
    with pytest.raises(ProfileError, match="selectors_first takes title, date"):
        profile_from_file(path)
