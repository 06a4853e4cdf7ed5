"""Writers `crawler sites add` learns where a portal prints no element for the name alone: many
regional portals put the writer in one line with the date and the editor ("Oleh MC KOTA
PONTIANAK, Senin, 14 Oktober 2024 | 17:55 WIB - Redaktur: Untung S"). That line is learnt as the
site's byline, which the byline layer reads for the writer, the editor and the date."""

from __future__ import annotations

from crawler.extraction.decode import html_tree
from crawler.extraction.extract import extract_article
from crawler.items import Article
from crawler.learning.site_learning import Sampled, learn_selectors, unlearnt
from crawler.sites.file_writer import Learnt, site_file_text
from crawler.sites.files import profile_from_file

WRITERS = ("MC Kota Pontianak", "Ani Lestari", "MC Kabupaten Sambas")
EDITORS = ("Untung S", "Tobari", "Hendra")


def _page(n: int, line: str) -> str:
    return (
        f"<html><body><h1>Berita {n}</h1><div class='info'><p class='line'>{line}</p><p>Bagikan</p></div>"
        "<div class='content'><p>Isi berita tentang netralitas ASN menjelang Pilkada serentak.</p></div>"
        "<div class='comments'><p>Oleh Pembaca Setia, Selasa, 15 Oktober 2024 | 08:00 WIB</p></div>"
        "</body></html>"
    )


def _one_line(n: int) -> str:
    return f"Oleh {WRITERS[n]}, Senin, 1{n} Oktober 2024 | 17:55 WIB - Redaktur: {EDITORS[n]}"


def _sampled(n: int, line: str) -> Sampled:
    url = f"https://portal.example/berita/{n}/"
    answer = Article(url=url, site="portal", title=f"Berita {n}", authors=[WRITERS[n]])
    return Sampled(url, html_tree(_page(n, line)), answer)


def test_a_writer_named_only_inside_a_line_with_date_and_editor_is_learnt_as_the_byline():
    pages = [_sampled(n, _one_line(n)) for n in range(3)]
    learnt = learn_selectors(pages)
    assert "authors" not in learnt  # no element holds the name alone
    assert learnt["byline"] == ("p.line",)
    assert "authors" not in unlearnt(learnt) and "byline" not in unlearnt(learnt)


def test_a_writer_with_an_element_of_its_own_needs_no_byline():
    line = "Oleh <a class='writer'>{}</a>, Senin, 14 Oktober 2024"
    pages = [_sampled(n, line.format(WRITERS[n])) for n in range(3)]
    learnt = learn_selectors(pages)
    assert learnt["authors"] == ("a.writer",) and "byline" not in learnt


def test_lines_that_name_someone_else_teach_no_byline():
    """On a page whose line names another person than the writer the generic layers found, the
    line is no byline of the writer: nothing is learnt, the field keeps the generic layers."""
    pages = [_sampled(n, _one_line((n + 1) % 3)) for n in range(3)]
    learnt = learn_selectors(pages)
    assert "byline" not in learnt and "authors" in unlearnt(learnt)


def test_the_learnt_byline_gives_writer_editor_and_date_through_the_site_file(tmp_path):
    pages = [_sampled(n, _one_line(n)) for n in range(3)]
    site = Learnt(
        name="portal",
        label="portal.example",
        domains=("portal.example",),
        home="https://portal.example/",
        article_path=r"^/berita/\d+/$",
        timezone="WIB",
        declared_utc_is_local=False,
        sitemaps=(),
        feeds=(),
        listings=("/",),
        search=(),
        selectors=learn_selectors(pages),
    )
    path = tmp_path / "portal.toml"
    path.write_text(site_file_text(site, unlearnt(site.selectors)), encoding="utf-8")
    article = extract_article(_page(2, _one_line(2)), "https://portal.example/berita/2/", profile_from_file(path))
    assert article.authors == [WRITERS[2]] and article.editor == EDITORS[2]
    assert article.published_at == "2024-10-12T17:55:00+07:00"
    assert article.extracted_by["authors"] == "byline"


def test_the_desks_name_is_learnt_where_the_byline_shows_it_not_in_the_menu():
    """ "Redaksi" (the desk) is a byline's name and a menu link to the desk's page: the element the
    page marks as the writer's (a link to ``/author/...``) is the one learnt."""
    menu = "<ul class='top-menu'><li><a href='/redaksi/'>Redaksi</a></li><li><a href='/kontak/'>Kontak</a></li></ul>"
    line = "<span class='meta-author'><a href='/author/redaksi/' class='author-name'>Redaksi</a></span>"
    pages = []
    for n in range(3):
        url = f"https://portal.example/berita/{n}/"
        html = f"<html><body>{menu}<h1>Berita {n}</h1>{line}<div class='content'><p>Isi berita.</p></div></body></html>"
        pages.append(Sampled(url, html_tree(html), Article(url=url, site="portal", authors=["Redaksi"])))
    learnt = learn_selectors(pages)
    assert learnt["authors"] and all("menu" not in css for css in learnt["authors"])
