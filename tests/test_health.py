import json
import re

import pytest

from crawler.store.run_health import check_run
from crawler.store.storage import Database


def _run(db, site, coverage):
    run_id = db.start_run(site)
    db.finish_run(run_id, status="finished", coverage=coverage)
    return run_id


def test_health_warns_when_coverage_drops(tmp_path):
    db = Database.open(tmp_path / "h.db")
    good = {"title": 1.0, "published_date": 0.95, "body_80_words": 0.9, "authors": 0.8, "items": 20}
    for _ in range(3):
        assert check_run(db, _run(db, "suarakalbar", good)) == []
    broken = dict(good, published_date=0.1, body_80_words=0.05)
    warnings = check_run(db, _run(db, "suarakalbar", broken))
    assert len(warnings) == 2 and "date" in warnings[0] and "layout" in warnings[0]
    stored = db.conn.execute("select warnings from crawl_runs order by id desc limit 1").fetchone()[0]
    assert json.loads(stored) == warnings
    # another site has no history: nothing to compare with
    assert check_run(db, _run(db, "infopublik", broken)) == []
    db.close()


def test_datasette_metadata_is_valid_json_and_names_real_tables(tmp_path):
    from crawler.web.archive import archive_metadata

    meta = archive_metadata()
    db = Database.open(tmp_path / "m.db")
    tables = set(db.db.table_names()) | set(db.db.view_names())
    assert set(meta["tables"]) <= tables
    for query in meta["queries"].values():
        params = {name: "x" for name in re.findall(r"(?<!:):(\w+)", query["sql"])}
        db.conn.execute(query["sql"], params).fetchall()
    db.close()


@pytest.mark.slow
def test_a_healthy_site_crawled_beside_two_unreachable_ones_counts_only_its_own_errors(tmp_path):
    """``crawler crawl`` as cron runs it (all three sites due in one process), two of them down:
    each run counts its own failed requests, the healthy one none; the failed sites are retried
    after the schedule's floor, not at the learnt interval."""
    from datetime import UTC, datetime

    from crawler.alerts.config import NotifySettings
    from crawler.alerts.health import health_warnings
    from crawler.cli.localserver import LocalSite
    from tests.conftest import FAST, SITES, cli, closed_port, query

    db = tmp_path / "p.db"
    with LocalSite(SITES / "suarakalbar") as good:
        down = [f"http://127.0.0.1:{closed_port()}" for _ in range(2)]
        done = cli(
            "crawl",
            "--db",
            str(db),
            "--base-url",
            f"suarakalbar={good.url}",
            "--base-url",
            f"infopublik={down[0]}",
            "--base-url",
            f"editorialkaltim={down[1]}",
            *FAST,
            "--log-level",
            "WARNING",
            env={"PANTAU_SITES": "/nonexistent"},
        )
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    runs = {
        site: (status, requests, errors)
        for site, status, requests, errors in query(db, "SELECT site, status, requests, errors FROM crawl_runs")
    }
    assert runs["suarakalbar"][0] == "finished" and runs["suarakalbar"][2] == 0, runs
    for site in ("infopublik", "editorialkaltim"):
        status, requests, errors = runs[site]
        assert status == "failed" and 0 < errors <= requests, runs
    database = Database.open(db, readonly=True)
    try:
        warnings = health_warnings(database, NotifySettings(), datetime.now(UTC))
    finally:
        database.close()
    assert not any(key.startswith(("errors:", "failed:")) and "suarakalbar" in key for key in warnings), warnings
    assert "retrying in 3 min, 1 failed in a row" in warnings["failed:infopublik"]
    shown = cli("sites", "--db", str(db))
    assert shown.returncode == 0 and shown.stdout.count("retrying: 1 failed in a row") == 2, shown.stdout
    schedule = json.loads(cli("sites", "--db", str(db), "--format", "json").stdout)
    for row in schedule:
        if row["site"] != "suarakalbar":
            due = datetime.fromisoformat(row["next_due_at"])
            assert 0 < (due - datetime.fromisoformat(row["last_run_at"])).total_seconds() <= 180
