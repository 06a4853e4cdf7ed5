"""Discovery that silently skipped articles: each case crawled over HTTP with `crawler crawl`."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time

import pytest

from testkit.pages_site import PagesSite, article, listing, text, urlset
from tests.conftest import FAST, ROOT, cli_crawl, query

pytestmark = pytest.mark.slow  # long end-to-end runs against real failing parts: ./run.sh test --all

DAY = "2024-10-14T09:00:00+07:00"


def test_editorialkaltim_fetches_slugs_that_merely_start_like_static_pages(tmp_path):
    db = tmp_path / "p.db"
    news = [
        "/pagelaran-budaya-dayak-di-samarinda/",
        "/tagihan-listrik-warga-berau-naik/",
        "/kontak-senjata-di-perbatasan-kaltara/",
        "/indeks-harga-konsumen-kaltim-turun/",
        "/feed-ternak-sapi-disalurkan-ke-kutai/",
        "/amplop-serangan-fajar-ditemukan-bawaslu/",
    ]
    pages = {p: article(f"Berita {p.strip('/').replace('-', ' ').title()}", DAY, text(p)) for p in news}
    pages["/"] = listing(["{host}" + p for p in [*news, "/pedoman-media-siber/", "/tag/pilkada/", "/"]])
    with PagesSite(pages) as site:
        result = cli_crawl(db, {"editorialkaltim": site.url})
    assert result.returncode == 0, result.stderr[-3000:]
    stored = {u.split(".com")[1] for (u,) in query(db, "select url from articles")}
    assert stored == set(news)
    refused = json.loads(query(db, "select refused from crawl_runs")[0][0])
    assert refused == {"static-page": 1, "not-article-url": 2}  # /pedoman-media-siber/; /tag/pilkada/ and /
    assert "URLs not fetched as articles: not-article-url 2, static-page 1" in result.stdout


def _listing_site(articles: int, per_page: int = 10, listing_delay: float = 0.0, article_delay: float = 0.0):
    """A site whose articles are only reachable through its paginated category listing."""
    paths = [f"/2024/{i % 12 + 1:02d}/kabar-desa-nomor-{i}/" for i in range(articles)]
    pages: dict = {p: article(f"Kabar Desa Nomor {i}", DAY, text(p)) for i, p in enumerate(paths)}
    pages["/"] = listing(["{host}/category/kalbar/"])
    last = (articles - 1) // per_page + 1
    for n in range(1, last + 1):
        chunk = paths[(n - 1) * per_page : n * per_page]
        page_path = "/category/kalbar/" if n == 1 else f"/category/kalbar/page/{n}/"
        nxt = f"{{host}}/category/kalbar/page/{n + 1}/" if n < last else None
        pages[page_path] = listing(["{host}" + p for p in chunk], nxt)
    delays = {p: listing_delay for p in pages if p.startswith("/category/")} | {p: article_delay for p in paths}
    return PagesSite(pages, delays), paths


def test_a_first_crawl_killed_midway_is_completed_by_the_next(tmp_path):
    db = tmp_path / "p.db"
    site, paths = _listing_site(120, listing_delay=0.3, article_delay=0.02)
    args = [
        "crawl",
        "--db",
        str(db),
        "--site",
        "suarakalbar",
        "--log-level",
        "WARNING",
        *FAST,
        "-s",
        "LISTING_MAX_PAGES=20",
        "-s",
        "STORE_BATCH_SIZE=10",
    ]
    with site:
        args += ["--base-url", f"suarakalbar={site.url}"]
        first = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli.main", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if db.exists() and _count(db) >= 50:
                break
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        cut = _count(db)
        assert 50 <= cut < 120, cut
        second = subprocess.run(
            [sys.executable, "-m", "crawler.cli.main", *args], cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        assert second.returncode == 0, second.stderr[-3000:]
        assert _count(db) == 120
        site.requests.clear()
        third = subprocess.run(
            [sys.executable, "-m", "crawler.cli.main", *args], cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        assert third.returncode == 0
        # walked to its end once: an unchanged re-crawl reads only the listing's first page
        assert [p for p in site.requests if p.startswith(("/2024/", "/category/kalbar/page/"))] == []


def test_a_backfill_cut_by_the_depth_limit_goes_on_where_it_stopped(tmp_path):
    db = tmp_path / "p.db"
    site, paths = _listing_site(120)
    counts = []
    with site:
        for _ in range(4):
            result = cli_crawl(db, {"suarakalbar": site.url}, "-s", "LISTING_MAX_PAGES=5")
            assert result.returncode == 0, result.stderr[-3000:]
            counts.append(_count(db))
        site.requests.clear()
        cli_crawl(db, {"suarakalbar": site.url}, "-s", "LISTING_MAX_PAGES=5")
    assert counts == [50, 100, 120, 120]
    assert query(db, "select url, complete, resume_url from listings where url like '%category%'") == [
        ("https://suarakalbar.co.id/category/kalbar", 1, None)
    ]
    assert [p for p in site.requests if p.startswith(("/2024/", "/category/kalbar/page/"))] == []


def _count(db) -> int:
    try:
        return query(db, "select count(*) from articles")[0][0]
    except Exception:  # noqa: BLE001 - not created yet
        return 0


def test_failing_entry_points_are_recorded_and_a_legal_50000_url_sitemap_is_read(tmp_path):
    db = tmp_path / "p.db"
    pages: dict = {"/": listing([]), "/feed/": (500, "text/plain", b"server error")}
    with PagesSite(pages) as site:
        fresh = [f"{site.url}/2024/10/berita-baru-nomor-{i}/" for i in range(2)]
        old = [
            (
                f"{site.url}/2019/01/berita-lama-nomor-{i}-tentang-pembangunan-desa-dan-kecamatan-di-kalimantan"
                f"-barat-{'x' * 70}/",
                "2019-01-01",
            )
            for i in range(49_998)
        ]
        pages["/wp-sitemap.xml"] = status_type_body = urlset([*old, *((u, "2024-10-20") for u in fresh)])
        assert len(status_type_body[2]) > 11 * 1024 * 1024  # above the 8 MB page limit, within the 50 MB sitemap one
        for u in fresh:
            pages[u.removeprefix(site.url)] = article(f"Berita Baru {u[-3:]}", DAY, text(u))
        result = cli_crawl(db, {"suarakalbar": site.url}, "--since", "2024-10-01", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert query(db, "select count(*) from articles") == [(2,)]
    failures = query(db, "select kind, reason, url from rejects where kind != 'article' order by kind, url")
    assert ("feed", "http-500", "https://www.suarakalbar.co.id/feed/") in failures
    # sitemap_index.xml is absent, but the profile's other sitemap (wp-sitemap.xml) was read: not a failure
    assert ("sitemap", "http-404", "https://www.suarakalbar.co.id/sitemap_index.xml") not in failures
    assert "entry points failed: feed http-500 1" in result.stdout
    assert json.loads(query(db, "select entry_failures from crawl_runs")[0][0])["feed http-500"] == 1


def test_since_is_a_local_date_and_gzipped_feeds_are_read(tmp_path):
    db = tmp_path / "p.db"
    early = "/2024/10/apel-pagi-hari-senin/"  # 00:30 WIB on the since-day: 17:30 UTC the day before
    before = "/2024/10/malam-sebelumnya/"
    in_feed = "/2024/10/dari-feed-terkompresi/"
    feed = (
        f"<?xml version='1.0'?><rss version='2.0'><channel><item><link>{{host}}{in_feed}</link>"
        "<pubDate>Mon, 14 Oct 2024 10:00:00 +0700</pubDate></item></channel></rss>"
    )
    pages: dict = {
        "/": listing([]),
        early: article("Apel Pagi Hari Senin", "2024-10-14T00:30:00+07:00", text("a")),
        before: article("Malam Sebelumnya di Pontianak", "2024-10-13T20:00:00+07:00", text("b")),
        in_feed: article("Dari Feed Terkompresi", DAY, text("c")),
    }
    with PagesSite(pages) as site:
        pages["/wp-sitemap.xml"] = urlset(
            [(site.url + early, "2024-10-14T00:30:00+07:00"), (site.url + before, "2024-10-13T20:00:00+07:00")]
        )
        pages["/feed/"] = (200, "application/gzip", gzip.compress(feed.replace("{host}", site.url).encode()))
        result = cli_crawl(db, {"suarakalbar": site.url}, "--since", "2024-10-14")
        fetched = set(site.requests)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {u.split(".id")[1] for (u,) in query(db, "select url from articles")} == {early, in_feed}
    assert before not in fetched
