from crawler.settings import *  # noqa: F403

SPIDER_MODULES = ["spiders", "tests.broken.spiders"]
