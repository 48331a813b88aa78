"""Sentence-aware chunking of Chinese articles."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

from rag.types import Article, Chunk

# A sentence ends at 。！？；… (with any closing quotes after it) or at a paragraph break.
_SENTENCE = re.compile(r"[^。！？；…\n]*(?:[。！？；…]+[”’」』）)]*|\n|$)")
_CLAUSE = re.compile(r"[^，、：,]*[，、：,]?")


@dataclass(frozen=True)
class ChunkerConfig:
    size: int = 250  # target characters per chunk (measured: see README, "Chunk size")
    overlap: int = 80  # the previous chunk's last sentence is repeated when it is at most this long
    min_size: int = 60  # a smaller tail is merged into the chunk before it

    def __post_init__(self):
        if not 50 <= self.size <= 4000:
            raise ValueError(f"chunk size {self.size} is out of range; use 50 to 4000 characters")
        if not 0 <= self.overlap < self.size:
            raise ValueError(f"chunk overlap {self.overlap} must be at least 0 and below the size {self.size}")
        if not 0 <= self.min_size < self.size:
            raise ValueError(f"chunk min_size {self.min_size} must be at least 0 and below the size {self.size}")

    def as_dict(self) -> dict:
        return asdict(self)


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of `text`, without the line breaks between paragraphs."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1] == "\n":
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        if end > start:
            spans.append((start, end))
    return spans


def _pieces(text: str, span: tuple[int, int], size: int) -> list[tuple[int, int]]:
    """A sentence longer than the chunk size, cut at clause marks, and hard-cut only as a last resort."""
    start, end = span
    if end - start <= size:
        return [span]
    out: list[tuple[int, int]] = []
    a = start
    for m in _CLAUSE.finditer(text, start, end):
        if m.end() == m.start():
            continue
        if m.end() - a > size and m.start() > a:
            out.append((a, m.start()))
            a = m.start()
    out.append((a, end))
    hard: list[tuple[int, int]] = []
    for s, e in out:
        hard.extend((i, min(i + size, e)) for i in range(s, e, size))
    return hard


def chunk_spans(text: str, config: ChunkerConfig) -> list[tuple[int, int]]:
    units = [p for s in sentences(text) for p in _pieces(text, s, config.size)]
    chunks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for unit in units:
        if current and unit[1] - current[0][0] > config.size:
            chunks.append(current)
            last = current[-1]
            current = [last] if last[1] - last[0] <= config.overlap and unit[1] - last[0] <= config.size else []
        current.append(unit)
    if current:
        chunks.append(current)
    spans = [(c[0][0], c[-1][1]) for c in chunks]
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < config.min_size and \
            spans[-1][1] - spans[-2][0] <= config.size * 1.5:
        spans[-2:] = [(spans[-2][0], spans[-1][1])]
    return spans


def chunk_id(doc_id: str, start: int, text: str) -> str:
    return hashlib.sha256(f"{doc_id}\x1f{start}\x1f{text}".encode()).hexdigest()[:16]


def chunk_article(article: Article, config: ChunkerConfig) -> list[Chunk]:
    out = []
    for ordinal, (a, b) in enumerate(chunk_spans(article.text, config)):
        text = article.text[a:b]
        start, end = article.body.span(a, b)
        out.append(Chunk(chunk_id=chunk_id(article.doc_id, start, text), doc_id=article.doc_id,
                         article_id=article.article_id, title=article.title, text=text,
                         start=start, end=end, ordinal=ordinal))
    return out
