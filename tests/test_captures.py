"""Real pages as tests. Every reviewed capture under fixtures/<site>/captured/ is re-extracted on
every run of the suite; a draft is for its reviewer (``crawler capture --refresh``) and never fails
the suite. `crawler capture` is tested against a locally served site copy (allowed as a copy)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from crawler.cli.capture import all_captures, problems, recheck
from crawler.cli.localserver import LocalSite
from crawler.sites.registry import profiles
from tests.conftest import FIXTURES, ROOT, SITES, cli, cli_crawl

PAGE = "/2023/12/pj-wali-kota-singkawang-tegaskan-pns-harus-netral/"
PUBLIC = "https://www.suarakalbar.co.id" + PAGE


def malformed(root: Path) -> list[str]:
    """What under ``root``'s captures folders is not a capture: a record without its page, a page
    without its record, a record missing its keys."""
    captured = sorted(p for p in root.glob("*/captured/*") if not p.name.endswith(".previous"))
    records = [p for p in captured if p.suffix == ".json"]
    wrong = [str(p) for p in captured if p.suffix != ".json" and not p.name.endswith(".html.gz")]
    for record_path in records:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if not {"url", "fetched_at", "headers", "reviewed", "expected"} <= set(record):
            wrong.append(f"{record_path}: keys {sorted(record)}")
        if not record_path.with_name(record_path.name.removesuffix(".json") + ".html.gz").is_file():
            wrong.append(f"{record_path}: no page")
    for page in (p for p in captured if p.name.endswith(".html.gz")):
        if not page.with_name(page.name.removesuffix(".html.gz") + ".json").is_file():
            wrong.append(f"{page}: no record")
    return wrong


def failing_reviewed(root: Path) -> dict[str, list[str]]:
    """Each reviewed capture under ``root`` whose record today's code no longer extracts."""
    failures = {}
    for path in all_captures(root):
        record, now = recheck(path, profiles().get(path.parent.parent.name))
        if record.get("reviewed") and (found := problems(record, now)):
            failures[str(path.relative_to(root))] = found
    return failures


def test_the_bundled_captures_are_well_formed_and_every_reviewed_one_still_extracts():
    assert malformed(FIXTURES) == []
    assert failing_reviewed(FIXTURES) == {}
    reviewed = [p for p in all_captures(FIXTURES) if json.loads(p.read_text(encoding="utf-8"))["reviewed"]]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert bool(reviewed) != ("live page has been captured yet" in readme)  # the README's limit says what is true


def test_a_draft_capture_never_fails_the_suite_and_a_broken_reviewed_one_does(tmp_path):
    """The suite's own checks, on a folder where `crawler capture` has just written a draft (of a
    page that extracts badly: a draft is the reviewer's to correct) and a reviewed capture."""
    with LocalSite(SITES / "suarakalbar") as site:
        for path in (PAGE, "/"):  # an article, and the front page (not one: its draft says so)
            public = PUBLIC.replace(PAGE, path)
            done = cli("capture", site.url + path, "--url", public, "--dir", str(tmp_path), "--allow-copy")
            assert done.returncode == 0, done.stderr
    assert malformed(tmp_path) == [] and len(all_captures(tmp_path)) == 2
    front = next(p for p in all_captures(tmp_path) if p.name.startswith("home-"))
    assert problems(*recheck(front, profiles()["suarakalbar"]))  # a draft --refresh would flag...
    assert failing_reviewed(tmp_path) == {}  # ...and the suite does not fail on
    article = next(p for p in all_captures(tmp_path) if "netral" in p.name)
    record = json.loads(article.read_text())
    record["reviewed"] = True
    record["expected"]["title"] = "Judul Yang Ditinjau Berbeda"
    article.write_text(json.dumps(record))
    extracted_title = recheck(article, profiles()["suarakalbar"])[1]["title"]
    assert list(failing_reviewed(tmp_path).values()) == [
        [f"title: expected 'Judul Yang Ditinjau Berbeda', got {extracted_title!r}"]
    ]


def test_a_page_of_a_served_copy_or_the_demo_is_refused_unless_allowed_and_then_marked(tmp_path):
    with LocalSite(SITES / "suarakalbar") as site:
        served = cli("capture", site.url + PAGE, "--site", "suarakalbar", "--url", PUBLIC, "--dir", str(tmp_path))
        db = tmp_path / "demo.db"
        assert cli_crawl(db, {"suarakalbar": site.url}).returncode == 0  # keeps the pages it fetched from the copy
    assert served.returncode == 2 and served.stderr.count("\n") == 1, served.stderr
    assert "a copy served on this machine" in served.stderr and "--allow-copy" in served.stderr
    kept = cli("capture", PUBLIC, "--db", str(db), "--dir", str(tmp_path))  # the live URL, kept by the demo's crawl
    assert kept.returncode == 2 and "fetched from http://127.0.0.1:" in kept.stderr, kept.stderr
    bundled = SITES / "suarakalbar" / PAGE.strip("/") / "index.html"
    from_file = cli("capture", str(bundled), "--url", PUBLIC, "--dir", str(tmp_path))
    assert from_file.returncode == 2 and "a file of the bundled site copies" in from_file.stderr
    assert list(tmp_path.glob("*/captured/*")) == []  # nothing saved
    allowed = cli("capture", PUBLIC, "--db", str(db), "--dir", str(tmp_path), "--allow-copy")
    assert allowed.returncode == 0 and 'marked "copy"' in allowed.stdout, allowed.stderr
    record = json.loads(next(tmp_path.glob("suarakalbar/captured/*.json")).read_text())
    assert record["copy"].startswith("fetched from http://127.0.0.1:") and record["url"] == PUBLIC


def test_capture_saves_pages_as_served_and_refresh_shows_what_changed(tmp_path):
    page, public = PAGE, PUBLIC
    with LocalSite(SITES / "suarakalbar") as site:
        saved = cli(
            "capture", site.url + page, "--site", "suarakalbar", "--url", public, "--dir", str(tmp_path), "--allow-copy"
        )
        served = (SITES / "suarakalbar" / page.strip("/") / "index.html").read_bytes()
    assert saved.returncode == 0, saved.stderr
    record_path = next((tmp_path / "suarakalbar" / "captured").glob("*.json"))
    record = json.loads(record_path.read_text())
    assert gzip.decompress(record_path.with_name(record_path.name.replace(".json", ".html.gz")).read_bytes()) == served
    assert (
        record["url"] == public
        and record["reviewed"] is False
        and record["headers"]["Content-Type"].startswith("text/html")
    )
    assert record["expected"]["title"] and len(record["expected"]["body"].split()) > 80
    assert cli("capture", "--refresh", "--dir", str(tmp_path)).returncode == 0  # a sound draft

    record["reviewed"] = True
    record["expected"]["title"] = "Judul Yang Ditinjau Berbeda"
    record["expected"]["body"] = " ".join(record["expected"]["body"].split()[:40])
    record_path.write_text(json.dumps(record))
    refreshed = cli("capture", "--refresh", "--dir", str(tmp_path))
    assert refreshed.returncode == 1
    assert "title: expected 'Judul Yang Ditinjau Berbeda'" in refreshed.stdout and "body: F1" in refreshed.stdout

    saved_page = tmp_path / "halaman.html"  # a page saved from a browser
    saved_page.write_bytes(served)
    assert cli("capture", str(saved_page), "--dir", str(tmp_path)).returncode == 2  # needs --url
    browser = cli("capture", str(saved_page), "--url", public.replace("netral/", "netral-2/"), "--dir", str(tmp_path))
    assert browser.returncode == 0 and len(list((tmp_path / "suarakalbar" / "captured").glob("*.json"))) == 2

    # the reviewed capture is not replaced by a new draft without --force, and never lost with it
    again = cli("capture", str(saved_page), "--url", public, "--dir", str(tmp_path))
    assert again.returncode == 2 and "already captured and reviewed" in again.stderr, again.stderr
    assert json.loads(record_path.read_text())["expected"]["title"] == "Judul Yang Ditinjau Berbeda"
    forced = cli("capture", str(saved_page), "--url", public, "--dir", str(tmp_path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(record_path.read_text())["reviewed"] is False
    kept = json.loads(record_path.with_name(record_path.name + ".previous").read_text())
    assert kept["reviewed"] is True and kept["expected"]["title"] == "Judul Yang Ditinjau Berbeda"
    assert len(list((tmp_path / "suarakalbar" / "captured").glob("*.json"))) == 2  # .previous is not a capture
