"""Extractive answers with numbered citations, and refusal when the evidence is weak.

From the top passages we score every sentence against the question (0.7 × e5 cosine + 0.3 × the share
of the question's character bigrams it holds) and answer with the best sentences, each followed by
the marker of the passage it was taken from. Every sentence of an answer is a verbatim substring of
its cited passage, so a citation can always highlight it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.embedders import Embedder
from rag.ingest.chunking import sentences
from rag.text.analyzers import bigrams
from rag.types import Hit

REFUSAL = "资料中没有找到与这个问题相关的内容。"
_STOP = set("的了是在和与及吗呢吧啊么什哪谁几多少怎样如何为有个")


@dataclass(frozen=True)
class Citation:
    n: int
    hit: Hit
    highlight: tuple[int, int]  # the supporting sentence, as offsets into the passage text


@dataclass(frozen=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    refused: bool
    evidence: float  # the best sentence's score; refusal compares it with the threshold


@dataclass(frozen=True)
class AnswerConfig:
    passages: int = 3  # top passages whose sentences compete
    max_sentences: int = 2
    refuse_below: float = 0.65  # calibrated on eval/seeds: see README, "Refusal"
    cosine_weight: float = 0.7
    keep_within: float = 0.03  # further sentences must score within this of the best

    def __post_init__(self):
        if not 1 <= self.passages <= 20 or not 1 <= self.max_sentences <= 10:
            raise ValueError("passages must be 1-20 and max_sentences 1-10")
        if not 0 <= self.refuse_below <= 1 or not 0 <= self.cosine_weight <= 1:
            raise ValueError("refuse_below and cosine_weight must be between 0 and 1")


def _question_terms(question: str) -> set[str]:
    return {t for t in bigrams(question) if not (set(t) & _STOP)}


def score_sentences(question: str, hits: list[Hit], embedder: Embedder, config: AnswerConfig
                    ) -> list[tuple[float, int, tuple[int, int]]]:
    """(score, passage index, sentence span) for every sentence of the top passages, best first."""
    spans: list[tuple[int, tuple[int, int]]] = []
    for i, hit in enumerate(hits[: config.passages]):
        for a, b in sentences(hit.chunk.text):
            if b - a >= 4:
                spans.append((i, (a, b)))
    if not spans:
        return []
    texts = [hits[i].chunk.text[a:b] for i, (a, b) in spans]
    qvec = embedder.embed_query(question)
    cos = embedder.embed_passages(texts) @ qvec
    terms = _question_terms(question)
    lex = np.array([len(terms & set(bigrams(t))) / len(terms) if terms else 0.0 for t in texts])
    w = config.cosine_weight
    scores = w * cos + (1 - w) * lex
    order = np.argsort(-scores)
    return [(float(scores[j]), spans[j][0], spans[j][1]) for j in order]


def extractive(question: str, hits: list[Hit], embedder: Embedder, config: AnswerConfig = AnswerConfig()) -> Answer:
    scored = score_sentences(question, hits, embedder, config)
    if not scored or scored[0][0] < config.refuse_below:
        return Answer(text=REFUSAL, citations=(), refused=True, evidence=scored[0][0] if scored else 0.0)
    best = scored[0][0]
    chosen = [s for s in scored if s[0] >= best - config.keep_within][: config.max_sentences]
    # A passage keeps its rank as its number, so the sources streamed before an answer and the
    # markers inside it agree.
    citations: dict[int, Citation] = {}
    parts: list[str] = []
    for _, passage, (a, b) in chosen:
        n = passage + 1
        citations.setdefault(n, Citation(n=n, hit=hits[passage], highlight=(a, b)))
        parts.append(f"{hits[passage].chunk.text[a:b].strip()}[{n}]")
    return Answer(text="".join(parts), citations=tuple(citations.values()), refused=False, evidence=best)


_MARKER = re.compile(r"\[(\d+)\]")


def check_markers(text: str, count: int) -> tuple[str, list[int]]:
    """Drop citation markers that point at no source; return the text and the sources it cites."""
    cited: list[int] = []

    def keep(m: re.Match) -> str:
        n = int(m.group(1))
        if 1 <= n <= count:
            if n not in cited:
                cited.append(n)
            return m.group(0)
        return ""

    return _MARKER.sub(keep, text), cited
