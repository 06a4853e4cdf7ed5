"""Enrichment: what monitoring adds to an article (watchlist topics, places and officials, the
fingerprints that find copies of a story)."""
