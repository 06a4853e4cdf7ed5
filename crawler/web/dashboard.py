"""The dashboard page (``/-/pantau?db=NAME``): the filters, a search box and every chart of
:mod:`crawler.web.charts`, drawn in the browser with Vega from files served by Datasette itself
(``datasette-dashboards`` ships them), so that the page works with no network."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from datasette.utils.asgi import BadRequest, NotFound, Response

from crawler.web.archive import pantau_databases
from crawler.web.charts import CHARTS, FILTER_CHOICES, FILTERS, PROVINCE_CHOICES, SEARCH
from crawler.web.specs import TimeAxis

DEFAULT_DAYS = 90  # the range shown first: the 90 days up to the archive's newest article
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)  # the days a range may start or end on
CHOSEN_FROM = {"site": "sites", "topic": "topics", "province": "provinces"}  # a filter and its valid values


async def dashboard(datasette: Any, request: Any) -> Response:
    names = pantau_databases(datasette)
    if not names:
        raise NotFound("no Pantau database is served here")
    name = request.args.get("db") or names[0]
    if name not in names:
        raise NotFound(f"{name!r} is not a Pantau database served here")
    db = datasette.get_database(name)
    choices = {key: [row[0] for row in (await db.execute(sql)).rows if row[0]] for key, sql in FILTER_CHOICES.items()}
    choices["provinces"] = list(PROVINCE_CHOICES)
    filters = _filters(request.args, choices["newest"][0] if choices["newest"] else None)
    problems = _unknown(filters, choices)
    axis = TimeAxis(date.fromisoformat(filters["since"]), date.fromisoformat(filters["until"]))
    charts = [
        {"name": c.name, "title": c.title, "note": c.note, "spec": json.dumps(c.spec(axis) if c.spec else {})}
        for c in CHARTS
    ]
    context = {
        "database": name,
        "databases": names,
        "filters": filters,
        "choices": choices,
        "charts": [] if problems else charts,
        "problems": problems,
        "search": {"name": SEARCH.name, "q": (request.args.get("q") or "").strip()},
        "days": DEFAULT_DAYS,
        "filter_names": FILTERS,
    }
    page = await datasette.render_template("pantau_dashboard.html", context, request=request)
    return Response.html(page, status=400 if problems else 200)


def _unknown(filters: dict[str, str], choices: dict[str, list[str]]) -> list[str]:
    """A sentence for each filter naming a value the archive does not hold, with the valid ones:
    the page shows them instead of charts that would all be empty."""
    problems = []
    for key, known in CHOSEN_FROM.items():
        value = filters[key]
        if value and value not in choices[known]:
            valid = ", ".join(choices[known]) or "none yet"
            problems.append(f"There is no {key} {value[:80]!r} in this archive. Its {known}: {valid}.")
    return problems


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
    if since > until:
        raise BadRequest(f"since ({since}) must not be after until ({until})")
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
