"""``crawler sites add URL``: a site file written from the site itself (the work is in
:mod:`crawler.learning.add_site`, imported when the command runs: every other command starts
without it)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from crawler.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, parse_settings, project_settings


def cmd_sites_add(args: argparse.Namespace) -> int:
    from crawler.fetch.single_page import download
    from crawler.fetch.survey import PoliteFetcher, site_urls
    from crawler.learning.add_site import (
        AGREEMENT,
        CannotAdd,
        LearntFileBroken,
        agreement,
        learn_site,
        passed_text,
        site_name,
    )
    from crawler.sites.file_writer import write_whole

    settings = project_settings(parse_settings(args.set or []))
    home = args.url if args.url.endswith("/") else args.url + "/"
    if not re.match(r"https?://[^/]+/", home):
        return fail(f"not a site's address: {args.url} (https://host/)")
    name = args.name or site_name(home)
    target = Path(args.sites_dir or settings.get("SITES_DIR") or "sites") / f"{name}.toml"
    if target.exists() and not args.replace:
        return fail(f"{target} exists; --replace writes over it")
    fetcher = PoliteFetcher(
        lambda url, most, setting: download(url, args.timeout, max_bytes=most, limit_name=setting),
        site_urls(home, args.base_url.rstrip("/") if args.base_url else None),
        settings.get("USER_AGENT"),
        settings.getfloat("DOWNLOAD_DELAY"),
        page_bytes=settings.getint("DOWNLOAD_MAXSIZE"),
        xml_bytes=settings.getint("SITEMAP_MAXSIZE"),
    )
    try:
        added = learn_site(home, name, fetcher, sample=args.sample)
    except CannotAdd as exc:
        return fail(f"{name}: {exc}", EXIT_FAILED if isinstance(exc, LearntFileBroken) else EXIT_USAGE)
    write_whole(target, added.text)
    print(f"{target}: written from {len(added.pages)} sampled articles ({', '.join(added.places)})")
    if added.passed:
        print(f"  listed articles passed over: {passed_text(added.passed)}")
    print(f"  {'field':<10} {'agree':>6} {'by profile':>11}  selectors")
    for field, (agree, by_profile) in agreement(added.pages, added.profile).items():
        learnt = ", ".join(added.selectors.get(AGREEMENT[field], ())) or "- (generic layers)"
        print(f"  {field:<10} {agree:>6.0%} {by_profile:>11.0%}  {learnt}")
    print(f"next: crawler check {name}" + (f" --base-url {args.base_url}" if args.base_url else ""))
    return EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("add", help="write a site file for the site at URL: its feeds, URL shape and selectors")
    p.add_argument("url", help="the site's home page (https://host/)")
    p.add_argument("--name", help="the site's name (default: the host's first label)")
    p.add_argument("--sample", type=int, default=12, help="articles read to learn from (default 12)")
    p.add_argument("--base-url", help="fetch from a served copy of the site at this URL")
    p.add_argument("--sites-dir", help="where the file goes (default: the SITES_DIR setting)")
    p.add_argument("--replace", action="store_true", help="write over an existing file")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds for each page (default 30)")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a setting (DOWNLOAD_DELAY...)")
    p.set_defaults(func=cmd_sites_add)
