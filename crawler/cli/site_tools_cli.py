"""Working on one site: ``extract`` a page, ``check`` a site, ``capture`` pages as tests."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    FIXTURE_SITES,
    PROJECT_ROOT,
    count,
    fail,
    parse_base_urls,
    parse_settings,
    project_settings,
    terminal_safe,
    with_db,
)
from crawler.cli.download import declared_url, read_page_file
from crawler.fetch.single_page import download
from crawler.sites.profile import SiteProfile

if TYPE_CHECKING:
    from crawler.cli.common import Subcommands


def cmd_extract(args: argparse.Namespace) -> int:
    """One page's record, as a crawl would store it (extraction, then topics, places, officials)."""
    from crawler import settings
    from crawler.enrichment.enrich import page_record
    from crawler.enrichment.topics import load_topics
    from crawler.items import Reject
    from crawler.sites.registry import check_sites, profile_for_url, profiles

    source: str = args.source
    content_type = None
    try:
        if source.startswith(("http://", "https://")):
            data, content_type = download(source, args.timeout)
            url = args.url or source
        else:
            data = read_page_file(source)
            url = args.url or declared_url(data) or Path(source).resolve().as_uri()
    except ValueError as exc:
        return fail(str(exc))
    profile: SiteProfile | None
    if args.site:
        try:
            profile = profiles()[check_sites([args.site])[0]]
        except ValueError as exc:
            return fail(str(exc))
        owner = profile_for_url(url)
        if owner is not None and owner.name != profile.name:
            warning = f"{url} is a page of {owner.name}, read with {profile.name}'s profile as asked"
            print(f"warning: {warning} (its record says site {profile.name})", file=sys.stderr)
    else:
        profile = profile_for_url(url)  # None: a site with no profile, read by the generic layers
    article = page_record(
        data, content_type, url, profile=profile, topics=load_topics(), min_words=settings.ARTICLE_MIN_WORDS
    )
    if isinstance(article, Reject):  # what a crawl would not store either
        return fail(f"{source}: no article found: {article.reason}: {article.detail}")
    record = article.to_dict()
    for internal in ("source_url", "source_key", "sitemap_lastmod", "sketch"):
        record.pop(internal, None)
    print(json.dumps(record, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Whether Pantau works on a site today: exit 0 when title, date and body are found on at
    least 80 % of the sampled article pages, 1 otherwise; nothing is written to any database."""
    from crawler.cli.check import format_report, run_check
    from crawler.sites.registry import check_sites, profiles

    known = sorted(profiles())
    try:
        check_sites([args.site])
        if args.base_url:
            parse_base_urls([f"{args.site}={args.base_url}"], known)
        profiles()[args.site].check()
        settings = parse_settings(args.set or [])
    except ValueError as exc:
        return fail(str(exc))
    data = run_check(args.site, args.base_url, args.sample, settings_overrides=settings)
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(terminal_safe(format_report(data)))
    return EXIT_OK if data["ok"] else EXIT_FAILED


def cmd_capture(args: argparse.Namespace) -> int:
    """Save live pages as test cases with a draft record, or (``--refresh``) show what the current
    code extracts differently from every capture's record."""
    from crawler.cli.capture import copy_origin, save_capture
    from crawler.sites.registry import check_sites, profile_for_url, profiles

    if args.site:
        try:
            check_sites([args.site])
        except ValueError as exc:
            return fail(str(exc))
    root = Path(args.dir) if args.dir else PROJECT_ROOT / "fixtures"
    if args.refresh:
        return _refresh_captures(root)
    if not args.sources:
        return fail("give URLs (or saved .html files with --url) to capture, or --refresh")
    for source in args.sources:
        remote = source.startswith(("http://", "https://"))
        if not remote and not args.url:
            return fail(f"{source}: a saved page needs --url, the address it was saved from")
        url = args.url or source
        profile = profiles().get(args.site) if args.site else profile_for_url(url)
        if profile is None:
            return fail(f"{url} is not on a known site; name it with --site")
        try:
            if remote:
                body, content_type, fetched_at, fetched_from = _kept_or_downloaded(source, url, profile.name, args=args)
            else:
                body, content_type, fetched_at, fetched_from = read_page_file(source), None, None, source
            if (copy := copy_origin(fetched_from, FIXTURE_SITES)) and not args.allow_copy:
                why = f"{source}: {copy}: a reconstruction, not the live site"
                return fail(f"{why}; --allow-copy captures it anyway, marked as a copy")
            headers = {"Content-Type": content_type} if content_type else {}
            folder = root / profile.name / "captured"
            path = save_capture(
                folder, url, body, headers=headers, profile=profile, force=args.force, fetched_at=fetched_at, copy=copy
            )
        except ValueError as exc:  # CaptureReviewed too: a reviewed record is not replaced without --force
            return fail(str(exc))
        marked = ' of a copy, marked "copy" in the record' if copy else ""
        print(f'saved {path} (draft{marked}: review the expected record, then set "reviewed": true)')
    return EXIT_OK


def _kept_or_downloaded(
    source: str, url: str, site: str, *, args: argparse.Namespace
) -> tuple[bytes, str | None, datetime | None, str]:
    """The page of ``url`` as a crawl of ``site`` kept it (PAGE_ARCHIVE), else ``source``
    downloaded now (``--fetch`` downloads); with when and from where it was fetched."""
    from crawler.fetch.page_archive import archive_dir
    from crawler.store.kept_pages import kept_page

    if not args.fetch:
        folder = Path(args.pages) if args.pages else archive_dir(project_settings({"DB_PATH": args.db}))
        if page := kept_page(folder, site, url):
            print(
                f"{url}: the page kept by the crawl of {page.fetched_at:%Y-%m-%d %H:%M} UTC (--fetch: download it)",
                file=sys.stderr,
            )
            return page.body, page.content_type, page.fetched_at, page.fetched_from
    return (*download(source, args.timeout), None, source)


def _refresh_captures(root: Path) -> int:
    """Re-extract every capture; print what the current code extracts differently."""
    from crawler.cli.capture import all_captures, problems, recheck
    from crawler.sites.registry import profiles

    changed = 0
    for path in all_captures(root):
        record, now = recheck(path, profiles().get(path.parent.parent.name))
        for line in problems(record, now):
            print(f"{path.relative_to(root)}: {line}")
            changed += 1
    print(f"{len(all_captures(root))} capture(s) re-extracted, {changed} difference(s)", file=sys.stderr)
    return EXIT_FAILED if changed else EXIT_OK


def add_parsers(sub: Subcommands) -> None:
    """Working on one site: extract a page, check a site, capture pages as tests."""
    p = sub.add_parser("extract", help="print the article record of one page as JSON")
    p.add_argument("source", help="an HTML file or an http(s) URL")
    p.add_argument("--url", help="the page's URL (to pick the site profile and resolve links)")
    p.add_argument("--site", help="use this site's profile instead of inferring it from the URL")
    p.add_argument("--timeout", type=count(1, 3600), default=30, help="seconds for the whole download (default 30)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("check", help="does Pantau work on a site today? (changes nothing)")
    p.add_argument("site")
    p.add_argument("--base-url", metavar="URL", help="check a mirror of the site at URL")
    p.add_argument("--sample", type=count(1, 200), default=10, help="article pages to fetch (default 10)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a Scrapy setting")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("capture", help="save live pages as tests, with a draft expected record")
    p.add_argument("sources", nargs="*", metavar="URL", help="pages to capture (or saved .html files with --url)")
    p.add_argument("--site", help="the site, when the URL does not say")
    p.add_argument("--url", help="the address a saved .html file came from")
    p.add_argument("--refresh", action="store_true", help="re-extract every capture and show what differs")
    p.add_argument(
        "--force",
        action="store_true",
        help="capture again a page whose record was reviewed (the reviewed record is kept as NAME.json.previous)",
    )
    p.add_argument("--dir", help="where captures live (default: fixtures/)")
    p.add_argument("--timeout", type=count(1, 3600), default=30, help="seconds per download (default 30)")
    p.add_argument(
        "--pages",
        metavar="DIR",
        help="where crawls keep pages (default: beside --db); a page kept there is captured as it was fetched",
    )
    p.add_argument("--fetch", action="store_true", help="download the page even when a crawl kept it")
    p.add_argument(
        "--allow-copy",
        action="store_true",
        help="capture a page of the demo or a served site copy (a reconstruction; the record is marked as a copy)",
    )
    with_db(p)
    p.set_defaults(func=cmd_capture)
