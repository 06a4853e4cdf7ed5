"""Bounds that leaked. A NUL separates words, a page mixing UTF-8 and Windows-1252 is
read byte by byte as what it is, a page nested past the parser's depth is refused with a reason
(never cut silently), a search of thousands of words is refused in one line."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from testkit.pages_site import PagesSite, article, text
from tests.conftest import cli, cli_crawl, query

URL = "https://www.suarakalbar.co.id/2024/01/kafe-di-pinggir-jalan/"
WORDS = " ".join(f"kata{i}" for i in range(120))


def _page(paragraph: str) -> str:
    return (
        "<html><head><meta charset='utf-8'><title>Kafe di Pinggir Jalan Kota Pontianak</title></head>"
        "<body class='single'><h1>Kafe di Pinggir Jalan Kota Pontianak</h1><div class='entry-content'>"
        f"<p>{paragraph}</p><p>Lanjutan {WORDS}</p></div></body></html>"
    )


def _extract(tmp_path, data: bytes) -> dict:
    page = tmp_path / "page.html"
    page.write_bytes(data)
    done = cli("extract", str(page), "--url", URL)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_nul_byte_separates_words(tmp_path):
    body = _extract(tmp_path, _page("Kafe yang ada\x00di pinggir jalan.").encode())["body"]
    assert "ada di pinggir" in body and "adadi" not in body


def test_a_page_mixing_utf8_and_cp1252_is_read_by_evidence(tmp_path):
    data = _page("Café – ramai SETIAP").encode("utf-8").replace(b"SETIAP", "“setiap” hari".encode("cp1252"))
    body = _extract(tmp_path, data)["body"]
    assert "Café – ramai “setiap” hari" in body, body[:200]
    assert "Ã" not in body


@pytest.mark.slow
def test_a_page_nested_past_the_parser_depth_is_refused_with_a_reason(tmp_path):
    deep = _page(f"Awal {WORDS}</p>" + "<div>" * 2300 + f"<p>Teks dalam {WORDS}" + "</div>" * 2300 + "<p>Sesudah")
    page = tmp_path / "deep.html"
    page.write_text(deep)
    done = cli("extract", str(page), "--url", URL)
    assert done.returncode == 2 and "too-deep" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    # in a crawl: a reject with its reason, the other pages stored
    good = article("Berita Biasa Tentang Netralitas ASN", "2024-01-10T09:00:00+07:00", text("baik", 6))
    pages = {
        "/2024/01/berita-dalam/": deep,
        "/2024/01/berita-biasa/": good,
        "/": "<html><body><a href='{host}/2024/01/berita-dalam/'>a</a><a href='{host}/2024/01/berita-biasa/'>b</a></body></html>",
    }
    with PagesSite(pages) as site:
        crawled = cli_crawl(tmp_path / "p.db", {"suarakalbar": site.url})
    assert crawled.returncode == 0, crawled.stdout + crawled.stderr[-2000:]
    assert query(tmp_path / "p.db", "SELECT reason FROM rejects WHERE url LIKE '%berita-dalam%'") == [("too-deep",)]
    assert query(tmp_path / "p.db", "SELECT COUNT(*) FROM articles") == [(1,)]


def test_a_search_of_thousands_of_words_is_refused_at_once(tmp_path):
    db = tmp_path / "p.db"
    assert cli("db", "init", "--db", str(db)).returncode == 0
    started = time.monotonic()
    done = cli("search", " ".join(f"k{i}" for i in range(15_000)), "--db", str(db))  # one argument, under 128 KB
    assert done.returncode == 2 and "at most 64 can be searched" in done.stderr and done.stderr.count("\n") == 1
    assert time.monotonic() - started < 10
    assert cli("search", " ".join(f"kata{i}" for i in range(64)), "--db", str(db)).returncode == 0


def test_a_page_opening_with_many_comments_is_read_at_once():
    """The check "is this a feed or a sitemap?" once let a comment span the next ones: a real page
    opening with a few dozen comments (and not a feed) made that check backtrack for minutes."""
    from crawler.extraction.extract import extract_article

    comments = "".join(f"<!-- blok {i} -->\n" for i in range(40))
    page = comments + _page("Warga kota menikmati kopi sore hari di kafe pinggir jalan.")
    started = time.monotonic()
    article = extract_article(page, URL)
    assert time.monotonic() - started < 2.0
    assert article.title == "Kafe di Pinggir Jalan Kota Pontianak" and "kopi sore" in article.body


def _peak_of(*args: str) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """``crawler ARGS`` in a child process: its result, its peak resident memory (MB) and seconds
    (measured by a parent of its own: this process's RUSAGE_CHILDREN would mix every test's)."""
    from tests.conftest import ROOT

    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, subprocess, sys; "
            "code = subprocess.run(sys.argv[1:]).returncode; "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
            "sys.exit(code)",
            sys.executable,
            "-m",
            "crawler.cli.main",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return done, peak_kb / 1024, time.monotonic() - started


@pytest.mark.slow
def test_a_page_of_half_a_million_elements_is_refused_before_it_costs_memory(tmp_path):
    """Memory and time of extraction grow with a page's elements: one of 525,000 elements (7.7 MB)
    took 550 MB and 13 s. Beyond MAX_ELEMENTS it is a `too-complex` reject, decided at once."""
    from crawler.extraction.decode import MAX_ELEMENTS

    dense = _page("Awal") + "".join("<div><span>ab</span><a href='/x'>c</a></div>" for _ in range(175_000))
    page = tmp_path / "dense.html"
    page.write_text(dense)
    done, peak_mb, took = _peak_of("extract", str(page), "--url", URL)
    assert done.returncode == 2 and "too-complex" in done.stderr, done.stderr
    assert peak_mb < 200 and took < 10, (peak_mb, took)
    # just under the limit, and a page of 8 MB of text: accepted, at a bounded cost
    under = _page("Awal") + "<p>ab</p>" * (MAX_ELEMENTS - 100)
    (tmp_path / "under.html").write_text(under)
    done, peak_mb, _ = _peak_of("extract", str(tmp_path / "under.html"), "--url", URL)
    assert done.returncode == 0 and peak_mb < 250, (done.stderr[-500:], peak_mb)
    prose = _page(" ".join(f"kata{i % 997} lain" for i in range(600_000)))
    (tmp_path / "prose.html").write_text(prose)
    assert len(prose) > 7_000_000
    done, peak_mb, _ = _peak_of("extract", str(tmp_path / "prose.html"), "--url", URL)
    assert done.returncode == 0 and peak_mb < 300, (done.stderr[-500:], peak_mb)


def test_the_element_limit_counts_elements_not_bytes():
    import pytest

    from crawler.extraction.decode import MAX_ELEMENTS, ExtractionError, html_tree

    assert len(html_tree("<p>" + "a" * 5_000_000 + "</p>").xpath("//p")) == 1  # long text, few elements
    assert len(html_tree("<p>a</p>" * (MAX_ELEMENTS - 10)).xpath("//p")) == MAX_ELEMENTS - 10
    assert len(html_tree("<b>a</b> " * (3 * MAX_ELEMENTS)).xpath("//b")) == 3 * MAX_ELEMENTS  # inline: flattened later
    for many in ("<p>a</p>" * (MAX_ELEMENTS + 10), "<div>x</div>" * (MAX_ELEMENTS + 10), "<b>a</b>" * 9 * MAX_ELEMENTS):
        with pytest.raises(ExtractionError, match="too-complex"):
            html_tree(many)
