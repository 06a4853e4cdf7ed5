"""Publication dates on pages of sites nobody profiled, each rule written from a convention of news
pages: the day a dated URL names, quotations and embedded posts dated by their own source, month
names of other languages, date lines in figures with their time, and the more precise of two
readings of the same day."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.extraction.dates import find_date_in_text, parse_date
from crawler.extraction.extract import extract_article
from crawler.extraction.urldates import url_days

TEXT = (
    "<p>Der Gemeinderat hat am Abend über den neuen Haushalt beraten und die Pläne für die "
    "Schulen der Stadt vorgestellt, die im kommenden Jahr saniert werden sollen.</p>"
)


def page(head: str = "", body: str = "") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://example.org/2017/7/12/unter-uns-montauk", date(2017, 7, 12)),
        ("https://example.org/news/2019/06/27/", date(2019, 6, 27)),
        ("https://example.org/2019-06-27-rathaus-beraet", date(2019, 6, 27)),
        ("https://example.org/2024-pemilu/2024/02/14/hasil", date(2024, 2, 14)),  # the article's, the last
        ("https://example.org/2011/12/kein-cyberterrorismus/", None),  # a month: an issue's, or a section's
        ("https://example.org/ausgaben/2019-4/artikel/forbes.html", None),  # an issue number
        ("https://example.org/read/20190627123/slug", None),  # an article's id
        ("https://example.org/2023/02/30/slug", None),  # no such day
        ("https://example.org/?date=2019/06/27", None),  # the query is not the path
    ],
)
def test_the_day_a_dated_url_names(url: str, day: date | None) -> None:
    found = url_days(url)
    assert (found.day if found else None) == day


def test_a_declared_date_days_after_the_dated_url_is_an_update_and_the_urls_day_is_kept() -> None:
    """The URL is minted when the story is first published and never changes: a CMS that declares
    the last edit as the publication does not move the story's day."""
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2019-06-17T18:28:00+02:00"}</script>'
    html = page(ld, f"<h1>Unter uns: Montauk</h1>{TEXT}")
    record = extract_article(html, "https://example.org/home/2017/7/12/unter-uns-montauk", None)
    assert record.published_date == "2017-07-12" and record.published_at is None
    assert record.extracted_by["published"] in {"htmldate", "url"}  # htmldate reads the URL too
    # a day apart is the same story: the URL's day is the newsroom's, the declaration may be UTC
    html = html.replace(b"2019-06-17T18:28:00+02:00", b"2017-07-11T23:30:00+00:00")
    record = extract_article(html, "https://example.org/home/2017/7/12/unter-uns-montauk", None)
    assert record.published_at == "2017-07-11T23:30:00+00:00" and record.extracted_by["published"] == "jsonld"
    # a URL without a day leaves the declaration alone
    record = extract_article(html.replace(b"2017-07-11", b"2019-06-17"), "https://example.org/home/montauk", None)
    assert record.published_date == "2019-06-17"


def test_a_date_inside_a_quotation_or_an_embedded_post_is_not_the_pages() -> None:
    """An embedded post (``blockquote``: Instagram, X, a quoted letter) carries its own date, often
    years before the story that quotes it."""
    embed = (
        '<blockquote class="instagram-media"><p>Ein Beitrag von Vreni Frost am '
        '<time datetime="2018-03-12T19:30:12+00:00">Mär 12, 2018 um 12:30 PDT</time></p></blockquote>'
    )
    html = page(
        body=f"<article><h1>Was sich nach dem Urteil ändert</h1>{embed}{TEXT}"
        '<div class="byline">Dienstag, 29. Januar 2019</div></article>'
    )
    record = extract_article(html, "https://example.org/marketing/kommentare/urteil-172529", None)
    assert record.published_date == "2019-01-29"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Dienstag, 29. Januar 2019", "2019-01-29"),
        ("5. März 2020, 10:30 Uhr", "2020-03-05"),
        ("Publié le 9 juin 2019", "2019-06-09"),
        ("mis à jour le 1 août 2020", "2020-08-01"),
        ("12 maart 2021", "2021-03-12"),
        ("Kamis, 14 Desember 2023", "2023-12-14"),  # the Indonesian ones as before
    ],
)
def test_month_names_of_german_french_and_dutch_pages(text: str, day: str) -> None:
    """Running text is scanned for dates by the fast path alone: a month it does not know is a
    date it never finds."""
    parsed = find_date_in_text(f"Von der Redaktion. {text}. Weiter im Text", None)
    assert parsed is not None and parsed.day == day
    assert (parsed := parse_date(text, None)) is not None and parsed.day == day


def test_of_two_readings_of_the_same_day_the_one_with_the_time_is_kept() -> None:
    """A blog shows the day over the post and the time under it (``<abbr title>``): the day alone
    loses what the page says of the hour."""
    html = page(
        body='<h1>Python 3.6.0 is now available</h1><h2 class="date-header"><span>Friday, December 23, 2016</span></h2>'
        '<div class="post-body"><p>Python 3.6.0 is the newest major release of the language and contains many new '
        "features and optimizations; the changelog lists every change of this release.</p></div>"
        '<div class="post-footer">Posted at <abbr class="published" title="2016-12-23T05:11:00-05:00">5:11 AM</abbr></div>'
    )
    record = extract_article(html, "https://blog.example.org/2016/12/python-360.html", None)
    assert record.published_at == "2016-12-23T05:11:00-05:00"


@pytest.mark.parametrize("day", ["2099/01/01", "1990/05/01"])
def test_a_url_day_no_publication_can_have_is_not_the_date(day: str) -> None:
    """After the day the page was read, or before 1995: the digits name something else (an event,
    a document's date)."""
    record = extract_article(
        page(body=f"<h1>Rencana kegiatan daerah</h1>{TEXT}"), f"https://example.org/{day}/rencana", None
    )
    assert record.published_date is None


def test_a_page_that_shows_no_date_takes_its_urls_day() -> None:
    record = extract_article(
        page(body=f"<h1>Rathaus berät den Haushalt</h1>{TEXT}"), "https://example.org/2019/06/27/rathaus", None
    )
    assert record.published_date == "2019-06-27" and record.published_at is None


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("Kompas.com - 20/05/2018, 12:19 WIB", "2018-05-20T12:19:00+07:00"),
        ("Minggu, 20 Mei 2018 - 12:19 WIB", "2018-05-20T12:19:00+07:00"),
        ("Selasa, 22 Mei 2018 / 12:19 WIB", "2018-05-22T12:19:00+07:00"),
        ("10.06.2018 22:00", "2018-06-10T22:00:00+07:00"),
        ("11.05.2012, 10:22 von jovelstefan", "2012-05-11T10:22:00+07:00"),
        ("JAKARTA - Bupati pada Kamis (14/12/2023) menegaskan", "2023-12-14"),
        ("Sabtu, 20 Mei 2018 - 12.000 orang hadir", "2018-05-20"),  # a count, not a time
    ],
)
def test_a_date_line_in_running_text_is_read_with_its_time(text: str, moment: str) -> None:
    """Date lines under headlines write the day in figures (``20/05/2018``, ``10.06.2018``) as often
    as with the month's name, and set the time after a comma, a dash, a slash or a bar."""
    found = find_date_in_text(text)
    assert found is not None and (found.iso if found.has_time else found.day) == moment


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("November 19, 2019, 9:02 AM", "2019-11-19T09:02:00"),
        ("By Louis Jacobson on Monday, November 18th, 2019 at 11:04 p.m.", "2019-11-18T23:04:00"),
        ("Nov. 3, 2020 at 12:05 a.m.", "2020-11-03T00:05:00"),
        ("By Carrie Arnold November 15, 2019", "2019-11-15"),
        ("Januari 15, 2024", "2024-01-15"),  # WordPress's default format, in Indonesian
        ("Mei 20, 2024 pukul 10.15 WIB", "2024-05-20T10:15:00+07:00"),
        ("Dec 22, 2016 5:00 AM PT", "2016-12-22T05:00:00-08:00"),  # a zone by its name: dateparser's
        ("Lamar 5, 2019", None),  # a month's name inside a word is none
    ],
)
def test_dates_written_month_first_with_a_twelve_hour_clock(text: str, moment: str | None) -> None:
    """English (US) pages and WordPress's default format put the month first ("November 18th,
    2019") and the time on a twelve-hour clock ("11:04 p.m."): read by the fast path, not left to
    dateparser, which gives up on a date with a name before it."""
    found = parse_date(text, None)
    assert (found.iso if found and found.has_time else found.day if found else None) == moment
