"""The generic layers' title, authors and date on pages no profile fits: each general rule on a small
page of its own, then the whole set of real pages (``tests/data/fundus-pages``) held to the level
measured, so that a change that loses a field on real markup fails here before the benchmark."""

from __future__ import annotations

import json

import pytest

from crawler.extraction.authors import person_names
from crawler.extraction.cleanup import clean_paragraphs
from crawler.extraction.extract import extract_article
from crawler.extraction.metrics import body_pr, f1
from crawler.store import queries
from crawler.store.storage import Database
from testkit.real_pages import authors_f1, date_scores, fold_title, fundus_body, fundus_pages

BODY = "<p>" + "Kata demi kata tentang netralitas aparatur sipil negara. " * 12 + "</p>"


def page(head: str = "", body: str = "") -> bytes:
    return f"<html><head>{head}</head><body><article>{body}{BODY}</article></body></html>".encode()


def test_title_tail_that_another_candidate_lacks_is_dropped() -> None:
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bupati Tegaskan ASN Netral | Daerah"}'
        "</script>",
        "<h1>Bupati Tegaskan ASN Netral</h1>",
    )
    assert extract_article(html, "https://news.example.org/a/1", None).title == "Bupati Tegaskan ASN Netral"


def test_title_site_name_from_the_page_itself() -> None:
    by_og = page(
        '<meta property="og:title" content="Bupati Tegaskan ASN Netral - Warta Borneo">'
        '<meta property="og:site_name" content="Warta Borneo">'
    )
    by_host = page('<meta property="og:title" content="Bupati Tegaskan ASN Netral - Wartaborneo.com">')
    assert extract_article(by_og, "https://example.org/a/1", None).title == "Bupati Tegaskan ASN Netral"
    assert extract_article(by_host, "https://www.wartaborneo.com/a/1", None).title == "Bupati Tegaskan ASN Netral"


def test_a_headline_with_a_dash_keeps_both_sides_unless_one_is_the_site() -> None:
    whole = page(
        '<meta property="og:title" content="How we designed Celery - an async task framework">'
        '<meta property="og:site_name" content="Acme Engineering">'
    )
    assert extract_article(whole, "https://acme.example/blog/celery", None).title == (
        "How we designed Celery - an async task framework"
    )
    tailed = page(
        "<title>How we designed Celery - an async task framework | Acme Engineering</title>"
        '<meta property="og:site_name" content="Acme Engineering">'
    )
    assert extract_article(tailed, "https://acme.example/blog/celery", None).title == (
        "How we designed Celery - an async task framework"
    )


def test_the_headline_a_page_shows_comes_before_its_social_headline() -> None:
    """og:title is written for sharing and often differs from the headline the page shows; the
    reader's headline is the shown one. The ``<title>``, which carries sections and names, comes
    after og:title where the page shows no headline."""
    social = '<meta property="og:title" content="Bupati: ASN Jangan Main Api di Pilkada">'
    shown = page(social, "<h1>Bupati Tegaskan ASN Harus Netral Selama Pilkada</h1>")
    assert extract_article(shown, "https://example.org/a/1", None).title == (
        "Bupati Tegaskan ASN Harus Netral Selama Pilkada"
    )
    unshown = page(social + "<title>ASN Diminta Netral, Bupati Beri Peringatan Keras</title>")
    assert extract_article(unshown, "https://example.org/a/1", None).title == "Bupati: ASN Jangan Main Api di Pilkada"


def test_a_kicker_gives_way_only_where_the_page_declares_the_headline_without_it() -> None:
    """A topic line shown before the headline (a kicker) is part of the shown title unless the page
    itself declares the headline without it (JSON-LD, meta tags); a shown headline without the
    kicker a declared one has says nothing: the kicker may be shown in an element of its own."""
    h1 = '<h1><span class="kicker">Pilkada Kalbar</span>: <span>Bupati Tegaskan ASN Netral</span></h1>'
    declared = page('<meta property="og:title" content="Bupati Tegaskan ASN Netral">', h1)
    assert extract_article(declared, "https://example.org/a/1", None).title == "Bupati Tegaskan ASN Netral"
    alone = page(body=h1)
    assert extract_article(alone, "https://example.org/a/1", None).title == "Pilkada Kalbar: Bupati Tegaskan ASN Netral"
    # the other way round: the declared headline has the kicker, the shown one has it in another element
    ld = '{"@type": "NewsArticle", "headline": "Pilkada Kalbar: Bupati Tegaskan ASN Netral"}'
    shown_apart = page(f'<script type="application/ld+json">{ld}</script>', "<h1>Bupati Tegaskan ASN Netral</h1>")
    assert extract_article(shown_apart, "https://example.org/a/1", None).title == (
        "Pilkada Kalbar: Bupati Tegaskan ASN Netral"
    )


def test_a_heading_holding_the_site_name_is_the_logo_not_the_headline() -> None:
    """Some pages put their logo in an ``h1`` (the site's name, maybe an edition word): never the
    headline, whatever comes after it."""
    html = (
        '<html><body><header><h1><a href="/">SuaraBorneo</a> <span>Online</span></h1></header>'
        f"<div><h1>Bupati Tegaskan ASN Harus Netral</h1>{BODY}</div></body></html>"
    ).encode()
    assert (
        extract_article(html, "https://www.suaraborneo.com/nasional/1/asn", None).title
        == "Bupati Tegaskan ASN Harus Netral"
    )


def test_entities_escaped_twice_are_read() -> None:
    html = page(
        '<meta property="og:title" content="Bupati&amp;#8217;s &amp;quot;Netral&amp;quot; Pledge">'
        '<meta name="author" content="Ani &amp;amp; Budi">'
    )
    record = extract_article(html, "https://example.org/a/1", None)
    assert record.title == 'Bupati\u2019s "Netral" Pledge'
    assert record.authors == ["Ani", "Budi"]


@pytest.mark.parametrize(
    "value, names",
    [
        ("Samya Kullab and Vasilisa Stepanenko", ["Samya Kullab", "Vasilisa Stepanenko"]),
        ("A. Rahman, B. Sari dan C. Putra", ["A. Rahman", "B. Sari", "C. Putra"]),
        ("Von: Anna Martel und Lea Wagner", ["Anna Martel", "Lea Wagner"]),
        ("By Timo Shihepo", ["Timo Shihepo"]),
        ("Redaksi", ["Redaksi"]),
    ],
)
def test_one_author_value_that_lists_several(value: str, names: list[str]) -> None:
    assert person_names([value]) == names


def test_byline_marked_only_by_its_markup() -> None:
    marked = page(
        body='<div class="post-byline"><span>By</span> <a href="/u/1">Timo Shihepo</a>'
        "<span>Today 5:00 am</span></div><h1>Bupati Tegaskan ASN Netral</h1>"
    )
    declared = page(body='<span itemprop="author">kesm; srf/hosb</span><h1>Bupati Tegaskan ASN Netral</h1>')
    related = page(body='<h1>Bupati Tegaskan ASN Netral</h1><div class="author-bio">read more from the desk</div>')
    assert extract_article(marked, "https://example.org/a/1", None).authors == ["Timo Shihepo"]
    assert extract_article(declared, "https://example.org/a/1", None).authors == ["kesm", "srf/hosb"]
    assert extract_article(related, "https://example.org/a/1", None).authors == []


def test_a_name_in_the_comments_is_a_reader_not_the_writer() -> None:
    """WordPress marks a commenter as ``comment-author vcard`` with the name in ``fn``, inside
    ``#comments``: the author-marked element that is nearest to hand on a page without a byline,
    and never the article's writer. A share bar's ``social-comments`` count is no comment."""
    comments = (
        '<div id="comments" class="comments-area"><ol class="comment-list"><li id="comment-1">'
        '<article class="comment-body"><div class="comment-author vcard"><b class="fn">Agus Wibowo</b> '
        "<span>berkata:</span></div><p>Setuju, ASN harus netral.</p></article></li></ol></div>"
    )
    html = f"<html><body><article><h1>Bupati Tegaskan ASN Netral</h1>{BODY}</article>{comments}</body></html>"
    assert extract_article(html.encode(), "https://example.org/a/1", None).authors == []
    byline = '<div class="entry-meta social-comments"><span class="author">Rahmat Hidayat</span></div>'
    html = f"<html><body><article><h1>Bupati Tegaskan ASN Netral</h1>{byline}{BODY}</article>{comments}</body></html>"
    assert extract_article(html.encode(), "https://example.org/a/1", None).authors == ["Rahmat Hidayat"]


def test_an_unmarked_line_opening_with_oleh_names_the_writer() -> None:
    """Indonesian portals print "Oleh <writer>" (by) before the date and the editor, often in an
    element no class marks as a byline; a sentence that opens with the word ("Oleh karena itu",
    therefore), a long paragraph, or a reader's comment names no writer."""
    url = "https://example.org/a/1"
    line = '<p class="meta">Oleh MC KOTA PONTIANAK, Senin, 14 Oktober 2024 | 17:55 WIB - Redaktur: Untung S</p>'
    assert extract_article(page(body=f"<h1>ASN Netral</h1>{line}"), url, None).authors == ["MC KOTA PONTIANAK"]
    apart = '<div class="info"><span>Oleh</span> <a href="/u/7">Ani Lestari</a> <span>14/10/2024</span></div>'
    assert extract_article(page(body=f"<h1>ASN Netral</h1>{apart}"), url, None).authors == ["Ani Lestari"]
    colon = '<p class="meta">Oleh: Ani Lestari, Senin, 14 Oktober 2024</p>'
    assert extract_article(page(body=f"<h1>ASN Netral</h1>{colon}"), url, None).authors == ["Ani Lestari"]
    sentence = "<p>Oleh karena itu, Bupati meminta ASN menjaga netralitas.</p>"
    assert extract_article(page(body=f"<h1>ASN Netral</h1>{sentence}"), url, None).authors == []
    long = f"<p>Oleh Bupati Sambas, {'ASN diminta netral selama masa kampanye. ' * 5}</p>"
    assert extract_article(page(body=f"<h1>ASN Netral</h1>{long}"), url, None).authors == []
    reader = '<div id="comments"><p>Oleh Pembaca Setia, Selasa, 15 Oktober 2024</p></div>'
    assert extract_article(page(body=f"<h1>ASN Netral</h1>{reader}"), url, None).authors == []


def test_a_link_to_the_writers_page_names_the_writer_even_when_it_is_the_desk() -> None:
    """WordPress links the byline's name to the writer's archive, ``/author/<name>/``: the name
    is the writer's, a desk's one word ("Redaksi", "Admin") too, which markup alone would not
    make a person's name."""
    url = "https://example.org/a/1"
    link = (
        '<span class="meta-author"><a href="https://example.org/author/redaksi/" class="author-name">Redaksi</a></span>'
    )
    assert extract_article(page(body=f"<h1>ASN Netral</h1>{link}"), url, None).authors == ["Redaksi"]
    marked = '<span class="meta-author"><a href="https://example.org/tim/" class="author-name">Redaksi</a></span>'
    assert extract_article(page(body=f"<h1>ASN Netral</h1>{marked}"), url, None).authors == []


def test_the_site_as_author_gives_way_to_a_person_the_page_names() -> None:
    head = (
        '<meta property="og:site_name" content="Warta Borneo">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"name": "Warta Borneo"}}</script>'
    )
    named = page(head, '<h1>Bupati Tegaskan ASN Netral</h1><div class="byline">Oleh <a>Rina Kartika</a></div>')
    nobody = page(head, "<h1>Bupati Tegaskan ASN Netral</h1>")
    beside = page(
        '<meta property="og:site_name" content="한국일보">'
        '<meta name="author" content="한국일보"><meta name="author" content="신현주 기자">'
    )
    assert extract_article(named, "https://wartaborneo.example/a/1", None).authors == ["Rina Kartika"]
    # nobody else named: the site's name is what the page says, and it is kept
    assert extract_article(nobody, "https://wartaborneo.example/a/1", None).authors == ["Warta Borneo"]
    # beside a reporter, the site's name goes, and the job title after the name (기자, reporter) too
    assert extract_article(beside, "https://www.hankookilbo.com/a/1", None).authors == ["신현주"]


def test_a_credit_of_a_person_and_the_site_is_the_person() -> None:
    """Regional bylines credit the reporter and the outlet together (``Name - Outlet``); the outlet
    is the site itself, not a second author. Another outlet's name stays: it is not ours to drop."""
    ours = page(body='<h1>Bupati Tegaskan ASN Netral</h1><div class="author">Rahmat Hidayat - Sultengpos</div>')
    declared = page(
        '<meta property="og:site_name" content="Kompas.com"><meta name="author" content="Budi | Kompas.com">'
    )
    other = page(body='<h1>Bupati Tegaskan ASN Netral</h1><div class="author">Rahmat Hidayat - Antara</div>')
    assert extract_article(ours, "https://sultengpos.example/berita/1", None).authors == ["Rahmat Hidayat"]
    assert extract_article(declared, "https://www.kompas.com/read/1", None).authors == ["Budi"]
    assert extract_article(other, "https://sultengpos.example/berita/1", None).authors == ["Rahmat Hidayat - Antara"]


def test_date_labelled_as_such_before_a_caption_or_a_related_date() -> None:
    html = page(
        body='<h1>Bupati Tegaskan ASN Netral</h1><div><img alt="Apel ASN di Pontianak, 24 April 2023">'
        "<p>Apel ASN di Pontianak, 24 April 2023</p></div>"
        "<figure><figcaption>Kantor bupati, 25 April 2023</figcaption></figure>"
        "<ul><li><strong>Datum</strong> 28.04.2023</li></ul>"
        '<h2>Berita lain <span class="date">26.04.2023</span></h2>'
    )
    assert extract_article(html, "https://example.org/a/1", None).published_date == "2023-04-28"
    unlabelled = html.replace(b"<strong>Datum</strong> 28.04.2023", b"")
    # without the label, the captions are still passed over: the next date after the headline is the related one
    assert extract_article(unlabelled, "https://example.org/a/1", None).published_date == "2023-04-26"


def test_bare_time_takes_the_offset_the_page_declares_elsewhere() -> None:
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bupati Tegaskan ASN Netral",'
        ' "datePublished": "2024-08-05 20:59:59.0"}</script>'
        '<meta property="article:modified_time" content="2024-08-05T21:30:00+02:00">'
    )
    assert extract_article(html, "https://example.org/a/1", None).published_at == "2024-08-05T20:59:59+02:00"
    bare = page('<meta property="article:published_time" content="2024-08-05 20:59:59">')
    # no offset anywhere and no known site: the local time is kept as written, its instant unknown
    # (never +07:00 invented for a page from New York or Tokyo)
    record = extract_article(bare, "https://example.org/a/1", None)
    assert (record.published_at, record.published_date) == ("2024-08-05T20:59:59", "2024-08-05")


def test_a_site_that_writes_its_local_time_as_utc_can_say_so(tmp_path) -> None:
    """A CMS bug: the page shows 14:00 WIB and declares 14:00Z. The site file says so, and the
    declared value is read as the local time instead of being converted to 21:00 WIB."""
    from crawler.sites.files import profile_from_file

    site = tmp_path / "contohpost.toml"
    site.write_text('domains = ["contohpost.example"]\nhome = "https://contohpost.example/"\n', encoding="utf-8")
    html = page('<meta property="article:published_time" content="2024-08-05T14:00:00Z">')
    url = "https://contohpost.example/2024/08/05/bupati-tegaskan-asn-netral/"
    assert extract_article(html, url, profile_from_file(site)).published_at == "2024-08-05T21:00:00+07:00"
    site.write_text(site.read_text() + "declared_utc_is_local = true\n", encoding="utf-8")
    assert extract_article(html, url, profile_from_file(site)).published_at == "2024-08-05T14:00:00+07:00"


def test_day_with_a_dot_before_the_month_name() -> None:
    html = page(
        body='<h1>Bupati Tegaskan ASN Netral</h1><span class="meta_date">erstellt: <b>01. April 2025, 15:25</b></span>'
    )
    assert extract_article(html, "https://example.org/a/1", None).published_at == "2025-04-01T15:25:00"


def test_real_pages_fields_hold_their_measured_level() -> None:
    """131 real pages of 91 publishers: the levels measured when these rules went in (title 0.84,
    authors F1 0.92, same day 0.98, same instant 0.99 on the pages with an offset, body F1 0.961, 0.953 with trafilatura 2.0), less a page's
    worth (the same day at the issue's target, 0.98), so that a rule that loses fields on real
    markup fails here."""
    titles, authors, days, instants, bodies = [], [], [], [], []
    for html, expected in fundus_pages():
        record = extract_article(html, expected["url"], None)
        bodies.append(body_pr(fundus_body(expected), record.body))
        titles.append(fold_title(record.title) == fold_title(expected["title"]))
        if expected.get("authors") is not None:
            authors.append(authors_f1(expected["authors"], record.authors))
        same_day, same_instant = date_scores(expected["publishing_date"], record.published_at, record.published_date)
        days.append(same_day)
        if same_instant is not None:
            instants.append(same_instant)
    assert sum(titles) / len(titles) >= 0.83
    assert sum(authors) / len(authors) >= 0.91
    assert sum(days) / len(days) >= 0.98
    assert sum(instants) / len(instants) >= 0.98
    precision, recall = (sum(x) / len(bodies) for x in zip(*bodies, strict=True))
    # the body is trafilatura's where the page declares none: 0.961 with trafilatura 2.3, 0.953 with
    # 2.0.0, the oldest version allowed (CI runs both)
    assert f1(precision, recall) >= 0.95


def test_postlight_pages_dates_and_titles_hold_their_measured_level() -> None:
    """75 real pages of 70 mostly US and Japanese sites (../shared/data/postlight-pages), read as
    served (their meta tags' ``content`` put back): the same day (0.937, trafilatura 0.905) and the
    title (0.928, trafilatura 0.710) measured when the shown headline went before og:title, less
    a page's worth."""
    from testkit.real_pages import postlight_day, postlight_pages

    days, titles = [], []
    for html, expected in postlight_pages():
        record = extract_article(html, expected["url"], None)
        if expected["date"]:
            days.append(postlight_day(expected["date"], record.published_at, record.published_date))
        if expected["title"]:
            titles.append(fold_title(record.title) == fold_title(expected["title"]))
    assert sum(days) / len(days) >= 0.92
    assert sum(titles) / len(titles) >= 0.91


def test_a_date_shown_after_the_headline_gives_way_to_an_earlier_date_of_the_page() -> None:
    """No declared date: the first date after the headline is a sidebar's (a newer story), the
    URL and the article's own line carry the real one. Later dates on a page are updates, other
    stories or the day it was read; the publication is the earlier."""
    html = page(
        body="<h1>Bupati Tegaskan ASN Netral</h1>"
        '<aside><ul><li><a href="/2024/03/20/lain">Berita lain</a> <span>20 Maret 2024</span></li></ul></aside>'
        '<div class="entry"><p>Isi berita tentang netralitas aparatur sipil negara.</p>'
        '<p class="posted">Posted March 12, 2024</p></div>'
    )
    record = extract_article(html, "https://example.org/2024/03/12/bupati-tegaskan-asn-netral/", None)
    assert record.published_date == "2024-03-12" and record.extracted_by["published"] == "htmldate"
    # the same day on both: the shown one is kept, with its time
    same = html.replace(b"20 Maret 2024", b"12 Maret 2024, 10:15")
    record = extract_article(same, "https://example.org/2024/03/12/bupati-tegaskan-asn-netral/", None)
    assert record.published_at == "2024-03-12T10:15:00" and record.extracted_by["published"] == "generic"


def test_a_comment_inside_a_heading_of_the_body_is_no_article_text():
    """Real markup (a Fundus page): an HTML comment inside a sub-heading. It is never text, and
    trafilatura 2.0.0 (the oldest version allowed) raised on it, losing the whole record."""
    body = "<h1>Bupati Tegaskan ASN Netral</h1>" + BODY + "<h2>Sanksi <!-- teaser --> disiplin</h2>" + BODY
    record = extract_article(page(body=body), "https://example.org/a/1", None)
    assert "Sanksi disiplin" in record.body.replace("  ", " ") and "teaser" not in record.body


def test_teasers_of_other_articles_and_picture_credits_are_no_article_text() -> None:
    """Real markup (taipeitimes, a Fundus page): "You might also like" teasers, each a whole
    paragraph inside a link to another article, after the text; a picture's credit line."""
    teaser = "RISK REMAINS: An official said that with the elections so close, it is unclear what Beijing would do next"
    html = page(
        body="<h1>Bupati Tegaskan ASN Netral</h1><div><img src='a.jpg'><p>Photo: AFP</p></div>"
        "<p>" + "Bupati meminta seluruh aparatur sipil negara menjaga netralitas selama pemilu. " * 6 + "</p>"
        '<div class="more"><ul><li><a href="/news/2"><h3>Taiwan on alert</h3><p>' + teaser + "</p></a></li>"
        "</ul></div>"
    )
    body = extract_article(html, "https://example.org/a/1", None).body
    assert "Bupati meminta seluruh aparatur" in body
    assert "RISK REMAINS" not in body and "Photo: AFP" not in body


def test_a_page_rendered_from_its_script_data() -> None:
    """Real markup (hankookilbo, a Fundus page, Next.js): no article text in the markup, only in the
    data the page is hydrated from; read last, when the markup gives no body."""
    text = "Bupati meminta seluruh aparatur sipil negara menjaga netralitas selama pemilu. " * 4
    data = json.dumps(
        {
            "props": {
                "pageProps": {
                    "article": {
                        "title": "Bupati Tegaskan ASN Netral",
                        "subTitle": "<b>teaser</b> " + "kata " * 60,
                        "contentHtml": f'<div class="caption"><p>Foto: Humas</p></div><p class="editor-p">{text}</p><p>{text}</p>',
                    }
                }
            }
        }
    )
    html = (
        f'<html><head><title>Bupati Tegaskan ASN Netral</title></head><body><div id="root"></div>'
        f'<script id="__NEXT_DATA__" type="application/json">{data}</script></body></html>'
    ).encode()
    record = extract_article(html, "https://example.org/a/1", None)
    assert record.extracted_by["body"] == "script"
    assert record.body == f"{text.strip()}\n\n{text.strip()}"
    in_markup = html.replace(
        b'<div id="root"></div>', f"<article><h1>Bupati</h1><p>{text} Lain.</p></article>".encode()
    )
    assert extract_article(in_markup, "https://example.org/a/1", None).extracted_by["body"] != "script"


@pytest.mark.parametrize(
    "chrome",
    [
        "Externer Inhalt nicht verfügbar",
        "Deine Privatsphäre-Einstellungen verhindern das Laden und Anzeigen aller externen Inhalte (z.B. Grafiken).",
        "Zur Anzeige aktiviere bitte die Einstellungen in den Privatsphäre-Einstellungen.",
        "Photo: AFP",
        "Andrea Verdelli/Getty Images",
    ],
)
def test_blocked_embeds_and_credits_are_no_article_text(chrome: str) -> None:
    """Real markup (businessinsider.de, taipeitimes): what a page shows where an embed was blocked,
    and picture credits. A sentence about the same words is kept."""
    kept = "Die Datenschutz-Einstellungen der Behörde wurden nach dem Urteil geändert, sagte der Minister."
    assert clean_paragraphs(["Erster Absatz des Artikels.", chrome, kept]) == ["Erster Absatz des Artikels.", kept]


def test_comments_heading_ends_the_text_and_a_repeated_headline_is_no_text() -> None:
    html = page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "ASN Netral: Bupati Tegaskan"}'
        "</script>",
        "<h1>Bupati tegaskan ASN netral</h1>"
        "<p>" + "Bupati meminta seluruh aparatur sipil negara menjaga netralitas selama pemilu. " * 6 + "</p>"
        "<h3>Comments</h3><p>Join thought-provoking conversations, follow other readers and see their replies</p>",
    )
    record = extract_article(html, "https://example.org/a/1", None)
    assert record.title == "ASN Netral: Bupati Tegaskan"
    assert "Bupati tegaskan ASN netral" not in record.body and "conversations" not in record.body
    assert record.body.startswith("Bupati meminta seluruh")


def test_the_editor_and_a_web_address_are_not_the_writer() -> None:
    """Real markup (mediaindonesia, dw.com; Fundus pages): JSON-LD names the editor as author, the
    meta tag a site account; the byline and a labelled facts box name the writer."""
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"name": "Heryadi"}}</script>'
        '<meta name="author" content="wartaborneo.com developer">'
    )
    byline = page(
        head,
        '<h1>Bupati Tegaskan ASN Netral</h1><div class="author-2">Naufal Zuhdi</div>'
        '<div class="info-author">Editor : <a href="/author/112">Heryadi</a></div>',
    )
    record = extract_article(byline, "https://wartaborneo.example/a/1", None)
    assert (record.authors, record.editor) == (["Naufal Zuhdi"], "Heryadi")
    labelled = page(
        '<meta name="author" content="Warta Borneo (www.wartaborneo.com)">',
        '<h1>Bupati Tegaskan ASN Netral</h1><ul><li><a href="/reporter">Reporter</a></li><li><a>REV</a></li></ul>'
        "<ul><li><strong>Autorin/Autor</strong> Roman Goncharenko</li></ul>",
    )
    assert extract_article(labelled, "https://wartaborneo.example/a/1", None).authors == ["Roman Goncharenko"]


def test_a_word_is_stored_and_found_as_typed_however_the_page_wrote_it(tmp_path) -> None:
    """Soft hyphens (character or entity) and decomposed letters (u + combining diaeresis) are how
    some pages write words; the archive keeps the word itself, so a search for it finds it."""
    html = page(
        '<meta property="og:title" content="Mu\u0308ller legt Verfas&shy;sungs\xadbeschwerde ein">',
        "<p>" + "Die Ver&#173;fas&#xAD;sungs\xadbe&shy;schwerde von Mu\u0308ller wurde eingereicht. " * 4 + "</p>",
    )
    record = extract_article(html, "https://example.org/a/1", None)
    assert record.title == "M\u00fcller legt Verfassungsbeschwerde ein"
    assert "\xad" not in record.body and "\u0308" not in record.body
    assert "Die Verfassungsbeschwerde von M\u00fcller" in record.body
    db = Database.open(tmp_path / "p.db")
    db.store_articles([record])
    assert [r["url"] for r in queries.search(db, "Verfassungsbeschwerde")] == [record.url]
    assert [r["url"] for r in queries.search(db, "M\u00fcller")] == [record.url]
    db.close()


@pytest.mark.parametrize(
    "h1, title",
    [
        (
            '<span class="kicker">LTE-Patent</span><span class="hide">: </span><span>Samsung soll zerstören</span>',
            "LTE-Patent: Samsung soll zerstören",
        ),
        (
            '<span class="kicker">Pilkada Kalbar<span class="sr-only">:</span></span> <span>ASN Diminta Netral</span>',
            "Pilkada Kalbar: ASN Diminta Netral",
        ),
        ('<span style="color:red">Bupati Tegaskan:</span>ASN Diminta Netral', "Bupati Tegaskan: ASN Diminta Netral"),
        ("<span>Pilkada Kalbar</span><span>ASN Diminta Netral</span>", "Pilkada Kalbar ASN Diminta Netral"),
        # Japanese and Chinese put no space between words, nor around their full-width punctuation
        (
            "<span>最新SSDを比較してみた</span><i>：</i><i>さらば水冷</i><span>（1/2 ページ）</span>",
            "最新SSDを比較してみた：さらば水冷（1/2 ページ）",
        ),
    ],
)
def test_a_headline_in_parts_reads_as_written(h1: str, title: str) -> None:
    """A headline's kicker and title in elements of their own: words that meet at an element's edge
    stay apart, and no space comes before the separator the page puts between them."""
    assert extract_article(page(body=f"<h1>{h1}</h1>"), "https://example.org/a/1", None).title == title


def test_a_heading_that_links_to_a_section_is_not_the_headline() -> None:
    """An article page often names its section over the headline, in a heading of the same rank
    that links to the section's page; the headline names the page it is on (linked or not)."""
    url = "https://news.example.org/news/business/monday/article123.html"
    section = '<h1><a href="/news/business/monday/"> Business Monday </a></h1>'
    html = page(body=f"{section}<h1>From rail to bike paths, what leaders think of transit</h1>")
    assert extract_article(html, url, None).title == "From rail to bike paths, what leaders think of transit"
    linked_to_itself = page(body=f'<h1><a href="{url}">Bupati Tegaskan ASN Netral</a></h1>')
    assert extract_article(linked_to_itself, url, None).title == "Bupati Tegaskan ASN Netral"


def test_the_headline_microdata_declares_comes_before_a_shorter_heading() -> None:
    """schema.org microdata marks the headline (``itemprop="headline"``) where the page's first
    heading is a short label or alternative title."""
    html = page(
        body='<h1 itemprop="alternativeHeadline">Decorating Mistakes</h1>'
        '<h2 itemprop="headline"><span>The 5 Biggest Decorating Mistakes, and How to Solve Them</span></h2>'
    )
    assert extract_article(html, "https://example.org/a/1", None).title == (
        "The 5 Biggest Decorating Mistakes, and How to Solve Them"
    )


def test_a_page_with_no_marked_date_is_dated_by_its_text_scripts_left_out() -> None:
    """No headline, no marked date: the first date the page's text shows, a script's never, text
    after an element (its tail) in page order."""
    html = (
        "<html><body><script>var built = '1 Januari 2020';</script>"
        "<div class='top'><span>Oleh Redaksi</span> - Selasa, 5 Maret 2024 10:00 WIB</div>"
        f"<div>{BODY}</div><p>Diperbarui 9 Maret 2024</p></body></html>"
    )
    record = extract_article(html.encode(), "https://example.org/berita", None)
    assert record.published_date == "2024-03-05"
