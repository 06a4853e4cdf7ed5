"""Scrapy's spider loader, plus a spider for each site file of ``SITES_DIR``
(:mod:`crawler.sites.files`): a site added without Python is a site like the others to ``scrapy
list``, ``scrapy crawl`` and ``crawler crawl``."""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from crawler.fetch.spider import NewsSpider
from crawler.sites.files import site_files
from crawler.sites.profile import ProfileError, SiteProfile


def spider_class(profile: SiteProfile) -> type:
    """A spider class for a site declared by its file: :class:`NewsSpider` with the file's profile."""
    return type(
        f"{profile.name.title().replace('-', '').replace('_', '')}Spider",
        (NewsSpider,),
        {"name": profile.name, "profile": profile, "__module__": __name__},
    )


class PantauSpiderLoader(SpiderLoader):
    """Scrapy's spider loader, plus a spider for each site file of ``SITES_DIR``. A site file that
    reuses the name of a spider module is left out (``shadowed``, said with a warning) and the
    module's site is crawled as before."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        found, self.broken = site_files(settings.get("SITES_DIR"))
        self.shadowed: dict[str, str] = {}
        for profile in found:
            if profile.name in self._spiders:
                self.shadowed[profile.name] = (
                    f"site file {profile.name}.toml left out: a built-in site is named {profile.name!r} "
                    "(rename the file to add another site; the built-in one is crawled)"
                )
                continue
            self._spiders[profile.name] = spider_class(profile)

    def load(self, spider_name: str) -> type:
        """The spider; a site whose file cannot be used is :class:`ProfileError` saying why."""
        if spider_name in self.broken and spider_name not in self._spiders:
            raise ProfileError(self.broken[spider_name])
        return super().load(spider_name)
