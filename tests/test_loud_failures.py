"""Health checks that fire, errors at start, writes that fail loudly, schema repair,
credit lines and time zones; through `crawler` as a user types it."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from crawler.sites.registry import profiles
from testkit.pages_site import PagesSite, article, listing, text
from tests.conftest import SITES, cli, cli_crawl, query

DAY = "2024-10-14T09:00:00+07:00"


def _site(good: int, short: int = 0, untitled: int = 0) -> PagesSite:
    pages: dict = {}
    for i in range(good):
        pages[f"/2024/10/berita-baik-{i}/"] = article(f"Berita Baik Nomor {i}", DAY, text(f"g{i}"))
    for i in range(short):
        pages[f"/2024/10/berita-pendek-{i}/"] = article(f"Berita Pendek Nomor {i}", DAY, ["Hanya satu kalimat pendek."])
    for i in range(untitled):
        pages[f"/2024/10/tanpa-judul-{i}/"] = (
            f"<html><body class='single'><div class='ray-main-single-content'>"
            f"{''.join(f'<p>{p}</p>' for p in text(f'u{i}'))}</div></body></html>"
        )
    pages["/"] = listing(["{host}" + p for p in pages])
    return PagesSite(pages)


@pytest.mark.slow
def test_a_run_that_stores_nothing_warns_and_fails_with_strict(tmp_path):
    db = tmp_path / "p.db"
    with _site(0, short=6) as site:
        plain = cli_crawl(db, {"suarakalbar": site.url})
        strict = cli_crawl(db, {"suarakalbar": site.url}, "--strict", "--refresh")
    warning = "WARNING suarakalbar: none of the 6 article pages fetched could be stored (dropped: short-body 6)"
    assert plain.returncode == 0 and warning in plain.stdout, plain.stdout
    assert strict.returncode == 1 and warning in strict.stdout, strict.stdout


def test_coverage_counts_every_article_page_fetched(tmp_path):
    db = tmp_path / "p.db"
    with _site(4, untitled=4) as site:
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
    coverage = json.loads(query(db, "select coverage from crawl_runs")[0][0])
    assert coverage["pages"] == 8 and coverage["items"] == 4 and coverage["title"] == 0.5


@pytest.mark.slow
def test_stored_share_far_below_the_usual_warns(tmp_path):
    db = tmp_path / "p.db"
    with _site(6) as site:
        for _ in range(3):
            assert cli_crawl(db, {"suarakalbar": site.url}, "--refresh").returncode == 0
    with _site(1, untitled=7) as site:
        result = cli_crawl(db, {"suarakalbar": site.url}, "--refresh", "--strict")
    assert result.returncode == 1
    assert "WARNING suarakalbar: only 12% of the article pages fetched could be stored (usually 100%)" in result.stdout


def test_every_profile_selector_compiles():
    for profile in profiles().values():
        profile.check()  # raises on an invalid selector or pattern


def test_an_invalid_profile_selector_stops_the_crawl_at_start(tmp_path):
    result = cli(
        "crawl",
        "--db",
        str(tmp_path / "p.db"),
        "--site",
        "broken",
        env={"SCRAPY_SETTINGS_MODULE": "tests.broken.settings"},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "site profile 'broken' is invalid" in result.stderr and "div[class=unclosed" in result.stderr


def test_an_unreadable_store_stops_the_crawl_at_start_instead_of_refetching_everything(tmp_path):
    db = tmp_path / "p.db"
    assert cli("db", "init", "--db", str(db)).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE articles RENAME COLUMN url_key TO identity")
    conn.commit()
    conn.close()
    result = cli("crawl", "--db", str(db), "--site", "suarakalbar")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "column(s) articles.url_key missing" in result.stderr


def _with_sql(db, *statements: str) -> None:
    assert cli("db", "init", "--db", str(db)).returncode == 0  # a current, empty database
    conn = sqlite3.connect(db)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.mark.slow
def test_one_article_the_database_refuses_loses_only_itself(tmp_path):
    db = tmp_path / "p.db"
    _with_sql(
        db,
        "CREATE TRIGGER refuse_one BEFORE INSERT ON articles WHEN new.title = 'Berita Baik Nomor 3' "
        "BEGIN SELECT RAISE(ABORT, 'refused by a local check'); END",
    )
    with _site(6) as site:
        result = cli_crawl(db, {"suarakalbar": site.url})
    assert result.returncode == 0, result.stderr[-3000:]
    assert query(db, "select count(*) from articles") == [(5,)]
    assert query(db, "select reason, detail from rejects where kind = 'article'") == [
        ("store-error", "refused by a local check")
    ]


@pytest.mark.slow
def test_writes_the_database_refuses_fail_the_site_loudly_and_the_next_run_recovers(tmp_path):
    db = tmp_path / "p.db"
    _with_sql(
        db,
        "CREATE TABLE gone (x)",
        "CREATE TRIGGER drifted AFTER INSERT ON articles BEGIN INSERT INTO gone VALUES (1); END",
        "DROP TABLE gone",
    )
    with _site(6) as site:
        failed = cli_crawl(db, {"suarakalbar": site.url})
        assert failed.returncode == 1, failed.stdout + failed.stderr[-3000:]
        assert "FAILED suarakalbar: database write failed: no such table: main.gone" in failed.stdout
        assert query(db, "select status, error from crawl_runs") == [
            ("failed", "database write failed: no such table: main.gone")
        ]
        assert query(db, "pragma integrity_check") == [("ok",)] and query(db, "select count(*) from articles") == [(0,)]
        conn = sqlite3.connect(db)
        conn.execute("DROP TRIGGER drifted")
        conn.commit()
        conn.close()
        again = cli_crawl(db, {"suarakalbar": site.url})
    assert again.returncode == 0 and query(db, "select count(*) from articles") == [(6,)]


@pytest.mark.slow
def test_missing_schema_objects_are_repaired_and_lost_tables_reported(tmp_path):
    from crawler.cli.localserver import LocalSite

    db = tmp_path / "p.db"
    with LocalSite(SITES / "suarakalbar") as site:
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
    _drop = [
        "DROP TABLE articles_fts",
        "DROP INDEX idx_articles_story_id",
        "DROP VIEW topic_matches",
        "DROP TRIGGER articles_ad",
    ]
    conn = sqlite3.connect(db)
    for sql in _drop:
        conn.execute(sql)
    conn.commit()
    conn.close()
    repaired = cli("db", "repair", "--db", str(db))
    assert repaired.returncode == 0, repaired.stderr
    assert "recreated the full-text index articles_fts and re-indexed every article" in repaired.stdout
    assert (
        "recreated index idx_articles_story_id" in repaired.stdout and "recreated view topic_matches" in repaired.stdout
    )
    found = cli("search", "netralitas", "--db", str(db), "--format", "json")
    assert found.returncode == 0 and len(json.loads(found.stdout)) >= 1
    assert "nothing to repair" in cli("db", "repair", "--db", str(db)).stdout
    conn = sqlite3.connect(db)
    conn.execute("DROP INDEX idx_articles_content_hash")
    conn.commit()
    conn.close()
    with LocalSite(SITES / "suarakalbar") as site:  # the crawl repairs what it safely can by itself
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
    assert query(db, "select count(*) from sqlite_master where name = 'idx_articles_content_hash'") == [(1,)]
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE article_versions")
    conn.commit()
    conn.close()
    lost = cli("crawl", "--db", str(db))
    assert lost.returncode == 2 and lost.stderr.count("\n") == 1
    assert "table(s) article_versions missing" in lost.stderr


def _extract(tmp_path, html: str, url: str) -> dict:
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    result = cli("extract", str(page), "--url", url)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_credit_lines_give_authors_and_editor_on_a_full_page(tmp_path):
    paragraphs = text("kredit", 6) + ["Penulis: Ani Susanti", "Editor: Budi Santoso"]
    html = (
        f"<html><head><title>Pemkab Berau Gelar Apel ASN</title></head><body class='single'>"
        f"<h1 class='post-title entry-title'>Pemkab Berau Gelar Apel ASN</h1>"
        f"<div class='entry-content entry'>{''.join(f'<p>{p}</p>' for p in paragraphs)}</div></body></html>"
    )
    record = _extract(tmp_path, html, "https://editorialkaltim.com/pemkab-berau-gelar-apel-asn/")
    assert record["authors"] == ["Ani Susanti"] and record["editor"] == "Budi Santoso"
    assert record["extracted_by"]["authors"] == "credits" and "Penulis" not in record["body"]


@pytest.mark.slow
def test_offsets_written_as_gmt_plus_hours_and_words_after_a_date(tmp_path):
    cases = {
        "Senin, 14 Oktober 2024 10:00 GMT+7": "2024-10-14T10:00:00+07:00",
        "Senin, 14 Oktober 2024 10:00 UTC+8": "2024-10-14T10:00:00+08:00",
        "Senin, 14 Oktober 2024 10:00 GMT+0700": "2024-10-14T10:00:00+07:00",
        "14 Oktober 2024 10:00 Zulkifli": "2024-10-14T10:00:00+07:00",  # not "Z", not UTC
    }
    for byline, expected in cases.items():
        html = (
            f"<html><body class='single'><h1 class='ray-main-single-title'>Judul Berita Netralitas ASN</h1>"
            f"<div class='ray-main-single-metadata'>{byline}</div><div class='ray-main-single-content'>"
            f"{''.join(f'<p>{p}</p>' for p in text('z'))}</div></body></html>"
        )
        record = _extract(tmp_path, html, "https://www.suarakalbar.co.id/2024/10/judul/")
        assert record["published_at"] == expected, (byline, record["published_at"])


@pytest.mark.slow
def test_a_field_moving_to_another_extraction_layer_is_a_layout_change(tmp_path):
    from crawler.cli.localserver import LocalSite
    from tests.rethemed import rethemed_copy

    db = tmp_path / "p.db"
    with LocalSite(SITES / "suarakalbar") as site:
        for _ in range(3):
            same = cli_crawl(db, {"suarakalbar": site.url}, "--refresh", "--strict")
            assert same.returncode == 0 and "WARNING" not in same.stdout, same.stdout  # unchanged: quiet
    layers = json.loads(query(db, "select coverage from crawl_runs order by id desc limit 1")[0][0])["layers"]
    assert layers["body"] == {"profile": 1.0}
    with LocalSite(rethemed_copy(SITES / "suarakalbar", tmp_path / "rethemed")) as site:
        changed = cli_crawl(db, {"suarakalbar": site.url}, "--refresh", "--strict")
    assert changed.returncode == 1, changed.stdout + changed.stderr[-2000:]
    assert (
        "WARNING suarakalbar: the body came from the profile layer for 0% of articles (usually 100%)" in changed.stdout
    )
    stored = json.loads(query(db, "select warnings from crawl_runs order by id desc limit 1")[0][0])
    assert any("layout has probably changed" in w for w in stored)


@pytest.mark.slow
def test_runs_whose_layers_were_in_another_order_raise_no_layout_alarm(tmp_path):
    """A release that moves a layer (the shown headline before og:title) changes where fields come
    from on every site at once: the runs of the release before are not the site's usual."""
    from crawler.cli.localserver import LocalSite

    db = tmp_path / "p.db"
    # what an earlier crawl recorded: every title from the meta tags
    from_meta = """json_set(coverage, '$.layers.title', json('{"meta": 1.0}'))"""
    with LocalSite(SITES / "suarakalbar") as site:
        assert cli_crawl(db, {"suarakalbar": site.url}, "--refresh", "--strict").returncode == 0
        with sqlite3.connect(db) as conn:
            conn.execute(f"UPDATE crawl_runs SET coverage = {from_meta}")
        same_order = cli_crawl(db, {"suarakalbar": site.url}, "--refresh", "--strict")
        assert same_order.returncode == 1
        assert "the title came from the meta layer for 0% of articles (usually 100%)" in same_order.stdout
        with sqlite3.connect(db) as conn:
            conn.execute(f"UPDATE crawl_runs SET coverage = json_set({from_meta}, '$.layer_order', 'an-older-one')")
        other_order = cli_crawl(db, {"suarakalbar": site.url}, "--refresh", "--strict")
    assert other_order.returncode == 0 and "WARNING" not in other_order.stdout, other_order.stdout


def test_articles_redirecting_to_another_host_say_the_site_may_have_moved(tmp_path):
    db = tmp_path / "p.db"
    paths = [f"/kategori/nusantara/98500{i}/berita-pindah-{i}" for i in range(3)]
    site = PagesSite({"/": listing(["{host}" + p for p in paths])})
    original = site.server.RequestHandlerClass.do_GET

    def do_get(handler) -> None:  # 301 with a Location on the new host
        if handler.path in paths:
            handler.send_response(301)
            handler.send_header("Location", "https://indonesia.go.id/berita" + handler.path)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None
        return original(handler)

    site.server.RequestHandlerClass.do_GET = do_get
    with site:
        result = cli_crawl(db, {"infopublik": site.url})
    assert "WARNING infopublik: 3 article page(s) now redirect to another host, indonesia.go.id" in result.stdout, (
        result.stdout
    )
    assert "indonesia.go.id" in query(db, "select warnings from crawl_runs")[0][0]


def test_db_check_reads_every_page_and_names_the_damage(tmp_path):
    """A large archive is not checked whole at open (it would read gigabytes every time):
    ``crawler db check`` does it, for a weekly cron line, and changes nothing."""
    import hashlib

    from crawler.items import Article
    from crawler.store.storage import Database

    path = tmp_path / "p.db"
    db = Database.open(path)
    for start in range(0, 400, 100):
        db.store_articles(
            [
                Article(
                    url=f"https://www.suarakalbar.co.id/2024/11/b-{i}/",
                    site="suarakalbar",
                    url_key=f"https://www.suarakalbar.co.id/2024/11/b-{i}/",
                    title=f"Berita {i}",
                    published_date="2024-11-20",
                    body="\n\n".join(text(f"b{i}", 3)),
                    content_hash=f"hash-{i}",
                )
                for i in range(start, start + 100)
            ]
        )
    db.close()
    sound = cli("db", "check", "--db", str(path))
    assert sound.returncode == 0 and "ok, every page read" in sound.stdout, sound.stdout + sound.stderr
    assert re.search(r"reading all [1-9][\d,]* [KM]B", sound.stderr), (
        sound.stderr
    )  # said before a long read starts, never "0 MB"

    conn = sqlite3.connect(path)  # one page of an index overwritten, as a failing disk would
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'idx_articles_content_hash'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    damaged = cli("db", "check", "--db", str(path))
    assert damaged.returncode == 1, damaged.stdout + damaged.stderr
    assert f"FAILED {path}: damaged" in damaged.stdout and ".dump | sqlite3 recovered.db" in damaged.stdout
    assert "index idx_articles_content_hash of articles cannot be read" in damaged.stdout  # which part
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # left untouched

    missing = cli("db", "check", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no such database" in missing.stderr and not (tmp_path / "none.db").exists()
