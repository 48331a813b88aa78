"""Evidence: every sentence of the top passages scored against the question, 0.7 × e5 cosine + 0.3 × the
share of the question's character bigrams it holds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.answering.types import AnswerConfig
from rag.embedders import Embedder
from rag.ingest.chunking import sentences
from rag.text.analyzers import bigrams
from rag.types import Hit

_STOP = set("的了是在和与及吗呢吧啊么什哪谁几多少怎样如何为有个")


@dataclass(frozen=True)
class Sentence:
    passage: int  # index into the hits
    start: int  # offsets into the passage text
    end: int
    text: str
    score: float


def question_terms(question: str) -> set[str]:
    return {t for t in bigrams(question) if not (set(t) & _STOP)}


def score_sentences(question: str, hits: list[Hit], embedder: Embedder, config: AnswerConfig) -> list[Sentence]:
    """The sentences of the top passages, best first."""
    spans = [(i, a, b) for i, hit in enumerate(hits[: config.passages])
             for a, b in sentences(hit.chunk.text) if b - a >= 4]
    if not spans:
        return []
    texts = [hits[i].chunk.text[a:b] for i, a, b in spans]
    cos = embedder.embed_passages(texts) @ embedder.embed_query(question)
    terms = question_terms(question)
    lex = np.array([len(terms & set(bigrams(t))) / len(terms) if terms else 0.0 for t in texts])
    scores = config.cosine_weight * cos + (1 - config.cosine_weight) * lex
    found = [Sentence(i, a, b, text, float(s)) for (i, a, b), text, s in zip(spans, texts, scores)]
    return sorted(found, key=lambda s: -s.score)
