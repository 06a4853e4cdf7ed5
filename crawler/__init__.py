"""Pantau: a monitoring news crawler for Indonesian regional news, stored in one SQLite file."""

import logging

__version__ = "0.1.0"

# Progress lines of long crawls sit between INFO and WARNING, so that `crawler crawl` (log level
# PROGRESS by default) shows progress, warnings and errors, and not Scrapy's start-up chatter.
PROGRESS = 25
logging.addLevelName(PROGRESS, "PROGRESS")
