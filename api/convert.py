"""Domain objects to response bodies."""

from __future__ import annotations

from rag.answering.answer import Answer
from rag.types import Hit

from .schemas import Citation, LegScores, SearchHit


def page_count(store, doc_id: str) -> int:
    # getattr: page images come with the ingest branch's Store; a store without them has text documents only.
    count = getattr(store, "page_count", None)
    return count(doc_id) if count else 0


def _page(store, hit: Hit) -> dict:
    """The page the passage starts on and its line boxes there; none for text documents."""
    locate = getattr(store, "locate", None)
    spots = locate(hit.chunk.doc_id, hit.chunk.start, hit.chunk.end) if store is not None and locate else []
    if not spots:
        return {}
    page = spots[0][0]
    return {"page": page, "boxes": [box for n, box in spots if n == page]}


def passage_fields(hit: Hit, store=None) -> dict:
    c = hit.chunk
    return {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "article_id": c.article_id, "title": c.title,
            "text": c.text, "start": c.start, "end": c.end, "score": round(hit.score, 6), **_page(store, hit)}


def search_hit(hit: Hit, store=None) -> SearchHit:
    return SearchHit(**passage_fields(hit, store), scores=LegScores(dense=hit.dense, lexical=hit.lexical))


def citations(answer: Answer, store=None) -> list[Citation]:
    return [Citation(**passage_fields(c.hit, store), n=c.n, highlight=c.highlight) for c in answer.citations]
