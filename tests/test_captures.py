"""Issue 13: real pages as tests. Every capture under fixtures/<site>/captured/ is re-extracted on
every run of the suite; `crawler capture` is tested against a locally served site copy."""

from __future__ import annotations

import gzip
import json

from crawler.cli.capture import all_captures, problems, recheck
from crawler.cli.localserver import LocalSite
from crawler.sites import profiles
from tests.conftest import FIXTURES, SITES, cli


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
    assert "title: expected 'Judul Yang Ditinjau Berbeda'" in refreshed.stdout and "body: word F1" in refreshed.stdout

    saved_page = tmp_path / "halaman.html"  # a page saved from a browser
    saved_page.write_bytes(served)
    assert cli("capture", str(saved_page), "--dir", str(tmp_path)).returncode == 2  # needs --url
    browser = cli("capture", str(saved_page), "--url", public.replace("netral/", "netral-2/"), "--dir", str(tmp_path))
    assert browser.returncode == 0 and len(list((tmp_path / "suarakalbar" / "captured").glob("*.json"))) == 2
