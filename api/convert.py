"""Domain objects to response bodies."""

from __future__ import annotations

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


def _document(store, hit: Hit) -> dict:
    """The collection and newspaper metadata of the passage's document, for citing it."""
    doc = store.document(hit.chunk.doc_id) if store is not None else None
    return {"collection": doc.collection, "meta": meta_out(doc.meta)} if doc is not None else {}


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
            "text": c.text, "start": c.start, "end": c.end, "score": round(hit.score, 6), **_page(store, hit),
            **_document(store, hit)}


def search_hit(hit: Hit, store=None) -> SearchHit:
    return SearchHit(**passage_fields(hit, store), scores=LegScores(dense=hit.dense, lexical=hit.lexical))


def _cited(items, store) -> list[Citation]:
    return [Citation(**passage_fields(c.hit, store), n=c.n, highlight=c.highlight) for c in items]


def answer_fields(answer: Answer, store=None) -> AnswerFields:
    s, q = answer.short_answer, answer.question
    return AnswerFields(
        short_answer=ShortAnswerOut(text=s.text, n=s.n, start=s.start, end=s.end) if s else None,
        citations=_cited(answer.citations, store),
        refused=answer.refused,
        refusal_reason=answer.refusal_reason.value if answer.refusal_reason else None,
        related=_cited(answer.related, store),
        analysis=AnalysisOut(answer_type=q.answer_type.value, unit=q.unit, focus=q.focus,
                             entities=[EntityOut(text=e.text, kind=e.kind.value) for e in q.entities]))
