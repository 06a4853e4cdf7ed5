"""``crawler sites add URL``: a site file written from the site itself: where it announces its
articles, what their URLs look like, and selectors learnt from a sample of them."""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from crawler.cli.common import EXIT_FAILED, EXIT_OK, fail, parse_settings, project_settings
from crawler.commands.site_learning import LEARNT_FIELDS, Sampled, learn_selectors, learn_zone
from crawler.extraction.decode import ExtractionError, decode_html, html_tree
from crawler.extraction.extract import extract_article
from crawler.extraction.metrics import page_f1
from crawler.fetch.single_page import download
from crawler.fetch.survey import PoliteFetcher, Survey, SurveyError, site_urls, survey
from crawler.items import Article
from crawler.sites.file_writer import Learnt, site_file_text, write_whole
from crawler.sites.files import profile_from_file
from crawler.sites.profile import ProfileError, SiteProfile
from crawler.sites.url_patterns import article_path

AGREEMENT = {"title": "title", "published": "date", "body": "body"}


def site_name(home: str) -> str:
    """``https://www.suarakalbar.co.id/`` -> ``suarakalbar``: the host's first label."""
    host = (urlsplit(home).hostname or "").removeprefix("www.")
    return re.sub(r"[^a-z0-9_-]", "-", host.split(".")[0].lower()) or "site"


def _sample(fetcher: PoliteFetcher, found: Survey, pattern: str, *, size: int) -> tuple[list[Sampled], Counter[str]]:
    """Up to ``size`` of the listed articles, read by the generic layers, and why the others
    read were passed over (cannot be fetched, holds no article: counted by reason)."""
    compiled = re.compile(pattern)
    pages: list[Sampled] = []
    passed: Counter[str] = Counter()
    for url in found.listed:
        if len(pages) >= size:
            break
        if not compiled.search(urlsplit(url).path):
            continue
        try:
            body, content_type = fetcher.get(url)
            tree = html_tree(decode_html(body, content_type))
            pages.append(Sampled(url, tree, extract_article(tree, url, None)))
        except ExtractionError as exc:
            passed[exc.reason] += 1
        except ValueError:
            passed["not fetched"] += 1
    return pages, passed


def _agreement(pages: list[Sampled], profile: SiteProfile) -> dict[str, tuple[float, float]]:
    """Field -> (share of pages where the learnt profile and the generic layers agree, share of
    pages where the profile layer gave the field)."""
    table = {name: [0, 0] for name in AGREEMENT}
    for page in pages:
        ours: Article = extract_article(page.tree, page.url, profile)
        same = {
            "title": ours.title == page.answer.title,
            "published": ours.published_date == page.answer.published_date,
            "body": page_f1(page.answer.body, ours.body) >= 0.95,
        }
        for name in AGREEMENT:
            table[name][0] += same[name]
            table[name][1] += ours.extracted_by.get(name) == "profile"
    n = max(len(pages), 1)
    return {name: (agree / n, by_profile / n) for name, (agree, by_profile) in table.items()}


def cmd_sites_add(args: argparse.Namespace) -> int:
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
        found = survey(home, fetcher)
    except SurveyError as exc:
        return fail(f"{name}: {exc}")
    if not found.found:
        tried = ", ".join(f"{where} ({what})" for where, what in found.tried.items())
        return fail(f"{name}: not a news site: no feed or sitemap lists its pages (tried {tried})")
    pattern = article_path(found.listed)
    if pattern is None:
        return fail(f"{name}: the {len(found.listed)} pages its feeds and sitemaps list share no article URL shape")
    pages, passed = _sample(fetcher, found, pattern, size=args.sample)
    skipped = ", ".join(f"{why} {n}" for why, n in passed.most_common())
    if len(pages) < 2:
        why = f" (passed over: {skipped})" if skipped else ""
        return fail(
            f"{name}: {len(pages)} of the listed articles could be read{why}; at least 2 are needed to learn from"
        )
    selectors = learn_selectors(pages)
    if not selectors:
        return fail(f"{name}: no selector is stable across the {len(pages)} sampled articles; no file written")
    site = Learnt(
        name=name,
        label=urlsplit(home).hostname or name,
        domains=((urlsplit(home).hostname or "").removeprefix("www."),),
        home=home,
        article_path=pattern,
        timezone=learn_zone([p.answer for p in pages]),
        sitemaps=tuple(dict.fromkeys(f.path for f in found.found if f.kind == "sitemap")),
        feeds=tuple(dict.fromkeys(f.path for f in found.found if f.kind == "feed")),
        selectors=selectors,
        notes=[f"entry points tried: {', '.join(f'{w} ({what})' for w, what in found.tried.items())}"],
    )
    text = site_file_text(site, tuple(f for f in LEARNT_FIELDS if f not in selectors))
    with tempfile.TemporaryDirectory(prefix="pantau-sites-add-") as scratch:
        draft = Path(scratch) / target.name
        draft.write_text(text, encoding="utf-8")
        try:
            profile = profile_from_file(draft)
        except ProfileError as exc:
            return fail(f"{name}: the learnt file does not load: {exc}", EXIT_FAILED)
    write_whole(target, text)
    print(f"{target}: written from {len(pages)} sampled articles ({', '.join(f.path for f in found.found)})")
    if skipped:
        print(f"  listed articles passed over: {skipped}")
    print(f"  {'field':<10} {'agree':>6} {'by profile':>11}  selectors")
    for field, (agree, by_profile) in _agreement(pages, profile).items():
        learnt = ", ".join(selectors.get(AGREEMENT[field], ())) or "- (generic layers)"
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
