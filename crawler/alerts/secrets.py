"""Secrets of the alert channels kept out of every output, log lines included.

A channel's secrets are the values it takes from the environment (``${VAR}``) and what in its
URL looks like a credential: the password, and every part of the path or query that reads like a
token (letters and digits, 8 or more characters: a Telegram bot token, Slack's three tokens, a
webhook's key). Apprise's own debug lines print URLs and payloads whole, so masking Pantau's
messages is not enough: :func:`hide_in_logs` masks every log record of the process, whoever
wrote it (logging is process-wide, and so is this mask).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

_PIECES = re.compile(r"[/?&=@:#,;+ ]+")
_SECRET_NAMES = re.compile(r"(?i)(token|key|secret|pass|auth|sig)")
MIN_LENGTH = 4  # shorter values would mask ordinary words everywhere


def url_secrets(url: str) -> list[str]:
    """What in an Apprise URL is (or may be) a credential."""
    rest = url.partition("://")[2]
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
            found += [unquote(value), value]
    for piece in _PIECES.split(unquote(rest)):
        if _token_like(piece):
            found.append(piece)
    return [s for s in dict.fromkeys(found) if len(s) >= MIN_LENGTH]


def _token_like(piece: str) -> bool:
    return len(piece) >= 8 and "." not in piece and any(c.isdigit() for c in piece) and any(c.isalpha() for c in piece)


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
