"""Sites, declared as data: what a site is (:mod:`~crawler.sites.profile`: its domains, entry points,
selectors, zone and version), the WordPress defaults and the sites added as TOML files
(:mod:`~crawler.sites.files`), and the registry of every site Scrapy's spider loader finds
(:mod:`~crawler.sites.registry`). The built-in sites are the thin spider modules of ``spiders/``."""
