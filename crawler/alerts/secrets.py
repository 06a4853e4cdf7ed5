"""Secrets of the alert channels kept out of every output, log lines included.

A channel's secrets are the values it takes from the environment (``${VAR}``) and what its URL's
structure says is a credential, never what a token looks like (a Telegram token of letters only is
as secret as any): every part that Apprise's own privacy rendering (``url(privacy=True)``) hides or
leaves out, the password, query values named like a key or token, and, for the generic webhooks
(``json://``, ``xml://``, ``form://``), whose path is often the key, the path and each of its
parts. Apprise's own debug lines print URLs and payloads whole, so masking Pantau's
messages is not enough: :func:`hide_in_logs` masks every log record of the process, whoever
wrote it (logging is process-wide, and so is this mask).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote_plus, unquote, unquote_plus, urlsplit

_PIECES = re.compile(r"[/?&=@:#,;+ ]+")
_SECRET_NAMES = re.compile(r"(?i)(token|key|secret|pass|auth|sig)")
MIN_LENGTH = 4  # shorter values would mask ordinary words everywhere


WEBHOOKS = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
PATH_PART = 6  # a webhook path's parts this long or longer are masked on their own


def url_secrets(url: str) -> list[str]:
    """What in an Apprise URL is (or may be) a credential."""
    parts = urlsplit(url)
    found: list[str] = []
    try:
        password = parts.password
    except ValueError:
        password = None
    if password:
        found.append(password)
    for name, _, value in (part.partition("=") for part in parts.query.split("&") if part):
        if _SECRET_NAMES.search(unquote(name)) and value:
            plain = unquote_plus(value)  # and each word of it ("Bearer <token>"), however it is quoted
            found += [value, unquote(value), plain, quote_plus(plain), *plain.split()]
    found += _hidden_by_apprise(url)
    if parts.scheme.lower() in WEBHOOKS and parts.path.strip("/"):
        path = unquote(parts.path)
        found += [path.strip("/"), *(p for p in path.split("/") if len(p) >= PATH_PART)]
    return [s for s in dict.fromkeys(found) if len(s) >= MIN_LENGTH]


def _hidden_by_apprise(url: str) -> list[str]:
    """The parts of ``url`` that Apprise's privacy rendering of it does not show (every part after
    the scheme when Apprise cannot read the URL: nothing is known of its structure)."""
    import apprise

    rest = unquote(url.partition("://")[2])
    pieces = [*_PIECES.split(rest), *rest.split("/")]  # a token with a ':' inside is also masked whole
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        return [p for p in pieces if p]
    try:
        shown = unquote(plugin.url(privacy=True))
    except Exception:  # noqa: BLE001 - a plugin that cannot render itself: mask every part of the URL
        return [p for p in pieces if p]
    return [p for p in pieces if p and p not in shown]


def masked(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret replaced by ``***`` (longest first, so a secret holding another
    is masked whole)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= MIN_LENGTH:
            text = text.replace(secret, "***")
    return text


class _LogMask:
    """A log record factory that masks the secrets in each record's message and traceback."""

    def __init__(self, make: Any) -> None:
        self.make = make
        self.secrets: set[str] = set()

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make(*args, **kwargs)
        if not self.secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is the logging module's to report
            return record
        hidden = masked(message, self.secrets)
        if hidden != message:
            record.msg, record.args = hidden, ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = masked(logging.Formatter().formatException(record.exc_info), self.secrets)
        return record


def hide_in_logs(secrets: Iterable[str]) -> None:
    """From now on, every log record of this process shows ``***`` for each of ``secrets``."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _LogMask):
        factory = _LogMask(factory)
        logging.setLogRecordFactory(factory)
    factory.secrets.update(s for s in secrets if len(s) >= MIN_LENGTH)
