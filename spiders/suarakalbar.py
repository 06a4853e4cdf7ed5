"""Suara Kalbar (West Kalimantan): WordPress with the Raylight (``ray-*``) theme today; its 2023-24
articles were most likely served in GianMR's Wpberita theme (``gmr-*``, research notes), which copies
from web archives still show. The profile reads both, Raylight's selectors first."""

from crawler.fetch.spider import NewsSpider
from crawler.sites.profile import SiteProfile, feed, listing, search, sitemap

# Posts from before 2021 came from Blogger: the photo and its caption are a small table above the
# dateline (Blogger's ``table.tr-caption-container``; that class is inferred, so any small table
# holding an image counts). It gives the image and caption, and never reaches the body.
_CAPTION_TABLE = "//table[.//img][count(.//tr) <= 3][string-length(normalize-space(.)) < 300]"

PROFILE = SiteProfile(
    name="suarakalbar",
    label="Suara Kalbar",
    domains=("suarakalbar.co.id",),
    home="https://www.suarakalbar.co.id/",
    # /2023/12/<slug>/ (year and month, no day)
    article_path=r"^/\d{4}/\d{2}/(?:\d{2}/)?[a-z0-9][^/]*/?$",
    title=("h1.ray-main-single-title", ".main-single-title h1", "h1.entry-title"),
    date=(
        ".ray-main-single-metadata",
        ".main-single-date",
        "time.entry-date.published::attr(datetime)",
        "time::attr(datetime)",
    ),
    authors=(
        ".ray-main-single-metadata a::text",
        ".main-single-admin a::text",
        ".gmr-content-metasingle .author a::text",
    ),
    byline=(".ray-main-single-metadata", ".main-single-admin"),
    category=(
        "(//div[contains(@class,'ray-breadcrumbs')]//a)[last()]/text()",
        "(//div[contains(@class,'breadcrumb')]//a)[last()]/text()",
        ".gmr-meta-topic .cat-links-content a::text",  # Wpberita
    ),
    tags=(".ray-content-tags a::text", ".main-single-tags a::text", "a[rel=tag]::text"),
    image=(
        ".ray-main-single-thumbnail img::attr(src)",
        ".main-single-thumbnail img::attr(src)",
        "figure.gmr-thumbnail-single img::attr(src)",
        f"({_CAPTION_TABLE}//img/@src)[1]",
    ),
    caption=(
        ".ray-main-single-thumbnail figcaption",
        "figure.gmr-thumbnail-single figcaption",
        ".wp-caption-text",
        "td.tr-caption",
        f"({_CAPTION_TABLE}//td[not(.//img)])[1]",
    ),
    body=(".ray-main-single-content", ".main-single-content", ".entry-content-single", ".entry-content"),
    body_drop=(
        ".ray-content-share",
        ".ray-content-tags",
        ".ray-content-pagination",
        ".ray-single-related-posts",
        ".ray-widget-style-1-metadata",
        ".single-notification",
        ".main-single-tags",
        ".main-single-related",
        "table.tr-caption-container",
        _CAPTION_TABLE,
        ".gmr-related-post",
        ".gmr-cf-metacontent",
    ),
    boilerplate=(r"(?:ikuti|follow)\b.{0,40}google\s*news.*",),
    entry_points=(  # where discovery starts, typed
        sitemap("/sitemap_index.xml"),
        sitemap("/wp-sitemap.xml"),
        feed("/feed/"),
        listing("/"),
        listing("/category/kalbar/"),
        search("/?s={query}"),
    ),
)


class SuarakalbarSpider(NewsSpider):
    name = "suarakalbar"
    profile = PROFILE
