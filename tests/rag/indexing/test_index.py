import dataclasses
import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from rag.checksums import file_sha256
from rag.config import Settings
from rag.engine import Engine
from rag.indexing.index import CollectionError, Index, IndexStateError, NoIndex
from rag.indexing.merging import MergePolicy
from rag.ingest import loading
from rag.ingest.loading import Source
from rag.search.filters import Filters
from rag.search.retrieval import Retriever, SearchConfig
from rag.types import DocumentMeta
from tests.conftest import MODEL_CACHE, REPO, SEEDS
from tests.fakes import HashEmbedder


def _source(doc_id, text):
    import hashlib

    return Source(doc_id=doc_id, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), path=doc_id)


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(NoIndex, match="rag index"):
        Index(tmp_path / "idx", HashEmbedder()).open()


def test_manifest_records_the_build(seeds_index_dir, embedder):
    snap = Index(seeds_index_dir, embedder).open()
    m = snap.manifest
    assert m["model"]["name"] == embedder.name and m["model"]["dim"] == 384
    assert m["counts"]["documents"] == 5 and m["counts"]["chunks"] == m["counts"]["vectors"] > 50
    assert m["chunker"]["size"] == 250 and m["vector_index"]["kind"] == "segmented"
    assert {"faiss", "jieba", "python", "sentence_transformers", "torch", "onnxruntime", "openvino"} <= set(m["versions"])
    on_disk = json.loads((seeds_index_dir / "manifest.json").read_text())
    assert on_disk["build_id"] == m["build_id"] and on_disk["counts"] == m["counts"]
    for name, digest in m["checksums"].items():
        assert file_sha256(seeds_index_dir / name) == digest


def test_add_remove_round_trip(index_copy, embedder):
    engine = Engine(Settings(index_dir=index_copy), embedder=embedder)
    before = engine.snapshot().store.counts()
    hits = engine.search("龙传人志愿服务队有多少人", k=5).hits
    assert any(h.chunk.doc_id == "004_b3238fd52c02d4da.txt" for h in hits)

    engine.remove(["004_b3238fd52c02d4da.txt"])
    for query in ("龙传人志愿服务队有多少人", "实践汇", "徐汇滨江水岸汇"):
        for mode in ("hybrid", "dense", "lexical"):
            from dataclasses import replace

            hits = engine.search(query, k=50, config=replace(engine.config, mode=mode)).hits
            assert all(h.chunk.doc_id != "004_b3238fd52c02d4da.txt" for h in hits)
    assert engine.snapshot().vectors.size == engine.snapshot().store.counts()["chunks"]

    results = engine.add([loading.read(SEEDS / "004_b3238fd52c02d4da.txt")])
    assert results[0].status == "added"
    assert engine.snapshot().store.counts() == before


def test_reindexing_unchanged_files_changes_nothing(index_copy, embedder):
    index = Index(index_copy, embedder)
    before = index.open().manifest["counts"]
    results = index.add([loading.read(p) for p in sorted(SEEDS.glob("*.txt"))])
    assert {r.status for r in results} == {"unchanged"}
    assert index.open().manifest["counts"] == before


def test_changed_file_replaces_its_old_chunks(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder())
    index.add([_source("a.txt", "本报讯 第一版的内容讲的是志愿服务。")])
    index.add([_source("a.txt", "本报讯 第二版的内容讲的是垃圾分类。")])
    snap = index.open()
    texts = [c.text for c in snap.store.chunks_by_id(snap.store.chunk_rows()).values()]
    assert len(texts) == 1 and "垃圾分类" in texts[0]
    assert snap.vectors.size == 1


def test_removing_an_unknown_document_changes_nothing(index_copy, embedder):
    index = Index(index_copy, embedder)
    build = index.open().build_id
    with pytest.raises(KeyError, match="no such document: nope.txt"):
        index.remove(["000_323516209898d752.txt", "nope.txt"])
    assert index.open().build_id == build
    assert index.open().manifest["counts"]["documents"] == 5


def test_an_index_built_with_another_model_is_refused(index_copy):
    with pytest.raises(IndexStateError, match="was built with model"):
        Index(index_copy, HashEmbedder()).open()


def test_one_writer_at_a_time(tmp_path):
    import fcntl

    index = Index(tmp_path / "idx", HashEmbedder())
    (tmp_path / "idx").mkdir()
    with open(tmp_path / "idx" / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(IndexStateError, match="another process"):
            index.add([_source("a.txt", "内容。")])


def test_a_killed_indexing_run_leaves_whole_documents(index_copy, tmp_path, embedder):
    docs = tmp_path / "more"
    docs.mkdir()
    for i in range(6):
        for p in sorted(SEEDS.glob("*.txt")):
            (docs / f"copy{i}_{p.name}").write_text(p.read_text(encoding="utf-8") + f"\n副本{i}。", encoding="utf-8")
    env = {**os.environ, "RAG_INDEX_DIR": str(index_copy), "RAG_MODEL_DIR": str(MODEL_CACHE)}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "index", str(docs)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    index = Index(index_copy, embedder)
    deadline = time.time() + 180
    while time.time() < deadline and index.open().store.counts()["documents"] <= 6:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    snap = index.open()
    store = snap.store
    assert 6 < store.counts()["documents"] < 35, "the kill did not land in the middle of the run"
    for doc in store.documents():  # every committed document is whole: its chunks, its vectors
        assert len(store.chunk_rows([doc.doc_id])) == doc.chunks
    assert snap.vectors.size == store.counts()["chunks"]
    n = store.counts()["documents"]
    index.remove(["000_323516209898d752.txt"])
    assert index.open().store.counts()["documents"] == n - 1


def test_a_reader_opening_during_steady_writes_sees_one_whole_state(tmp_path):
    """A writer committing back to back must neither keep a reader from opening nor show it half a write."""
    import threading

    # Many fresh rows make opening slow (each is tokenized) next to a write of one short page.
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=10_000, lexicon_batch=10_000))
    index.add([_source(f"first{i}.txt", f"本报讯 社区食堂开业{i}周年。" * 40) for i in range(100)])
    done = threading.Event()

    def write():
        for i in range(100):
            index.add([_source(f"d{i}.txt", f"本报讯 第{i}号文件。社区食堂每天供应午餐{i}份。老人凭卡就餐。")])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    opened = 0
    while not done.is_set():
        snap = Index(tmp_path / "idx", HashEmbedder()).open()
        counts = snap.manifest["counts"]  # read with the vectors (the store itself reads on, live)
        assert snap.vectors.size == counts["vectors"] == counts["chunks"]
        snap.close()
        opened += 1
    writer.join()
    assert opened > 5


def test_collections_scope_every_leg_and_a_deleted_collection_never_resurfaces(tmp_path):
    """Sealed segments hold the vectors of a deleted collection's chunks: the tombstones must hide them."""
    def source(doc_id, text, collection, **meta):
        return Source(doc_id, text, hashlib.sha256(text.encode()).hexdigest(), doc_id, collection=collection,
                      meta=DocumentMeta(**meta))

    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=1))
    index.create_collection("clips", "剪报")
    with pytest.raises(CollectionError, match="already exists"):
        index.create_collection("clips")
    with pytest.raises(ValueError, match="not allowed"):
        index.create_collection("剪 报")
    index.add([source("a.txt", "本报讯 图书馆流动书车每周送书两次。", "default", date="2021-03-05", page=4),
               source("b.txt", "本报讯 图书馆流动书车每月送书一次。", "clips", date="2022-01-09", paper="某县报")])
    with pytest.raises(CollectionError, match="no such collection"):
        index.add([source("c.txt", "正文", "nowhere")])
    with pytest.raises(CollectionError, match="already in collection 'clips'"):
        index.add([source("b.txt", "本报讯 图书馆流动书车每月送书一次。", "default")])
    index.seal()
    embedder = HashEmbedder()

    def found(filters, mode):
        hits = Retriever(index.open(), embedder).search("图书馆流动书车送书", 10, filters,
                                                        SearchConfig(mode=mode)).hits
        return {h.chunk.doc_id for h in hits}

    for mode in ("dense", "lexical", "hybrid"):
        assert found(None, mode) == {"a.txt"}
        assert found(Filters(collections=("clips",)), mode) == {"b.txt"}
        assert found(Filters(collections=("default", "clips")), mode) == {"a.txt", "b.txt"}
        assert found(Filters(collections=("default", "clips"), pages=(4,)), mode) == {"a.txt"}
        assert found(Filters(collections=("default", "clips"), papers=("某县报",)), mode) == {"b.txt"}
        assert found(Filters(collections=("default", "clips"), date_from=dt.date(2022, 1, 1)), mode) == {"b.txt"}
    # The same page again with corrected metadata: no new chunks, the filters see the correction.
    result = index.add([dataclasses.replace(source("a.txt", "本报讯 图书馆流动书车每周送书两次。", "default"),
                                            meta=DocumentMeta(date="2021-03-05", page=5))])
    assert result[0].status == "updated"
    assert found(Filters(pages=(5,)), "hybrid") == {"a.txt"} and found(Filters(pages=(4,)), "hybrid") == set()

    deleted = index.delete_collection("clips")
    assert (deleted.documents, deleted.chunks) == (1, 1)
    snap = index.open()
    assert snap.store.document("b.txt") is None and [c.name for c in snap.store.collections()] == ["default"]
    assert sum(s["tombstones"] for s in snap.vectors.describe()["sealed"]) == 1
    with pytest.raises(CollectionError, match="default collection cannot be deleted"):
        index.delete_collection("default")
    with pytest.raises(KeyError):
        index.delete_collection("clips")
    for mode in ("dense", "lexical", "hybrid"):
        assert "b.txt" not in found(Filters(collections=("default",)), mode)


def test_a_sentence_two_chunks_share_is_embedded_once(tmp_path):
    from rag.indexing.store import sentence_key, sentence_texts
    from rag.ingest.chunking import ChunkerConfig

    class Counting(HashEmbedder):
        def __init__(self):
            self.seen: list[str] = []

        def embed_passages(self, texts):
            self.seen += list(texts)
            return super().embed_passages(texts)

    embedder = Counting()
    index = Index(tmp_path / "idx", embedder, ChunkerConfig(size=60, overlap=20, min_size=20))
    text = "社区夜校\n\n" + "".join(f"第{i}期夜校开设书法课和舞蹈课。" for i in range(1, 7))
    index.add([_source("a.txt", text)])
    store = index.open().store
    rows = store.chunk_rows()
    chunks = store.chunks_by_id(rows)
    sentences = [t for r in rows for t in sentence_texts(chunks[r])]
    assert len(rows) > 1 and len(set(sentences)) < len(sentences)  # the chunks overlap by a sentence
    asked = [t for t in embedder.seen if t in set(sentences)]
    assert sorted(asked) == sorted(set(sentences))  # each once
    kept = store.vectors_by_row(sentence_key(embedder.name), rows)
    for row in rows:  # and every chunk keeps all of its own
        expected = HashEmbedder().embed_passages(sentence_texts(chunks[row]))
        assert abs(kept[row].reshape(expected.shape) - expected).max() < 1e-3


def test_sentence_vectors_are_kept_per_chunk_and_dropped_with_it(tmp_path):
    from rag.indexing.store import sentence_key, sentence_texts

    index = Index(tmp_path / "idx", HashEmbedder())
    index.add([_source("a.txt", "志愿者理发\n\n社区志愿者每月给老人理发。理发后还陪老人聊天。他们坚持了十年。")])
    store = index.open().store
    rows = store.chunk_rows()
    chunks = store.chunks_by_id(rows)
    kept = store.vectors_by_row(sentence_key(HashEmbedder.name), rows)
    for row in rows:
        expected = HashEmbedder().embed_passages(sentence_texts(chunks[row]))
        assert kept[row].reshape(-1, HashEmbedder.dim).shape == expected.shape
        assert abs(kept[row].reshape(-1, HashEmbedder.dim) - expected).max() < 1e-3  # kept in fp16
    index.remove(["a.txt"])
    left = index.open().store.db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    assert left == 0


def test_a_snapshot_keeps_the_rows_a_filter_admits_and_a_write_makes_them_anew(tmp_path, monkeypatch):
    from rag.indexing import index as index_module

    index = Index(tmp_path / "idx", HashEmbedder())
    day = lambda d: DocumentMeta(date=d)  # noqa: E731
    index.add([dataclasses.replace(_source("a.txt", "本报讯 社区志愿者为老人理发。"), meta=day("2019-03-01"))])
    in_2019 = Filters(date_from=dt.date(2019, 1, 1), date_to=dt.date(2019, 12, 31))
    snap = index.open()
    reads = []
    store_rows = snap.store.allowed_rows
    monkeypatch.setattr(snap.store, "allowed_rows", lambda f: reads.append(f) or store_rows(f))
    first = snap.allowed_rows(in_2019)
    assert snap.allowed_rows(in_2019) is first and len(reads) == 1  # read once for the snapshot
    index.add([dataclasses.replace(_source("b.txt", "本报讯 红色电影进社区。"), meta=day("2019-06-01"))])
    fresh = index.refresh(snap)
    assert fresh is not snap and len(fresh.allowed_rows(in_2019)) == len(first) + 1
    monkeypatch.setattr(index_module, "FILTER_CACHE_ROWS", 1)  # over the bound: the oldest filter goes
    in_2018 = Filters(date_from=dt.date(2018, 1, 1), date_to=dt.date(2018, 12, 31))
    fresh.allowed_rows(in_2018)
    assert list(fresh._allowed) == [in_2018]
