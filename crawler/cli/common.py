"""Shared by every command: exit codes, one-line errors, argparse helpers, the database and Scrapy
settings a command reads, and site or topic names checked."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from crawler.safetext import safe_text
from crawler.store.storage import Database, default_db_path

if TYPE_CHECKING:
    from scrapy.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LOG_LEVELS = ("DEBUG", "INFO", "PROGRESS", "WARNING", "ERROR", "CRITICAL")  # PROGRESS: crawler.fetch.progress
PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_SITES = PROJECT_ROOT / "fixtures" / "sites"


def fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"crawler: error: {one_line(message)}", file=sys.stderr)
    return code


def one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Once(argparse._StoreAction):
    """``--format``, refused when given twice (``--format json --format csv`` kept the last without
    a word, and the two name outputs that cannot both be had). Other options keep argparse's rule,
    the last one wins, that wrappers and cron lines rely on to override a default."""

    def __call__(  # noqa: PLR0917 - argparse.Action's signature
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given: set[str] = namespace.__dict__.setdefault("_options_given", set())
        if self.dest in given:
            parser.error(f"{option_string} is given twice; give it once")
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line (and exit code 2), like every other error, and
    ``--format`` refused when given twice."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if "--format" in args and kwargs.get("action") in (None, "store"):
            kwargs["action"] = _Once
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[Parser]  # what each command group adds its commands to


def count(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high})")
        return value

    return parse


terminal_safe = safe_text  # text from a web page as it may reach a terminal


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Scrapy's settings with Pantau's (``crawler.settings``) and ``overrides`` on top, without
    starting a crawl: for commands that read a setting or two."""
    from scrapy.settings import Settings

    from crawler import settings as ours

    settings = Settings()
    settings.setmodule(ours)
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``-s NAME=VALUE`` pairs; a value for one of Pantau's or Scrapy's numeric or yes/no settings
    must be one, and not negative, so that a typo fails now rather than mid-crawl."""
    defaults = project_settings()
    result: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"-s wants NAME=VALUE, got {item!r}")
        default = defaults.get(name)
        if isinstance(default, bool):
            if value.strip().lower() not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(f"-s {name} wants 0 or 1, got {value!r}")
        elif isinstance(default, int | float):
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"-s {name} wants a number, got {value!r}") from None
            if number < 0 or number != number or number == float("inf"):
                raise ValueError(f"-s {name} must be 0 or more, got {value!r}")
            if isinstance(default, int) and not number.is_integer():
                raise ValueError(f"-s {name} wants a whole number, got {value!r}")
        result[name] = value
    return result


def parse_base_urls(values: list[str], known: list[str]) -> dict[str, str]:
    from urllib.parse import urlsplit

    result = {}
    for value in values:
        site, sep, url = value.partition("=")
        try:
            host = urlsplit(url).hostname if sep else None
        except ValueError:
            host = None
        if not url.startswith(("http://", "https://")) or not host:
            raise ValueError(f"--base-url wants SITE=http://HOST:PORT, got {value!r}")
        if site not in known:
            raise ValueError(f"--base-url names an unknown site {site!r}; known: {', '.join(known)}")
        result[site] = url
    return result


def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """A sub-command that reads or writes the database (``--db``)."""
    p.add_argument("--db", default=default_db_path(), help="SQLite file (default: $PANTAU_DB or data/pantau.db)")
    return p


def with_log_level(p: argparse.ArgumentParser, default: str, help: str) -> argparse.ArgumentParser:
    """A sub-command that runs a crawl (``--log-level``, any case)."""
    p.add_argument("--log-level", default=default, type=str.upper, choices=LOG_LEVELS, metavar="LEVEL", help=help)
    return p


def open_readonly(path: str) -> Database:
    return Database.open(path, readonly=True)


def check_names(db: Database, site: str | None = None, topic: str | None = None) -> None:
    """A site or topic a command filters on must exist (a typo answers "unknown", with the names
    that exist, not "0 results"): the sites of the profiles and of the archive's runs, the topics
    of the watchlist and of the archive's matches. :class:`ValueError` otherwise."""
    from crawler.enrichment.topics import load_topics
    from crawler.sites.registry import profiles

    if site:
        sites = set(profiles()) | {row[0] for row in db.conn.execute("SELECT DISTINCT site FROM crawl_runs")}
        if site not in sites:
            raise ValueError(f"unknown site {site!r}; known: {', '.join(sorted(sites))}")
    if topic:
        topics = {t.name for t in load_topics()} | {
            row[0] for row in db.conn.execute("SELECT DISTINCT topic FROM article_topics")
        }
        if topic not in topics:
            raise ValueError(f"unknown topic {topic!r}; known: {', '.join(sorted(topics))}")
