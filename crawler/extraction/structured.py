"""Extraction layers 1 and 2: JSON-LD (``NewsArticle``/``Article``, also in ``@graph``) and meta tags.

Each returns a :class:`Candidates` of raw values; the orchestrator decides which layer wins a field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extruct.jsonld import JsonLdExtractor
from parsel import Selector

from crawler.extraction.htmltext import unescaped

ARTICLE_TYPES = frozenset(
    {
        "newsarticle",
        "article",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "report",
        "liveblogposting",
    }
)
_JSONLD = JsonLdExtractor()


@dataclass(slots=True)
class Candidates:
    """Raw field values found by one layer; empty values mean "this layer does not know"."""

    title: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    description: str | None = None
    image: str | None = None
    caption: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    canonical: str | None = None
    language: str | None = None
    body: str | None = None
    site_name: str | None = None


def _texts(value: Any) -> list[str]:
    """Names out of a JSON-LD value that may be a string, an object or a list of either."""
    if value is None:
        return []
    if isinstance(value, str):
        return [unescaped(value.strip())] if value.strip() else []
    if isinstance(value, dict):
        for key in ("name", "url", "@id", "contentUrl"):
            if isinstance(value.get(key), str) and value[key].strip():
                return [unescaped(value[key].strip())]
        return []
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [str(value)]


def _first(value: Any) -> str | None:
    texts = _texts(value)
    return texts[0] if texts else None


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _index_ids(data: Any, index: dict[str, dict[str, Any]]) -> None:
    if isinstance(data, list):
        for item in data:
            _index_ids(item, index)
    elif isinstance(data, dict):
        if isinstance(data.get("@id"), str) and len(data) > 1:
            index.setdefault(data["@id"], data)
        for value in data.values():
            if isinstance(value, (list, dict)):
                _index_ids(value, index)


def _resolve(value: Any, index: dict[str, dict[str, Any]]) -> Any:
    """Replace ``{"@id": ...}`` references (Yoast's @graph style) by the node they point to."""
    if isinstance(value, list):
        return [_resolve(v, index) for v in value]
    if isinstance(value, dict) and set(value) == {"@id"} and value["@id"] in index:
        return index[value["@id"]]
    return value


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        return next((u for u in (_image_url(v) for v in value) if u), None)
    if isinstance(value, dict):
        for key in ("url", "contentUrl"):
            if isinstance(value.get(key), str) and value[key].strip():
                return value[key].strip()
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _article_nodes(data: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(data, list):
        for item in data:
            found.extend(_article_nodes(item))
    elif isinstance(data, dict):
        if _types(data) & ARTICLE_TYPES:
            found.append(data)
        if "@graph" in data:
            found.extend(_article_nodes(data["@graph"]))
    return found


def jsonld_candidates(sel: Selector) -> Candidates:
    """Layer 1. Invalid JSON-LD blocks are skipped one by one, never fatal."""
    nodes: list[dict[str, Any]] = []
    index: dict[str, dict[str, Any]] = {}
    for script in sel.root.xpath('//script[@type="application/ld+json"]'):
        try:
            items = _JSONLD.extract_items(script)
        except Exception:  # noqa: BLE001 - malformed JSON: this block is unusable, the others may be fine
            continue
        _index_ids(items, index)
        nodes.extend(_article_nodes(items))
    if not nodes:
        return Candidates()
    node = nodes[0]
    authors = [a for a in _texts(_resolve(node.get("author"), index)) if not a.startswith("http")]
    keywords = node.get("keywords")
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",")]
    image = _resolve(node.get("image"), index)
    if isinstance(image, list) and image:
        image = _resolve(image[0], index)
    caption = image.get("caption") if isinstance(image, dict) else None
    section = _first(node.get("articleSection"))
    return Candidates(
        title=_first(node.get("headline")) or _first(node.get("name")),
        published=_first(node.get("datePublished")) or _first(node.get("dateCreated")),
        modified=_first(node.get("dateModified")),
        authors=authors,
        description=_first(node.get("description")),
        image=_image_url(image) or _image_url(node.get("thumbnailUrl")),
        caption=caption if isinstance(caption, str) else None,
        category=section.split(",")[0].strip() if section else None,
        tags=[k for k in _texts(keywords) if k],
        canonical=_first(node.get("mainEntityOfPage")) or _first(node.get("url")),
        language=_first(node.get("inLanguage")),
        body=_first(node.get("articleBody")),
        site_name=_first(_resolve(node.get("publisher"), index)),
    )


def _meta_index(sel: Selector) -> dict[str, list[str]]:
    """All ``<meta>`` values by property/name/itemprop (lower case), in page order: one pass."""
    index: dict[str, list[str]] = {}
    for el in sel.root.iter("meta"):
        content = unescaped((el.get("content") or "").strip())
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = el.get(attr)
            if key:
                index.setdefault(key.strip().lower(), []).append(content)
    return index


def _first_meta(index: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        if values := index.get(name):
            return values[0]
    return None


def meta_candidates(sel: Selector) -> Candidates:
    """Layer 2: OpenGraph, ``article:*``, Twitter cards, Dublin Core and plain meta tags."""
    meta = _meta_index(sel)
    authors = [
        a for key in ("author", "article:author", "dc.creator") for a in meta.get(key, []) if not a.startswith("http")
    ]
    tags = list(meta.get("article:tag", []))
    if not tags and (news_keywords := _first_meta(meta, "news_keywords")):
        tags = [t.strip() for t in news_keywords.split(",")]
    canonical = next(
        (el.get("href") for el in sel.root.iter("link") if (el.get("rel") or "").lower() == "canonical"), None
    )
    html_lang = sel.root.get("lang") if sel.root.tag == "html" else None
    return Candidates(
        title=_first_meta(meta, "og:title", "twitter:title", "dc.title"),
        published=_first_meta(
            meta,
            "article:published_time",
            "datepublished",
            "og:published_time",
            "pubdate",
            "publishdate",
            "publish-date",
            "dc.date",
            "dc.date.issued",
            "date",
        ),
        modified=_first_meta(meta, "article:modified_time", "og:updated_time", "datemodified"),
        authors=list(dict.fromkeys(authors)),
        description=_first_meta(meta, "og:description", "description", "twitter:description"),
        image=_first_meta(meta, "og:image", "og:image:url", "twitter:image", "twitter:image:src"),
        caption=_first_meta(meta, "og:image:alt"),
        category=_first_meta(meta, "article:section"),
        tags=[t for t in tags if t],
        canonical=canonical or _first_meta(meta, "og:url"),
        language=html_lang or _first_meta(meta, "og:locale"),
        site_name=_first_meta(meta, "og:site_name", "application-name"),
    )
