"""Spider callbacks on fixtures, pipelines into a temporary SQLite file, and the database's guards."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from datetime import date

import pytest
from scrapy.exceptions import DropItem

from crawler.items import Article, Reject, Seen
from crawler.store.migrations import SCHEMA_VERSION
from crawler.store.pipelines import Dropped, StorePipeline, ValidatePipeline
from crawler.store.storage import Database, StorageError
from spiders.editorialkaltim import EditorialkaltimSpider
from spiders.infopublik import InfopublikSpider
from spiders.suarakalbar import SuarakalbarSpider
from tests.conftest import FIXTURES, article_callback, article_fixtures, load_expected

SPIDERS = {"suarakalbar": SuarakalbarSpider, "infopublik": InfopublikSpider, "editorialkaltim": EditorialkaltimSpider}


def parsed_items(expected_path, db_path=None):
    expected = load_expected(expected_path)
    body = expected_path.with_suffix(".html").read_bytes()
    settings = {"DB_PATH": str(db_path)} if db_path else {}
    return article_callback(SPIDERS[expected["site"]], expected["url"], body, **settings)


@pytest.mark.parametrize("expected_path", article_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_spider_article_callback(expected_path):
    expected = load_expected(expected_path)
    _, items = parsed_items(expected_path)
    assert len(items) == 1 and isinstance(items[0], Article)
    for field in ("title", "published_at", "published_date", "authors", "body", "url"):
        assert getattr(items[0], field) == expected[field]


def test_pipelines_store_rows_once(tmp_path):
    db_path = tmp_path / "p.db"
    crawler, items = parsed_items(FIXTURES / "infopublik" / "article-002.json", db_path)
    validate, store = ValidatePipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    store.open_spider()
    for _ in range(2):  # the same article twice
        asyncio.run(store.process_item(validate.process_item(items[0])))
    with pytest.raises(DropItem, match="bookkeeping"):  # recorded, and kept out of feed exports
        asyncio.run(
            store.process_item(Reject("https://infopublik.id/kategori/x/1/y", "infopublik", "http-404", "HTTP 404"))
        )
    crawler.spider.since = date(2030, 1, 1)  # an article published before the crawl's --since
    with pytest.raises(Dropped) as dropped:
        validate.process_item(items[0])
    assert (dropped.value.reason, dropped.value.detail) == ("before-since", "published 2024-10-14")
    crawler.spider.since = None
    store.close_spider()
    store.spider_closed(crawler.spider, "finished")
    conn = sqlite3.connect(db_path)
    rows = conn.execute("select url, url_key, title, authors, editor, published_at, views from articles").fetchall()
    assert rows == [
        (
            items[0].url,
            "infopublik:861347",
            items[0].title,
            json.dumps(["MC KOTA PONTIANAK"]),
            "Untung S",
            "2024-10-14T17:55:00+07:00",
            171,
        )
    ]
    run = conn.execute("select site, status, new, unchanged, dropped from crawl_runs").fetchone()
    assert run == ("infopublik", "failed", 1, 1, 1)  # no HTTP response in this unit test: "failed"
    assert conn.execute("select reason from rejects where kind = 'article'").fetchall() == [("http-404",)]
    hits = conn.execute("select rowid from articles_fts where articles_fts match 'netralitas'").fetchall()
    assert len(hits) == 1


def test_batches_are_committed_by_the_writer_before_their_items_complete(tmp_path):
    db_path = tmp_path / "w.db"
    crawler, items = parsed_items(FIXTURES / "suarakalbar" / "article-000.json", db_path)
    crawler.settings.frozen = False
    crawler.settings.set("STORE_BATCH_SIZE", 3)
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    copies = [
        replace(
            items[0],
            url=f"{items[0].url}?v={i}",
            url_key=f"k{i}",
            body=f"{items[0].body} Versi {i}.",
            content_hash=f"h{i}",
            simhash=None,
            sketch=None,
        )
        for i in range(7)
    ]

    def stored() -> int:
        with sqlite3.connect(db_path) as conn:
            return conn.execute("select count(*) from articles").fetchone()[0]

    async def crawl() -> list[int]:
        seen = []
        for batch in (copies[:3], copies[3:6]):
            await asyncio.gather(*(store.process_item(a) for a in batch))
            seen.append(stored())  # another connection sees the whole batch once its items are done
        await store.process_item(copies[6])
        seen.append(stored())
        return seen

    assert asyncio.run(crawl()) == [3, 6, 6]  # the last article waits in the buffer
    store.close_spider()
    store.spider_closed(crawler.spider, "finished")
    assert stored() == 7 and store.tally.outcomes["new"] == 7
    assert crawler.stats.get_value("pantau/new") == 7


def test_changed_article_keeps_previous_version(tmp_path):
    db = Database.open(tmp_path / "v.db")
    _, items = parsed_items(FIXTURES / "suarakalbar" / "article-000.json")
    first = items[0]
    assert db.store_articles([first]) == ["new"]
    edited = replace(first, title=first.title + " (Diperbarui)", body=first.body + "\n\nTambahan paragraf.")
    assert db.store_articles([edited]) == ["updated"]
    assert db.store_articles([edited]) == ["unchanged"]
    versions = db.conn.execute("select title from article_versions").fetchall()
    assert versions == [(first.title,)]
    assert db.conn.execute("select count(*), title from articles").fetchone() == (1, edited.title)
    db.close()


def fts_index(db):
    return db.conn.execute("SELECT count(*), sum(length(block)) FROM articles_fts_data").fetchone()


def test_search_index_follows_content_changes_only(tmp_path):
    db = Database.open(tmp_path / "f.db")
    _, items = parsed_items(FIXTURES / "suarakalbar" / "article-000.json")
    first = items[0]
    db.store_articles([first])
    before = fts_index(db)
    db.mark_seen([Seen(first.url_key, first.site, "2099-01-01")])  # every re-crawl does this
    assert db.store_articles([first]) == ["unchanged"]
    assert fts_index(db) == before  # last_seen_at and lastmod moved, the index did not
    edited = replace(first, body=first.body + "\n\nParagraf tambahan tentang xylofonika.")
    assert db.store_articles([edited]) == ["updated"]
    match = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"
    assert db.conn.execute(match, ("xylofonika",)).fetchone()[0] == 1
    assert db.conn.execute(match, (first.title.split()[0],)).fetchone()[0] == 1  # old words not doubled
    db.close()


def test_database_guards(tmp_path):
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    before = corrupt.read_bytes()
    with pytest.raises(StorageError, match="not a usable SQLite database"):
        Database.open(corrupt)
    assert corrupt.read_bytes() == before

    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StorageError, match="newer than this Pantau"):
        Database.open(newer)

    readonly = tmp_path / "ro.db"
    Database.open(readonly).close()
    readonly.chmod(0o444)
    import os

    if os.geteuid() != 0:  # root can write anyway; the check is about permissions
        with pytest.raises(StorageError, match="read-only"):
            Database.open(readonly)

    db = Database.open(tmp_path / "ok.db")
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_cookie_middleware_uses_bundled_suffix_list():
    from scrapy.downloadermiddlewares import cookies

    from crawler.fetch.middlewares import OfflineCookiesMiddleware

    OfflineCookiesMiddleware()
    # the autouse no_network fixture fails this test if tldextract tries to download the list
    assert cookies._is_public_domain("co.id")
    assert not cookies._is_public_domain("suarakalbar.co.id")


def test_a_database_opened_in_a_with_block_is_closed_at_its_end_even_on_an_error(tmp_path):
    with pytest.raises(RuntimeError), Database.open(tmp_path / "c.db") as db:
        assert db.conn.execute("SELECT COUNT(*) FROM articles").fetchone() == (0,)
        raise RuntimeError("a command fails midway")
    with pytest.raises(sqlite3.ProgrammingError):  # closed: no handle left open on the file
        db.conn.execute("SELECT 1")
