"""``pantau.toml``: who is told about what (notification channels) and when to raise the alarm.

Found at ``--config PATH``, else ``$PANTAU_CONFIG``, else ``./pantau.toml``. ``${VAR}`` in a value
is read from the environment, so secrets stay out of the file, the database and the output::

    [channels.redaksi]
    url = "mailtos://${SMTP_USER}:${SMTP_PASS}@mail.example.org?to=redaksi@example.org"
    topics = ["netralitas-asn", "health"]
    mode = "digest"          # or "instant" (default): one message per match
    lang = "en"              # default "id"

    [channels.publik]
    feed = "public/netralitas-asn.atom"

    [notify]
    max_attempts = 5         # failed sends of one message before it is marked failed
    retry_after = "5m"       # first wait before a retry, doubled after each failure
    first_run = "24h"        # a new channel gets matches first seen this long before its first run
    error_share = 0.2        # health: a run whose errors exceed this share of its requests
    silent_after = "48h"     # health: no new article from a site for this long
    time_limit = "2m"        # at most this long sending to one channel per run; the rest goes next run

    [sites.infopublik]
    silent_after = "72h"
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from crawler.alerts.secrets import masked, url_secrets
from crawler.arguments import span

HEALTH = "health"  # the pseudo-topic of crawl-health alerts
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class ConfigError(ValueError):
    """The configuration cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Channel:
    name: str
    url: str | None = None  # an Apprise URL, secrets expanded: never print it
    feed: str | None = None  # an Atom file to write instead of sending
    topics: tuple[str, ...] | None = None  # None: every watchlist topic (health only when named)
    mode: str = "instant"
    lang: str = "id"
    secrets: tuple[str, ...] = ()  # values taken from the environment, masked in errors

    def wants(self, topic: str) -> bool:
        return topic in self.topics if self.topics is not None else topic != HEALTH

    def mask(self, text: str) -> str:
        """``text`` with every secret of this channel replaced by ``***``."""
        return masked(text, self.secrets)


@dataclass(frozen=True)
class NotifySettings:
    max_attempts: int = 5
    retry_after: timedelta = timedelta(minutes=5)
    first_run: timedelta = timedelta(hours=24)
    error_share: float = 0.2
    silent_after: timedelta = timedelta(hours=48)
    time_limit: timedelta = timedelta(minutes=2)  # a channel's sending in one run; the rest waits for the next
    site_silent_after: dict[str, timedelta] = field(default_factory=dict)

    def silence_for(self, site: str) -> timedelta:
        return self.site_silent_after.get(site, self.silent_after)


@dataclass(frozen=True)
class Config:
    path: str | None
    channels: dict[str, Channel]
    notify: NotifySettings


def config_path(given: str | None) -> Path | None:
    """The file to read: ``given``, ``$PANTAU_CONFIG`` or ``./pantau.toml``; None when absent."""
    if given or os.environ.get("PANTAU_CONFIG"):
        return Path(given or os.environ["PANTAU_CONFIG"])
    default = Path("pantau.toml")
    return default if default.is_file() else None


def load_config(given: str | None = None, topics: set[str] | None = None) -> Config:
    """Read and check the configuration; no file gives no channels. ``topics`` are the watchlist's
    topic names, to refuse a channel that names one that does not exist."""
    path = config_path(given)
    if path is None:
        return Config(None, {}, NotifySettings())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"channels", "notify", "sites"})
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(unknown)}; known: channels, notify, sites")
    channels = {
        name: _channel(path, name, spec, topics=topics) for name, spec in _table(path, data, "channels").items()
    }
    return Config(str(path), channels, _settings(path, data))


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table")
    return value


def _channel(path: Path, name: str, spec: Any, *, topics: set[str] | None) -> Channel:
    where = f"{path}: channel {name!r}"
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{where}: a channel name is letters, digits, '.', '-' or '_'")
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a table ([channels.{name}])")
    unknown = sorted(set(spec) - {"url", "feed", "topics", "mode", "lang"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: url, feed, topics, mode, lang")
    if ("url" in spec) == ("feed" in spec):
        raise ConfigError(f"{where}: give either url (an Apprise URL) or feed (an Atom file), not both or neither")
    secrets: list[str] = []
    url = _expand(where, spec["url"], secrets) if "url" in spec else None
    chosen = spec.get("topics")
    if chosen is not None:
        if not isinstance(chosen, list) or not chosen or not all(isinstance(t, str) for t in chosen):
            raise ConfigError(f"{where}: topics must be a non-empty list of topic names")
        known = (topics or set()) | {HEALTH}
        missing = [t for t in chosen if topics is not None and t not in known]
        if missing:
            raise ConfigError(f"{where}: unknown topic(s) {', '.join(missing)}; known: {', '.join(sorted(known))}")
    mode, lang = spec.get("mode", "instant"), spec.get("lang", "id")
    if mode not in ("instant", "digest"):
        raise ConfigError(f"{where}: mode must be 'instant' or 'digest', got {mode!r}")
    if lang not in ("id", "en"):
        raise ConfigError(f"{where}: lang must be 'id' or 'en', got {lang!r}")
    if url is not None:
        secrets += url_secrets(url)
        _check_url(where, url, secrets)
    feed = spec.get("feed")
    if feed is not None and (not isinstance(feed, str) or not feed.strip()):
        raise ConfigError(f"{where}: feed must be a file path")
    return Channel(name, url, feed, tuple(chosen) if chosen else None, mode, lang, tuple(secrets))


def _expand(where: str, value: Any, secrets: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: url must be an Apprise URL (text)")

    def variable(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise ConfigError(f"{where}: environment variable {m.group(1)} is not set")
        secrets.append(os.environ[m.group(1)])
        return os.environ[m.group(1)]

    return _VARIABLE.sub(variable, value)


def _check_url(where: str, url: str, secrets: list[str]) -> None:
    import apprise

    if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        # the URL itself may hold secrets: name the scheme only
        scheme = url.split("://", 1)[0] if "://" in url else "(none)"
        raise ConfigError(f"{where}: not a URL Apprise can send to (scheme {scheme!r}); see https://appriseit.com")


SPANS = ("retry_after", "first_run", "silent_after", "time_limit")


def _settings(path: Path, data: dict[str, Any]) -> NotifySettings:
    raw = _table(path, data, "notify")
    unknown = sorted(set(raw) - {"max_attempts", "error_share", *SPANS})
    if unknown:
        raise ConfigError(f"{path}: [notify] unknown key(s) {', '.join(unknown)}")
    try:
        values: dict[str, Any] = {k: _span(raw[k], f"[notify] {k}") for k in SPANS if k in raw}
        if "max_attempts" in raw:
            values["max_attempts"] = _number(raw["max_attempts"], "[notify] max_attempts", int, low=1, high=100)
        if "error_share" in raw:
            values["error_share"] = _number(raw["error_share"], "[notify] error_share", float, low=0, high=1)
            if values["error_share"] == 0:
                raise ValueError("[notify] error_share must be above 0 and at most 1")
        per_site = {}
        for site, spec in _table(path, data, "sites").items():
            if not isinstance(spec, dict) or set(spec) - {"silent_after"}:
                raise ValueError(f"[sites.{site}] takes only silent_after")
            if "silent_after" in spec:
                per_site[site] = _span(spec["silent_after"], f"[sites.{site}] silent_after")
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return NotifySettings(**values, site_silent_after=per_site)


def _number(value: Any, name: str, kind: type[int] | type[float], *, low: float, high: float) -> Any:
    """A whole number (``int``) or a number (``float``) in [low, high]; TOML's true/false and
    2.9 for a count are refused, not turned into 1 and 2."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not (whole or (kind is float and isinstance(value, float))):
        wanted = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {wanted}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return kind(value)


def _span(value: Any, name: str) -> timedelta:
    """A span written as text: "5m", "24h", "2d"."""
    if not isinstance(value, str):
        raise ValueError(f'{name} must be a span of time in quotes, such as "5m" or "24h", got {value!r}')
    return span(value, name)
