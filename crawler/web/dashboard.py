"""The dashboard page (``/-/pantau?db=NAME``): the filters, a search box and every chart of
:mod:`crawler.web.charts`, drawn in the browser with Vega from files served by Datasette itself
(``datasette-dashboards`` ships them), so that the page works with no network."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from datasette.utils.asgi import BadRequest, NotFound, Response

from crawler.web.charts import CHARTS, FILTER_CHOICES, FILTERS
from crawler.web.plugin import pantau_databases

DEFAULT_DAYS = 90  # the range shown first: the 90 days up to the archive's newest article
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)  # the days a range may start or end on


async def dashboard(datasette: Any, request: Any) -> Response:
    names = pantau_databases(datasette)
    if not names:
        raise NotFound("no Pantau database is served here")
    name = request.args.get("db") or names[0]
    if name not in names:
        raise NotFound(f"{name!r} is not a Pantau database served here")
    db = datasette.get_database(name)
    choices = {key: [row[0] for row in (await db.execute(sql)).rows if row[0]] for key, sql in FILTER_CHOICES.items()}
    filters = _filters(request.args, choices["newest"][0] if choices["newest"] else None)
    charts = [{"name": c.name, "title": c.title, "note": c.note, "spec": json.dumps(c.spec)} for c in CHARTS]
    context = {"database": name, "databases": names, "filters": filters, "choices": choices, "charts": charts,
               "days": DEFAULT_DAYS, "filter_names": FILTERS}  # fmt: skip
    return Response.html(await datasette.render_template("pantau_dashboard.html", context, request=request))


def _filters(args: Any, newest: str | None) -> dict[str, str]:
    """The filters of the request; the range defaults to the 90 days up to the newest article
    (today's date when the archive is empty), so that a first look shows the archive's news. A
    date that is given but cannot be one is a 400 saying why."""
    try:
        end = date.fromisoformat(newest) if newest else date.today()
    except ValueError:
        end = date.today()
    values = {key: (args.get(key) or "").strip() for key in FILTERS}
    until = _day(values["until"], "until") or end
    values["until"] = until.isoformat()
    since = _day(values["since"], "since") or max(until - timedelta(days=DEFAULT_DAYS), EARLIEST)
    values["since"] = since.isoformat()
    return values


def _day(value: str, name: str) -> date | None:
    """The day ``value`` names (None when empty); :class:`BadRequest` when it is not a day the
    archive can hold."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} must be a date written YYYY-MM-DD, got {value[:40]!r}") from None
    if not EARLIEST <= day <= LATEST:
        raise BadRequest(f"{name} must be between {EARLIEST} and {LATEST}, got {value}")
    return day
