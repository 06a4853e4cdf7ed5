"""Suara Kalbar (West Kalimantan): WordPress with the Raylight (``ray-*``) theme."""

from crawler.profile import SiteProfile
from crawler.spider import NewsSpider

PROFILE = SiteProfile(
    name="suarakalbar",
    label="Suara Kalbar",
    domains=("suarakalbar.co.id",),
    home="https://www.suarakalbar.co.id/",
    # /2023/12/<slug>/ (year and month, no day)
    article_path=r"^/\d{4}/\d{2}/(?:\d{2}/)?[a-z0-9][^/]*/?$",
    title=("h1.ray-main-single-title", ".main-single-title h1", "h1.entry-title"),
    date=(".ray-main-single-metadata", ".main-single-date", "time::attr(datetime)"),
    authors=(".ray-main-single-metadata a::text", ".main-single-admin a::text"),
    byline=(".ray-main-single-metadata", ".main-single-admin"),
    category=(
        "(//div[contains(@class,'ray-breadcrumbs')]//a)[last()]/text()",
        "(//div[contains(@class,'breadcrumb')]//a)[last()]/text()",
    ),
    tags=(".ray-content-tags a::text", ".main-single-tags a::text", "a[rel=tag]::text"),
    image=(".ray-main-single-thumbnail img::attr(src)", ".main-single-thumbnail img::attr(src)"),
    caption=(".ray-main-single-thumbnail figcaption", ".wp-caption-text"),
    body=(".ray-main-single-content", ".main-single-content", ".entry-content"),
    body_drop=(
        ".ray-content-share", ".ray-content-tags", ".ray-content-pagination",
        ".ray-single-related-posts", ".ray-widget-style-1-metadata", ".single-notification",
        ".main-single-tags", ".main-single-related",
    ),  # fmt: skip
    boilerplate=(r"(?:ikuti|follow)\b.{0,40}google\s*news.*",),
    sitemaps=("/sitemap_index.xml", "/wp-sitemap.xml"),
    feeds=("/feed/",),
    listings=("/", "/category/kalbar/"),
    search=("/?s={query}",),
)


class SuarakalbarSpider(NewsSpider):
    name = "suarakalbar"
    profile = PROFILE
