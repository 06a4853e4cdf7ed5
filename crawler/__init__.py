"""Pantau: a monitoring news crawler for Indonesian regional news, stored in one SQLite file."""

__version__ = "0.1.0"
