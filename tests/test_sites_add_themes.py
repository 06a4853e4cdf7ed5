"""`crawler sites add` on served copies of portals in themes the bundled sites do not use
(testkit/theme_copies.py: Wpberita, JNews, Newspaper, a portal on its own CMS in WITA): with no
site file, the command learns one in under a minute, `crawler check` passes it, and a crawl
through it stores every article with its title, its day and time in the site's zone, and its
body, the body through the learnt selectors."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest

from crawler.cli.localserver import LocalSite
from crawler.extraction.metrics import page_f1
from crawler.sites.files import profile_from_file
from testkit.theme_copies import THEMES, build
from tests.conftest import cli, cli_crawl, query


@pytest.mark.slow
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_a_portal_in_a_theme_we_never_saw_is_added_and_crawled_through_its_learnt_file(theme, tmp_path):
    stories = {s.url: s for s in build(theme, tmp_path / "copy")}
    sites, env = tmp_path / "sites", {"PANTAU_SITES": str(tmp_path / "sites")}
    sites.mkdir()
    with LocalSite(tmp_path / "copy") as site:
        started = time.monotonic()
        added = cli(
            "sites",
            "add",
            THEMES[theme].home,
            "--name",
            theme,
            "--base-url",
            site.url,
            "--sites-dir",
            str(sites),
            "-s",
            "DOWNLOAD_DELAY=0",
            timeout=120,
        )
        assert added.returncode == 0, added.stderr
        assert time.monotonic() - started < 60
        profile = profile_from_file(sites / f"{theme}.toml")
        section, (action, field) = THEMES[theme].section, THEMES[theme].search
        assert profile.listings == ("/", section)  # the section's next page noted
        assert f"listings with a next page (followed back in time): {section}" in (sites / f"{theme}.toml").read_text()
        assert profile.searches == (f"{action}?{field}={{query}}",)
        checked = cli("check", theme, "--base-url", site.url, "-s", "DOWNLOAD_DELAY=0", env=env, timeout=120)
        assert checked.returncode == 0, checked.stdout + checked.stderr[-2000:]
        db = tmp_path / "copy.db"
        crawled = cli_crawl(db, {theme: site.url}, env=env)
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    rows = query(db, "SELECT url, title, published_at, published_date, authors, body, extracted_by FROM articles")
    stored = {
        url: (title, at, day, json.loads(who), body, json.loads(by)) for url, title, at, day, who, body, by in rows
    }
    assert set(stored) == set(stories)
    for url, (title, at, day, authors, body, by) in stored.items():
        want = stories[url]
        assert (title, day, authors) == (want.title, want.published_date, want.authors), url
        if at is not None:  # where the page gives a time: the same instant, in the site's zone
            assert datetime.fromisoformat(at) == datetime.fromisoformat(want.published_at), (url, at)
        assert page_f1(want.body, body) >= 0.95, url
        # the learnt selectors give title, date and body, also where the page declares title and
        # date in JSON-LD or meta tags (Wpberita, Newspaper): there they gave the declared value on
        # every sampled page, and the file puts them first
        assert (by["title"], by["published"], by["body"]) == ("profile", "profile", "profile"), url
