"""Sites added without Python: one TOML file per site in a ``sites/`` folder.

Most regional portals run WordPress; for them a file naming the domains is enough, and the
generic WordPress profile below supplies the rest (its entry points: sitemaps, feed, listings,
search; selectors). A site file names only the kinds of entry point it changes.
Anything may be overridden::

    # sites/pontianakpost.toml (the file name is the site's name)
    label = "Pontianak Post"
    domains = ["pontianakpost.jawapos.com"]
    home = "https://pontianakpost.jawapos.com/"
    article_path = '^/\\d{4}/\\d{2}/\\d{2}/[a-z0-9-]+/?$'   # optional: WordPress permalinks by default
    timezone = "WITA"                                     # WIB (default), WITA, WIT or +08:00
    declared_utc_is_local = true                          # optional: its "Z" times are WITA times
    feeds = ["/feed/"]
    selectors_first = ["title"]                           # optional: before JSON-LD and meta tags
    [selectors]                                           # optional, CSS (or XPath), first match wins
    body = ["div.td-post-content"]

The folder is ``SITES_DIR`` (setting; default ``$PANTAU_SITES`` or ``./sites``). Each file
becomes a spider like the modules in ``spiders/`` (:mod:`crawler.fetch.spider_loader`): ``scrapy
list``, ``scrapy crawl NAME``, ``crawler crawl --site NAME`` all see it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import timezone
from pathlib import Path
from typing import Any

from crawler.sites.profile import (
    SELECTOR_FIELDS,
    EntryKind,
    EntryPoint,
    ProfileError,
    SiteProfile,
    feed,
    listing,
    search,
    sitemap,
)
from crawler.zones import zone_from_offset

# A WordPress news site as most themes build it: what a site file does not say.
WORDPRESS = SiteProfile(
    name="wordpress",
    label="",
    domains=(),
    home="",
    article_path=r"^/(?:\d{4}/\d{2}/(?:\d{2}/)?)?[a-z0-9]+(?:-[a-z0-9]+){2,}/?$",
    static_path=r"^/(?:redaksi|kontak|kontak-kami|tentang-kami|pedoman-media-siber|kebijakan-privasi|disclaimer"
    r"|privacy-policy|info-iklan|susunan-redaksi)/?$",
    title=("h1.entry-title", "h1.post-title", "h1.jeg_post_title", "article h1"),
    date=(
        "time.entry-date::attr(datetime)",
        "meta[property='article:published_time']::attr(content)",
        ".entry-date",
        ".post-date",
        "time::attr(datetime)",
    ),
    authors=(".author a::text", ".entry-author a::text", "a[rel=author]::text"),
    category=("a[rel='category tag']::text", ".cat-links a::text"),
    tags=("a[rel=tag]::text",),
    image=("meta[property='og:image']::attr(content)",),
    body=("div.entry-content", "div.post-content", "div.td-post-content", "div.content-inner", "article"),
    entry_points=(
        sitemap("/sitemap_index.xml"),
        sitemap("/wp-sitemap.xml"),
        sitemap("/sitemap.xml"),
        feed("/feed/"),
        listing("/"),
        search("/?s={query}"),
    ),
)
# a site file's keys for its entry points, by kind
ENTRY_KEYS: dict[str, EntryKind] = {"sitemaps": "sitemap", "feeds": "feed", "listings": "listing", "search": "search"}
_TOP = {
    "label",
    "domains",
    "home",
    "article_path",
    "listing_path",
    "static_path",
    "timezone",
    "declared_utc_is_local",
    "language",
    "sitemaps",
    "feeds",
    "listings",
    "search",
    "search_terms",
    "boilerplate",
    "selectors",
    "selectors_first",
}
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
FIRST_FIELDS = ("title", "date", "authors", "category", "tags", "image", "caption")  # whose pages declare values


def _strings(path: Path, key: str, value: Any, *, required: bool = False) -> tuple[str, ...]:
    """A list of non-empty strings (``key = ["a", "b"]``); ``required``: at least one."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        example = f'{key.rpartition(".")[2]} = ["{value}"]' if isinstance(value, str) else f'{key} = ["..."]'
        raise ProfileError(f"{path}: {key} must be a list of non-empty strings, e.g. {example}; got {value!r}")
    if required and not value:
        raise ProfileError(f"{path}: {key} must name at least one")
    return tuple(value)


def _string(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{path}: {key} must be a non-empty string, got {value!r}")
    return value


def _zone(path: Path, value: Any) -> timezone:
    if (zone := zone_from_offset(str(value))) is None:
        raise ProfileError(f"{path}: timezone must be WIB, WITA, WIT or an offset like +08:00, got {value!r}")
    return zone


def _read(path: Path) -> dict[str, Any]:
    """The TOML of a site file, with only known keys and the required ones."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read it: {exc}") from exc
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise ProfileError(f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_TOP))}")
    for key in ("domains", "home"):
        if key not in data:
            raise ProfileError(f"{path}: {key} is required")
    return data


def _selectors(path: Path, selectors: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(selectors, dict) or set(selectors) - set(SELECTOR_FIELDS):
        raise ProfileError(f"{path}: [selectors] takes {', '.join(SELECTOR_FIELDS)}")
    return {key: _strings(path, f"selectors.{key}", v) for key, v in selectors.items()}


def _selectors_first(path: Path, value: Any) -> tuple[str, ...]:
    first = _strings(path, "selectors_first", value)
    if set(first) - set(FIRST_FIELDS):
        raise ProfileError(f"{path}: selectors_first takes {', '.join(FIRST_FIELDS)}, got {list(first)}")
    return first


def profile_from_file(path: Path) -> SiteProfile:
    """The profile a site file describes, on top of :data:`WORDPRESS`; :class:`ProfileError`
    names the file and the key that is wrong."""
    name = path.stem
    if not _NAME.fullmatch(name):
        raise ProfileError(f"{path}: a site name (the file name) is lower-case letters, digits, '-' or '_'")
    data = _read(path)
    domains = _strings(path, "domains", data["domains"], required=True)
    home = data["home"]
    if not isinstance(home, str) or not re.match(r"https?://", home):
        raise ProfileError(f"{path}: home must be the site's home page URL (https://...), got {home!r}")
    label = _string(path, "label", data["label"]) if "label" in data else domains[0]
    values: dict[str, Any] = {
        "name": name,
        "label": label,
        "domains": domains,
        "home": home if home.endswith("/") else home + "/",
    }
    for key in ("article_path", "listing_path", "static_path", "language"):
        if key in data:
            values[key] = _string(path, key, data[key])
    if "timezone" in data:
        values["timezone"] = _zone(path, data["timezone"])
    if "declared_utc_is_local" in data:
        flag = data["declared_utc_is_local"]
        if not isinstance(flag, bool):
            raise ProfileError(f"{path}: declared_utc_is_local must be true or false, got {flag!r}")
        values["declared_utc_is_local"] = flag
    for key in ("search_terms", "boilerplate"):
        if key in data:
            values[key] = _strings(path, key, data[key])
    values["entry_points"] = _entry_points(path, data)
    values |= _selectors(path, data.get("selectors", {}))
    if "selectors_first" in data:
        values["selectors_first"] = _selectors_first(path, data["selectors_first"])
    profile = replace(WORDPRESS, **values)
    try:
        profile.check()
    except ProfileError as exc:
        raise ProfileError(f"{path}: {exc}") from None
    return profile


def _entry_points(path: Path, data: dict[str, Any]) -> tuple[EntryPoint, ...]:
    """The site file's entry points; a kind it does not name keeps WordPress's."""
    found = []
    for key, kind in ENTRY_KEYS.items():
        paths = _strings(path, key, data[key]) if key in data else WORDPRESS.paths(kind)
        found += [EntryPoint(kind, p) for p in paths]
    return tuple(found)


def site_files(folder: str | Path | None) -> tuple[list[SiteProfile], dict[str, str]]:
    """Every ``*.toml`` site of ``folder`` (none when it does not exist), and the files that
    cannot be used: site name -> why (the file and the key). One bad file costs only its site."""
    if not folder or not Path(folder).is_dir():
        return [], {}
    found, broken = [], {}
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            found.append(profile_from_file(path))
        except ProfileError as exc:
            broken[path.stem] = str(exc)
    return found, broken
