"""Extraction: a fetched page to an article record, in layers (site profile, JSON-LD and
metadata, generic), with cleanup, Indonesian dates and bylines."""
