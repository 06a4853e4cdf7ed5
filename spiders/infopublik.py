"""InfoPublik (Kominfo/Komdigi): a custom CMS; regional news by the "MC" media centres.

The numeric id in ``/kategori/<cat>/<id>/<slug>`` is the article's identity: any slug,
``/<id>/index.html``, ``www.`` and query strings are the same article.
"""

import re

from crawler.fetch.spider import NewsSpider
from crawler.sites.profile import SiteProfile, feed, listing, search, sitemap

_ID = re.compile(r"/kategori/[^/]+/(\d{3,})(?:/|$)")


def article_identity(url: str) -> str | None:
    m = _ID.search(url)
    return f"infopublik:{m.group(1)}" if m else None


PROFILE = SiteProfile(
    name="infopublik",
    label="InfoPublik",
    domains=("infopublik.id",),
    home="https://infopublik.id/",
    article_path=r"^/kategori/[^/]+/\d{3,}(?:/[^/]*)?/?$",
    listing_path=r"^/kategori/[^/]+/?$",
    identity=article_identity,
    title=("h1.title", "h1"),
    # "Oleh MC KOTA PONTIANAK, Senin, 14 Oktober 2024 | 17:55 WIB - Redaktur: Untung S - 171"
    # and the 2022 form "... | Penulis : MC KOTA PADANG , Redaktur : Tobari"
    byline=(
        ".date-detail",
        ".detail-date",
        ".byline",
        "(//*[self::p or self::div or self::span][contains(., 'Redaktur')][not(.//p)])[1]",
    ),
    category=("(//ol[contains(@class,'breadcrumb')]//a)[last()]/text()",),
    image=(".detail-image img::attr(src)", ".img-detail img::attr(src)"),
    caption=(".detail-image .caption", ".img-detail .caption", "figcaption"),
    body=(
        ".detail-content",
        ".content-detail",
        ".isi-berita",
        "(//p[contains(., ', InfoPublik')])[1]/..",
    ),
    views=(".view-count", "//*[contains(text(), ' Kali')][not(*)]"),
    body_drop=(".berita-terkait", ".info-copy", ".view-count"),
    boilerplate=(r"anda\s+dapat\s+menyiarkan\s+ulang.*", r"\d[\d.]*\s+kali"),
    entry_points=(  # where discovery starts, typed
        sitemap("/sitemap.xml"),
        feed("/rss"),
        listing("/"),
        listing("/kategori/nusantara"),
        search("/search?q={query}"),
    ),
)


class InfopublikSpider(NewsSpider):
    name = "infopublik"
    profile = PROFILE
