"""A site file written from what ``crawler sites add`` found, commented with what was and was not
found; read back by :func:`crawler.sites.files.profile_from_file` before it takes its place."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Learnt:
    """Everything a site file records of a surveyed site."""

    name: str
    label: str
    domains: tuple[str, ...]
    home: str
    article_path: str
    timezone: str | None
    declared_utc_is_local: bool  # its pages write their clock times with "Z"
    sitemaps: tuple[str, ...]
    feeds: tuple[str, ...]
    listings: tuple[str, ...]  # the home page and section pages that list articles
    search: tuple[str, ...]  # a search template ({query}) that answers with articles
    selectors: dict[str, tuple[str, ...]]
    notes: list[str] = field(default_factory=list)  # what was found and what was not, one line each
    selectors_first: tuple[str, ...] = ()  # learnt selectors that gave what every sampled page declares


def _string(value: str) -> str:
    """A TOML string: a literal one (no escapes, as a regex reads best) unless it holds a quote."""
    return f"'{value}'" if "'" not in value and "\n" not in value else json.dumps(value, ensure_ascii=False)


def _strings(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def site_file_text(site: Learnt, unlearnt: tuple[str, ...]) -> str:
    """The file's text; ``unlearnt``: the fields left to the generic layers."""
    lines = [f"# sites/{site.name}.toml: written by `crawler sites add {site.home}`", *(f"# {n}" for n in site.notes)]
    lines += [
        f"label = {_string(site.label)}",
        f"domains = {_strings(site.domains)}",
        f"home = {_string(site.home)}",
        "# the shape of the article URLs its feeds and sitemaps list",
        f"article_path = {_string(site.article_path)}",
    ]
    if site.timezone and site.declared_utc_is_local:
        lines.append(f"timezone = {_string(site.timezone)}  # the zone its pages show beside the times they declare")
        lines.append("declared_utc_is_local = true  # its pages write their clock times with Z: 14:30Z is 14:30 there")
    elif site.timezone:
        lines.append(f"timezone = {_string(site.timezone)}  # the zone of the times its pages declare or show")
    else:
        lines.append("# timezone: its pages declare no zone (or UTC); WIB is assumed, set it if the site is elsewhere")
    lines.append(f"sitemaps = {_strings(site.sitemaps)}" if site.sitemaps else "sitemaps = []  # none answered")
    lines.append(f"feeds = {_strings(site.feeds)}" if site.feeds else "feeds = []  # none answered")
    if site.listings:
        lines.append(f"listings = {_strings(site.listings)}")
    else:
        lines.append("# listings: none listed enough articles; the home page is read as a listing")
    if site.search:
        lines.append(f"search = {_strings(site.search)}")
    else:
        lines.append("# search: none answered with articles; WordPress's /?s= is tried")
    if site.selectors_first:
        lines.append(
            f"selectors_first = {_strings(site.selectors_first)}  # before JSON-LD and meta tags: on every sampled page"
            " they gave what the page declares, so a layout change shows as the field leaving them"
        )
    lines.append("[selectors]  # learnt from the sample: each gives the generic layers' answer on every sampled page")
    lines += [f"{name} = {_strings(values)}" for name, values in site.selectors.items()]
    if unlearnt:
        lines.append(
            f"# not learnt (no element stable across the sample; the generic layers read them): {', '.join(unlearnt)}"
        )
    return "\n".join(lines) + "\n"


def write_whole(path: Path, text: str) -> None:
    """``text`` in ``path``, whole or not at all (written beside it, then renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
