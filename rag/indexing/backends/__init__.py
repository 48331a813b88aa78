"""The search-backend seam: what the service, the answerer and the evaluation need from an index.

Two implementations, chosen by `RAG_BACKEND`: `embedded` (FAISS segments + SQLite FTS5 in the index directory,
the default) and `milvus` (a Milvus collection through pymilvus: Milvus Lite, standalone or cluster). Everything
above this seam (`rag.engine.Engine`, api/, rag/answering, rag/evaluation) runs unchanged on both."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Protocol, Sequence

from rag.types import Chunk, DocumentMeta

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.embedders import Embedder
    from rag.indexing.index import AddResult
    from rag.indexing.store import CollectionInfo, DocumentInfo
    from rag.ingest.loading import Source
    from rag.search.filters import Filters
    from rag.search.retrieval import SearchConfig, SearchResult

BACKENDS = ("embedded", "milvus")


class DocumentStore(Protocol):
    """What citations and the documents routes read. Chunk row ids are opaque integers of the backend."""

    def documents(self, collections: Sequence[str] | None = None) -> list[DocumentInfo]: ...

    def document(self, doc_id: str) -> DocumentInfo | None: ...

    def collections(self) -> list[CollectionInfo]: ...

    def collection_names(self) -> list[str]: ...

    def collection(self, name: str) -> CollectionInfo | None: ...

    def articles(self, doc_id: str) -> list[dict]: ...

    def source_text(self, doc_id: str) -> str | None: ...

    def chunks_by_id(self, ids: Iterable[int]) -> dict[int, Chunk]: ...

    def chunk_rows(self, doc_ids: Sequence[str] | None = None) -> list[int]: ...

    def counts(self) -> dict[str, int]: ...


class View(Protocol):
    """One consistent look at the index: its store and the manifest that `rag info` and /health show."""

    store: DocumentStore
    manifest: dict

    @property
    def build_id(self) -> str: ...


class SearchBackend(Protocol):
    name: str

    def exists(self) -> bool: ...

    def snapshot(self) -> View: ...

    def search(self, query: str, k: int, filters: Filters | None, config: SearchConfig) -> SearchResult: ...

    def add(self, sources: list[Source], progress: Callable[[int], None] | None = None,
            rebuild: bool = False) -> list[AddResult]: ...

    def remove(self, doc_ids: list[str]) -> list[DocumentInfo]: ...

    def set_meta(self, doc_id: str, meta: DocumentMeta) -> DocumentInfo: ...

    def create_collection(self, name: str, description: str = "") -> CollectionInfo: ...

    def delete_collection(self, name: str) -> CollectionInfo: ...

    def wait(self) -> None: ...


def open_backend(settings: Settings, embedder: Embedder) -> SearchBackend:
    if settings.backend == "milvus":
        from rag.indexing.backends.milvus import MilvusBackend

        return MilvusBackend.from_settings(settings, embedder)
    from rag.indexing.backends.embedded import EmbeddedBackend

    return EmbeddedBackend.from_settings(settings, embedder)
