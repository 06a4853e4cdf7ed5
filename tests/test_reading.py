"""Every way of reading the archive gives right answers: the sqlite-utils commands the
README shows, as typed, on a crawled file, a demo file (neither named pantau.db) and a file
upgraded from every earlier schema version."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.store.migrations import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import ROOT, cli, crawled_copy

SQLITE_UTILS = str(Path(sys.executable).parent / "sqlite-utils")


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """A crawl file and a demo file, under names that are not pantau.db."""
    root = tmp_path_factory.mktemp("reading")
    crawled, demo = root / "kalbar-crawl.db", root / "contoh-demo.db"
    crawled_copy(tmp_path_factory, crawled)
    done = cli("demo", "--db", str(demo))
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    return {"crawl": crawled, "demo": demo}


def sqlite_utils(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([SQLITE_UTILS, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("kind", ["crawl", "demo"])
def test_the_readme_sqlite_utils_commands_work(archives, kind):
    db = str(archives[kind])
    found = sqlite_utils(
        "search", db, "articles", "netralitas asn", "-c", "title", "-c", "published_at", "--limit", "10"
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.count('"title"') >= 1 and "etral" in found.stdout  # rows, each with its title
    runs = sqlite_utils("rows", db, "crawl_runs", "--limit", "5")
    assert runs.returncode == 0 and '"status": "finished"' in runs.stdout, runs.stderr
    reasons = sqlite_utils("query", db, "select reason, count(*) n from rejects group by reason")
    assert reasons.returncode == 0 and reasons.stdout.startswith("["), reasons.stderr


def _file_at_version(path: Path, version: int) -> None:
    """A database as Pantau left it at schema ``version``, with one article."""
    conn = sqlite3.connect(path)
    import sqlite_utils as su

    db = su.Database(conn)
    for migration in MIGRATIONS[:version]:
        migration(db)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO articles (id, url, url_key, site, title, body) VALUES ('a1', 'https://x/1', 'https://x/1', "
        "'suarakalbar', 'Netralitas ASN di Sambas', 'Bupati mengingatkan netralitas ASN menjelang Pilkada.')"
    )
    if not conn.execute("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'sambas'").fetchone()[0]:
        # indexed as Pantau indexed it then (by its triggers at first; since, with each article)
        conn.execute("INSERT INTO articles_fts (rowid, title, body) SELECT rowid, title, body FROM articles")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
@pytest.mark.slow
def test_sqlite_utils_search_works_on_a_file_upgraded_from_every_version(tmp_path, version):
    db = tmp_path / f"v{version}.db"
    _file_at_version(db, version)
    upgraded = cli("db", "repair", "--db", str(db))
    assert upgraded.returncode == 0, upgraded.stderr
    found = sqlite_utils("search", str(db), "articles", "netralitas asn", "-c", "title")
    assert found.returncode == 0, found.stderr
    assert "Netralitas ASN di Sambas" in found.stdout


def test_a_copy_keeps_its_search(archives, tmp_path):
    copy = tmp_path / "salinan.db"
    shutil.copy(archives["crawl"], copy)
    assert "etral" in sqlite_utils("search", str(copy), "articles", "netralitas").stdout


# ----------------------------------------------------------------------------- Datasette, any file name


def datasette_get(path: Path, *urls: str) -> list:
    """Responses of the real Datasette (its own test client), with the plugins it finds installed."""
    import asyncio

    from datasette.app import Datasette

    async def fetch() -> list:
        ds = Datasette([str(path)])
        await ds.invoke_startup()
        return [await ds.client.get(url) for url in urls]

    return asyncio.run(fetch())


@pytest.mark.parametrize("kind", ["crawl", "demo"])
def test_datasette_serves_any_pantau_file_with_its_search_and_stored_queries(archives, kind):
    path = archives[kind]
    name = path.stem  # the database's name in Datasette is the file's
    (index, table, facets, fts_hit, fts_miss, queries, latest, search, stories, changes, region) = datasette_get(
        path,
        f"/{name}.json",
        f"/{name}/articles.json?_shape=objects",
        f"/{name}/articles.json?_facet=site",
        f"/{name}/articles.json?_search=netralitas&_shape=objects",
        f"/{name}/articles.json?_search=zzzqqq&_shape=objects",
        f"/{name}.json?_shape=objects",
        f"/{name}/latest_matches.json?topic=netralitas-asn&_shape=objects",
        f"/{name}/search.json?q=netralitas+ASN&_shape=objects",
        f"/{name}/multi_site_stories.json?_shape=objects",
        f"/{name}/changes.json?_shape=objects",
        f"/{name}/articles_per_region_week.json?_shape=objects",
    )
    for response in (index, table, facets, fts_hit, fts_miss, latest, search, stories, changes, region):
        assert response.status_code == 200, (response.url, response.text[:300])
    total = len(table.json()["rows"])
    assert total > 0
    hits = fts_hit.json()["rows"]
    assert 0 < len(hits) < total + 1 and all("etral" in (r["title"] + (r["body"] or "")).lower() for r in hits)
    assert fts_miss.json()["rows"] == []  # _search filters: a word in no article gives no rows
    site_facet = facets.json()["facet_results"]
    site_facet = site_facet.get("site") or site_facet["results"]["site"]
    assert sum(f["count"] for f in site_facet["results"]) == facets.json()["filtered_table_rows_count"]
    assert latest.json()["rows"] and all(r["topic"] == "netralitas-asn" for r in latest.json()["rows"])
    assert search.json()["rows"] and all("[" in r["snippet"] for r in search.json()["rows"])
    if kind == "demo":  # the three sites share a story
        assert stories.json()["rows"]
    description = datasette_get(path, f"/{name}/articles")[0].text
    assert "One row per article" in description  # the table's description, from Pantau's plugin


def test_datasette_leaves_other_databases_alone(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table articles (id integer primary key, title text)").connection.commit()
    index, queries = datasette_get(other, "/other.json", "/other/latest_matches.json")
    assert index.status_code == 200 and queries.status_code == 404


def test_the_demo_summary_reports_no_failure_on_the_bundled_copies(archives):
    """The profile's sitemaps are alternatives (a plugin's index, WordPress core's): the one a copy
    does not have is absent, not a failed entry point."""
    runs = sqlite3.connect(archives["demo"]).execute("SELECT site, entry_failures FROM crawl_runs").fetchall()
    assert len(runs) == 3 and all(failures in (None, "{}", "null") for _, failures in runs), runs


@pytest.mark.parametrize(
    "command",
    [
        ["runs"],
        ["runs", "--format", "json"],
        ["report", "--since", "3650d"],
        ["export"],
        ["feed", "--topic", "netralitas-asn"],
        ["search", "netralitas"],
    ],
    ids=lambda c: " ".join(c),
)
def test_every_reader_shows_rows_another_tool_wrote_badly(archives, tmp_path, command):
    """A title of invalid UTF-8, a run row without a site, text where its counts belong and counts
    that are not JSON: each reader shows them as they are, says so once, and exits 0."""
    db = tmp_path / "edited.db"
    shutil.copy(archives["crawl"], db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "UPDATE articles SET title = CAST(X'4e6574726174c3a97320ff80205065676177616920' AS TEXT) WHERE id = "
            "(SELECT article_id FROM article_topics WHERE topic = 'netralitas-asn' LIMIT 1)"
        )
        conn.execute(
            "INSERT INTO crawl_runs (site, started_at, status, requests, dropped_reasons, coverage) "
            "VALUES (NULL, '2024-01-01T00:00:00+00:00', 'finished', 'many', '{not json', 'nope')"
        )
    conn.close()
    done = cli(*command, "--db", str(db))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    if command[0] in ("export", "feed"):  # (search shows what matches: the edited row may not)
        assert "\ufffd" in done.stdout or "&#65533;" in done.stdout, done.stdout[:2000]
        assert done.stderr.count("not valid UTF-8") == 1, done.stderr
    if command == ["runs"]:
        assert "{not json" in done.stdout and "1 run row(s) hold values not written by Pantau" in done.stdout
