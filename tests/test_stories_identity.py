"""Stories, duplicates and identity, as `crawler crawl` meets them over HTTP."""

from __future__ import annotations

import secrets
import subprocess
import sys

from crawler.enrichment.neardup import candidates, fingerprint
from testkit.pages_site import PagesSite, article, listing, text
from tests.conftest import FAST, ROOT, cli_crawl, query

DAY = "2024-10-14T09:00:00+07:00"
RELEASE = text("rilis-netralitas-asn", 8)
SK_RELEASE = "/2024/10/pj-wali-kota-tegaskan-netralitas-asn/"
EK_RELEASE = "/pemkot-ingatkan-netralitas-asn-jelang-pilkada/"


def _release_sites() -> tuple[PagesSite, PagesSite]:
    """Two portals carrying one press release on the same day, each with another article of that
    day. The release arrives late on both (suarakalbar after 1 s, editorialkaltim after 2.5 s):
    editorialkaltim has looked at that day's stories before suarakalbar stored the release."""
    suarakalbar = PagesSite(
        {
            "/": listing(["{host}" + SK_RELEASE, "{host}/2024/10/harga-beras-pontianak-turun/"]),
            SK_RELEASE: article(
                "Pj Wali Kota Tegaskan Netralitas ASN", DAY, ["Pontianak (Suara Kalbar)- " + RELEASE[0], *RELEASE[1:]]
            ),
            "/2024/10/harga-beras-pontianak-turun/": article("Harga Beras di Pontianak Turun", DAY, text("beras")),
        },
        delays={SK_RELEASE: 1.0},
    )
    editorialkaltim = PagesSite(
        {
            "/": listing(["{host}/harga-cabai-di-samarinda-naik/", "{host}" + EK_RELEASE]),
            "/harga-cabai-di-samarinda-naik/": article("Harga Cabai di Samarinda Naik", DAY, text("cabai")),
            EK_RELEASE: article(
                "Pemkot Ingatkan Netralitas ASN",
                DAY,
                [
                    "EDITORIALKALTIM.COM, PONTIANAK – " + RELEASE[0],
                    *RELEASE[1:],
                    "Rilis ini diterima redaksi pada sore hari.",
                ],
            ),
        },
        delays={EK_RELEASE: 2.5},
    )
    return suarakalbar, editorialkaltim


def _release_stories(db) -> set[str]:
    return {s for (s,) in query(db, "select story_id from articles where title like '%Netralitas ASN'")}


def test_sites_crawled_at_once_by_crawler_crawl_share_a_story(tmp_path):
    db = tmp_path / "p.db"
    sk, ek = _release_sites()
    with sk, ek:
        result = cli_crawl(db, {"suarakalbar": sk.url, "editorialkaltim": ek.url}, "-s", "STORE_BATCH_SIZE=1")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert query(db, "select count(*) from articles") == [(4,)]
    assert len(_release_stories(db)) == 1, query(db, "select site, title, story_id from articles")
    assert query(db, "select sites from story_clusters") == [(2,)]


def test_two_processes_writing_one_file_share_a_story(tmp_path):
    db = tmp_path / "p.db"
    sk, ek = _release_sites()
    with sk, ek:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crawler.cli.main",
                    "crawl",
                    "--db",
                    str(db),
                    "--site",
                    site,
                    "--base-url",
                    f"{site}={url}",
                    "--log-level",
                    "WARNING",
                    *FAST,
                    "-s",
                    "STORE_BATCH_SIZE=1",
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for site, url in (("editorialkaltim", ek.url), ("suarakalbar", sk.url))
        ]
        outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert query(db, "select count(*) from articles") == [(4,)]
    assert len(_release_stories(db)) == 1, query(db, "select site, title, story_id from articles")


def test_a_repost_is_stored_once_and_not_fetched_again(tmp_path):
    db = tmp_path / "p.db"
    body = text("repost")
    pages = {
        "/": listing(["{host}/2024/10/bupati-minta-asn-netral/", "{host}/2024/10/bupati-minta-asn-netral-2/"]),
        "/2024/10/bupati-minta-asn-netral/": article("Bupati Minta ASN Netral", DAY, body),
        "/2024/10/bupati-minta-asn-netral-2/": article("Bupati Minta ASN Netral", DAY, body),
    }
    with PagesSite(pages) as site:
        first = cli_crawl(db, {"suarakalbar": site.url})
        assert first.returncode == 0, first.stderr[-3000:]
        assert query(db, "select count(*), sum(duplicates) from articles, crawl_runs") == [(1, 1)]
        site.requests.clear()
        second = cli_crawl(db, {"suarakalbar": site.url})
        assert second.returncode == 0
        assert [p for p in site.requests if p.startswith("/2024/")] == []  # neither URL fetched again


def test_distinct_articles_are_never_merged(tmp_path):
    """30 pages declaring one canonical URL, and a same-site page whose body is another's with
    another title: every page is a row; the copy is linked by story."""
    db = tmp_path / "p.db"
    canonical = "https://www.suarakalbar.co.id/2024/10/berita-nomor-0/"
    pages = {
        f"/2024/10/berita-nomor-{i}/": article(
            f"Berita Nomor {i} Tentang Desa {i}", DAY, text(f"b{i}"), canonical=canonical
        )
        for i in range(30)
    }
    pages["/2024/10/ringkasan-berita-desa/"] = article("Ringkasan Pekan Ini: Kabar dari Desa", DAY, text("b7"))
    pages["/"] = listing(["{host}" + p for p in pages])
    with PagesSite(pages) as site:
        result = cli_crawl(db, {"suarakalbar": site.url})
        assert result.returncode == 0, result.stderr[-3000:]
        site.requests.clear()
        again = cli_crawl(db, {"suarakalbar": site.url})
    published = {"https://www.suarakalbar.co.id" + p for p in pages if p != "/"}
    assert {u for (u,) in query(db, "select url from articles")} == published
    titles = dict(query(db, "select url, title from articles"))
    assert titles[canonical] == "Berita Nomor 0 Tentang Desa 0"
    stories = dict(query(db, "select title, story_id from articles"))
    assert stories["Ringkasan Pekan Ini: Kabar dari Desa"] == stories["Berita Nomor 7 Tentang Desa 7"]
    assert len(set(stories.values())) == 30
    assert query(db, "select count(*) from article_versions") == [(0,)]  # no page became a "version" of another
    assert again.returncode == 0 and [p for p in site.requests if p.startswith("/2024/")] == []


def test_a_release_embedded_in_a_longer_article_is_one_story(tmp_path):
    db = tmp_path / "p.db"
    own = text("liputan-sendiri", 12)
    longer = ["Samarinda – " + own[0], *own[1:6], *RELEASE, *own[6:]]
    # the SimHash pre-filter alone would never have compared them
    assert not candidates(int(fingerprint("\n\n".join(RELEASE)), 16), int(fingerprint("\n\n".join(longer)), 16))
    sk = PagesSite({"/": listing(["{host}" + SK_RELEASE]), SK_RELEASE: article("Rilis Netralitas ASN", DAY, RELEASE)})
    ek = PagesSite({"/": listing(["{host}" + EK_RELEASE]), EK_RELEASE: article("Liputan Apel ASN", DAY, longer)})
    with sk, ek:
        result = cli_crawl(db, {"suarakalbar": sk.url, "editorialkaltim": ek.url})
    assert result.returncode == 0, result.stderr[-3000:]
    rows = query(db, "select site, story_id from articles")
    assert len(rows) == 2 and len({s for _, s in rows}) == 1, rows


def test_session_ids_are_stripped_and_cost_nothing_on_a_recrawl(tmp_path):
    db = tmp_path / "p.db"
    paths = [f"/2024/10/berita-sesi-{i}/" for i in range(3)]

    def home() -> str:  # a new session id in every link, on every visit
        sid = secrets.token_hex(8)
        return listing([f"{{host}}{p}?PHPSESSID={sid}&sid={sid}&fbclid=x{sid}" for p in paths])

    pages = {"/": home, **{p: article(f"Berita Sesi Nomor {i}", DAY, text(f"s{i}")) for i, p in enumerate(paths)}}
    with PagesSite(pages, keep_query=False) as site:
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
        assert not [r for r in site.requests if "SESSID" in r.upper() or "sid=" in r]
        site.requests.clear()
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
        assert [p for p in site.requests if p.startswith("/2024/")] == []
    urls = [u for (u,) in query(db, "select url from articles union all select url from article_aliases")]
    assert len(urls) == 6 and not [u for u in urls if "sid" in u.lower() or "fbclid" in u]
