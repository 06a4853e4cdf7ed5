from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extraction.dates import find_date_in_text, parse_date
from crawler.zones import WIB

WITA = timezone(timedelta(hours=8))
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, tz, iso, day",
    [
        ("Senin, 14 Oktober 2024 | 17:55 WIB", WIB, "2024-10-14T17:55:00+07:00", "2024-10-14"),
        ("Senin, 14 Oktober 2024 | 17:55 WITA", WIB, "2024-10-14T17:55:00+08:00", "2024-10-14"),
        ("Selasa, 1 Okt 2024 09:05 WIT", WIB, "2024-10-01T09:05:00+09:00", "2024-10-01"),
        ("25 Desember 2022, 14:46", WIB, "2022-12-25T14:46:00+07:00", "2022-12-25"),
        ("1 Oktober 2024", WITA, None, "2024-10-01"),
        ("Kamis (14/12/2023)", WIB, None, "2023-12-14"),
        ("Jum'at, 3 Mei 2024 pukul 08.15 WIB", WIB, "2024-05-03T08:15:00+07:00", "2024-05-03"),
        ("Minggu, 13 Februari 2022 | 04:29 WIB", WIB, "2022-02-13T04:29:00+07:00", "2022-02-13"),
        ("Minggu,\u00a013\u00a0Februari 2022 |\u00a004:29\u00a0WIB", WIB, "2022-02-13T04:29:00+07:00", "2022-02-13"),
        ("2024-10-14T17:55:00+07:00", WIB, "2024-10-14T17:55:00+07:00", "2024-10-14"),
        ("2024-10-14T10:55:00Z", WIB, "2024-10-14T10:55:00+00:00", "2024-10-14"),
        ("2024-10-14 17:55:00", WITA, "2024-10-14T17:55:00+08:00", "2024-10-14"),
        ("2024-10-14", WIB, None, "2024-10-14"),
        ("2019-09-28WIB19:17:34+07:00", WIB, "2019-09-28T19:17:34+07:00", "2019-09-28"),
        ("7 Agu 2023", WIB, None, "2023-08-07"),
        ("12 Des 2023 23:59", WIB, "2023-12-12T23:59:00+07:00", "2023-12-12"),
    ],
)
def test_parse_known_formats(text, tz, iso, day):
    parsed = parse_date(text, tz, NOW)
    assert parsed is not None
    assert parsed.iso == iso
    assert parsed.day == day
    assert parsed.value.tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "29/112023",
        "31/02/2024",
        "30 Februari 2024",
        "",
        "Senin",
        "tanpa tanggal",
        "99:99",
        "1 Januari 2099",
        "5 Mei 1890",
    ],
)
def test_impossible_or_garbled_dates_give_none(text):
    assert parse_date(text, WIB, NOW) is None


def test_relative_dates_resolve_against_now():
    parsed = parse_date("3 jam yang lalu", WIB, NOW)
    assert parsed is not None and parsed.has_time
    assert parsed.value == NOW - timedelta(hours=3)
    assert parse_date("4 bulan lalu", WIB, NOW).day == (NOW - timedelta(days=120)).astimezone(WIB).date().isoformat()


def test_slow_path_uses_dateparser():
    parsed = parse_date("October 14, 2024", WIB, NOW)
    assert parsed is not None and parsed.day == "2024-10-14"


def test_find_date_in_running_text():
    parsed = find_date_in_text("Beranda Daerah Oleh Admin - 18 Desember 2023, 16:21 Bagikan", WIB, NOW)
    assert parsed.iso == "2023-12-18T16:21:00+07:00"


def test_an_offset_is_named_as_indonesia_names_it_and_read_back_from_that_name():
    from datetime import timedelta

    from crawler.zones import zone_from_offset, zone_name

    for hours, name in ((7, "WIB"), (8, "WITA"), (9, "WIT")):
        assert zone_name(timedelta(hours=hours)) == name
    assert zone_name(timedelta(hours=-5, minutes=-30)) == "-05:30"
    for offset in (timedelta(hours=8), timedelta(hours=5, minutes=45), timedelta(hours=-3)):
        assert zone_from_offset(zone_name(offset)).utcoffset(None) == offset
