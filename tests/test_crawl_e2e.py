"""Real crawls over HTTP on 127.0.0.1 of the fixture site copies, into a temporary database."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest

from crawler.cli.localserver import LocalSite
from spiders.editorialkaltim import PROFILE as EDITORIALKALTIM
from spiders.infopublik import PROFILE as INFOPUBLIK
from spiders.suarakalbar import PROFILE as SUARAKALBAR
from tests.conftest import ROOT, SITES, cli, cli_crawl, closed_port, query, scrapy_crawl

PROFILES = {p.name: p for p in (SUARAKALBAR, INFOPUBLIK, EDITORIALKALTIM)}


def stored(db) -> list[tuple[str, str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select url, title, published_date, body from articles").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("site", sorted(PROFILES))
def test_crawl_recrawl_and_change(site, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(SITES / site, copy)
    expected = {a["url"]: a for a in json.loads((copy / "articles.json").read_text())}
    db = tmp_path / "pantau.db"
    with LocalSite(copy) as server:
        first = scrapy_crawl(site, db, "-a", f"base_url={server.url}")
        assert first.returncode == 0, first.stderr[-3000:]
        rows = stored(db)
        assert sorted(r[0] for r in rows) == sorted(expected)  # every article once, nothing else
        for url, title, day, body in rows:
            assert title == expected[url]["title"] and day == expected[url]["published_date"]
            assert len(body.split()) > 50
        conn = sqlite3.connect(db)
        reasons = {r for (r,) in conn.execute("select reason from rejects where kind = 'article'")}
        # the profile's alternative sitemap that this copy lacks is a visible failed entry point
        assert {k for (k,) in conn.execute("select kind from rejects where kind != 'article'")} <= {"sitemap", "feed"}
        # enriched in the helper process: every article fingerprinted, the watched story flagged
        assert conn.execute("select count(*) from articles where simhash is null").fetchone()[0] == 0
        assert conn.execute("select count(*) from topic_matches where topic = 'netralitas-asn'").fetchone()[0] >= 1
        conn.close()
        assert reasons <= {"not-article"}

        server.requests.clear()
        second = scrapy_crawl(site, db, "-a", f"base_url={server.url}")
        assert second.returncode == 0
        profile = PROFILES[site]
        fetched_articles = [p for p in server.requests if profile.is_article_url("https://x" + p.split("?")[0])]
        assert fetched_articles == [], (
            "an unchanged re-crawl fetched article pages",
            server.requests,
            second.stderr[-4000:],
        )
        assert len(server.requests) <= 15

        # change one article (new text, newer lastmod) and publish a new one
        sitemaps = " ".join(p.read_text(encoding="utf-8") for p in copy.rglob("*sitemap*.xml"))
        changed_url = next(u for u in sorted(expected) if f"<loc>{u}</loc>" in sitemaps)
        rel = next(p for p in copy.rglob("*") if p.is_file() and _serves(p, copy, changed_url))
        page = rel.read_text(encoding="utf-8")
        start = re.search(r'class="[^"]*(?:entry-content|detail-content|ray-main-single-content)', page).end()
        end = page.index("</p>", start)
        rel.write_text(page[:end] + " Artikel ini telah diperbarui redaksi." + page[end:], encoding="utf-8")
        for sitemap in copy.rglob("*sitemap*.xml"):
            text = sitemap.read_text(encoding="utf-8")
            if changed_url in text:
                text = re.sub(
                    re.escape(changed_url) + r"</loc><lastmod>[^<]+",
                    changed_url + "</loc><lastmod>2025-01-02T03:04:05+00:00",
                    text,
                )
                sitemap.write_text(text, encoding="utf-8")
        new_url = _add_article(copy, site, next(u for u in sorted(expected) if u != changed_url))
        server.requests.clear()
        third = scrapy_crawl(site, db, "-a", f"base_url={server.url}")
        assert third.returncode == 0
        rows = {r[0]: r for r in stored(db)}
        assert new_url in rows and len(rows) == len(expected) + 1
        assert "diperbarui redaksi" in rows[changed_url][3]
        conn = sqlite3.connect(db)
        assert conn.execute("select count(*) from article_versions").fetchone()[0] == 1
        conn.close()


def _serves(path, root, url) -> bool:
    from urllib.parse import urlsplit

    rel = urlsplit(url).path.lstrip("/")
    candidate = path.relative_to(root).as_posix()
    return candidate in (rel, rel + "index.html", rel.rstrip("/") + "/index.html")


def _add_article(root, site, template_url) -> str:
    """Copy an article to a new URL and list it on the home page."""
    from urllib.parse import urlsplit

    path = urlsplit(template_url).path
    source = next(p for p in root.rglob("*") if p.is_file() and _serves(p, root, template_url))
    if site == "infopublik":  # a new numeric id: a new article
        new_path = re.sub(r"/(\d{3,})/", lambda m: f"/{int(m.group(1)) + 900000}/", path, count=1)
    else:
        new_path = path.rstrip("/") + "-baru/"
    new_url = template_url.replace(path, new_path)
    html = source.read_text(encoding="utf-8").replace(template_url, new_url)
    # a different story: same page shape, the body's words in another order
    html = re.sub(r"<p>([^<]{40,})</p>", lambda m: "<p>" + " ".join(reversed(m.group(1).split())) + "</p>", html)
    html = re.sub(r"(<h1[^>]*>)", r"\1Baru: ", html, count=1)
    html = re.sub(r'"headline": "', '"headline": "Baru: ', html)
    html = re.sub(r'(og:title" content=")', r"\1Baru: ", html)
    target = root / (new_path.lstrip("/") + ("index.html" if new_path.endswith("/") else ""))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    home = root / "index.html"
    home.write_text(
        home.read_text(encoding="utf-8").replace("<h1>", f'<a href="{new_url}">Baru</a><h1>', 1), encoding="utf-8"
    )
    return new_url


@pytest.mark.slow
def test_crawler_crawl_summary_and_exit_code_when_a_site_is_down(tmp_path):
    db = tmp_path / "cron.db"
    with LocalSite(SITES / "editorialkaltim") as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "crawler.cli.main",
                "crawl",
                "--db",
                str(db),
                "--site",
                "editorialkaltim",
                "--site",
                "infopublik",
                "--base-url",
                f"editorialkaltim={server.url}",
                "--base-url",
                f"infopublik=http://127.0.0.1:{closed_port()}",
                "--log-level",
                "WARNING",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=0",
                "-s",
                "RETRY_TIMES=0",
                "-s",
                "DOWNLOAD_TIMEOUT=5",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert result.returncode == 1, result.stderr[-2000:]
    articles = len(json.loads((SITES / "editorialkaltim" / "articles.json").read_text()))
    assert re.search(rf"^editorialkaltim\s+finished\s+\d+\s+{articles}\b", result.stdout, re.M), result.stdout
    assert re.search(r"^FAILED infopublik: .*connection-refused", result.stdout, re.M), result.stdout
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute("select site, status from crawl_runs"))
    assert statuses == {"editorialkaltim": "finished", "infopublik": "failed"}
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler.cli.main",
            "crawl",
            "--db",
            str(db),
            "--site",
            "infopublik",
            "--format",
            "json",
            "--base-url",
            f"infopublik=http://127.0.0.1:{closed_port()}",
            "--log-level",
            "ERROR",
            "-s",
            "RETRY_TIMES=0",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1
    summary = json.loads(again.stdout)
    assert summary["runs"][0]["status"] == "failed" and "connection-refused" in summary["runs"][0]["error"]


def test_cli_extract(tmp_path):
    page = ROOT / "fixtures" / "infopublik" / "article-003-bare.html"
    url = "https://infopublik.id/kategori/nusantara/855902/jelang-pilkada"
    ok = subprocess.run(
        [sys.executable, "-m", "crawler.cli.main", "extract", str(page), "--url", url],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    record = json.loads(ok.stdout)
    assert record["editor"] == "Eka Yonavilbia" and record["published_at"] == "2024-09-05T14:33:00+07:00"
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.7\n%binary")
    for args in (["extract", str(tmp_path / "x.pdf")], ["extract", str(tmp_path / "missing.html")]):
        bad = subprocess.run(
            [sys.executable, "-m", "crawler.cli.main", *args], capture_output=True, text=True, timeout=60
        )
        assert bad.returncode == 2
        assert bad.stderr.startswith("crawler: error:") and bad.stderr.count("\n") == 1


def test_scrapy_crawl_on_a_corrupt_database_is_one_line_and_exit_2(tmp_path):
    corrupt = tmp_path / "pantau.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    done = scrapy_crawl("suarakalbar", corrupt, timeout=60)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and "is not a usable SQLite database" in done.stderr, done.stderr
    assert corrupt.read_bytes().startswith(b"SQLite format 3\x00" + bytes(range(16)))  # left untouched


def test_extract_with_another_site_s_profile_says_so():
    page = ROOT / "fixtures" / "infopublik" / "article-003-bare.html"
    url = "https://infopublik.id/kategori/nusantara/855902/jelang-pilkada"
    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli.main", "extract", str(page), "--url", url, "--site", "suarakalbar"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert "is a page of infopublik, read with suarakalbar's profile as asked" in done.stderr, done.stderr
    same = subprocess.run(
        [sys.executable, "-m", "crawler.cli.main", "extract", str(page), "--url", url, "--site", "infopublik"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert same.returncode == 0 and "warning" not in same.stderr


def test_a_page_extract_accepts_is_a_page_the_crawl_stores_and_the_other_way_round(tmp_path):
    """The same pages through `crawler crawl` (over HTTP) and `crawler extract` (the saved bytes):
    each one both store, or both refuse for the same reason, since both call one page function."""
    from testkit.pages_site import PagesSite, article, listing, text

    links = [f"/kategori/nusantara/98700{i}/berita-lain-{i}" for i in range(30)]
    cases = {
        "utuh": article("Bupati Sambas Ingatkan Netralitas ASN", "2024-10-14T09:00:00+07:00", text("utuh")),
        "pendek": article("Judul Pendek Sekali", "2024-10-14T09:00:00+07:00", ["Dua kata saja."]),
        "daftar": listing(links),  # a listing served at an article's address: no article
        "tanpa-judul": "<html><body>" + "".join(f"<p>{p}</p>" for p in text("tanpa")) + "</body></html>",
        "biner": bytes(range(256)) * 40,  # served as text/html
    }
    paths = {name: f"/kategori/nusantara/98600{i}/berita-{name}" for i, name in enumerate(cases)}
    pages = {paths[name]: body if isinstance(body, str) else (200, "text/html", body) for name, body in cases.items()}
    db = tmp_path / "p.db"
    with PagesSite({"/": listing(["{host}" + p for p in paths.values()]), **pages}) as site:
        done = cli_crawl(db, {"infopublik": site.url})
    assert done.returncode in (0, 1), done.stdout + done.stderr[-2000:]
    public = "https://infopublik.id"
    stored = {url for (url,) in query(db, "SELECT url FROM articles")}
    refused = dict(query(db, "SELECT url, reason FROM rejects WHERE coalesce(kind, 'article') = 'article'"))
    outcomes = {}
    for name, body in cases.items():
        page = tmp_path / f"{name}.html"
        page.write_bytes(body.encode() if isinstance(body, str) else body)
        url = public + paths[name]
        extracted = cli("extract", str(page), "--url", url)
        by_crawl = "stored" if url in stored else refused.get(url, "never fetched")
        by_extract = (
            "stored" if extracted.returncode == 0 else extracted.stderr.split("no article found: ")[-1].split(":")[0]
        )
        outcomes[name] = (by_crawl, by_extract)
    assert outcomes["utuh"] == ("stored", "stored"), outcomes
    assert all(crawl == extract for crawl, extract in outcomes.values()), outcomes
    assert {crawl for crawl, _ in outcomes.values()} >= {"stored", "short-body", "not-article", "not-html"}, outcomes
