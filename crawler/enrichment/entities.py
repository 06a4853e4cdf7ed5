"""Simple entity hints: Kalimantan places named in an article, and officials with their titles."""

from __future__ import annotations

import re
from functools import lru_cache

PROVINCES: dict[str, tuple[str, ...]] = {
    "Kalimantan Barat": (
        "Pontianak",
        "Singkawang",
        "Sambas",
        "Bengkayang",
        "Landak",
        "Mempawah",
        "Sanggau",
        "Sekadau",
        "Sintang",
        "Kapuas Hulu",
        "Melawi",
        "Ketapang",
        "Kayong Utara",
        "Kubu Raya",
    ),
    "Kalimantan Tengah": (
        "Palangka Raya",
        "Kotawaringin Barat",
        "Kotawaringin Timur",
        "Sampit",
        "Pangkalan Bun",
        "Kapuas",
        "Barito Selatan",
        "Barito Utara",
        "Barito Timur",
        "Murung Raya",
        "Katingan",
        "Seruyan",
        "Sukamara",
        "Lamandau",
        "Gunung Mas",
        "Pulang Pisau",
    ),
    "Kalimantan Selatan": (
        "Banjarmasin",
        "Banjarbaru",
        "Banjar",
        "Barito Kuala",
        "Tapin",
        "Hulu Sungai Selatan",
        "Hulu Sungai Tengah",
        "Hulu Sungai Utara",
        "Balangan",
        "Tabalong",
        "Tanah Laut",
        "Tanah Bumbu",
        "Kotabaru",
    ),
    "Kalimantan Timur": (
        "Samarinda",
        "Balikpapan",
        "Bontang",
        "Berau",
        "Kutai Kartanegara",
        "Kutai Barat",
        "Kutai Timur",
        "Paser",
        "Penajam Paser Utara",
        "Mahakam Ulu",
    ),
    "Kalimantan Utara": ("Tarakan", "Bulungan", "Malinau", "Nunukan", "Tana Tidung"),
}
PLACE_PROVINCE = {place: province for province, places in PROVINCES.items() for place in places}
_TITLE = (
    r"(?:(?:Pj|Pjs|Plt|Plh)\.?\s+|Penjabat\s+(?:\(Pj\)\s+)?|Pejabat\s+Sementara\s+(?:\(Pjs\)\s+)?)?"
    r"(?:Wakil\s+)?(?:Wali\s*kota|Bupati|Gubernur|Sekda|Sekretaris\s+Daerah)"
)


_OFFICE = re.compile(r"(?i)\b(?:wali\s*kota|bupati|gubernur|sekda|sekretaris\s+daerah)\b")
_NOT_NAMES = frozenset(
    {
        "senin",
        "selasa",
        "rabu",
        "kamis",
        "jumat",
        "sabtu",
        "minggu",
        "dalam",
        "bersama",
        "beserta",
        "dan",
        "yang",
        "di",
        "pada",
        "saat",
        "itu",
        "ini",
        "menjadi",
        "juga",
        "telah",
        "akan",
        "sudah",
        "hadir",
        "turut",
    }
)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = "|".join(re.escape(p) for p in sorted(PLACE_PROVINCE, key=len, reverse=True))
    places = re.compile(rf"\b({names})\b")
    officials = re.compile(
        rf"(?P<title>{_TITLE})\s+(?:Kota\s+|Kabupaten\s+|Provinsi\s+)?(?P<place>{names}|Kalimantan\s+\w+|Kaltim|Kalbar)"
        r"\s*,?\s+(?P<name>(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,3}))",
        re.I,
    )
    return places, officials


def find_places(text: str, location: str | None = None) -> list[dict[str, str]]:
    """Kalimantan regencies and cities named in the text (the dateline place first)."""
    places, _ = _patterns()
    found = ([location] if location in PLACE_PROVINCE else []) + places.findall(text)
    return [{"name": p, "province": PLACE_PROVINCE[p]} for p in dict.fromkeys(found)]


def find_officials(text: str) -> list[str]:
    """``Pj Wali Kota Singkawang Sumastro`` -> ``Pj Wali Kota Singkawang: Sumastro``."""
    _, officials = _patterns()
    out = []
    # the full pattern is costly: run it only in windows around an office title
    windows = [text[max(0, m.start() - 40) : m.end() + 120] for m in _OFFICE.finditer(text)]
    for m in (found for window in windows if (found := officials.search(window))):
        title = re.sub(r"\s+", " ", m.group("title")).strip()
        name = m.group("name")
        name = re.split(r"\s+(?:mengatakan|menegaskan|mengimbau|meminta|melakukan|saat|pada|yang|dan|di)\b", name)[0]
        if name.split()[0].lower() in _NOT_NAMES or f"{m.group('place')} {name.split()[0]}" in PLACE_PROVINCE:
            continue
        out.append(f"{title} {m.group('place')}: {name}")
    return list(dict.fromkeys(out))
