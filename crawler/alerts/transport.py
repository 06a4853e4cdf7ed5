"""Sending one message to one channel through Apprise (mail, Telegram, Slack, webhooks...), with the
delivery's idempotency key where the channel can carry it."""

from __future__ import annotations

import logging
from urllib.parse import quote

import apprise

from crawler.alerts.config import Channel


def send_apprise(channel: Channel, key: str, title: str, body: str) -> str | None:  # noqa: PLR0917 - a Sender: notify calls it positionally
    """Send one message; None when it went, else the reason (secrets masked)."""
    assert channel.url is not None
    joiner = "&" if "?" in channel.url else "?"
    url = f"{channel.url}{joiner}{quote('+X-Pantau-Key')}={key}&{quote(':pantau_key')}={key}"
    # sent on the calling thread, not Apprise's worker pool: the caller bounds the whole send
    # (crawler.deadline), and a pool's worker would keep the process alive at exit
    target = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
    if not target.add(url):
        return "not a URL Apprise can send to"
    with apprise.LogCapture(level=logging.WARNING) as log:
        ok = target.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    if ok:
        return None
    reason = " ".join(line.split(" - ", 2)[-1] for line in log.getvalue().splitlines() if line.strip())
    return channel.mask(reason.strip() or "the service refused the message")[:500]
