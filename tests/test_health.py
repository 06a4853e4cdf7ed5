import json
import re

from crawler.alerts.health import check_run
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
    from crawler.web.plugin import archive_metadata

    meta = archive_metadata()
    db = Database.open(tmp_path / "m.db")
    tables = set(db.db.table_names()) | set(db.db.view_names())
    assert set(meta["tables"]) <= tables
    for query in meta["queries"].values():
        params = {name: "x" for name in re.findall(r"(?<!:):(\w+)", query["sql"])}
        db.conn.execute(query["sql"], params).fetchall()
    db.close()
