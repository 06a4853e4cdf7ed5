"""Scrapy settings for Pantau. Every value can be overridden with ``-s NAME=VALUE``.

Defaults are for polite monitoring of small regional news servers.
"""

import os

from crawler import __version__

BOT_NAME = "pantau"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"  # scrapy crawl: checked arguments, exit code 1 for a failed site

# Where articles go: -s DB_PATH=..., else $PANTAU_DB, else data/pantau.db.
DB_PATH = os.environ.get("PANTAU_DB", "data/pantau.db")
# Distributed mode: records go to this Redis (a stream) instead of DB_PATH; `crawler store
# --from-redis URL` writes them into the SQLite file (crawler.store.relay).
REDIS_URL = os.environ.get("REDIS_URL") or None
# Sites added without Python: one TOML file per site (crawler.sites.files), beside the spider modules.
SITES_DIR = os.environ.get("PANTAU_SITES", "sites")
SPIDER_LOADER_CLASS = "crawler.fetch.spider_loader.PantauSpiderLoader"
STORE_BATCH_SIZE = 50
# Watchlist topics (TOML); default: $PANTAU_TOPICS or crawler/enrichment/topics.toml
TOPICS_FILE = os.environ.get("PANTAU_TOPICS")
ARTICLE_MIN_WORDS = 30
# Helper processes that extract and enrich pages while the crawler keeps fetching (0: none, all
# work in the crawler process). By default what the machine offers beside the crawler's own core:
# its cores less one, at least 1 (one doubles a fast backfill on 2 cores) and at most 4 (each
# helper peaks at about 100 MB: 98 MB in bench/run.py's crawl). The crawl's first line says how many it uses.
EXTRACT_WORKERS = min(4, max(1, (os.cpu_count() or 2) - 1))
# Seconds a helper may spend on one page before it is killed and replaced (the page is recorded
# as extraction-timeout; 0: no limit). Only with EXTRACT_WORKERS > 0.
EXTRACT_TIMEOUT = 20.0
# Items of one response processed at once. Scrapy's 100 costs 100 asyncio tasks per response, a
# fifth of the crawling thread's time on a fast crawl; an article page yields one item.
CONCURRENT_ITEMS = 16
# Bytes of responses being parsed at once before Scrapy stops taking more (its default: 5 MB).
# Article pages wait here for a helper process (EXTRACT_WORKERS), so on a fast crawl of small
# pages Scrapy's 5 MB held about a thousand of them: 60 MB more at the peak (bench/run.py), with no
# more pages per second than 1 MB, which still queues several 130 KB pages per helper.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# Listing pages followed per listing, at most (stops earlier at a page with nothing new).
LISTING_MAX_PAGES = 5
# Sitemaps of an index followed per crawl, newest first by lastmod.
SITEMAP_MAX_CHILDREN = 50
# Largest sitemap or feed read (after gunzip). The protocol allows 50,000 URLs and 50 MB; such a
# sitemap is above DOWNLOAD_MAXSIZE, the limit for pages, so sitemaps have their own.
SITEMAP_MAXSIZE = 50 * 1024 * 1024
# Bounds against sitemap indexes that never end (an index linking the next index forever, or
# fanning out at every level): nesting depth, and sitemaps read per crawl. What is cut is one
# `rejects` row (reasons `too-deep`, `too-many`) and a line in the run summary.
SITEMAP_MAX_DEPTH = 3
SITEMAP_MAX_DOCUMENTS = 500

# Politeness: a descriptive User-Agent with a contact, robots.txt, few parallel requests.
PANTAU_CONTACT = os.environ.get("PANTAU_CONTACT", "https://github.com/pantau-id/pantau")
USER_AGENT = f"PantauBot/{__version__} (+{PANTAU_CONTACT}; news monitoring for research)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_MAXSIZE = 500 * 1024  # the part of a robots.txt obeyed (Google's limit); the rest is ignored
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CRAWL_DELAY_MAX = 60.0  # a robots.txt Crawl-delay above this is capped (with a warning)
ROBOTS_CACHE_SECONDS = 86400.0  # robots.txt is kept this long between runs, then asked again conditionally

# Polling when due (crawler.cadence): `crawler crawl` from cron every few minutes crawls only
# the sites whose interval, learnt from their own history, has passed.
SCHEDULE_MIN_INTERVAL = 180.0  # seconds: no site is polled more often (a due poll: one conditional feed request)
SCHEDULE_MAX_INTERVAL = 21600.0  # seconds: every site is polled at least this often
SCHEDULE_GAP_SHARE = 0.25  # the interval is this share of the typical gap between new articles now
SCHEDULE_HISTORY_DAYS = 14.0  # the history the interval is learnt from
FULL_WALK_INTERVAL = 86400.0  # seconds: a due poll is a full walk of every entry point at least this often
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

# Retries: 5xx, 429 (honouring Retry-After) and network errors, with exponential backoff.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0

DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.conditional.ConditionalRequestsMiddleware": 50,  # validators; robots.txt kept between runs
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.fetch.politeness.PoliteRobotsTxtMiddleware": 100,  # its rules, and its Crawl-delay
    "crawler.fetch.politeness.RobotsSizeMiddleware": 60,  # a robots.txt's first 500 KiB, whatever its size
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.fetch.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.fetch.middlewares.OfflineCookiesMiddleware": 700,
    "crawler.fetch.middlewares.OffsiteRedirectMiddleware": 650,
}
SPIDER_MIDDLEWARES: dict[str, int | None] = {
    # Off-site requests are already dropped by scrapy's own OffsiteMiddleware (downloader side).
    # Not used, and run for every request and item (docs/benchmark.md, where a crawl's CPU goes):
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,  # no DEPTH_LIMIT: listings have their own
}
ITEM_PIPELINES = {
    "crawler.store.pipelines.ValidatePipeline": 100,
    "crawler.store.pipelines.StorePipeline": 900,
}
# nor Scrapy 2.19's control port and job files (a setting: older Scrapy has no such module to name)
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,  # no console port on a server
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.fetch.politeness.PoliteAutoThrottle": 0,  # never faster than robots.txt's Crawl-delay
    "scrapy.extensions.logstats.LogStats": None,  # replaced by Progress, a LogStats that says more
    "crawler.fetch.progress.Progress": 500,
    "crawler.fetch.page_archive.PageArchive": 600,  # every article page kept as fetched (WARC)
}
PROGRESS_INTERVAL = 30.0
LOG_FORMATTER = "crawler.fetch.logformatter.PantauLogFormatter"  # one line per dropped item, never the record

# Development: -s HTTPCACHE_ENABLED=1 keeps every response in .scrapy/httpcache.
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
HTTPCACHE_EXPIRATION_SECS = 0

# Stop on Ctrl-C without losing stored work; JOBDIR (-s JOBDIR=crawls/site-1) resumes a crawl.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("PANTAU_LOG_LEVEL", "INFO")

# Every fetched article page is kept as fetched, in WARC files (crawler.fetch.page_archive), so that
# `crawler reextract` can run today's extraction over the archive without fetching anything again.
PAGE_ARCHIVE = True
PAGE_ARCHIVE_DIR = ""  # default: beside the database (data/pantau.db -> data/pantau-pages/)
PAGE_ARCHIVE_DAYS = 0.0  # files older than this are removed when the site is crawled again (0: keep all)
PAGE_ARCHIVE_MIN_FREE_MB = 64.0  # below this free on its disk, a run keeps no more pages: the database comes first
