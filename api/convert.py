"""Domain objects to response bodies."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel

from rag.answering.types import Answer
from rag.types import DocumentMeta, Hit

from .schemas import (
    AnalysisOut,
    AnswerFields,
    Citation,
    EntityOut,
    LegScores,
    MetaOut,
    SearchHit,
    ShortAnswerOut,
)


def page_count(store, doc_id: str) -> int:
    # getattr: a backend's store may keep no page images; its documents are then text only.
    count = getattr(store, "page_count", None)
    return count(doc_id) if count else 0


def meta_out(meta: DocumentMeta) -> MetaOut:
    return MetaOut(paper=meta.paper, date=meta.date, page=meta.page, page_name=meta.page_name, section=meta.section,
                   authors=list(meta.authors))


def json_body(model: BaseModel) -> Response:
    """A response body serialised once: returned from a route with a `response_model` (kept for the schema), a
    model would be dumped, validated again and encoded by FastAPI (~1 ms for ten passages)."""
    return Response(model.model_dump_json(), media_type="application/json")


def _document(store, hit: Hit, documents: dict) -> dict:
    """The collection and newspaper metadata of the passage's document, for citing it; `documents` keeps those
    read for one response (its passages share a few)."""
    doc_id = hit.chunk.doc_id
    if doc_id not in documents:
        documents[doc_id] = store.document(doc_id) if store is not None else None
    doc = documents[doc_id]
    return {"collection": doc.collection, "meta": meta_out(doc.meta)} if doc is not None else {}


def _page(store, hit: Hit) -> dict:
    """The page the passage starts on and its line boxes there; none for text documents."""
    locate = getattr(store, "locate", None)
    spots = locate(hit.chunk.doc_id, hit.chunk.start, hit.chunk.end) if store is not None and locate else []
    if not spots:
        return {}
    page = spots[0][0]
    return {"page": page, "boxes": [box for n, box in spots if n == page]}


def passage_fields(hit: Hit, store=None, documents: dict | None = None) -> dict:
    c = hit.chunk
    return {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "article_id": c.article_id, "title": c.title,
            "text": c.text, "start": c.start, "end": c.end, "score": round(hit.score, 6), **_page(store, hit),
            **_document(store, hit, {} if documents is None else documents)}


def search_hits(hits: list[Hit], store=None) -> list[SearchHit]:
    documents: dict = {}
    return [SearchHit(**passage_fields(h, store, documents), scores=LegScores(dense=h.dense, lexical=h.lexical))
            for h in hits]


def _cited(items, store, documents: dict) -> list[Citation]:
    return [Citation(**passage_fields(c.hit, store, documents), n=c.n, highlight=c.highlight) for c in items]


def answer_fields(answer: Answer, store=None) -> AnswerFields:
    s, q = answer.short_answer, answer.question
    documents: dict = {}
    return AnswerFields(
        short_answer=ShortAnswerOut(text=s.text, n=s.n, start=s.start, end=s.end) if s else None,
        citations=_cited(answer.citations, store, documents),
        refused=answer.refused,
        refusal_reason=answer.refusal_reason.value if answer.refusal_reason else None,
        related=_cited(answer.related, store, documents),
        analysis=AnalysisOut(answer_type=q.answer_type.value, unit=q.unit, focus=q.focus,
                             entities=[EntityOut(text=e.text, kind=e.kind.value) for e in q.entities]))
