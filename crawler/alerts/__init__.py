"""Alerts: channels from pantau.toml, messages, delivery exactly once, Atom feeds, crawl health."""
