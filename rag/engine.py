"""The assembled pipeline the CLI and the service share: embedder + search backend + search settings. The
backend (`RAG_BACKEND=embedded|milvus`) holds the index; see `rag.indexing.backends`."""

from __future__ import annotations

from typing import Callable

from rag.config import Settings
from rag.embedders import Embedder, load_embedder
from rag.indexing.backends import SearchBackend, View, open_backend
from rag.indexing.index import AddResult
from rag.indexing.store import CollectionInfo, DocumentInfo
from rag.ingest.loading import Source
from rag.search.filters import Filters
from rag.search.retrieval import SearchConfig, SearchResult
from rag.types import DocumentMeta


def search_config(settings: Settings) -> SearchConfig:
    return SearchConfig(mode=settings.search_mode, analyzer=settings.analyzer, fusion=settings.fusion,
                        rrf_k=settings.rrf_k,
                        dense_weight=settings.dense_weight, lexical_weight=settings.lexical_weight,
                        sentence_weight=settings.sentence_weight)


class Engine:
    def __init__(self, settings: Settings, embedder: Embedder | None = None, backend: SearchBackend | None = None):
        self.settings = settings
        self.embedder = embedder or load_embedder(
            settings.model, cache_dir=settings.model_dir or settings.index_dir / "models", backend=settings.embed_backend,
            query_prefix=settings.query_prefix, passage_prefix=settings.passage_prefix, threads=settings.threads,
            int8_queries=settings.int8_queries, passage_runtime=settings.passage_runtime)
        self.backend = backend or open_backend(settings, self.embedder)
        self.config = search_config(settings)

    @property
    def index(self):
        """The embedded backend's Index (benchmarks of its write path)."""
        return self.backend.index

    def snapshot(self) -> View:
        return self.backend.snapshot()

    def has_index(self) -> bool:
        return self.backend.exists()

    def wait(self) -> None:
        """Wait for background work of the backend (a segment merge) to finish."""
        self.backend.wait()

    def search(self, query: str, k: int = 10, filters: Filters | None = None,
               config: SearchConfig | None = None) -> SearchResult:
        return self.backend.search(query, k, filters, config or self.config)

    def add(self, sources: list[Source], progress: Callable[[int], None] | None = None,
            rebuild: bool = False) -> list[AddResult]:
        return self.backend.add(sources, progress=progress, rebuild=rebuild)

    def remove(self, doc_ids: list[str]) -> list[DocumentInfo]:
        return self.backend.remove(doc_ids)

    def set_meta(self, doc_id: str, meta: DocumentMeta) -> DocumentInfo:
        return self.backend.set_meta(doc_id, meta)

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        return self.backend.create_collection(name, description)

    def delete_collection(self, name: str) -> CollectionInfo:
        return self.backend.delete_collection(name)
