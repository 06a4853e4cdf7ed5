"""The benchmark's claims can be checked. Every row of the targets table in
docs/benchmark.md names its figure's key; the figure it shows is the one in the committed
``bench/results.json``, its target is the one ``bench/run.py`` checks, and MET or MISS is what that
check says of the figure. A re-run that changes a figure fails here until the table says so too."""

from __future__ import annotations

import json
import re

import pytest

from testkit.targets import TARGETS
from tests.conftest import ROOT

DOC = ROOT / "docs" / "benchmark.md"
RESULTS = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
_ROW = re.compile(r"^\| [^|]*\(`(?P<key>\w+)`\) \| (?P<value>[^|]+) \| (?P<target>[^|]+) \| (?P<status>[^|]*) \|", re.M)


def table_rows() -> list[dict[str, str]]:
    return [
        m.groupdict() | {"value": m["value"].strip(), "target": m["target"].strip(), "status": m["status"].strip()}
        for m in _ROW.finditer(DOC.read_text(encoding="utf-8"))
    ]


def test_every_target_is_in_the_table() -> None:
    assert {key for key, *_ in TARGETS} <= {row["key"] for row in table_rows()}


@pytest.mark.parametrize("row", table_rows(), ids=lambda row: row["key"])
def test_the_row_shows_the_committed_figure(row: dict[str, str]) -> None:
    assert row["key"] in RESULTS, f"{row['key']} is in the table but not in bench/results.json"
    value, shown = RESULTS[row["key"]], row["value"]
    if isinstance(value, bool):
        assert shown.lower() == str(value).lower()
    else:
        decimals = len(shown.partition(".")[2])
        assert round(float(value), decimals) == pytest.approx(float(shown.replace(",", ""))), row["key"]
    target = {key: (op, bound) for key, op, bound, _ in TARGETS}.get(row["key"])
    if target is None:
        assert row["target"] == "none" and row["status"] == "", f"{row['key']} has no target in bench/run.py"
        return
    op, bound = target
    if isinstance(bound, bool):  # a check that holds or not: the table shows what must hold
        assert row["target"] == str(bound).lower()
    else:
        assert row["target"].split()[0] == op and float(row["target"].split()[1]) == bound
    met = value >= bound if op == ">=" else value <= bound
    assert row["status"].strip("*") == ("MET" if met else "MISS")
