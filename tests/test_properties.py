"""Property-based tests: arbitrary input never raises, and invariants hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawler.enrichment.neardup import candidates, candidates_among
from crawler.extraction.cleanup import clean_paragraphs
from crawler.extraction.dates import EARLIEST, parse_date
from crawler.extraction.decode import ExtractionError
from crawler.extraction.extract import extract_article
from crawler.urls import canonical_url, clean_url
from spiders.suarakalbar import PROFILE

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

date_like = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda d, m, y, h, mi, z: f"{d} {m} {y}, {h}:{mi} {z}",
        st.integers(0, 40),
        st.sampled_from(["Januari", "Feb", "Mei", "Agt", "Okt", "Desember", "Foo"]),
        st.integers(0, 3000),
        st.integers(0, 30),
        st.integers(0, 70),
        st.sampled_from(["WIB", "WITA", "WIT", ""]),
    ),
    st.builds(lambda d, m, y: f"Kamis ({d}/{m}/{y})", st.integers(-1, 40), st.integers(-1, 14), st.integers(0, 3000)),
)


@FAST
@given(date_like)
def test_parse_date_never_raises_and_is_sane(text):
    parsed = parse_date(text, now=NOW)
    if parsed is not None:
        assert parsed.value.tzinfo is not None
        assert parsed.value.date() >= EARLIEST and parsed.value <= NOW + timedelta(days=1)
        assert parsed.day == parsed.value.date().isoformat()


url_parts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="?#&="), max_size=30)


@FAST
@given(
    st.sampled_from(["http", "https", "HTTP"]),
    st.sampled_from(["www.suarakalbar.co.id", "infopublik.id", "x.Y"]),
    url_parts,
    st.dictionaries(st.sampled_from(["utm_source", "a", "p", "fbclid", "amp", "q"]), url_parts, max_size=3),
    url_parts,
)
def test_canonical_url_is_idempotent(scheme, host, path, query, fragment):
    from urllib.parse import urlencode

    url = f"{scheme}://{host}/{path}?{urlencode(query)}#{fragment}"
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "utm_source" not in once and "fbclid" not in once and "#" not in once
    assert clean_url(clean_url(url)) == clean_url(url)


@FAST
@given(st.lists(st.text(max_size=200), max_size=20))
def test_cleanup_never_adds_text(paragraphs):
    cleaned = clean_paragraphs(paragraphs)
    stripped = [p.strip() for p in paragraphs]
    assert all(p in stripped for p in cleaned)
    assert len(cleaned) <= len(paragraphs)


html_soup = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<h1>",
                "</h1>",
                "<div class='ray-main-single-content'>",
                "</div>",
                "<script>",
                "</script>",
                '<script type="application/ld+json">{"@type":"NewsArticle","headline":',
                "<title>",
                "</title>",
                "<meta property='article:published_time' content='2024-02-31'>",
                "<br>",
                "<!--",
                "-->",
                "\x00",
                "&nbsp;",
            ]
        ),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup)
@example("<A CLASS='ray-main-single-content'><SCRIPT></SCRIPT>\x1b")  # found by CI: ESC after a dropped element
@example("<div class='ray-main-single-content'>a\x1b<script></script>b\x1b</div>")
def test_extraction_never_raises_unexpectedly(html):
    for profile in (PROFILE, None):
        try:
            article = extract_article(html, "https://www.suarakalbar.co.id/2024/01/x/", profile)
        except ExtractionError:
            continue
        assert article.word_count >= 0
        assert article.published_date is None or len(article.published_date) == 10


hash64 = st.integers(min_value=0, max_value=2**64 - 1)


@given(hash64, st.lists(st.one_of(hash64, hash64.map(lambda h: h ^ 0b1011)), max_size=50))
def test_candidates_among_is_candidates_for_each(mine, others):
    assert candidates_among(mine, others) == [i for i, other in enumerate(others) if candidates(mine, other)]
    assert candidates_among(mine, [*others, mine ^ 0b111])[-1] == len(others)  # 3 bits apart: a candidate


def test_dropping_an_element_next_to_control_characters_keeps_the_text_around_it():
    from lxml import html

    from crawler.extraction.htmltext import element_paragraphs

    root = html.fromstring("<div>alpha\x1b<script>x</script>beta\x1b<p>gamma</p></div>")
    assert element_paragraphs(root, ("script",)) == ["alphabeta", "gamma"]  # lxml refused this join
