"""The command line (``crawler``): crawl, search, report, export, check, capture, notify, store,
schedule, and the small local server for bundled site copies."""
