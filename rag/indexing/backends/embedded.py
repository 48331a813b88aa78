"""The embedded backend: FAISS segments, the tantivy lexicon and the SQLite store in the index directory
(`rag.indexing.index.Index`).
Each request takes the current snapshot, refreshed when the store's generation moved (a write by this process
or another); after a write, the sentence vectors it deferred are embedded and segments merged in the
background."""

from __future__ import annotations

import atexit
import threading
import weakref
from typing import Callable

from rag.config import Settings
from rag.embedders import Embedder
from rag.indexing import merging
from rag.indexing.index import AddResult, Index, IndexStateError, Snapshot
from rag.indexing.merging import MergePolicy
from rag.indexing.store import CollectionInfo, DocumentInfo
from rag.indexing.ann import AnnPolicy
from rag.ingest.chunking import ChunkerConfig
from rag.ingest.loading import Source
from rag.search.filters import Filters
from rag.search.retrieval import Retriever, SearchConfig, SearchResult
from rag.types import DocumentMeta


def _one_faiss_thread() -> None:
    """faiss's OpenMP thread count belongs to the calling thread: a thread the server starts (a request's worker,
    the background pass) begins at the machine's core count whatever the main thread set. One query at a time is
    fastest on one thread here; a second OpenMP thread competes with the encoder (seeds search in a new thread:
    dense leg 0.21 -> 2.69 ms, whole search 25.9 -> 35.8 ms p50)."""
    import faiss

    faiss.omp_set_num_threads(1)


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, index: Index):
        self.index = index
        self._snapshot: Snapshot | None = None
        self._swap = threading.Lock()
        self._writer = threading.Lock()
        self._merger: threading.Thread | None = None
        self._again = False
        self._stopping = False
        # The background pass runs the model and faiss in C++: it must be done before the interpreter tears
        # down (a daemon thread killed inside onnxruntime aborts the process). It stops between batches.
        atexit.register(_finish, weakref.ref(self))

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> EmbeddedBackend:
        _one_faiss_thread()
        return cls(Index(settings.index_dir, embedder,
                         ChunkerConfig(size=settings.chunk_size,
                                       overlap=min(settings.chunk_overlap, settings.chunk_size - 1)),
                         AnnPolicy(exact_below=settings.ann_threshold, kind=settings.ann_kind), MergePolicy(seal_at=settings.seal_at,
                                                    lexicon_batch=settings.lexicon_batch)))

    def exists(self) -> bool:
        return self.index.exists()

    def snapshot(self) -> Snapshot:
        with self._swap:
            first = self._snapshot is None
            if first:
                self._snapshot = self.index.open()
            else:
                # A request still reading the old snapshot keeps it; they share the store connection.
                self._snapshot = self.index.refresh(self._snapshot)
            snapshot = self._snapshot
        if first and (snapshot.store.pending_sentences(1) or merging.untuned(snapshot.store)):
            # finish the sentence vectors a killed server or a CLI run left pending; tune again the segments an
            # older ANN policy tuned
            self._after_write()
        return snapshot

    def search(self, query: str, k: int, filters: Filters | None, config: SearchConfig) -> SearchResult:
        _one_faiss_thread()
        return Retriever(self.snapshot(), self.index.embedder, config).search(query, k, filters, config)

    def _after_write(self) -> None:
        self.snapshot()
        with self._swap:
            self._again = True  # a running background pass may have looked before this write
            if self._merger is None or not self._merger.is_alive():
                self._merger = threading.Thread(target=self._background, name="index-background", daemon=True)
                self._merger.start()

    def wait(self) -> None:
        """Wait for the background work (sentence vectors, a segment merge) to finish (before closing, or to
        measure)."""
        while self._merger is not None and self._merger.is_alive():
            self._merger.join()

    def _background(self) -> None:
        """After writes: embed the sentence vectors they deferred, then merge segments."""
        _one_faiss_thread()  # builds keep the other core for queries
        while True:
            with self._swap:
                if not self._again or self._stopping:
                    return
                self._again = False
            try:
                self.index.fill_sentences(guard=lambda: self._writer, stop=lambda: self._stopping)
                if self._stopping:  # what is left is pending: the next process that opens the index finishes it
                    return
                snapshot = self._snapshot
                self.index.merge(guard=lambda: self._writer, loaded=snapshot.vectors.sealed if snapshot else None)
            except IndexStateError:  # another process holds the write lock: its own writes run this after
                pass

    def add(self, sources: list[Source], progress: Callable[[int], None] | None = None,
            rebuild: bool = False) -> list[AddResult]:
        # acknowledged once chunks, vectors and tokens are committed; sentence vectors follow in the background
        _one_faiss_thread()  # a write may seal a segment
        with self._writer:
            results = self.index.add(sources, progress=progress, rebuild=rebuild, sentences=False)
        self._after_write()
        return results

    def remove(self, doc_ids: list[str]) -> list[DocumentInfo]:
        _one_faiss_thread()
        with self._writer:
            removed = self.index.remove(doc_ids)
        self._after_write()
        return removed

    def set_meta(self, doc_id: str, meta: DocumentMeta) -> DocumentInfo:
        with self._writer:
            info = self.index.set_meta(doc_id, meta)
        self.snapshot()
        return info

    def create_collection(self, name: str, description: str = "") -> CollectionInfo:
        with self._writer:
            info = self.index.create_collection(name, description)
        self.snapshot()
        return info

    def delete_collection(self, name: str) -> CollectionInfo:
        with self._writer:
            info = self.index.delete_collection(name)
        self._after_write()
        return info


def _finish(ref: weakref.ref) -> None:
    backend = ref()
    if backend is not None:
        backend._stopping = True
        backend.wait()
