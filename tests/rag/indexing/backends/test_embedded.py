"""The embedded backend's write path: an add is acknowledged before its sentence vectors, which follow in the
background."""

import hashlib

import numpy as np

from rag.indexing.backends.embedded import EmbeddedBackend
from rag.indexing.index import Index
from rag.indexing.lexical.tantivy_index import TantivyIndex
from rag.text import analyzers
from rag.indexing.store import Store, sentence_key, sentence_texts
from rag.ingest.loading import Source
from rag.search.retrieval import SearchConfig
from tests.fakes import HashEmbedder

TEXT = "社区志愿者每月给老人理发。理发后还陪老人聊天。他们坚持了十年。"


def _source(doc_id: str, text: str = TEXT) -> Source:
    return Source(doc_id=doc_id, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), path=doc_id)


def test_deferred_sentence_vectors_are_pending_until_filled_and_then_match_inline_ones(tmp_path):
    embedder = HashEmbedder()
    index = Index(tmp_path / "idx", embedder)
    index.add([_source("a.txt")], sentences=False)
    index.add([_source("b.txt", "图书馆流动书车每周送书两次。村民在家门口借书。")], sentences=False)
    store = index.open().store
    assert len(store.pending_sentences(10)) == 2 and store.vectors_by_row(sentence_key(embedder.name),
                                                                          store.chunk_rows()) == {}
    index.remove(["b.txt"])  # a deleted chunk's pending entry goes with it
    assert [c.doc_id for _, c in index.open().store.pending_sentences(10)] == ["a.txt"]
    assert index.fill_sentences() == 1 and index.fill_sentences() == 0
    store = index.open().store
    (row,) = store.chunk_rows()
    chunk = store.chunks_by_id([row])[row]
    kept = store.vectors_by_row(sentence_key(embedder.name), [row])[row]
    assert np.allclose(kept, embedder.embed_passages(sentence_texts(chunk)).ravel(), atol=1e-3)  # fp16
    assert store.pending_sentences(10) == []


def test_the_backend_acknowledges_first_and_completes_the_sentence_vectors_in_the_background(tmp_path):
    backend = EmbeddedBackend(Index(tmp_path / "idx", HashEmbedder()))
    backend.add([_source("a.txt")])
    hits = backend.search("老人理发", 5, None, SearchConfig()).hits
    assert hits and hits[0].chunk.doc_id == "a.txt"  # searchable once acknowledged
    backend.wait()
    store = backend.snapshot().store
    assert store.pending_sentences(10) == []
    assert len(store.vectors_by_row(sentence_key(HashEmbedder.name), store.chunk_rows())) == 1


def test_a_server_finishes_what_a_killed_one_left_pending(tmp_path):
    Index(tmp_path / "idx", HashEmbedder()).add([_source("a.txt")], sentences=False)
    backend = EmbeddedBackend(Index(tmp_path / "idx", HashEmbedder()))
    backend.snapshot()  # opening starts the background pass
    backend.wait()
    assert Store(tmp_path / "idx" / "store.sqlite3", readonly=True).pending_sentences(10) == []


def test_each_document_of_an_import_is_found_lexically_once_it_is_reported(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder())
    seen = []

    def progress(_):  # another process's view, as each document is reported
        snapshot = Index(tmp_path / "idx", HashEmbedder()).open()
        rows = set(snapshot.store.chunk_rows())
        held = snapshot.fresh.holds(list(rows)) | (snapshot.lexicon.holds(list(rows)) if snapshot.lexicon else set())
        n = len(snapshot.store.documents())
        found = {r for r, _ in snapshot.lexical(analyzers.get("bigram")(f"第{n - 1}篇"), "bigram", 5)}
        seen.append((n, held == rows, found <= rows and bool(found)))
        snapshot.close()

    index.add([_source(f"d{i}.txt", f"第{i}篇：{TEXT}") for i in range(4)], progress=progress)
    assert seen == [(1, True, True), (2, True, True), (3, True, True), (4, True, True)]


def test_searches_from_any_thread_run_faiss_on_one_thread(tmp_path, monkeypatch):
    """The server searches from its worker threads, whose OpenMP thread count starts at the core count."""
    import threading

    import faiss

    from rag.indexing.vectors import VectorIndex

    backend = EmbeddedBackend(Index(tmp_path / "idx", HashEmbedder()))
    backend.add([_source("a.txt")])
    seen: list[int] = []
    search = VectorIndex.search

    def spy(self, *args, **kwargs):
        seen.append(faiss.omp_get_max_threads())
        return search(self, *args, **kwargs)

    monkeypatch.setattr(VectorIndex, "search", spy)

    def in_a_new_thread():
        faiss.omp_set_num_threads(2)  # as a new thread starts on a two-core machine
        backend.search("老人理发", 5, None, SearchConfig())

    worker = threading.Thread(target=in_a_new_thread)
    worker.start()
    worker.join()
    assert seen and set(seen) == {1}
    backend.wait()


def test_the_background_pass_tunes_a_segment_the_server_holds_without_loading_it_again(tmp_path, monkeypatch):
    import json

    from rag.indexing import ann
    from rag.indexing.ann import AnnPolicy
    from rag.indexing.merging import MergePolicy
    from rag.indexing.vectors import VectorIndex

    def index() -> Index:
        return Index(tmp_path / "idx", HashEmbedder(), policy=AnnPolicy(exact_below=10, kind="hnsw", m=4, ef_construction=8),
                     merge_policy=MergePolicy(seal_at=12))

    index().add([_source(f"d{i}.txt", f"第{i}篇：{TEXT}") for i in range(12)])
    store = Store(tmp_path / "idx" / "store.sqlite3")
    (row,) = store.segment_rows()
    with store.transaction():  # as the previous ANN policy left it
        store.set_segment_info(row["id"], json.dumps({"kind": "hnsw", "recall_at_10": 0.95, "ef_search": 512}))
        store.bump_generation()
    loads = []
    real_load = VectorIndex.load
    monkeypatch.setattr(VectorIndex, "load", classmethod(lambda cls, *a: loads.append(a) or real_load(*a)))
    backend = EmbeddedBackend(index())
    backend.snapshot()  # loads the segment once and starts the background pass
    backend.wait()
    assert json.loads(store.segment_rows()[0]["info"])["policy"] == ann.POLICY_VERSION
    assert len(loads) == 1
    store.close()
