"""A search whose words match more articles than are worth ranking is listed newest
first (constant cost as the archive grows); a narrower one is ranked by relevance."""

from __future__ import annotations

import pytest

from crawler.items import Article
from crawler.store import queries
from crawler.store.storage import Database
from testkit.pages_site import text


def _archive(tmp_path) -> Database:
    db = Database.open(tmp_path / "p.db")
    articles = []
    for i in range(8):
        body = "\n\n".join(["Laporan harian pengawas pemilu nomor " + str(i) + "."] + text(f"s{i}", 4))
        if i == 2:
            body += "\n\nBatu safir dibahas panjang: safir, safir dan safir lagi."
        if i in (2, 5):
            body += "\n\nKata langka zamrud muncul di sini."
        articles.append(
            Article(
                url=f"https://www.suarakalbar.co.id/2024/11/laporan-{i}/",
                site="suarakalbar",
                title=f"Laporan {i}",
                published_date="2024-11-20",
                body=body,
                word_count=len(body.split()),
                url_key=f"https://www.suarakalbar.co.id/2024/11/laporan-{i}/",
                content_hash=f"h{i}",
                simhash=f"{i:x}",
            )
        )
    db.store_articles(articles)
    return db


def test_broad_queries_are_newest_first_and_narrow_ones_ranked(tmp_path, monkeypatch):
    db = _archive(tmp_path)
    monkeypatch.setattr(queries, "BROAD_MATCHES", 5)
    broad = queries.search(db, "laporan")  # in all 8 articles
    assert [r["order"] for r in broad] == ["newest"] * 8
    assert [r["url"][-2] for r in broad] == list("76543210")  # the last stored first
    phrase = queries.search(db, '"pengawas pemilu"')  # its words are in all 8: newest first too
    assert phrase[0]["order"] == "newest" and len(phrase) == 8
    narrow = queries.search(db, "zamrud")  # in 2
    assert [r["order"] for r in narrow] == ["relevance", "relevance"]
    ranked = queries.search(db, "zamrud OR safir")  # 2 articles: the one saying safir 4 times first
    assert ranked[0]["url"].endswith("laporan-2/") and ranked[0]["order"] == "relevance"
    monkeypatch.setattr(queries, "BROAD_MATCHES", 10_000)
    assert queries.search(db, "laporan")[0]["order"] == "relevance"
    db.close()


def test_prefix_search_uses_a_prefix_index_after_upgrading_an_older_archive(tmp_path, caplog):
    db = _archive(tmp_path)
    # the full-text index as schema version 8 made it: no prefix index (nor the versions index)
    db.conn.executescript(
        "DROP INDEX idx_article_versions_replaced_at; DROP TABLE articles_fts; CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', "
        "tokenize='unicode61 remove_diacritics 2'); INSERT INTO articles_fts (articles_fts) VALUES ('rebuild'); "
        "PRAGMA user_version = 8;"
    )
    db.close()
    db = Database.open(tmp_path / "p.db")
    assert "upgrading" in caplog.text and "version 8" in caplog.text
    sql = db.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
    assert "prefix='3 4'" in sql
    assert db.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'idx_article_versions_replaced_at'").fetchone()
    found = queries.search(db, "zamr*")
    assert sorted(r["url"][-2] for r in found) == ["2", "5"]
    assert len(queries.search(db, "pengaw*")) == 8  # longer than the indexed prefixes: still found
    with pytest.raises(queries.QueryError, match="at least 3 letters"):
        queries.search(db, "za*")
    db.close()
