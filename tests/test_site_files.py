"""A site without Python: a TOML file in sites/ on the generic WordPress profile,
seen by `scrapy list`, crawled by `crawler crawl` like the spider modules."""

from __future__ import annotations

import subprocess
import sys

import pytest

from testkit.pages_site import PagesSite, article, text, urlset
from tests.conftest import ROOT, cli, query

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
    return cli(
        "crawl",
        "--db",
        str(db),
        *sites,
        "--log-level",
        "WARNING",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "RETRY_TIMES=0",
        env=env,
    )


def test_a_site_file_is_a_site_like_the_others(tmp_path):
    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / "contohpost.toml").write_text(
        'label = "Contoh Post"\ndomains = ["contohpost.example"]\nhome = "https://contohpost.example/"\n'
        'timezone = "WITA"\n',
        encoding="utf-8",
    )
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PANTAU_SITES": str(folder)},
    )
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
        '[selectors]\nbody = ["div.isi-berita"]\n',
        encoding="utf-8",
    )
    db = tmp_path / "p.db"
    with wordpress_site("isi-berita") as site:
        done = crawl_with_sites(db, folder, site)
    assert done.returncode == 0, done.stderr[-2000:]
    bodies = query(db, "SELECT DISTINCT json_extract(extracted_by, '$.body') FROM articles")
    assert bodies == [("profile",)] and query(db, "SELECT COUNT(*) FROM articles") == [(len(PATHS),)]


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("contohpost", 'domains = ["a.example"]\n', "home is required"),
        (
            "contohpost",
            'domains = ["a.example"]\nhome = "https://a.example/"\ncolour = "red"\n',
            "unknown key(s) colour",
        ),
        ("contohpost", 'domains = ["a.example"]\nhome = "https://a.example/"\ntimezone = "Mars"\n', "timezone must be"),
        (
            "contohpost",
            'domains = ["a.example"]\nhome = "https://a.example/"\n[selectors]\nbody = ["div[["]\n',
            "body selector 'div[['",
        ),
        ("Bad Name", 'domains = ["a.example"]\nhome = "https://a.example/"\n', "a site name"),
    ],
)
@pytest.mark.slow
def test_a_bad_site_file_stops_the_crawl_of_its_site_with_its_name_and_key(tmp_path, name, body, message):
    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / f"{name}.toml").write_text(body, encoding="utf-8")
    done = cli("crawl", "--db", str(tmp_path / "p.db"), "--site", name, env={"PANTAU_SITES": str(folder)})
    assert done.returncode == 2 and message in done.stderr and f"{name}.toml" in done.stderr, done.stderr


def test_a_site_file_named_like_a_built_in_site_is_left_out_and_the_built_in_site_crawls(tmp_path):
    from crawler.cli.localserver import LocalSite
    from tests.conftest import SITES, cli_crawl

    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / "suarakalbar.toml").write_text('domains = ["a.example"]\nhome = "https://a.example/"\n', encoding="utf-8")
    with LocalSite(SITES / "suarakalbar") as site:
        done = cli_crawl(tmp_path / "p.db", {"suarakalbar": site.url}, env={"PANTAU_SITES": str(folder)})
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "site file suarakalbar.toml left out: a built-in site is named 'suarakalbar'" in done.stderr
    assert query(tmp_path / "p.db", "SELECT COUNT(*) FROM articles WHERE site = 'suarakalbar'")[0][0] > 0


@pytest.mark.parametrize(
    "domains, says",
    [
        ("[]", "domains must name at least one"),
        ('"contohpost.example"', 'domains must be a list of non-empty strings, e.g. domains = ["contohpost.example"]'),
        ("[1, 2]", "domains must be a list of non-empty strings"),
    ],
)
@pytest.mark.slow
def test_one_bad_site_file_never_stops_the_others(tmp_path, domains, says):
    folder = tmp_path / "sites"
    folder.mkdir()
    (folder / "rusak.toml").write_text(f'domains = {domains}\nhome = "https://rusak.example/"\n', encoding="utf-8")
    env = {**__import__("os").environ, "PANTAU_SITES": str(folder)}
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True, env=env)
    assert listed.returncode == 0 and listed.stdout.split() == ["editorialkaltim", "infopublik", "suarakalbar"], (
        listed.stderr
    )
    # asked for: exit 2, one line naming the file and the key
    for asked in (
        cli("crawl", "--db", str(tmp_path / "p.db"), "--site", "rusak", env={"PANTAU_SITES": str(folder)}),
        subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "rusak"], cwd=ROOT, capture_output=True, text=True, env=env
        ),
    ):
        assert asked.returncode == 2 and asked.stderr.count("\n") == 1, asked.stderr
        assert f"{folder / 'rusak.toml'}: {says}" in asked.stderr and "Traceback" not in asked.stderr
    # other sites are crawled, with a warning that names the file
    with wordpress_site() as site:
        (folder / "contohpost.toml").write_text(
            'domains = ["contohpost.example"]\nhome = "https://contohpost.example/"\n'
        )
        done = crawl_with_sites(tmp_path / "p.db", folder, site)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "site rusak left out" in done.stderr and "rusak.toml" in done.stderr
    assert query(tmp_path / "p.db", "SELECT COUNT(*) FROM articles") == [(len(PATHS),)]


def test_scrapy_crawl_says_a_wrong_name_or_argument_in_one_line():
    for args, says in (
        (["suarakalbr"], "no spider named 'suarakalbr'; spiders: editorialkaltim, infopublik, suarakalbar"),
        (["suarakalbar", "-a", "since=7x"], "since wants YYYY-MM-DD, 7d, 24h or 2w, got '7x'"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 2 and done.stderr == f"scrapy crawl: error: {says}\n", done.stderr


def test_entry_points_are_typed_and_checked(tmp_path):
    """A site's entry points are declared by kind; a site file names the kinds it changes (the rest
    stay WordPress's), and an entry point that cannot work (no leading /, a search without
    {query}) is refused with the file named."""
    from crawler.sites.files import profile_from_file
    from crawler.sites.profile import EntryPoint, ProfileError
    from crawler.sites.registry import profiles

    assert profiles()["suarakalbar"].entry_points[:3] == (
        EntryPoint("sitemap", "/sitemap_index.xml"),
        EntryPoint("sitemap", "/wp-sitemap.xml"),
        EntryPoint("feed", "/feed/"),
    )
    good = tmp_path / "contohpost.toml"
    good.write_text('domains = ["contohpost.id"]\nhome = "https://contohpost.id/"\nfeeds = ["/rss.xml"]\n')
    profile = profile_from_file(good)
    assert profile.feeds == ("/rss.xml",)
    assert profile.sitemaps == ("/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap.xml")  # WordPress's, kept
    assert profile.searches == ("/?s={query}",)
    for key, value, says in (
        ("search", '["/?s=netralitas"]', "{query}"),
        ("listings", '["kategori/daerah"]', "starting with /"),
    ):
        bad = tmp_path / "salah.toml"
        bad.write_text(f'domains = ["contohpost.id"]\nhome = "https://contohpost.id/"\n{key} = {value}\n')
        with pytest.raises(ProfileError) as refused:
            profile_from_file(bad)
        assert "salah.toml" in str(refused.value) and says in str(refused.value)
