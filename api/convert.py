"""Domain objects to response bodies."""

from __future__ import annotations

from rag.answering.answer import Answer
from rag.types import Hit

from .schemas import Citation, LegScores, SearchHit


def passage_fields(hit: Hit) -> dict:
    c = hit.chunk
    return {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "article_id": c.article_id, "title": c.title,
            "text": c.text, "start": c.start, "end": c.end, "score": round(hit.score, 6)}


def search_hit(hit: Hit) -> SearchHit:
    return SearchHit(**passage_fields(hit), scores=LegScores(dense=hit.dense, lexical=hit.lexical))


def citations(answer: Answer) -> list[Citation]:
    return [Citation(**passage_fields(c.hit), n=c.n, highlight=c.highlight) for c in answer.citations]
