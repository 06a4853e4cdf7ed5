"""Learning a new site from its pages (``crawler sites add``). Not under ``crawler.commands``: Scrapy
imports every module there at the start of each of its commands."""
