"""The dashboard, looked at in a real browser. ``crawler dashboard`` as typed serves a
crawl of the bundled site copies (under a name that is not pantau.db); headless Chromium (Debian's
package, driven by Playwright) loads the page and checks every chart against the SQL truth, a
filter that changes every chart, the search box, and that no request leaves 127.0.0.1.

Needs Chromium at /usr/bin/chromium: ``./run.sh test`` installs it (as root, with apt-get). Where it
is missing the test fails and says how to install it; it does not skip."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from crawler.cli.localserver import LocalSite
from crawler.web.charts import CHARTS
from tests.conftest import BUNDLED, ROOT, SITES, cli_crawl, closed_port, crawled_copy

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots of each run (ignored by git)
FILTERED_BY_SITE = [c.name for c in CHARTS if ":site" in c.sql]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        pytest.fail("the dashboard test needs Chromium: apt-get install chromium (./run.sh test does it as root)")
    db = crawled_copy(tmp_path_factory, tmp_path_factory.mktemp("dash") / "kalimantan-watch.db", BUNDLED)
    port = closed_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli.main", "dashboard", "--db", str(db), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_line = proc.stdout.readline()
    url = f"http://127.0.0.1:{port}/-/pantau?db=kalimantan-watch"
    assert url in first_line, first_line
    _wait_serving(url)
    yield db, url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def load(browser, url: str, shot: str | None = None, card: str | None = None) -> tuple[dict, list[str], list[str]]:
    """The page's chart data once every chart is drawn, its console errors, requests off 127.0.0.1;
    a screenshot ``shot`` of the whole page, or of one chart's ``card``."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None)
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    state = page.evaluate("""() => ({rows: window.pantau.rows, errors: window.pantau.errors,
        svg: Object.fromEntries([...document.querySelectorAll('.pantau-chart')].map(el => [el.dataset.query, {
            marks: el.querySelectorAll('svg g[class*="mark-"] path, svg g[class*="mark-"] line').length,
            points: [...el.querySelectorAll('svg g.mark-symbol.role-mark path')].map(p => p.getAttribute('transform')),
            labels: [...el.querySelectorAll('g.role-axis-label text')].map(t => t.querySelector('tspan')
                ? [...t.querySelectorAll('tspan')].map(x => x.textContent).join(' ') : t.textContent),
            table: el.querySelector('table') !== null, rendered: el.dataset.rendered === '1'}])),
        text: Object.fromEntries([...document.querySelectorAll('.pantau-chart')].map(el => [el.dataset.query,
            el.textContent]))})""")
    if shot:
        ARTIFACTS.mkdir(exist_ok=True)
        if card:
            page.locator(f"#card-{card}").screenshot(path=str(ARTIFACTS / shot))
        else:
            page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    page.close()
    return state, errors, outside


def truth(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_every_chart_is_drawn_offline_and_says_what_the_archive_says(served, browser):
    db, url = served
    since, until = "2023-01-01", "2025-12-31"  # the bundled copies' articles
    state, errors, outside = load(browser, f"{url}&since={since}&until={until}", shot="dashboard.png")
    assert errors == [] and state["errors"] == [], (errors, state["errors"])
    assert outside == []  # no CDN, no tiles, nothing leaves this machine
    for chart in CHARTS:
        drawn = state["svg"][chart.name]
        assert drawn["rendered"], chart.name
        if chart.spec and state["rows"][chart.name]:
            assert drawn["marks"] >= 1, f"{chart.name}: no SVG marks"
        elif not chart.spec and state["rows"][chart.name]:
            assert drawn["table"], f"{chart.name}: no table"
    rows = state["rows"]
    in_range = "published_date BETWEEN ? AND ?"
    per_site = dict(truth(db, f"SELECT site, COUNT(*) FROM articles WHERE {in_range} GROUP BY site", since, until))
    drawn = {}
    for r in rows["articles_per_day"]:
        drawn[r["site"]] = drawn.get(r["site"], 0) + r["articles"]
    assert drawn == per_site and sum(per_site.values()) > 10
    matches = truth(
        db,
        f"SELECT COUNT(*) FROM article_topics t JOIN articles a ON a.id = t.article_id WHERE {in_range}",
        since,
        until,
    )[0][0]
    assert sum(r["matches"] for r in rows["topic_matches_per_day"]) == matches > 0
    shared = truth(
        db,
        f"SELECT COUNT(*) FROM (SELECT story_id FROM articles WHERE {in_range} GROUP BY story_id "
        "HAVING COUNT(DISTINCT site) > 1)",
        since,
        until,
    )[0][0]
    assert len({r["story_id"] for r in rows["story_timeline"]}) == shared > 0
    places = truth(db, f"SELECT COUNT(*) FROM articles a, json_each(a.places) WHERE {in_range}", since, until)[0][0]
    assert sum(r["articles"] for r in rows["articles_per_place"]) == places > 0
    health = truth(db, "SELECT site, status, new FROM crawl_runs ORDER BY site")
    assert [(r["site"], r["status"], r["new"]) for r in rows["crawl_health_now"]] == health
    assert rows["officials_named"] and all(r["articles"] >= 1 for r in rows["officials_named"])
    assert drawn_whole(state) and counts_whole(state)


def drawn_whole(state: dict) -> bool:
    """No axis label cut short (Vega cuts with an ellipsis), and every official's name written out."""
    labels = [label for chart in state["svg"].values() for label in chart["labels"]]
    assert labels and not [label for label in labels if "…" in label]
    named = state["svg"]["officials_named"]["labels"]
    for row in state["rows"]["officials_named"]:
        assert row["official"] in named, (row["official"], named)
    return True


def counts_whole(state: dict) -> bool:
    """Every numeric tick of every chart is a whole number (the charts count articles)."""
    numbers = [
        label
        for chart in state["svg"].values()
        for label in chart["labels"]
        if label.replace(",", "").isdigit() or label.replace(".", "", 1).isdigit()
    ]
    assert numbers and all(label.replace(",", "").isdigit() for label in numbers), numbers
    assert all(len(c["labels"]) == len(set(c["labels"])) for c in state["svg"].values()), "a tick label repeats"
    return True


def test_the_story_timeline_shows_each_site_at_its_own_publication_time(served, browser):
    """The BKN story went from editorialkaltim (05:46 WITA) to suarakalbar (06:24 WIB) and
    infopublik (06:29 WIB): one point per site, at distinct places on a WIB axis, the gap labelled,
    the site's own zone and Pantau's first sight in the tooltip's fields."""
    db, url = served
    state, errors, _ = load(
        browser, f"{url}&since=2024-11-01&until=2024-11-30", shot="dashboard-story.png", card="story_timeline"
    )
    assert errors == [] and state["errors"] == []
    rows = state["rows"]["story_timeline"]
    copies = truth(
        db,
        "SELECT story_id, site, published_at FROM articles WHERE story_id IN (SELECT story_id FROM "
        "articles GROUP BY story_id HAVING COUNT(DISTINCT site) > 1) ORDER BY story_id, site",
    )
    assert sorted((r["story_id"], r["site"]) for r in rows) == [(s, site) for s, site, _ in copies]
    bkn = {r["site"]: r for r in rows if "BKN" in r["story"]}
    assert bkn["editorialkaltim"]["published"].endswith("05:46 WITA")
    assert bkn["suarakalbar"]["published"].endswith("06:24 WIB") and bkn["infopublik"]["published"].endswith(
        "06:29 WIB"
    )
    assert bkn["editorialkaltim"]["at"] < bkn["suarakalbar"]["at"] < bkn["infopublik"]["at"]  # 04:46 WIB first
    assert {r["gap"] for r in bkn.values()} == {"+1 h 43 min"}
    assert all(r["first_seen"] for r in rows)
    points = state["svg"]["story_timeline"]["points"]
    assert len(points) == len(rows) and len(set(points)) == len(rows)  # a point per copy, none on another
    assert "+1 h 43 min" in state["text"]["story_timeline"]


def test_every_filter_carries_to_every_panel(served, browser):
    db, url = served
    since, until = "2023-01-01", "2025-12-31"
    everything, _, _ = load(browser, f"{url}&since={since}&until={until}")
    one_site, errors, _ = load(
        browser, f"{url}&since={since}&until={until}&site=infopublik", shot="dashboard-infopublik.png"
    )
    assert errors == []
    for name in FILTERED_BY_SITE:
        before, after = everything["rows"][name], one_site["rows"][name]
        if name == "story_timeline":  # the stories the site carried, with every site that carried them
            stories = {r["story_id"] for r in after}
            assert stories and all({c["site"] for c in after if c["story_id"] == s} > {"infopublik"} for s in stories)
        elif name != "alert_deliveries":  # nothing waits to be delivered in this archive
            assert before != after, f"{name} did not change with the site filter"
    assert {r["site"] for r in one_site["rows"]["articles_per_day"]} == {"infopublik"}
    one_topic, _, _ = load(browser, f"{url}&since={since}&until={until}&topic=pilkada")
    assert {r["topic"] for r in everything["rows"]["topic_matches_per_day"]} > {"pilkada"}
    assert {r["topic"] for r in one_topic["rows"]["topic_matches_per_day"]} == {"pilkada"}
    kalbar, _, _ = load(browser, f"{url}&since={since}&until={until}&province=Kalimantan+Barat")
    assert {r["province"] for r in kalbar["rows"]["articles_per_place"]} == {"Kalimantan Barat"}
    # the date range too: a range with nothing in it empties the charts of articles
    empty, _, _ = load(browser, f"{url}&since=2001-01-01&until=2001-12-31")
    assert all(empty["rows"][c] == [] for c in ("articles_per_day", "topic_matches_per_day", "articles_per_place"))


@pytest.mark.parametrize(
    "bad, says",
    [
        (
            "site=nosuch",
            "There is no site 'nosuch' in this archive. Its sites: editorialkaltim, infopublik, suarakalbar.",
        ),
        ("topic=%3Cscript%3Ealert(1)%3C/script%3E", "There is no topic '<script>alert(1)</script>' in this archive"),
        ("province=Jawa+Barat", "Its provinces: Kalimantan Barat, Kalimantan Selatan, Kalimantan Tengah"),
    ],
)
def test_an_unknown_filter_value_is_a_visible_message_listing_the_valid_ones(served, browser, bad, says):
    _, url = served
    status, html = _get(f"{url}&{bad}")
    assert status == 400 and "<script>alert" not in html
    page = browser.new_page()
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    page.goto(f"{url}&{bad}")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    assert says in page.inner_text(".pantau-problem")
    assert page.locator(".pantau-chart").count() == 0 and alerts == []  # no empty charts pretending to be the answer
    page.close()


def test_a_search_lists_the_matching_articles_within_the_filters(served, browser):
    db, url = served
    page = browser.new_page()
    page.goto(f"{url}&since=2023-01-01&until=2025-12-31")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.select_option("select[name=site]", "infopublik")
    page.fill("#pantau-search input[name=q]", "netralitas")
    page.click("#pantau-search button")
    page.wait_for_selector("#search-results li", timeout=30_000)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    assert "/-/pantau" in page.url and "site=infopublik" in page.url and "q=netralitas" in page.url
    items = page.locator("#search-results li")
    expected = truth(
        db,
        "SELECT a.url FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
        "WHERE articles_fts MATCH 'netralitas' AND a.site = 'infopublik' "
        "AND a.published_date BETWEEN '2023-01-01' AND '2025-12-31'",
    )
    assert items.count() == len(expected) >= 2
    links = [items.nth(i).locator("a").get_attribute("href") for i in range(items.count())]
    assert sorted(links) == sorted(u for (u,) in expected)  # each title links to the article at its source
    for i in range(items.count()):
        where = items.nth(i).locator(".where").inner_text()
        assert where.startswith("infopublik · 20") and where.endswith(("WIB", "WITA", "WIT"))
        assert "[" in items.nth(i).locator(".snippet").inner_text()  # the term marked in the snippet
    query = page.locator("#card-search a.pantau-query").get_attribute("href")
    assert "/search?q=netralitas" in query and "site=infopublik" in query  # the SQL one click away
    page.close()


@pytest.mark.slow
def test_the_dashboard_reads_a_file_while_a_crawl_writes_it(tmp_path, browser):
    from testkit.generated_site import GeneratedSite

    db = tmp_path / "sedang-dirayap.db"
    with GeneratedSite(300, delay=0.1) as site:  # slow enough that the crawl is still writing
        crawl = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.cli.main",
                "crawl",
                "--db",
                str(db),
                "--site",
                "suarakalbar",
                "--base-url",
                f"suarakalbar={site.url}",
                "-s",
                "DOWNLOAD_DELAY=0",
                "-s",
                "AUTOTHROTTLE_ENABLED=0",
                "--log-level",
                "WARNING",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _stored(db):
            time.sleep(0.2)
        port = closed_port()
        dashboard = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli.main", "dashboard", "--db", str(db), "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            dashboard.stdout.readline()
            url = f"http://127.0.0.1:{port}/-/pantau?db=sedang-dirayap&since=2024-01-01&until=2024-12-31"
            _wait_serving(url)
            state, errors, _ = load(browser, url)
            assert crawl.poll() is None, "the crawl ended before the dashboard read the file: not concurrent"
            assert (
                errors == []
                and state["errors"] == []
                and sum(r["articles"] for r in state["rows"]["articles_per_day"]) > 0
            )
            out, err = crawl.communicate(timeout=180)
        finally:
            dashboard.terminate()
            dashboard.wait(timeout=10)
    assert crawl.returncode == 0, out + err[-2000:]
    assert truth(db, "SELECT COUNT(*) FROM articles") == [(300,)]


def _stored(db: Path) -> bool:
    try:
        return truth(db, "SELECT COUNT(*) FROM articles")[0][0] >= 20
    except sqlite3.Error:
        return False


def _wait_serving(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)


def _get(url: str) -> tuple[int, str]:
    import urllib.error

    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.mark.slow
def test_the_dashboard_serves_a_file_on_a_read_only_filesystem_and_refuses_bad_input_with_a_400(tmp_path):
    """A crawl's file copied onto a tmpfs then remounted read-only (as a backup disk is): the
    dashboard serves it as `crawler search` reads it. A date that cannot be one is a 400 saying
    why (never a 500), and a search of thousands of words is refused at once."""
    from urllib.parse import quote

    db = tmp_path / "crawl.db"
    with LocalSite(SITES / "suarakalbar") as site:
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0
    mount = tmp_path / "backup"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"this test needs a real read-only filesystem: mount -t tmpfs refused ({done.stderr.strip()})")
    port = closed_port()
    proc = None
    try:
        shutil.copy(db, mount / "arsip.db")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        assert (
            subprocess.run(
                [sys.executable, "-m", "crawler.cli.main", "search", "netralitas", "--db", str(mount / "arsip.db")],
                cwd=ROOT,
                capture_output=True,
            ).returncode
            == 0
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.cli.main",
                "dashboard",
                "--db",
                str(mount / "arsip.db"),
                "--port",
                str(port),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = proc.stdout.readline()
        url = f"http://127.0.0.1:{port}/-/pantau?db=arsip"
        assert url in first, first + proc.stderr.read()[-2000:] if proc.poll() is not None else first
        _wait_serving(url)
        status, page = _get(url)
        assert status == 200 and "Pantau" in page
        for bad, says in (
            ("until=0001-01-01", "until must be between 1990-01-01 and 2100-12-31"),
            ("since=2024-13-45", "since must be a date written YYYY-MM-DD"),
            ("until=%3Cscript%3E", "until must be a date"),
        ):
            status, page = _get(f"{url}&{bad}")
            assert status == 400 and says in page, (bad, status, page[:500])
            assert "'<script>'" not in page  # the bad value is escaped, not echoed as markup
        words = quote(" ".join(["netralitas"] * 4500))
        started = time.monotonic()
        status, page = _get(f"http://127.0.0.1:{port}/arsip/search.json?_shape=array&q={words}")
        assert status == 200 and "At most 64 words can be searched at once" in page, page[:500]
        assert time.monotonic() - started < 5
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize(
    "days, unit",
    [(1, "utcyearmonthdate"), (92, "utcyearmonthdate"), (93, "utcyearweek"), (400, "utcyearweek")],
)
def test_bars_are_days_over_a_short_range_and_weeks_over_a_long_one(days, unit):
    from datetime import date, timedelta

    from crawler.web.specs import TimeAxis

    since = date(2024, 1, 1)
    x = TimeAxis(since, since + timedelta(days=days - 1)).encoding("day")
    assert x["timeUnit"] == unit
    start, end = x["scale"]["domain"]
    assert end - start == days * 86_400_000  # the axis spans the chosen range, not the days that have articles
