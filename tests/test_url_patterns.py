"""A site's article URL shape, learnt from the URLs its feeds and sitemaps list, written from the
shapes news sites give their articles: a date path and a slug, a numeric id beside a slug, a slug
alone; a section or tag page is never an article's shape."""

from __future__ import annotations

import re

import pytest

from crawler.sites.url_patterns import article_path


def _matches(pattern: str, path: str) -> bool:
    return re.search(pattern, path) is not None


@pytest.mark.parametrize(
    ("listed", "also_articles", "not_articles"),
    [
        (  # WordPress date permalinks
            [
                "https://a.id/2024/10/14/pj-bupati-minta-asn-netral/",
                "https://a.id/2024/11/02/bawaslu-buka-posko-aduan/",
            ],
            ["/2023/01/30/wali-kota-tegaskan-netralitas/"],
            ["/2024/10/", "/category/politik/", "/tag/asn/"],
        ),
        (  # a kind-of-page word, a section, a numeric id, a slug
            [
                "https://b.id/kategori/nusantara/861347/pj-wali-kota-tegaskan",
                "https://b.id/kategori/nusantara/855902/asn-diminta-fokus-bertugas",
            ],
            ["/kategori/politik/870001/kpu-tetapkan-daftar-calon"],  # another section
            ["/kategori/nusantara", "/berita/politik/870001/kpu-tetapkan-daftar-calon"],
        ),
        (  # a slug with an id and an extension
            [
                "https://c.id/read/pilkada-damai-di-kalbar-1234.html",
                "https://c.id/read/asn-harus-netral-saat-pemilu-5678.html",
            ],
            ["/read/camat-ingatkan-kades-netral-91011.html"],
            ["/read/", "/indeks.html"],
        ),
    ],
)
def test_the_listed_shape_accepts_other_articles_and_refuses_other_pages(listed, also_articles, not_articles):
    pattern = article_path(listed)
    assert pattern is not None
    for url in listed:
        assert _matches(pattern, re.sub(r"^https://[^/]+", "", url))
    assert all(_matches(pattern, p) for p in also_articles)
    assert not any(_matches(pattern, p) for p in not_articles)


def test_pages_with_no_slug_or_number_give_no_shape():
    assert article_path(["https://a.id/category/politik/", "https://a.id/tag/asn/", "https://a.id/about/"]) is None


def test_a_stray_shape_held_by_few_listed_urls_is_left_out():
    listed = [f"https://a.id/2024/10/berita-nomor-{n}-hari-ini/" for n in range(20)] + [
        "https://a.id/pedoman-media-siber-kami/"
    ]
    pattern = article_path(listed)
    assert pattern is not None and not _matches(pattern, "/pedoman-media-siber-kami/")
