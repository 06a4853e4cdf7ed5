"""URL canonicalisation: one spelling per article, whatever link led to it."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string, url_query_cleaner

# Query parameters that never change what page is served.
TRACKING_PARAMS = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "utm_id",
        "utm_name",
        "utm_reader",
        "utm_brand",
        "utm_social",
        "utm_social-type",
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "amp",
        "noamp",
        "share",
        "s_cid",
        "cmpid",
        "spm",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ocid",
        "wt.mc_id",
        "__twitter_impression",
        "ncid",
        # session ids: a new value on every visit, the same page
        "phpsessid",
        "sid",
        "sessid",
        "sessionid",
        "session_id",
        "jsessionid",
        "aspsessionid",
        "cfid",
        "cftoken",
    }
)
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.I)
_AMP_PATH = re.compile(r"/amp/?$", re.I)


def canonical_url(url: str, *, strip_query: bool = False) -> str:
    """The identity form of a URL: https, no ``www.``, no fragment, no tracking or AMP parameters,
    no ``/amp/`` suffix, sorted query, no trailing slash (but ``/`` for a bare host).

    Idempotent: ``canonical_url(canonical_url(u)) == canonical_url(u)``.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url.lstrip("/")
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    netloc = host
    if parts.port and parts.port not in (80, 443):
        netloc = f"{host}:{parts.port}"
    path = _AMP_PATH.sub("", _PATH_SESSION.sub("", parts.path)).rstrip("/") or "/"
    query = "" if strip_query else parts.query
    cleaned = _without_junk(urlunsplit((scheme, netloc, path, query, "")))
    result = urlsplit(canonicalize_url(cleaned, keep_fragments=False))
    return urlunsplit((result.scheme, result.netloc, result.path.rstrip("/") or "/", result.query, ""))


def clean_url(url: str) -> str:
    """The URL as the site spells it (scheme and host kept), minus tracking parameters, AMP
    variants and the fragment: what ``articles.url`` holds and what a user clicks."""
    url = url.strip().split("#", 1)[0]
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = _AMP_PATH.sub("/", _PATH_SESSION.sub("", parts.path)) or "/"
    cleaned = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))
    return safe_url_string(_without_junk(cleaned))


def _without_junk(url: str) -> str:
    """The URL without tracking and session parameters, whatever their case (``PHPSESSID``)."""
    query = urlsplit(url).query
    if not query:
        return url
    present = {name for name, _ in parse_qsl(query, keep_blank_values=True) if name.lower() in TRACKING_PARAMS}
    if not present:
        return url
    return url_query_cleaner(url, sorted(present), remove=True, unique=True)


def same_site(url: str, domains: tuple[str, ...] | list[str]) -> bool:
    """True when the URL's host is one of ``domains`` or a subdomain of one."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    return any(host == d or host.endswith("." + d) for d in domains)


def with_origin(url: str, origin: str) -> str:
    """The same path and query on another origin (``http://127.0.0.1:8000``): mirror mode."""
    parts = urlsplit(url)
    base = urlsplit(origin)
    return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
