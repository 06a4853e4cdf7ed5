"""Served copies of regional portals in themes the bundled sites do not use, for `crawler sites
add`: GianMR's Wpberita, JNews and tagDiv's Newspaper (WordPress), and a portal on its own CMS
(detik-like markup, WITA times, editor's initials closing the article).

Each page is a reconstruction written from the theme's single-post template as the themes are
known to lay it out (class names of the themes' markup; the text of the bundled fixture articles,
mixed into new articles): not a copy of any site's page. ``build(theme, folder)`` writes the copy
(home page, robots.txt, sitemap, feed, article pages) and returns the expected records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

from crawler.alerts.messages import MONTHS

ROOT = Path(__file__).resolve().parent.parent
WIB, WITA = timezone(timedelta(hours=7)), timezone(timedelta(hours=8))
ARTICLES = 10
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
SUBJECTS = ("Bupati", "Sekda", "Bawaslu", "Inspektorat", "BKPSDM", "Camat")
ACTIONS = ("Ingatkan ASN Jaga Netralitas", "Gelar Apel Netralitas ASN", "Awasi Kampanye di Kantor Desa")
PLACES = ("Mamuju", "Majene", "Polewali", "Pasangkayu", "Mamasa", "Tolitoli", "Palu", "Donggala", "Poso", "Luwuk")


@dataclass(frozen=True)
class Story:
    """One article of a copy, as its expected record holds it."""

    url: str
    title: str
    published_at: str
    published_date: str
    authors: list[str]
    category: str
    body: str

    @property
    def when(self) -> datetime:
        """The publication time, in the site's zone."""
        return datetime.fromisoformat(self.published_at)


@dataclass(frozen=True)
class Theme:
    home: str
    zone: timezone
    path: Callable[[int, datetime, str], str]  # (article number, time, slug) -> the article's path
    page: Callable[[Story, list[Story]], str]  # (story, the other stories) -> HTML
    feed: str  # the feed's path, "" for none
    section: str  # a section page's path; its second page is section + "page/2/" or "?page=2"
    search: tuple[str, str]  # (the search form's action, its field)


def _paragraphs() -> list[str]:
    """Paragraphs of the bundled fixture articles' bodies, each once, in a fixed order; not those
    naming a bundled site (a lead's dateline credit), which would be out of place on another."""
    seen: dict[str, None] = {}
    for record in sorted((ROOT / "fixtures").glob("*/article-*.json")):
        for paragraph in (json.loads(record.read_text(encoding="utf-8")).get("body") or "").split("\n\n"):
            named = any(site in paragraph.casefold() for site in ("suara kalbar", "infopublik", "editorialkaltim"))
            if len(paragraph.split()) >= 15 and not named:
                seen.setdefault(paragraph.strip(), None)
    return list(seen)


def indonesian(dt: datetime, clock: bool = True) -> str:
    text = f"{DAYS[dt.weekday()]}, {dt.day} {MONTHS['id'][dt.month - 1]} {dt.year}"
    return text + (f" {dt:%H:%M}" if clock else "")


def stories(theme: Theme) -> list[Story]:
    """The copy's articles, newest first, each of its own paragraphs (no two share one)."""
    pool = _paragraphs()
    per = len(pool) // ARTICLES
    newest = datetime(2024, 11, 20, 5, 40, tzinfo=theme.zone)  # early morning: in UTC, the day before
    out = []
    for i in range(ARTICLES):
        place = PLACES[i]
        title = f"{SUBJECTS[i % len(SUBJECTS)]} {place} {ACTIONS[i % len(ACTIONS)]}"
        when = newest - timedelta(days=2 * i, hours=3 * i, minutes=7 * i)
        slug = "-".join(title.lower().split())
        lead = f"{place.upper()} - {title} menjadi perhatian warga {place} pekan ini."
        body = "\n\n".join([lead, *pool[i * per : (i + 1) * per]])
        url = theme.home.rstrip("/") + theme.path(i, when, slug)
        out.append(
            Story(url, title, when.isoformat(), when.date().isoformat(), ["Rahmat Hidayat"], "Pemerintahan", body)
        )
    return out


def _p(body: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n"))


def _others(others: list[Story], item: str) -> str:
    """A sidebar or related list: other stories, each with its date (what a date finder must pass over)."""
    return "".join(item.format(url=escape(o.url), title=escape(o.title), date=o.published_date) for o in others[:4])


def _wpberita(s: Story, others: list[Story]) -> str:
    related = _others(others, "<li><a href='{url}'>{title}</a><span class='gmr-metacontent'>{date}</span></li>")
    ld = json.dumps(
        {"@context": "https://schema.org", "@type": "NewsArticle", "headline": s.title, "datePublished": s.published_at}
    )
    return (
        f"<!DOCTYPE html><html lang='id-ID'><head><meta charset='UTF-8'><title>{escape(s.title)} - Warta Sulbar</title>"
        f"<script type='application/ld+json'>{ld}</script></head><body class='single single-post'>"
        "<div class='gmr-topnavwrap'><ul id='primary-menu'><li><a href='/'>Beranda</a></li>"
        "<li><a href='/category/pemerintahan/'>Pemerintahan</a></li></ul></div>"
        "<div id='primary' class='content-area'><main id='main' class='site-main'><article class='post type-post'>"
        "<div class='gmr-box-content'><header class='entry-header entry-header-single'>"
        f"<div class='gmr-meta-topic'><span class='cat-links-content'><a href='/category/pemerintahan/'>{s.category}</a>"
        f"</span></div><h1 class='entry-title'>{escape(s.title)}</h1><div class='gmr-content-metasingle'>"
        f"<span class='author vcard'>Penulis: <a class='url fn n' href='/author/rahmat/'>{s.authors[0]}</a></span>"
        f"<span class='posted-on'><time class='entry-date published' datetime='{s.published_at}'>"
        f"{indonesian(s.when)} WIB</time></span></div></header>"
        f"<div class='entry-content entry-content-single'>{_p(s.body)}</div>"
        "<footer class='entry-footer entry-footer-single'><span class='tags-links'>Tag: <a href='/tag/asn/'>ASN</a>"
        "</span><div class='gmr-social-share'>Bagikan: Facebook Twitter WhatsApp</div></footer></div>"
        f"<div class='gmr-related-post'><h3 class='related-title'>Berita Terkait</h3><ul>{related}</ul></div>"
        "</article></main></div><aside id='secondary' class='widget-area'><div class='widget'>"
        f"<h3 class='widget-title'>Terpopuler</h3><ul>{related}</ul></div></aside>"
        "<footer id='colophon' class='site-footer'>Copyright 2024 Warta Sulbar. Jl. Ahmad Yani 12, Mamuju.</footer>"
        "</body></html>"
    )


def _jnews(s: Story, others: list[Story]) -> str:
    related = _others(
        others,
        "<div class='jeg_post jeg_pl_md_5'><h3 class='jeg_post_title'><a href='{url}'>{title}</a></h3>"
        "<div class='jeg_post_meta'><div class='jeg_meta_date'>{date}</div></div></div>",
    )
    return (
        f"<!DOCTYPE html><html lang='id'><head><meta charset='UTF-8'><title>{escape(s.title)} | Kabar Mamuju</title>"
        "</head><body class='single single-post jnews'><div class='jeg_viewport'><div class='jeg_header'>"
        "<div class='jeg_nav_row'><ul class='jeg_menu'><li><a href='/'>Home</a></li><li><a href='/category/daerah/'>"
        "Daerah</a></li></ul></div></div><div class='jeg_main'><div class='jeg_container'><div class='jeg_content "
        "jeg_singlepage'><div class='container'><div class='jeg_breadcrumbs'><a href='/'>Home</a> › "
        f"<a href='/category/pemerintahan/'>{s.category}</a></div><div class='entry-header'>"
        f"<h1 class='jeg_post_title'>{escape(s.title)}</h1><div class='jeg_meta_container'><div class='jeg_post_meta "
        f"jeg_post_meta_1'><div class='jeg_meta_author'><span class='meta_text'>by</span> <a href='/author/rahmat/'>"
        f"{s.authors[0]}</a></div><div class='jeg_meta_date'><a href='{escape(s.url)}'>{indonesian(s.when, False)}"
        "</a></div></div></div></div><div class='jeg_inner_content'><div class='jeg_share_top_container'>"
        "<div class='jeg_share_button'>Share on Facebook Share on Twitter</div></div>"
        f"<div class='entry-content no-share'><div class='content-inner'>{_p(s.body)}</div>"
        "<div class='jeg_post_tags'><span>Tags:</span> <a href='/tag/asn/'>ASN</a></div></div>"
        f"<div class='jnews_related_post_container'><div class='jeg_block_heading'><h3>Related Posts</h3></div>{related}"
        "</div></div></div></div></div></div><div class='jeg_footer'><div class='jeg_footer_content'>"
        "© 2024 Kabar Mamuju - Portal Berita Sulawesi Barat</div></div></div></body></html>"
    )


def _newspaper(s: Story, others: list[Story]) -> str:
    related = _others(
        others,
        "<div class='td_module_related_posts'><h3 class='entry-title td-module-title'><a href='{url}'>{title}</a>"
        "</h3><time class='entry-date td-module-date'>{date}</time></div>",
    )
    return (
        f"<!DOCTYPE html><html lang='id-ID'><head><meta charset='UTF-8'><title>{escape(s.title)} - Sulteng Terkini"
        f"</title><meta property='og:title' content='{escape(s.title)}'><meta property='og:site_name' "
        f"content='Sulteng Terkini'><meta property='article:published_time' content='{s.published_at}'></head>"
        "<body class='post-template-default single single-post td-standard-pack'><div id='td-outer-wrap'>"
        "<div class='td-header-wrap'><ul class='sf-menu'><li><a href='/'>Beranda</a></li></ul></div>"
        "<div class='td-main-content-wrap td-container-wrap'><div class='td-container td-post-template-default'>"
        "<div class='td-crumb-container'><div class='entry-crumbs'><a href='/'>Beranda</a> "
        f"<a href='/category/pemerintahan/'>{s.category}</a></div></div><div class='td-pb-row'>"
        "<div class='td-pb-span8 td-main-content'><div class='td-ss-main-content'><article class='post type-post'>"
        "<div class='td-post-header'><ul class='td-category'><li class='entry-category'>"
        f"<a href='/category/pemerintahan/'>{s.category}</a></li></ul><header class='td-post-title'>"
        f"<h1 class='entry-title'>{escape(s.title)}</h1><div class='td-module-meta-info'><div class='td-post-author-name'>"
        f"<div class='td-author-by'>Oleh</div> <a href='/author/rahmat/'>{s.authors[0]}</a></div>"
        f"<span class='td-post-date'><time class='entry-date updated td-module-date' datetime='{s.published_at}'>"
        f"{indonesian(s.when, False)}</time></span></div></header></div><div class='td-post-sharing-top'>"
        "<div class='td-social-sharing-buttons'>Facebook Twitter</div></div>"
        f"<div class='td-post-content tagdiv-type'>{_p(s.body)}</div><footer><div class='td-post-source-tags'>"
        "<ul class='td-tags'><li><span>TAGS</span></li><li><a href='/tag/asn/'>ASN</a></li></ul></div></footer>"
        f"<div class='td_block_related_posts'><h4 class='td-related-title'>Artikel terkait</h4>{related}</div>"
        "</article></div></div><div class='td-pb-span4 td-main-sidebar'><div class='td_block_widget'>"
        f"<h4 class='block-title'>Populer</h4>{related}</div></div></div></div></div>"
        "<div class='td-footer-wrapper'>Sulteng Terkini © 2024. Hak cipta dilindungi.</div></div></body></html>"
    )


def _portal(s: Story, others: list[Story]) -> str:
    """A portal on its own CMS: detik-like classes, WITA times, "Baca juga" between paragraphs and
    the editor's initials closing the article, a list of other stories after it."""
    paragraphs = s.body.split("\n\n")
    inline = f"<p><strong>Baca juga: <a href='{escape(others[0].url)}'>{escape(others[0].title)}</a></strong></p>"
    text = _p("\n\n".join(paragraphs[:2])) + inline + _p("\n\n".join(paragraphs[2:]))[:-4] + " (rhm/ams)</p>"
    teasers = _others(
        others,
        "<article class='list-content__item'><h3 class='media__title'><a href='{url}'>{title}</a></h3>"
        "<div class='media__date'>Sultengpos | {date}</div></article>",
    )
    return (
        f"<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>{escape(s.title)}</title></head><body>"
        "<header class='header'><nav class='navbar'><a href='/'>Beranda</a> <a href='/indeks'>Indeks</a></nav></header>"
        "<div class='container'><div class='column-8'><article class='detail'><div class='detail__header'>"
        f"<div class='page__breadcrumb'><a href='/'>Beranda</a> <a href='/berita'>{s.category}</a></div>"
        f"<h1 class='detail__title'>{escape(s.title)}</h1><div class='detail__author'>{s.authors[0]} - Sultengpos</div>"
        f"<div class='detail__date'>{indonesian(s.when)} WITA</div></div>"
        f"<div class='detail__body itp_bodycontent_wrapper'><div class='detail__body-text itp_bodycontent'>{text}</div>"
        "<div class='detail__body-tag'><a href='/tag/asn'>asn</a> <a href='/tag/pilkada'>pilkada</a></div></div>"
        f"</article><div class='list-content'><h2>Berita Terkait</h2>{teasers}</div></div>"
        f"<div class='column-4 sidebar'><h2>Terpopuler</h2>{teasers}</div></div>"
        "<footer class='footer'>Sultengpos © 2024 · Pedoman Media Siber · Redaksi</footer></body></html>"
    )


_WP_SECTION, _WP_SEARCH = "/category/pemerintahan/", ("/", "s")
THEMES = {
    "wpberita": Theme(
        "https://wartasulbar.example/",
        WIB,
        lambda i, t, slug: f"/{t:%Y/%m}/{slug}/",
        _wpberita,
        "/feed/",
        _WP_SECTION,
        _WP_SEARCH,
    ),
    "jnews": Theme(
        "https://kabarmamuju.example/", WIB, lambda i, t, slug: f"/{slug}/", _jnews, "/feed/", _WP_SECTION, _WP_SEARCH
    ),
    "newspaper": Theme(
        "https://sultengterkini.example/",
        WIB,
        lambda i, t, slug: f"/{t:%Y/%m/%d}/{slug}/",
        _newspaper,
        "/feed/",
        _WP_SECTION,
        _WP_SEARCH,
    ),
    "portal": Theme(
        "https://sultengpos.example/",
        WITA,
        lambda i, t, slug: f"/berita/d-{7401230 + 17 * i}/{slug}",
        _portal,
        "",
        "/indeks",
        ("/search", "q"),
    ),
}


def _list_page(title: str, stories: list[Story], extra: str = "") -> str:
    links = "".join(f"<li><a href='{escape(s.url)}'>{escape(s.title)}</a> {s.published_date}</li>" for s in stories)
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body><ul>{links}</ul>{extra}</body></html>"
    )


def _listings(theme: Theme, listed: list[Story], write: Callable[[str, str], None]) -> None:
    """The home page (a search form, a link to the section), the section's two pages, and the
    search results page (served for any search by LocalSite)."""
    action, name = theme.search
    form = f"<form role='search' method='get' action='{action}'><input type='search' name='{name}'></form>"
    nav = f"<nav><a href='{theme.section}'>Pemerintahan</a></nav>"
    write("/", _list_page(theme.home, listed, form + nav))
    wordpress = theme.section.endswith("/")
    second = theme.section + ("page/2/" if wordpress else "?page=2")
    half = len(listed) // 2
    next_link = f"<a class='next page-numbers' href='{second}'>2</a>"
    write(theme.section, _list_page("Pemerintahan", listed[:half], next_link))
    # LocalSite serves ?page=N from page-N.html beside the page
    write(second if wordpress else theme.section + "/page-2.html", _list_page("Pemerintahan - 2", listed[half:]))
    write(action.rstrip("/") + "/search.html", _list_page("Hasil pencarian", listed[:3]))


def build(theme_name: str, folder: Path) -> list[Story]:
    """Write the copy of ``theme_name`` into ``folder`` (served with LocalSite); its articles."""
    theme = THEMES[theme_name]
    listed = stories(theme)

    def write(path: str, text: str) -> None:
        target = folder / path.lstrip("/")
        if path.endswith("/") or "." not in target.name:
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    for story in listed:
        write(story.url.removeprefix(theme.home.rstrip("/")), theme.page(story, [o for o in listed if o != story]))
    _listings(theme, listed, write)
    rows = "".join(f"<url><loc>{escape(s.url)}</loc><lastmod>{s.published_at}</lastmod></url>" for s in listed)
    sitemap = f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{rows}</urlset>"
    (folder / "sitemap.xml").write_text(sitemap, encoding="utf-8")
    (folder / "robots.txt").write_text(f"User-agent: *\nDisallow: /wp-admin/\nSitemap: {theme.home}sitemap.xml\n")
    if theme.feed:
        items = "".join(
            f"<item><title>{escape(s.title)}</title><link>{escape(s.url)}</link>"
            f"<pubDate>{datetime.fromisoformat(s.published_at):%a, %d %b %Y %H:%M:%S %z}</pubDate></item>"
            for s in listed
        )
        feed = f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>{theme.home}</title>{items}</channel></rss>"
        (folder / theme.feed.strip("/")).mkdir(parents=True, exist_ok=True)
        (folder / theme.feed.strip("/") / "index.xml").write_text(feed, encoding="utf-8")
    (folder / "articles.json").write_text(json.dumps([asdict(s) for s in listed], ensure_ascii=False, indent=1))
    return listed
