"""The registry of sites: every spider in ``spiders/`` and every site file in ``sites/``, with its
profile, found by Scrapy's spider loader."""

from __future__ import annotations

import os
from functools import lru_cache

from crawler.profile import SiteProfile
from crawler.urls import same_site


@lru_cache(maxsize=1)
def profiles() -> dict[str, SiteProfile]:
    """Spider name -> profile, for every spider Scrapy's loader finds (SPIDER_MODULES, SITES_DIR)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.misc import load_object
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()  # spider modules and site files (SITES_DIR)
    loader = load_object(settings["SPIDER_LOADER_CLASS"]).from_settings(settings.frozencopy())
    found: dict[str, SiteProfile] = {}
    for name in loader.list():
        profile = getattr(loader.load(name), "profile", None)
        if isinstance(profile, SiteProfile):
            found[name] = profile
    return found


def profile_for_url(url: str) -> SiteProfile | None:
    """The profile whose domains hold ``url``, or None for a site Pantau has no profile for."""
    return next((p for p in profiles().values() if same_site(url, p.domains)), None)
