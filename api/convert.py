"""Domain objects to response bodies."""

from __future__ import annotations

from rag.answering.types import Answer
from rag.types import Hit

from .schemas import (
    AnalysisOut,
    AnswerFields,
    Citation,
    EntityOut,
    LegScores,
    SearchHit,
    ShortAnswerOut,
)


def passage_fields(hit: Hit) -> dict:
    c = hit.chunk
    return {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "article_id": c.article_id, "title": c.title,
            "text": c.text, "start": c.start, "end": c.end, "score": round(hit.score, 6)}


def search_hit(hit: Hit) -> SearchHit:
    return SearchHit(**passage_fields(hit), scores=LegScores(dense=hit.dense, lexical=hit.lexical))


def citations(answer: Answer) -> list[Citation]:
    return [Citation(**passage_fields(c.hit), n=c.n, highlight=c.highlight) for c in answer.citations]


def answer_fields(answer: Answer) -> AnswerFields:
    s, q = answer.short_answer, answer.question
    return AnswerFields(
        short_answer=ShortAnswerOut(text=s.text, n=s.n, start=s.start, end=s.end) if s else None,
        citations=citations(answer),
        refused=answer.refused,
        refusal_reason=answer.refusal_reason.value if answer.refusal_reason else None,
        related=[Citation(**passage_fields(c.hit), n=c.n, highlight=c.highlight) for c in answer.related],
        analysis=AnalysisOut(answer_type=q.answer_type.value, unit=q.unit, focus=q.focus,
                             entities=[EntityOut(text=e.text, kind=e.kind.value) for e in q.entities]))
