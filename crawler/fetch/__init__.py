"""Fetching and discovery: the spider, what it reads to find articles (robots.txt, sitemaps,
feeds, listings), the frontier that decides what to fetch, failures, middlewares, helper processes."""
