"""Issue 13: real pages as tests. Every capture under fixtures/<site>/captured/ is re-extracted on
every run of the suite; `crawler capture` is tested against a locally served site copy."""

from __future__ import annotations

import gzip
import json

from crawler.cli.capture import all_captures, problems, recheck
from crawler.cli.localserver import LocalSite
from crawler.sites.registry import profiles
from tests.conftest import FIXTURES, SITES, cli


def test_the_captures_folders_hold_only_well_formed_captures():
    """What the suite re-checks is what the folders hold: no capture yet (none can be made without
    network), and a file there that is not a capture (a record without its page, a page without
    its record, a record missing its keys) fails the suite instead of being skipped."""
    captured = sorted(p for p in FIXTURES.glob("*/captured/*") if not p.name.endswith(".previous"))
    records = [p for p in captured if p.suffix == ".json"]
    assert sorted(all_captures(FIXTURES)) == records  # every record is re-checked by the test below
    for record_path in records:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        assert {"url", "fetched_at", "headers", "reviewed", "expected"} <= set(record), record_path
        assert record_path.with_name(record_path.name.removesuffix(".json") + ".html.gz").is_file(), record_path
    pages = [p for p in captured if p.name.endswith(".html.gz")]
    assert len(pages) == len(records) and len(captured) == len(records) + len(pages), captured
    assert records == [], "captures exist now: the README's 'There are no captures yet' must change"


def test_every_capture_matches_its_record():
    """Reviewed captures field by field (body by word F1 >= 0.95), drafts for title, date and an
    80-word body. There are none until someone runs `crawler capture` on the live sites."""
    failures = {}
    for path in all_captures(FIXTURES):
        record, now = recheck(path, profiles().get(path.parent.parent.name))
        if found := problems(record, now):
            failures[str(path.relative_to(FIXTURES))] = found
    assert failures == {}


def test_capture_saves_pages_as_served_and_refresh_shows_what_changed(tmp_path):
    page = "/2023/12/pj-wali-kota-singkawang-tegaskan-pns-harus-netral/"
    public = "https://www.suarakalbar.co.id" + page
    with LocalSite(SITES / "suarakalbar") as site:
        saved = cli("capture", site.url + page, "--site", "suarakalbar", "--url", public, "--dir", str(tmp_path))
        served = (SITES / "suarakalbar" / page.strip("/") / "index.html").read_bytes()
    assert saved.returncode == 0, saved.stderr
    record_path = next((tmp_path / "suarakalbar" / "captured").glob("*.json"))
    record = json.loads(record_path.read_text())
    assert gzip.decompress(record_path.with_name(record_path.name.replace(".json", ".html.gz")).read_bytes()) == served
    assert record["url"] == public and record["reviewed"] is False and record["headers"]["Content-Type"].startswith("text/html")
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
