"""A wrong word gets a hint, not silence; log lines never carry whole articles."""

from __future__ import annotations

import json
import re

import pytest

from crawler.cli.localserver import LocalSite
from tests.conftest import SITES, cli, cli_crawl, crawled_copy


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return crawled_copy(tmp_path_factory, tmp_path_factory.mktemp("typos") / "arsip.db")


TYPOS = [
    (
        ["search", "netralitas", "--site", "suarakalbr"],
        "unknown site 'suarakalbr'; known: editorialkaltim, infopublik, suarakalbar",
    ),
    (["search", "netralitas", "--topic", "netralitas"], "unknown topic 'netralitas'; known: netralitas-asn, pilkada"),
    (["report", "--topic", "nosuch"], "unknown topic 'nosuch'; known: netralitas-asn, pilkada"),
    (["feed", "--topic", "nosuch"], "unknown topic 'nosuch'"),
    (["crawl", "--site", "suarakalbr"], "unknown site(s): suarakalbr; known: editorialkaltim, infopublik, suarakalbar"),
    (["crawl", "--log-level", "LOUD"], "invalid choice: 'LOUD'"),
    (["demo", "--log-level", "LOUD"], "invalid choice: 'LOUD'"),
]


@pytest.mark.parametrize(("args", "says"), TYPOS, ids=[" ".join(t[0]) for t in TYPOS])
@pytest.mark.slow
def test_a_wrong_name_is_one_line_with_the_valid_names_and_exit_2(db, args, says):
    done = cli(*args, "--db", str(db))
    assert done.returncode == 2 and says in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_command_that_reads_or_repairs_never_creates_the_file(tmp_path):
    for args in (["db", "repair"], ["search", "x"], ["report"], ["export"], ["runs"], ["dashboard"]):
        missing = tmp_path / "salah-ketik.db"
        done = cli(*args, "--db", str(missing))
        assert done.returncode == 2 and not missing.exists(), (args, done.stderr)
        assert "does not exist" in done.stderr or "no such database" in done.stderr, (args, done.stderr)
    made = cli("db", "init", "--db", str(tmp_path / "baru.db"))
    assert made.returncode == 0 and "created" in made.stdout and (tmp_path / "baru.db").exists()


def test_a_limited_search_says_how_many_there_are(db):
    done = cli("search", "pemerintah OR netralitas OR pilkada", "--db", str(db), "--limit", "2")
    assert done.returncode == 0
    shown, _, total = done.stderr.strip().partition(" of ")
    assert shown == "2" and int(total.split()[0]) > 2, done.stderr


def test_export_json_is_one_array(db, tmp_path):
    done = cli("export", "--db", str(db), "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert isinstance(rows, list) and rows and all(r["url"] for r in rows)
    lines = cli("export", "--db", str(db), "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["url"] for line in lines] == [r["url"] for r in rows]


def test_dropped_and_skipped_articles_are_one_line_each(tmp_path):
    with LocalSite(SITES / "suarakalbar") as site:
        since = cli_crawl(tmp_path / "a.db", {"suarakalbar": site.url}, "--since", "7d", "--log-level", "PROGRESS")
        short = cli_crawl(
            tmp_path / "b.db", {"suarakalbar": site.url}, "-s", "ARTICLE_MIN_WORDS=400", "--log-level", "PROGRESS"
        )
    assert since.returncode == 0 and short.returncode == 0
    assert "before-since" in since.stdout  # counted in the summary ...
    assert "Dropped" not in since.stderr  # ... not warned about one by one: the user asked for it
    assert re.search(r"short-body \d+", short.stdout), short.stdout  # refused pages: counted, by reason ...
    dropped = [line for line in short.stderr.splitlines() if "Dropped" in line]  # ... and one line each
    assert dropped and all(len(line) < 400 and "short-body" in line and "https://" in line for line in dropped)
    assert "Article(" not in short.stderr and "body=" not in short.stderr


def test_extract_says_no_article_for_what_is_not_one(tmp_path):
    import random

    cases = {
        "feed.xml": (SITES / "suarakalbar" / "feed" / "index.xml").read_bytes(),
        "sitemap.xml": (SITES / "suarakalbar" / "post-sitemap.xml").read_bytes(),
        "hello.html": b"<p>hello</p>",
        "random.bin": random.Random(7).randbytes(20_000),
        "short.html": b"<html><head><title>Judul Berita</title></head><body><h1>Judul Berita</h1><p>Dua kata.</p></body></html>",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        done = cli("extract", str(path), "--url", "https://www.suarakalbar.co.id/2024/01/judul-berita/")
        assert done.returncode == 2 and done.stderr.count("\n") == 1, (name, done.stdout[:300], done.stderr)
        assert "not-html" in done.stderr or "no article found" in done.stderr, (name, done.stderr)
