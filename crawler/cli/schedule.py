"""Sites spread over Scrapyd nodes: each site always on the same node, one job at a time.

The unit of distribution is the site (its politeness and incremental state stay simple). A site's
node is chosen by rendezvous hashing of the site's name over the node URLs, so adding a node moves
only the sites it wins. Scrapyd's HTTP API does the rest: ``listjobs.json`` tells whether the site's
previous job still runs, ``schedule.json`` starts a job with settings and spider arguments.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from crawler.deadline import DeadlineExceeded, within

PROJECT = "pantau"


class ScrapydError(RuntimeError):
    """A node could not be asked, or refused; the message names the node (without credentials)."""


def node_of(site: str, nodes: list[str]) -> str:
    """The node that crawls ``site``: the same for the same node list, and stable when nodes are added."""
    return max(nodes, key=lambda node: hashlib.sha256(f"{public(node)}\0{site}".encode()).digest())


def public(node: str) -> str:
    """The node URL without credentials, for output."""
    parts = urllib.parse.urlsplit(node)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def call(node: str, endpoint: str, data: list[tuple[str, str]] | None = None, *, timeout: float = 15) -> dict[str, Any]:
    """GET (``data`` None) or POST to a Scrapyd endpoint; the JSON answer, or :class:`ScrapydError`.
    ``timeout`` bounds the whole exchange, not only each read (a node that trickles its answer)."""
    try:
        return within(timeout, lambda: _call(node, endpoint, data, timeout=timeout), f"scrapyd {public(node)}")
    except DeadlineExceeded as exc:
        name = endpoint.partition("?")[0]
        raise ScrapydError(f"scrapyd {public(node)}: no whole answer to {name} within {timeout:g} s") from exc


def _call(node: str, endpoint: str, data: list[tuple[str, str]] | None, *, timeout: float) -> dict[str, Any]:
    parts = urllib.parse.urlsplit(node)
    if parts.scheme not in ("http", "https"):
        raise ScrapydError(f"scrapyd {public(node)}: a node is an http or https URL")
    url = public(node) + "/" + endpoint
    headers = {}
    if parts.username:
        token = base64.b64encode(
            f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}".encode()
        ).decode()
        headers["Authorization"] = f"Basic {token}"
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise ScrapydError(f"scrapyd {public(node)}: HTTP {exc.code} on {endpoint}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ScrapydError(f"scrapyd {public(node)} unreachable: {reason}") from exc
    except ValueError as exc:
        raise ScrapydError(f"scrapyd {public(node)}: {endpoint} did not answer JSON") from exc
    if answer.get("status") != "ok":
        raise ScrapydError(f"scrapyd {public(node)}: {endpoint}: {answer.get('message') or answer}")
    return answer


def jobs(node: str, project: str = PROJECT, timeout: float = 15) -> dict[str, list[dict[str, Any]]]:
    """{"pending": [...], "running": [...], "finished": [...]} of the project on ``node``."""
    answer = call(node, "listjobs.json?" + urllib.parse.urlencode({"project": project}), timeout=timeout)
    return {state: answer.get(state, []) for state in ("pending", "running", "finished")}


def schedule(
    nodes: list[str],
    sites: list[str],
    settings: dict[str, str],
    *,
    spider_args: dict[str, dict[str, str]],
    project: str = PROJECT,
    timeout: float = 15,
) -> list[dict[str, Any]]:
    """Schedule each site on its node unless its previous job is pending or running; one row per
    site: ``site``, ``node``, ``status`` (scheduled, skipped, failed), ``job`` or ``error``."""
    busy: dict[str, dict[str, str] | ScrapydError] = {}
    rows = []
    for site in sites:
        node = node_of(site, nodes)
        row: dict[str, Any] = {"site": site, "node": public(node)}
        if node not in busy:
            try:
                listed = jobs(node, project, timeout)
                busy[node] = {j["spider"]: j["id"] for state in ("pending", "running") for j in listed[state]}
            except ScrapydError as exc:
                busy[node] = exc
        state = busy[node]
        if isinstance(state, ScrapydError):
            rows.append(row | {"status": "failed", "error": str(state)})
            continue
        if site in state:
            rows.append(row | {"status": "skipped", "job": state[site], "error": "its previous job is still running"})
            continue
        form = [("project", project), ("spider", site)]
        form += [("setting", f"{k}={v}") for k, v in settings.items()]
        form += list(spider_args.get(site, {}).items())
        try:
            rows.append(
                row | {"status": "scheduled", "job": call(node, "schedule.json", form, timeout=timeout)["jobid"]}
            )
        except ScrapydError as exc:
            rows.append(row | {"status": "failed", "error": str(exc)})
    return rows
