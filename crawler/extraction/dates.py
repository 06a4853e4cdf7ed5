"""Publication dates as news pages write them, Indonesian pages first: a fast path for the formats
news sites use (day or month first, names or figures), dateparser for the rest.

Every result is timezone-aware. ``has_time`` tells whether the text gave a time of day: a record's
``published_at`` is only set when it did, ``published_date`` always.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

from crawler.zones import WIB, zone_from_offset

MONTHS: dict[str, int] = {
    "januari": 1,
    "jan": 1,
    "january": 1,
    "februari": 2,
    "feb": 2,
    "pebruari": 2,
    "february": 2,
    "maret": 3,
    "mar": 3,
    "march": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "juni": 6,
    "jun": 6,
    "june": 6,
    "juli": 7,
    "jul": 7,
    "july": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "aug": 8,
    "august": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "october": 10,
    "november": 11,
    "nov": 11,
    "nop": 11,
    "nopember": 11,
    "desember": 12,
    "des": 12,
    "dec": 12,
    "december": 12,
}
# Month names of pages in German, Dutch and French (the generic layers read sites of any country;
# dateparser would find them too, but only the fast path scans running text for dates)
MONTHS |= {
    "januar": 1,
    "janvier": 1,
    "februar": 2,
    "février": 2,
    "fevrier": 2,
    "märz": 3,
    "maerz": 3,
    "maart": 3,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "augustus": 8,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "dezember": 12,
    "décembre": 12,
    "decembre": 12,
}

# A publication date before this or after "now + 1 day" is garbage, not news.
EARLIEST = date(1995, 1, 1)


def latest_day(fetched: datetime) -> date:
    """The last day a page read at ``fetched`` can have been published on (a day's slack for zones)."""
    return (fetched + timedelta(days=1)).date()


DAY_NAMES = r"(?:senin|selasa|rabu|kamis|jum'?at|jumat|sabtu|minggu|ahad)"  # Indonesian day names, a regex
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_TIME = r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?::(?P<s>\d{2}))?"
# a zone name is a whole word ("Zulkifli" after a date is not "Z"); offsets: +07:00, +0700, and
# GMT+7 / UTC+7 (a bare "+7" or "-5" elsewhere is not an offset)
_OFFSET = r"(?P<offset>(?:(?<=GMT)|(?<=UTC))[+-]\d{1,2}(?::?\d{2})?(?!\d)|[+-]\d{2}:?\d{2}(?!\d))"
_ZONE = rf"(?:(?P<zone>WITA|WIB|WIT|UTC|GMT|Z)\b)?\s*{_OFFSET}?"

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:\s*(?:T|\s|WIB|WITA|WIT)\s*(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?)?"
    rf"\s*(?:(?P<zone>Z|WITA|WIB|WIT|UTC|GMT)(?![a-z]))?\s*{_OFFSET}?",
    re.I,
)
_TEXTUAL = re.compile(
    rf"(?:{DAY_NAMES}\s*,?\s*)?(?P<d>\d{{1,2}})\.?\s+(?P<mon>{_MONTH})\.?\s+(?P<y>\d{{4}})"
    rf"(?:\s*(?:[,|/\-–]|pukul|jam)?\s*(?:pukul\s*)?{_TIME})?\s*{_ZONE}",
    re.I,
)
# the month first, as English (US) pages and WordPress's default date format write it:
# "November 18th, 2019 at 11:04 a.m.", "Nov. 20, 2019, 9:02 AM", "Januari 15, 2024"
_AM_PM = r"(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?"
_MONTH_FIRST = re.compile(
    rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})"
    rf"(?:\s*(?:[,|\-–]|at|pukul|jam)?\s*{_TIME}{_AM_PM})?\s*{_ZONE}",
    re.I,
)
# what the fast path does not read after a date: a time set off by a long dash, or a zone by its
# name (EST, PDT, CET): dateparser knows them
_ZONE_NAMED = re.compile(r"\s*(?:[—–-]\s*\d{1,2}:\d{2}|[A-Z]{1,4}T\b)")
_NUMERIC = re.compile(
    rf"(?:{DAY_NAMES}\s*,?\s*)?\(?(?P<d>\d{{1,2}})[/.\-](?P<m>\d{{1,2}})[/.\-](?P<y>\d{{4}})\)?"
    rf"(?:\s*(?:[,|]|pukul|jam)?\s*(?:pukul\s*)?{_TIME})?\s*{_ZONE}",
    re.I,
)
_RELATIVE = re.compile(
    r"(?P<n>\d+|se)\s*(?P<unit>detik|menit|jam|hari|minggu|pekan|bulan|bln|tahun|thn)\s+(?:yang\s+)?lalu",
    re.I,
)
_RELATIVE_UNITS = {
    "detik": timedelta(seconds=1),
    "menit": timedelta(minutes=1),
    "jam": timedelta(hours=1),
    "hari": timedelta(days=1),
    "minggu": timedelta(weeks=1),
    "pekan": timedelta(weeks=1),
    "bulan": timedelta(days=30),
    "bln": timedelta(days=30),
    "tahun": timedelta(days=365),
    "thn": timedelta(days=365),
}


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A parsed date; ``value`` is aware, in the zone the text gave (or the site's zone), or naive
    where neither is known (a local time whose instant is unknown)."""

    value: datetime
    has_time: bool

    @classmethod
    def of_day(cls, day: date, tz: timezone | None) -> ParsedDate:
        """A day without a time of day (midnight in ``tz``, naive where no zone is known)."""
        return cls(datetime.combine(day, time(), tz), False)

    @property
    def iso(self) -> str | None:
        """``published_at``: ISO 8601 with offset, or None when the text had no time of day."""
        return self.value.isoformat(timespec="seconds") if self.has_time else None

    @property
    def day(self) -> str:
        """``published_date``: the local date as YYYY-MM-DD."""
        return self.value.date().isoformat()


def _zone(m: re.Match[str], default: timezone | None) -> timezone | None:
    return zone_from_offset(m.group("offset")) or zone_from_offset(m.group("zone")) or default


def _hour(m: re.Match[str]) -> int:
    """The hour on a 24-hour clock (``11:04 p.m.`` is 23)."""
    hour, half = int(m.group("h")), m.groupdict().get("ampm")
    return hour % 12 + (12 if half.lower() == "p" else 0) if half else hour


def _build(y: int, mo: int, d: int, *, m: re.Match[str], default: timezone | None, now: datetime) -> ParsedDate | None:
    h = m.group("h")
    try:
        if h is None:
            value = datetime(y, mo, d, tzinfo=_zone(m, default))
        else:
            value = datetime(y, mo, d, _hour(m), int(m.group("mi")), int(m.group("s") or 0), tzinfo=_zone(m, default))
    except ValueError:  # 31 February, hour 25...
        return None
    return _sane(ParsedDate(value, h is not None), now)


def _sane(parsed: ParsedDate | None, now: datetime) -> ParsedDate | None:
    if parsed is None:
        return None
    value = parsed.value if parsed.value.tzinfo else parsed.value.replace(tzinfo=UTC)  # a local time: near enough
    if value.date() < EARLIEST or value > now + timedelta(days=1):
        return None
    return parsed


_TIME_WITH_OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")


def declared_zone(*values: str | None) -> timezone | None:
    """The UTC offset the first of ``values`` written with one declares (``...T18:11:01+02:00``): a
    page that dates one value with its offset writes its other, bare times in the same zone."""
    for value in values:
        if value and (m := _TIME_WITH_OFFSET.search(value.strip())):
            minutes = int(m["h"]) * 60 + int(m["m"])
            return timezone(timedelta(minutes=-minutes if m["sign"] == "-" else minutes))
    return None


def parse_date(text: str | None, default_tz: timezone | None = WIB, now: datetime | None = None) -> ParsedDate | None:
    """Parse one date as Indonesian news pages write it; None when there is no sane date.

    Handles ISO values from meta tags, ``Senin, 14 Oktober 2024 | 17:55 WIB``, ``25 Desember 2022,
    14:46``, ``Kamis (14/12/2023)`` and ``3 jam lalu``; anything else goes to dateparser.
    A text without a zone takes ``default_tz`` (the site's own zone); with none (a page of no known
    site that declares no zone), its time stays local: ``value`` is naive and ``published_at`` has no
    offset, rather than an offset invented for a page from elsewhere.
    """
    if not text or not isinstance(text, str):
        return None
    text = text.replace("\xa0", " ").strip()
    if not text or len(text) > 300:
        return None
    now = now or datetime.now(UTC)
    m = _ISO.search(text)
    if m and m.start() < 3:
        return _build(int(m["y"]), int(m["m"]), int(m["d"]), m=m, default=default_tz, now=now)
    m = _TEXTUAL.search(text)
    if m:
        month = MONTHS[m["mon"].lower()]
        return _build(int(m["y"]), month, int(m["d"]), m=m, default=default_tz, now=now)
    m = _MONTH_FIRST.search(text)
    if m and not _ZONE_NAMED.match(text, m.end()):
        return _build(int(m["y"]), MONTHS[m["mon"].lower()], int(m["d"]), m=m, default=default_tz, now=now)
    m = _NUMERIC.search(text)
    if m:
        return _build(int(m["y"]), int(m["m"]), int(m["d"]), m=m, default=default_tz, now=now)
    m = _RELATIVE.search(text)
    if m:
        n = 1 if m["n"].lower() == "se" else int(m["n"])
        unit = m["unit"].lower()
        value = now.astimezone(default_tz or UTC) - n * _RELATIVE_UNITS[unit]
        return _sane(ParsedDate(value, unit in {"detik", "menit", "jam"}), now)
    return _slow_parse(text, default_tz, now)


def _slow_parse(text: str, default_tz: timezone | None, now: datetime) -> ParsedDate | None:
    """dateparser for what the fast path does not know. Only texts with a digit are tried."""
    if not any(ch.isdigit() for ch in text):
        return None
    try:
        data = _date_parser().get_date_data(text)
    except Exception:  # noqa: BLE001 - dateparser raises assorted errors on odd input
        return None
    if data is None or data.date_obj is None:
        return None
    value = data.date_obj
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return _sane(ParsedDate(value, data.period == "time"), now)


@lru_cache(maxsize=1)
def _date_parser():
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["id", "en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "RETURN_TIME_AS_PERIOD": True,
            "STRICT_PARSING": True,
        },
    )


# a date in running text: a month's name (``14 Oktober 2024``) or a day, month and year in figures
# (``(14/12/2023)``, ``20/05/2018``, ``28.04.2023``), with the time of day where one follows
# (``, 17:55 WIB``, ``- 12:19``, ``| 19:00 WIT``, ``pukul 12.19``)
_SCAN = re.compile(
    rf"(?:{DAY_NAMES}\s*,?\s*)?(?:\d{{1,2}}\.?\s+(?:{_MONTH})\.?\s+\d{{4}}|\(?\d{{1,2}}([/.])\d{{1,2}}\1\d{{4}}\)?)"
    r"(?:\s*(?:[,|/\-–]|pukul|jam)?\s*(?:pukul\s*)?\d{1,2}[:.]\d{2}(?!\d)(?:\s*(?:WITA|WIB|WIT))?)?",
    re.I,
)


def find_date_in_text(text: str, default_tz: timezone | None = WIB, now: datetime | None = None) -> ParsedDate | None:
    """The first full textual date (``14 Oktober 2024 17:55 WIB``) in running text, if any."""
    for m in _SCAN.finditer(text.replace("\xa0", " ")):
        parsed = parse_date(m.group(0), default_tz, now)
        if parsed:
            return parsed
    return None


def http_date(text: str) -> datetime | None:
    """An HTTP / RFC 2822 date (``Retry-After``, an RSS ``pubDate``) as an aware datetime (UTC when
    it names no zone); None when it is not one."""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
