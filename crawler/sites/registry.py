"""The registry of sites: every spider in ``spiders/`` and every site file in ``sites/``, with its
profile, found by Scrapy's spider loader."""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import Any

from crawler.sites.profile import ProfileError, SiteProfile
from crawler.urls import same_site

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _loader() -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.misc import load_object
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()  # spider modules and site files (SITES_DIR)
    return load_object(settings["SPIDER_LOADER_CLASS"]).from_settings(settings.frozencopy())


@lru_cache(maxsize=1)
def profiles() -> dict[str, SiteProfile]:
    """Spider name -> profile, for every spider Scrapy's loader finds (SPIDER_MODULES, SITES_DIR)."""
    loader = _loader()
    found: dict[str, SiteProfile] = {}
    for name in loader.list():
        profile = getattr(loader.load(name), "profile", None)
        if isinstance(profile, SiteProfile):
            found[name] = profile
    return found


def broken_sites() -> dict[str, str]:
    """Site files of ``SITES_DIR`` that cannot be used: site name -> why (file and key)."""
    return dict(getattr(_loader(), "broken", {}))


def shadowed_files() -> dict[str, str]:
    """Site files left out because a built-in site has their name: name -> the warning."""
    return dict(getattr(_loader(), "shadowed", {}))


def check_sites(asked: list[str] | None) -> list[str]:
    """The sites to crawl: those ``asked`` for, else every site. A site asked for whose file is
    bad, or that does not exist, is :class:`ValueError` naming why (with the valid names); a bad
    site file not asked for is only logged, and its site left out."""
    known, broken = sorted(profiles()), broken_sites()
    sites = list(dict.fromkeys(asked or known))  # a site named twice is crawled once
    for site in sites:
        if site in broken:
            raise ProfileError(broken[site])
    unknown = [s for s in sites if s not in known]
    if unknown:
        raise ValueError(f"unknown site(s): {', '.join(unknown)}; known: {', '.join(known)}")
    for site, why in sorted(broken.items()):
        logger.warning("site %s left out: %s", site, why)
    for why in shadowed_files().values():
        logger.warning("%s", why)
    return sites


def profile_for_url(url: str) -> SiteProfile | None:
    """The profile whose domains hold ``url``, or None for a site Pantau has no profile for."""
    return next((p for p in profiles().values() if same_site(url, p.domains)), None)
