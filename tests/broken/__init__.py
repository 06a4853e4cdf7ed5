"""A project whose extra site has an invalid profile selector (tests of the crawl's preflight)."""
