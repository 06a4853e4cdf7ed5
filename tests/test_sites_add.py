"""``crawler sites add URL``: a served copy of a portal with no site file gets one (its feeds and
sitemaps, its article URL shape, selectors learnt from a sample), and the file crawls the copy;
bad input is one line, a non-zero exit and no file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.cli.localserver import LocalSite
from crawler.sites.files import WORDPRESS, profile_from_file
from tests.conftest import FIXTURES, cli, cli_crawl, query

COPIES = {
    "infopublik": "https://infopublik.id/",
    "suarakalbar": "https://www.suarakalbar.co.id/",
    "editorialkaltim": "https://editorialkaltim.com/",
}
FAST = ("-s", "DOWNLOAD_DELAY=0")


def _add(home: str, name: str, sites: Path, *args: str) -> object:
    return cli("sites", "add", home, "--name", name, "--sites-dir", str(sites), *FAST, *args, timeout=120)


@pytest.mark.parametrize("copy", sorted(COPIES))
def test_a_served_copy_gets_a_site_file_with_its_entry_points_url_shape_and_selectors(copy, tmp_path):
    with LocalSite(FIXTURES / "sites" / copy) as site:
        done = _add(COPIES[copy], f"{copy}-copy", tmp_path, "--base-url", site.url)
    assert done.returncode == 0, done.stderr
    profile = profile_from_file(tmp_path / f"{copy}-copy.toml")
    articles = [a["url"] for a in json.loads((FIXTURES / "sites" / copy / "articles.json").read_text())]
    assert all(profile.is_article_url(u) for u in articles)
    assert not profile.is_article_url(COPIES[copy] + "category/politik/")
    assert (profile.title, profile.body) != (WORDPRESS.title, WORDPRESS.body)  # learnt, not the generic ones
    assert profile.sitemaps or profile.feeds
    assert "title" in done.stdout and "body" in done.stdout


def test_the_written_file_crawls_the_copy_through_its_learnt_selectors(tmp_path):
    with LocalSite(FIXTURES / "sites" / "editorialkaltim") as site:
        assert _add(COPIES["editorialkaltim"], "kaltimcopy", tmp_path, "--base-url", site.url).returncode == 0
        db = tmp_path / "copy.db"
        done = cli_crawl(db, {"kaltimcopy": site.url}, env={"PANTAU_SITES": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    expected = {a["url"]: a for a in json.loads((FIXTURES / "sites" / "editorialkaltim" / "articles.json").read_text())}
    stored = {
        url: (title, day, by)
        for url, title, day, by in query(db, "SELECT url, title, published_date, extracted_by FROM articles")
    }
    assert set(expected) <= set(stored)
    for url, want in expected.items():
        title, day, by = stored[url]
        assert (title, day) == (want["title"], want["published_date"])
        assert json.loads(by)["body"] == "profile"


@pytest.mark.slow
def test_a_learnt_site_whose_theme_changes_raises_the_layout_alarm(tmp_path):
    """The learnt selectors are the site's own: once its markup changes, the body no longer comes
    from them and the next crawl says the layout has changed, as for a hand-written profile."""
    from tests.rethemed import rethemed_copy

    db, env = tmp_path / "copy.db", {"PANTAU_SITES": str(tmp_path)}
    with LocalSite(FIXTURES / "sites" / "editorialkaltim") as site:
        assert _add(COPIES["editorialkaltim"], "kaltimcopy", tmp_path, "--base-url", site.url).returncode == 0
        for _ in range(3):
            same = cli_crawl(db, {"kaltimcopy": site.url}, "--refresh", "--strict", env=env)
            assert same.returncode == 0 and "WARNING" not in same.stdout, same.stdout + same.stderr[-2000:]
    with LocalSite(rethemed_copy(FIXTURES / "sites" / "editorialkaltim", tmp_path / "rethemed")) as site:
        changed = cli_crawl(db, {"kaltimcopy": site.url}, "--refresh", "--strict", env=env)
    assert changed.returncode == 1, changed.stdout + changed.stderr[-2000:]
    assert "kaltimcopy: the body came from the profile layer for 0% of articles (usually 100%)" in changed.stdout
    stored = json.loads(query(db, "SELECT warnings FROM crawl_runs ORDER BY id DESC LIMIT 1")[0][0])
    assert any("layout has probably changed" in w for w in stored)


def test_an_existing_file_is_kept_unless_replace_is_asked(tmp_path):
    (tmp_path / "taken.toml").write_text("# mine\n")
    done = _add("https://taken.example/", "taken", tmp_path)
    assert done.returncode == 2 and "--replace" in done.stderr
    assert (tmp_path / "taken.toml").read_text() == "# mine\n"


def _refused(home: str, tmp_path: Path, *args: str) -> str:
    done = _add(home, "refused", tmp_path, *args)
    assert done.returncode == 2, done.stdout
    assert not list(tmp_path.glob("*.toml*")) and not list(tmp_path.glob(".refused*"))
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr


def test_an_unreachable_host_is_one_line_and_no_file(tmp_path):
    assert "cannot be fetched" in _refused("http://127.0.0.1:9/", tmp_path, "--timeout", "5")


def test_a_site_that_is_not_a_news_site_is_one_line_and_no_file(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    (root / "index.html").write_text("<html><body><h1>Toko Sepatu</h1><a href='/produk/1'>Sepatu</a></body></html>")
    files = tmp_path / "files"
    with LocalSite(root) as site:
        assert "not a news site" in _refused("https://toko.example/", files, "--base-url", site.url)


def test_a_site_whose_robots_txt_forbids_crawling_is_one_line_and_no_file(tmp_path):
    root = tmp_path / "closed"
    root.mkdir()
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (root / "index.html").write_text("<html><body>closed</body></html>")
    files = tmp_path / "files"
    with LocalSite(root) as site:
        assert "robots.txt" in _refused("https://closed.example/", files, "--base-url", site.url)
