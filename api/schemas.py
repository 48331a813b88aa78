"""Request and response bodies. Limits live here so that OpenAPI documents them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from rag.answering.question import AnswerType, EntityKind
from rag.search.filters import COLLECTION_NAME

MAX_QUERY_CHARS = 500
MAX_TOP_K = 50
# 版次: a daily's pages run to a few hundred at most; the bound also keeps a number inside SQLite's integers
MAX_PAGE = 9999
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
CollectionName = Field(pattern=COLLECTION_NAME.pattern, examples=["default"])


class _Question(BaseModel):
    @staticmethod
    def _not_blank(value: str, what: str) -> str:
        if not value.strip():
            raise ValueError(f"the {what} is empty or only white space")
        return value.strip()


class Scope(_Question):
    """Where a question may look: collections and newspaper metadata, applied inside the index."""
    collection: str | list[str] | None = Field(
        None, description="a collection or a list of them (default: the default collection, or the collections "
                          "the API key is limited to)", examples=["default"])
    doc_ids: list[str] | None = Field(None, max_length=100, description="only search these documents")
    date_from: dt.date | None = Field(None, description="published on or after this date")
    date_to: dt.date | None = Field(None, description="published on or before this date")
    papers: list[str] = Field([], max_length=20, description="only these papers (报名)")
    pages: list[PageNumber] = Field([], max_length=50, description="only these pages (版次)")
    sections: list[str] = Field([], max_length=20)
    authors: list[str] = Field([], max_length=20)
    auto_filters: bool = Field(False, description="turn a time expression in the question (去年, 2021年3月) into a "
                                                  "date filter; the response says what was applied")

    @field_validator("collection")
    @classmethod
    def _collections(cls, v):
        names = [v] if isinstance(v, str) else v
        if names is not None:
            if not names or len(names) > 20:
                raise ValueError("give 1 to 20 collections")
            for name in names:
                if not COLLECTION_NAME.fullmatch(name):
                    raise ValueError(f"collection name '{name}' is not allowed: use 1-64 letters, digits, '_' or '-'")
        return v

    @model_validator(mode="after")
    def _dates(self):
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self


class FiltersOut(BaseModel):
    collections: list[str]
    doc_ids: list[str] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    papers: list[str] = []
    pages: list[int] = []
    sections: list[str] = []
    authors: list[str] = []
    time_expression: str | None = Field(None, description="with auto_filters: the words of the question that "
                                                          "became the date filter")


class SearchRequest(Scope):
    query: str = Field(..., min_length=1, max_length=MAX_QUERY_CHARS, examples=["德令哈给孩子们放了什么红色电影"])
    top_k: int = Field(10, ge=1, le=MAX_TOP_K)
    mode: Literal["hybrid", "dense", "lexical"] | None = Field(None, description="override the configured mode")

    @field_validator("query")
    @classmethod
    def _query(cls, v: str) -> str:
        return cls._not_blank(v, "query")


class LegScores(BaseModel):
    dense: float | None = Field(None, description="cosine similarity, when the dense leg found the passage")
    lexical: float | None = Field(None, description="BM25 score, when the lexical leg found the passage")


class MetaOut(BaseModel):
    """Newspaper metadata of a document: from upload fields, a sidecar JSON or the page's own text."""
    paper: str | None = Field(None, description="报名")
    date: dt.date | None = Field(None, description="publication date")
    page: int | None = Field(None, ge=1, le=MAX_PAGE, description="版次")
    page_name: str | None = Field(None, max_length=50, description="版名, e.g. 要闻")
    section: str | None = Field(None, max_length=50, description="栏目")
    authors: list[str] = Field([], max_length=20, description="bylines")


class Passage(BaseModel):
    chunk_id: str
    doc_id: str
    collection: str = "default"
    meta: MetaOut = Field(default_factory=MetaOut, description="the document's paper, date and page, for citing")
    article_id: str
    title: str
    text: str
    start: int = Field(..., description="character offset of the passage in the source file")
    end: int
    score: float
    page: int | None = Field(None, description="page of a scanned or PDF document the passage starts on (from 1)")
    boxes: list[tuple[float, float, float, float]] = Field(
        [], description="the passage's lines on that page: (x0, y0, x1, y1) in page-image pixels")


class SearchHit(Passage):
    scores: LegScores


class SearchResponse(BaseModel):
    results: list[SearchHit]
    filters: FiltersOut
    timings_ms: dict[str, float]


class AskRequest(Scope):
    question: str = Field(..., min_length=1, max_length=MAX_QUERY_CHARS, examples=["谁带着志愿者给居民理发？"])
    top_k: int = Field(5, ge=1, le=20, description="passages the answer may draw on")

    @field_validator("question")
    @classmethod
    def _question(cls, v: str) -> str:
        return cls._not_blank(v, "question")


class Citation(Passage):
    n: int = Field(..., description="the number used in the answer's [n] markers")
    highlight: tuple[int, int] = Field(..., description="the supporting sentence, as offsets into `text`")


class ShortAnswerOut(BaseModel):
    text: str = Field(..., description="the figure, date, name or title that answers the question")
    n: int = Field(..., description="the citation it is taken from")
    start: int = Field(..., description="offset of the short answer in that citation's `text`")
    end: int


class EntityOut(BaseModel):
    text: str
    kind: Literal[tuple(k.value for k in EntityKind)]


class AnalysisOut(BaseModel):
    answer_type: Literal[tuple(t.value for t in AnswerType)]  # the analyser's types, whatever they become
    unit: str | None = Field(None, description="the measure word or unit a number must carry")
    focus: str | None = Field(None, description="the noun phrase the answer is about")
    entities: list[EntityOut]


RefusalReasonOut = Literal["entity_absent", "no_typed_answer", "weak_evidence"]


class AnswerFields(BaseModel):
    """An answer's fields besides its text: the body of /ask, and extension fields of the chat endpoint."""
    short_answer: ShortAnswerOut | None = None
    citations: list[Citation]
    refused: bool
    refusal_reason: RefusalReasonOut | None = None
    related: list[Citation] = Field(default_factory=list,
                                    description="with a refusal: the closest passages, not citations of an answer")
    analysis: AnalysisOut


class AskResponse(AnswerFields):
    filters: FiltersOut
    answer: str = Field(..., description="the short answer first, then the supporting sentences with [n] markers; "
                                         "or the refusal, saying why")
    timings_ms: dict[str, float]


class DocumentOut(BaseModel):
    doc_id: str
    collection: str = "default"
    meta: MetaOut = Field(default_factory=MetaOut)
    chars: int
    articles: int
    chunks: int
    sha256: str
    added_at: str
    encoding: str | None = Field(None, description="the text encoding the file was read in, for text files")
    format: str = Field("text", description="text, markdown, html, docx, pdf or image")
    pages: int = Field(0, description="page images kept for the document (0 for text)")


class ArticleOut(BaseModel):
    article_id: str
    ordinal: int
    title: str
    title_source: Literal["headline", "lead"] = Field(..., description="printed headline, or taken from the lead")
    start: int
    end: int


class DocumentDetail(BaseModel):
    document: DocumentOut
    articles: list[ArticleOut]


class MetaPatch(MetaOut):
    """Fields to correct; those left out keep their value (send null to clear one)."""


class CollectionIn(BaseModel):
    name: str = CollectionName
    description: str = Field("", max_length=500)


class CollectionOut(BaseModel):
    name: str
    description: str
    created_at: str
    documents: int
    chunks: int


class UploadResult(BaseModel):
    doc_id: str
    status: Literal["added", "replaced", "unchanged", "updated"]
    articles: int
    chunks: int


class UploadResponse(BaseModel):
    documents: list[UploadResult]
    build_id: str


class HealthResponse(BaseModel):
    status: Literal["ok"]
    model: str
    build_id: str
    documents: int
    chunks: int
    vector_index: str
    answer_mode: Literal["extractive", "llm"]


# -- OpenAI-compatible ----------------------------------------------------------------------------
class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.get("text", "") for part in self.content if isinstance(part, dict))
        return self.content or ""


class ChatRequest(BaseModel):
    model: str = Field("rag-zh", max_length=200, description="rag-zh, or rag-zh/COLLECTION to ask one collection")
    collection: str | list[str] | None = Field(None, description="extension: overrides the collection of `model`")
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=100)
    stream: bool = False
    top_k: int = Field(5, ge=1, le=20, description="extension: passages the answer may draw on")
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1)

    @field_validator("messages")
    @classmethod
    def _has_question(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        users = [m for m in messages if m.role == "user"]
        if not users or not users[-1].text().strip():
            raise ValueError("the last user message is missing or empty")
        if len(users[-1].text()) > MAX_QUERY_CHARS:
            raise ValueError(f"the last user message is over {MAX_QUERY_CHARS} characters")
        return messages


# -- upload jobs ----------------------------------------------------------------------------------
class JobOut(BaseModel):
    job_id: str
    status: Literal["queued", "reading", "ocr", "indexing", "done", "failed"]
    files: list[str]
    file: str | None = Field(None, description="the file being read")
    page: int | None = Field(None, description="the page being read or OCR'd")
    pages: int | None = Field(None, description="pages in that file")
    message: str = Field(..., description="the status in words, e.g. 'OCR page 3 of 12 of scan.png'")
    error: str | None = Field(None, description="why the job failed; nothing from it was written")
    documents: list[UploadResult] = Field([], description="per-file results, when done")
    created_at: str
