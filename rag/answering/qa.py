"""Question answering: retrieve, then answer extractively or through an LLM, always with citations."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from rag.answering.answer import (
    REFUSAL,
    Answer,
    AnswerConfig,
    Citation,
    extractive,
    score_sentences,
)
from rag.answering.llm import LLMClient, finish
from rag.embedders.cached import CachedEmbedder
from rag.engine import Engine
from rag.types import Hit


@dataclass
class QAResult:
    answer: Answer
    hits: list[Hit]
    timings_ms: dict[str, float] = field(default_factory=dict)


class QuestionAnswerer:
    def __init__(self, engine: Engine, config: AnswerConfig = AnswerConfig(), llm: LLMClient | None = None):
        self.engine = engine
        self.config = config
        self.llm = llm
        self.sentence_embedder = CachedEmbedder(engine.embedder)

    def _retrieve(self, question: str, top_k: int) -> tuple[list[Hit], dict[str, float]]:
        result = self.engine.search(question, k=top_k)
        return result.hits, {f"search_{k}": v for k, v in result.timings_ms.items()}

    def ask(self, question: str, top_k: int = 5) -> QAResult:
        hits, timings = self._retrieve(question, top_k)
        t = time.perf_counter()
        if self.llm is None:
            answer = extractive(question, hits, self.sentence_embedder, self.config)
        else:
            answer = self._generated(question, hits)
        timings["answer"] = round((time.perf_counter() - t) * 1000, 2)
        timings["total"] = round(timings.get("search_total", 0.0) + timings["answer"], 2)
        return QAResult(answer=answer, hits=hits, timings_ms=timings)

    def _generated(self, question: str, hits: list[Hit]) -> Answer:
        if not hits:
            return Answer(REFUSAL, (), True, 0.0)
        text, cited, refused = self.llm.complete(question, hits)
        return self._with_citations(question, hits, text, cited, refused)

    def _with_citations(self, question: str, hits: list[Hit], text: str, cited: list[int], refused: bool) -> Answer:
        if refused:
            return Answer(REFUSAL, (), True, 0.0)
        citations = []
        for n in cited:
            hit = hits[n - 1]
            best = score_sentences(question, [hit], self.sentence_embedder, self.config)
            span = best[0][2] if best else (0, len(hit.chunk.text))
            citations.append(Citation(n=n, hit=hit, highlight=span))
        return Answer(text=text, citations=tuple(citations), refused=False, evidence=1.0)

    def stream(self, question: str, top_k: int = 5) -> tuple[list[Hit], Iterator[str], Callable[[], Answer]]:
        """The sources first, then the answer's text as it is produced, then the checked answer.

        Returns (hits, deltas, final): iterate `deltas` to the end before calling `final()`.
        """
        hits, _ = self._retrieve(question, top_k)
        state: dict[str, Answer] = {}

        def deltas() -> Iterator[str]:
            if self.llm is None:
                answer = extractive(question, hits, self.sentence_embedder, self.config)
                state["answer"] = answer
                # An extractive answer is whole at once; it is sent sentence by sentence.
                for piece in _pieces(answer.text):
                    yield piece
                return
            parts: list[str] = []
            for delta in self.llm.stream(question, hits):
                parts.append(delta)
                yield delta
            text, cited, refused = finish("".join(parts), len(hits))
            state["answer"] = self._with_citations(question, hits, text, cited, refused)

        return hits, deltas(), lambda: state["answer"]


def _pieces(text: str) -> list[str]:
    import re

    return [p for p in re.split(r"(?<=\])", text) if p] or [text]
