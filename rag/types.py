"""Domain objects of the pipeline: plain frozen dataclasses, no behaviour beyond small derived values."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.text.mapped import Mapped


@dataclass(frozen=True)
class Article:
    doc_id: str
    ordinal: int
    title: str
    title_source: str  # "headline" (printed on the page), "lead" (its first sentence) or "page" (text outside articles)
    body: Mapped = field(repr=False)

    @property
    def article_id(self) -> str:
        return f"{self.doc_id}#{self.ordinal}"

    @property
    def text(self) -> str:
        return self.body.text

    @property
    def start(self) -> int:
        return self.body.span()[0]

    @property
    def end(self) -> int:
        return self.body.span()[1]


DEFAULT_COLLECTION = "default"  # where documents go when no collection is named: what the service held before collections


@dataclass(frozen=True)
class DocumentMeta:
    """Newspaper metadata of a document (a page): from upload fields, a sidecar JSON, or the page's own text."""
    paper: str | None = None  # 报名, e.g. 人民日报
    date: str | None = None  # publication date, ISO yyyy-mm-dd
    page: int | None = None  # 版次
    page_name: str | None = None  # 版名, e.g. 要闻
    section: str | None = None  # 栏目
    authors: tuple[str, ...] = ()  # bylines (本报记者 XXX)


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    article_id: str
    title: str
    text: str
    start: int  # span of the original file, [start, end)
    end: int
    ordinal: int  # position of the chunk within its article


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    dense: float | None  # cosine similarity, when the dense leg found the chunk
    lexical: float | None  # BM25 score, when the lexical leg found the chunk
    duplicates: tuple[str, ...] = ()  # ids of near-identical chunks collapsed into this one
