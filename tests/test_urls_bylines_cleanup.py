import pytest

from crawler.extraction.bylines import credit_lines, parse_byline
from crawler.extraction.cleanup import clean_paragraphs
from crawler.urls import canonical_url, clean_url, same_site
from spiders.infopublik import PROFILE as INFOPUBLIK


@pytest.mark.parametrize(
    "url, canonical",
    [
        (
            "http://www.suarakalbar.co.id/2023/12/x/?utm_source=fb&utm_medium=social#comments",
            "https://suarakalbar.co.id/2023/12/x",
        ),
        ("https://WWW.Suarakalbar.co.id/2023/12/x/amp/", "https://suarakalbar.co.id/2023/12/x"),
        ("https://editorialkaltim.com/x-y-z/?amp=1", "https://editorialkaltim.com/x-y-z"),
        ("https://editorialkaltim.com/?p=12&b=2&a=1", "https://editorialkaltim.com/?a=1&b=2&p=12"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical
    assert canonical_url(canonical) == canonical


def test_clean_url_keeps_host_as_site_spells_it():
    assert (
        clean_url("https://www.suarakalbar.co.id/2023/12/x/?utm_source=a#top")
        == "https://www.suarakalbar.co.id/2023/12/x/"
    )


def test_infopublik_identity_ignores_slug_host_and_query():
    keys = {
        INFOPUBLIK.url_key(u)
        for u in [
            "https://infopublik.id/kategori/nusantara/861347/pj-wali-kota-pontianak",
            "https://www.infopublik.id/kategori/nusantara/861347/another-slug?video=1",
            "https://infopublik.id/kategori/nusantara/861347/index.html",
            "http://infopublik.id/kategori/nasional/861347/x?utm_source=wa",
        ]
    }
    assert keys == {"infopublik:861347"}
    assert INFOPUBLIK.is_article_url("https://infopublik.id/kategori/nusantara/861347/index.html")
    assert not INFOPUBLIK.is_article_url("https://infopublik.id/kategori/nusantara")


def test_same_site_accepts_subdomains_only_of_the_site():
    assert same_site("https://ketapang.suarakalbar.co.id/x", ("suarakalbar.co.id",))
    assert not same_site("https://suarakalbar.co.id.evil.com/x", ("suarakalbar.co.id",))


def test_infopublik_bylines_new_and_old():
    new = parse_byline("Oleh MC KOTA PONTIANAK, Senin, 14 Oktober 2024 | 17:55 WIB - Redaktur: Untung S - 171")
    assert (new.authors, new.editor, new.views) == (["MC KOTA PONTIANAK"], "Untung S", 171)
    old = parse_byline(
        "Minggu, 13 Februari 2022 | 04:29 WIB \u00a0|\u00a0Penulis :\u00a0 MC KOTA PADANG , Redaktur :\u00a0Tobari"
    )
    assert (old.authors, old.editor, old.views) == (["MC KOTA PADANG"], "Tobari", None)


def test_credit_lines():
    found = credit_lines(["Isi berita.", "Penulis: Ani Lestari / Editor: Budi"])
    assert found.authors == ["Ani Lestari"] and found.editor == "Budi"


def test_cleanup_drops_related_links_and_calls_but_keeps_sentences():
    paragraphs = [
        "Pontianak (Suara Kalbar)- Isi pertama.",
        "Baca Juga: Judul Lain Yang Terkait",
        "Baca  Badan Kesatuan Bangsa dan Politik Kaltim Gelar Rapat",
        "Baca tulis menjadi kegiatan wajib bagi siswa di sekolah tersebut, katanya.",
        "“Kutipan penting dari pejabat,” ujarnya.",
        "IKUTI BERITA LAINNYA DI GOOGLE NEWS",
        "Komentar",
        "Paragraf sesudah komentar tidak lagi bagian berita.",
    ]
    assert clean_paragraphs(paragraphs) == [
        "Pontianak (Suara Kalbar)- Isi pertama.",
        "Baca tulis menjadi kegiatan wajib bagi siswa di sekolah tersebut, katanya.",
        "“Kutipan penting dari pejabat,” ujarnya.",
    ]


ARTICLE = [
    "Pontianak - Bupati meminta seluruh aparatur sipil negara menjaga netralitas menjelang pemungutan suara "
    "Pilkada serentak, dan mengingatkan sanksi bagi yang melanggar aturan kampanye di kecamatan.",
    "Ia menambahkan pengawasan dilakukan bersama Bawaslu dan inspektorat di setiap desa dan kelurahan hingga "
    "hari pencoblosan tiba.",
]


def test_the_editors_initials_close_the_article_and_what_follows_is_not_body():
    teasers = [
        "DETIKNEWS | Minggu 20 Mei 2018, 12:19 WIB",
        "Harga Cabai Naik Jelang Lebaran di Pasar Kota",
        "DETIKNEWS | Minggu 20 Mei 2018, 11:02 WIB",
        "Banjir Rendam Tiga Desa di Kabupaten Sintang",
    ]
    for initials in ("(rvk/rvk)", "(dnu/nwy)", "(ant)", "(*)"):
        last = f"Pengawasan berlanjut sampai rekapitulasi, kata dia. {initials}"
        assert clean_paragraphs([*ARTICLE, last, *teasers]) == [*ARTICLE, last]
    # an institution's acronym ends a sentence the same way, in capitals: the article goes on
    acronym = "Laporan diteruskan ke Badan Kepegawaian Negara (BKN)"
    assert clean_paragraphs([*ARTICLE, acronym, "Paragraf berikutnya tetap isi berita."])[-1].startswith("Paragraf")
    # before the article has begun (a lead line of the page), initials end nothing
    assert clean_paragraphs(["Foto bersama (ist)", *ARTICLE]) == ["Foto bersama (ist)", *ARTICLE]


def test_the_credit_lines_close_the_article_once_it_has_begun():
    after = [
        "Pewarta: Ahmad Fauzi",
        "Editor: Budi Santoso",
        "COPYRIGHT © ANTARA 2024",
        "Gubernur Resmikan Jembatan Baru",
        "Tag: pilkada, asn",
    ]
    assert clean_paragraphs([*ARTICLE, *after]) == ARTICLE
    # a writer's line above the article (a byline in the text) is dropped, and the article kept
    assert clean_paragraphs(["Penulis: Ahmad Fauzi", *ARTICLE]) == ARTICLE


def test_a_detik_style_page_keeps_the_list_of_other_stories_out_of_the_body():
    from crawler.extraction.extract import extract_article

    items = "".join(
        f"<p>DETIKNEWS | Minggu 20 Mei 2018, 1{i}:19 WIB</p><p><a href='/berita/{i}'>Berita lain nomor {i} di "
        f"kabupaten</a></p>"
        for i in range(8)
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE) + "<p>Pengawasan berlanjut, kata dia. (rvk/rvk)</p>"
    html = (
        f"<html><head><title>Bupati Minta ASN Netral</title></head><body><h1>Bupati Minta ASN Netral</h1>"
        f"<div class='detail__body-text'>{paragraphs}{items}</div></body></html>"
    )
    record = extract_article(html, "https://news.example.id/berita/d-1/bupati-minta-asn-netral", None)
    assert record.body.endswith("(rvk/rvk)") and "DETIKNEWS" not in record.body, record.body


def test_text_of_adjacent_elements_is_read_with_a_boundary_everywhere():
    from lxml import html

    from crawler.extraction.htmltext import element_paragraphs

    def read(fragment: str) -> list[str]:
        return element_paragraphs(html.fragment_fromstring(fragment, create_parent="div"))

    credits = read("<div><span>Penulis : Hendra</span><span>Editor : Andi</span></div>")
    assert credits == ["Penulis : Hendra Editor : Andi"]
    byline = credit_lines(credits)
    assert (byline.authors, byline.editor) == (["Hendra"], "Andi")
    assert read("<p><span>LTE-Patent</span><span>: </span><span>Judul</span></p>") == ["LTE-Patent: Judul"]
    assert read("<p><span class='dropcap'>P</span>ontianak, kota</p>") == ["Pontianak, kota"]  # a drop cap


def test_the_byline_printed_above_the_text_is_no_article_text():
    """Indonesian portals print "Oleh <writer>, <day>, <date> | <time> - Redaktur: <editor>" right
    above the text, often as one more paragraph of the same box; a sentence that opens with "Oleh"
    (by, or "Oleh karena itu": therefore) has no date after the name and stays."""
    text = [
        "Oleh MC KOTA PONTIANAK, Senin, 14 Oktober 2024 | 17:55 WIB - Redaktur: Untung S - 171",
        "Oleh: Ani Lestari, 5 September 2024",
        "Pontianak, InfoPublik - Pj Wali Kota meminta ASN menjaga netralitas.",
        "Oleh karena itu, seluruh ASN diminta tidak memihak.",
        "Oleh Bupati Sambas, bantuan diserahkan kepada warga pada Senin pagi.",
    ]
    assert clean_paragraphs(text) == text[2:]


def test_an_element_the_page_hides_gives_no_article_text():
    """HTML's ``hidden`` attribute keeps an element from being shown (a push prompt, a dialog): no
    layer takes its text for the article's, on a profiled site or on any other."""
    from crawler.extraction.extract import extract_article

    prompt = (
        '<div class="push" hidden><p>Dapatkan notifikasi berita terbaru dari kami?</p><button>Izinkan</button></div>'
    )
    found = '<div hidden="until-found"><p>Bagian yang dibuka pembaca tetap bagian dari berita ini.</p></div>'
    text = "".join(f"<p>Kalimat {i} tentang netralitas aparatur sipil negara menjelang pilkada.</p>" for i in range(8))
    html = (
        f"<html><body><h1>ASN Diminta Netral</h1><div class='detail-content'>{prompt}{text}{found}</div></body></html>"
    )
    for profile in (None, INFOPUBLIK):
        body = extract_article(html, "https://infopublik.id/kategori/nusantara/870001/asn", profile).body
        assert "Kalimat 7" in body and "notifikasi" not in body, profile
    profiled = extract_article(html, "https://infopublik.id/kategori/nusantara/870001/asn", INFOPUBLIK).body
    assert "dibuka pembaca" in profiled
    # a long hidden block (a print view repeating the article) takes nothing from the text shown
    copy = f"<div class='print' hidden>{text}</div>"
    shown = f"<html><body><h1>ASN Diminta Netral</h1><div class='detail-content'>{text}</div>{copy}</body></html>"
    assert "Kalimat 7" in extract_article(shown, "https://example.org/berita/1", None).body
