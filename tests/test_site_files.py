"""Issue 16.6: a site without Python: a TOML file in sites/ on the generic WordPress profile,
seen by `scrapy list`, crawled by `crawler crawl` like the spider modules."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, cli, query
from tests.pages_site import PagesSite, article, text, urlset

PATHS = [f"/2024/11/berita-daerah-nomor-{i}/" for i in range(6)]


def wordpress_site(body_class: str = "entry-content") -> PagesSite:
    pages: dict = {"/robots.txt": (200, "text/plain", b"User-agent: *\n")}
    for i, path in enumerate(PATHS):
        page = article(f"Berita Daerah Nomor {i} dari Kabupaten", "2024-11-20T09:00:00+08:00", text(path, 6))
        pages[path] = page.replace("entry-content entry detail-content ray-main-single-content", body_class)
    site = PagesSite(pages)
    site.pages["/sitemap_index.xml"] = urlset([(site.url + p, None) for p in PATHS])
    return site


def crawl_with_sites(db, folder, site, name: str = "contohpost"):
    env = {"PANTAU_SITES": str(folder)}
    sites = ["--site", name, "--base-url", f"{name}={site.url}"]
    return cli("crawl", "--db", str(db), *sites, "--log-level", "WARNING", "-s", "DOWNLOAD_DELAY=0", "-s",
               "AUTOTHROTTLE_ENABLED=0", "-s", "RETRY_TIMES=0", env=env)  # fmt: skip


def test_a_site_file_is_a_site_like_the_others(tmp_path):
    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / "contohpost.toml").write_text(
        'label = "Contoh Post"\ndomains = ["contohpost.example"]\nhome = "https://contohpost.example/"\n'
        'timezone = "WITA"\n', encoding="utf-8")  # fmt: skip
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True,
                            env={**__import__("os").environ, "PANTAU_SITES": str(folder)})  # fmt: skip
    assert listed.stdout.split() == ["contohpost", "editorialkaltim", "infopublik", "suarakalbar"]
    db = tmp_path / "p.db"
    with wordpress_site() as site:
        done = crawl_with_sites(db, folder, site)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    rows = query(db, "SELECT url, published_at, json_extract(extracted_by, '$.body') FROM articles ORDER BY url")
    assert [r[0] for r in rows] == sorted(f"https://contohpost.example{p}" for p in PATHS)
    assert {r[1] for r in rows} == {"2024-11-20T09:00:00+08:00"} and {r[2] for r in rows} == {"profile"}


def test_selectors_in_a_site_file_override_the_generic_profile(tmp_path):
    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / "contohpost.toml").write_text(
        'domains = ["contohpost.example"]\nhome = "https://contohpost.example/"\n'
        '[selectors]\nbody = ["div.isi-berita"]\n', encoding="utf-8")  # fmt: skip
    db = tmp_path / "p.db"
    with wordpress_site("isi-berita") as site:
        done = crawl_with_sites(db, folder, site)
    assert done.returncode == 0, done.stderr[-2000:]
    bodies = query(db, "SELECT DISTINCT json_extract(extracted_by, '$.body') FROM articles")
    assert bodies == [("profile",)] and query(db, "SELECT COUNT(*) FROM articles") == [(len(PATHS),)]


@pytest.mark.parametrize(("name", "body", "message"), [
    ("contohpost", 'domains = ["a.example"]\n', "home is required"),
    ("contohpost", 'domains = ["a.example"]\nhome = "https://a.example/"\ncolour = "red"\n', "unknown key(s) colour"),
    ("contohpost", 'domains = ["a.example"]\nhome = "https://a.example/"\ntimezone = "Mars"\n', "timezone must be"),
    ("contohpost", 'domains = ["a.example"]\nhome = "https://a.example/"\n[selectors]\nbody = ["div[["]\n',
     "body selector 'div[['"),
    ("suarakalbar", 'domains = ["a.example"]\nhome = "https://a.example/"\n', "already exists"),
    ("Bad Name", 'domains = ["a.example"]\nhome = "https://a.example/"\n', "a site name"),
])  # fmt: skip
def test_a_bad_site_file_stops_the_crawl_with_its_name_and_key(tmp_path, name, body, message):
    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / f"{name}.toml").write_text(body, encoding="utf-8")
    done = cli("crawl", "--db", str(tmp_path / "p.db"), env={"PANTAU_SITES": str(folder)})
    assert done.returncode == 2 and message in done.stderr and f"{name}.toml" in done.stderr, done.stderr
