"""Scrapy commands of the project (``COMMANDS_MODULE``): ``scrapy crawl`` with checked arguments
and an exit code that says whether the site was crawled."""
