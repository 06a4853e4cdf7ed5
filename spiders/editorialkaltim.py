"""Editorial Kaltim (East Kalimantan, WITA): WordPress, most likely the Jannah (TieLabs) theme."""

from crawler.fetch.spider import NewsSpider
from crawler.sites.profile import SiteProfile, feed, listing, search, sitemap
from crawler.zones import WITA

# static pages whose slugs look like articles: whole slugs only (``kontak-senjata-...`` is news)
_STATIC = (
    "pedoman-media-siber",
    "kebijakan-privasi",
    "kebijakan-privasi-2",
    "tentang-kami",
    "kontak-kami",
    "hubungi-kami",
    "susunan-redaksi",
    "info-iklan",
    "tarif-iklan",
    "syarat-dan-ketentuan",
    "kode-etik-jurnalistik",
    "kode-etik-jurnalistik-wartawan",
    "standar-perlindungan-wartawan",
    "privacy-policy",
    "terms-of-service",
)

PROFILE = SiteProfile(
    name="editorialkaltim",
    label="Editorial Kaltim",
    domains=("editorialkaltim.com",),
    home="https://editorialkaltim.com/",
    # permalinks are /<slug>/ or /YYYY/MM/DD/<slug>/ (unknown which): accept both
    article_path=r"^/(?:\d{4}/\d{2}/(?:\d{2}/)?)?[a-z0-9]+(?:-[a-z0-9]+){2,}/?$",
    static_path=rf"^/(?:{'|'.join(_STATIC)})/?$",
    timezone=WITA,
    # With every class renamed (a re-theme), title, date, time, place and body still come from JSON-LD,
    # meta tags and the generic layer (tests/test_scrambled.py). Without JSON-LD and meta as well,
    # the time of day is lost (only the date is in the visible text): published_at stays empty.
    title=("h1.post-title.entry-title", "h1.entry-title", "h1.post-title"),
    date=("span.date.meta-item", ".post-meta .date", "time::attr(datetime)"),
    authors=(".post-meta a.author-name::text", ".meta-author a::text"),
    category=("span.post-cat-wrap a.post-cat::text", "a.post-cat::text"),
    tags=(".post-bottom-tags a[rel=tag]::text", "a[rel=tag]::text"),
    image=("figure.single-featured-image img::attr(src)",),
    caption=("figcaption.single-caption-text", ".single-caption-text"),
    body=("div.entry-content.entry", ".entry-content"),
    body_drop=(
        ".post-bottom-meta",
        ".post-bottom-tags",
        "#related-posts",
        "#check-also-box",
        ".share-buttons",
        ".stream-item",
        ".tie-related",
    ),
    boilerplate=(r"dapatkan\s+update\s+berita.*editorialkaltim.*",),
    entry_points=(  # where discovery starts, typed
        sitemap("/sitemap_index.xml"),
        sitemap("/wp-sitemap.xml"),
        feed("/feed/"),
        listing("/"),
        search("/?s={query}"),
    ),
)


class EditorialkaltimSpider(NewsSpider):
    name = "editorialkaltim"
    profile = PROFILE
