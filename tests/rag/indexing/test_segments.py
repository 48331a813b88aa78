"""Segments: fresh chunks searched from memory, sealed files, tombstones honoured at once, views reused."""

import hashlib

import numpy as np

from rag.indexing.index import Index
from rag.indexing.merging import MergePolicy
from rag.indexing.segments import describe
from rag.ingest.loading import Source
from tests.fakes import HashEmbedder

TEXTS = {f"d{i}.txt": f"本报讯 第{i}篇报道讲的是{topic}的志愿服务和文明实践。" for i, topic in
         enumerate(["垃圾分类", "老年助餐", "轨道交通", "社区医院", "图书馆", "红色电影"])}


def _source(doc_id: str, text: str) -> Source:
    return Source(doc_id=doc_id, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), path=doc_id)


def _index(tmp_path, seal_at=2) -> Index:
    return Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=seal_at))


def test_fresh_chunks_are_searchable_before_they_are_sealed(tmp_path):
    index = _index(tmp_path, seal_at=100)
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:3]])
    snap = index.open()
    assert snap.vectors.describe()["sealed"] == [] and snap.vectors.size == 3
    best = snap.vectors.search(HashEmbedder().embed_query(TEXTS["d1.txt"]), 1)[0][0]
    assert snap.store.chunks_by_id([best])[best].doc_id == "d1.txt"


def test_sealed_segments_and_tombstones(tmp_path):
    index = _index(tmp_path)
    index.add([_source(d, t) for d, t in TEXTS.items()])
    snap = index.open()
    sealed = snap.vectors.describe()["sealed"]
    assert sum(s["vectors"] for s in sealed) == 6 and snap.vectors.size == 6
    assert all((tmp_path / "idx" / "segments" / f"seg-{s['id']:06d}.faiss").exists() for s in sealed)

    query = HashEmbedder().embed_query(TEXTS["d2.txt"])
    index.remove(["d2.txt"])
    after = index.refresh(snap)
    assert after is not snap and after.vectors.size == 5
    assert sum(s["tombstones"] for s in after.vectors.describe()["sealed"]) == 1
    found = [i for i, _ in after.vectors.search(query, 10)]
    assert len(found) == 5 and all(after.store.chunks_by_id([i])[i].doc_id != "d2.txt" for i in found)
    # The old view still answers as it did: a reader keeps what it started with.
    assert len(snap.vectors.search(query, 10)) == 6
    # The manifest describes the segments from the store's rows, as the loaded view does.
    assert describe(after.store) == after.vectors.describe() == after.manifest["vector_index"]
    assert after.manifest["counts"]["vectors"] == 5


def test_a_refresh_reuses_unchanged_segments_and_nothing_when_nothing_changed(tmp_path):
    index = _index(tmp_path, seal_at=4)
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:4]])
    snap = index.open()
    assert index.refresh(snap) is snap
    index.add([_source("d4.txt", TEXTS["d4.txt"])])
    after = index.refresh(snap)
    assert after.vectors.size == 5 and len(after.vectors.fresh_ids) == 1
    (seg, old), = snap.vectors.sealed.items()
    assert after.vectors.sealed[seg] is old


def test_a_replaced_document_keeps_the_vectors_of_its_unchanged_text(tmp_path):
    index = _index(tmp_path, seal_at=100)
    index.add([_source("a.txt", "本报讯 第一段讲志愿服务。\n\n本报讯 第二段讲垃圾分类。")])
    index.add([_source("a.txt", "本报讯 第一段讲志愿服务。\n\n本报讯 第三段讲老年助餐。")])
    snap = index.open()
    ids = snap.store.chunk_rows()
    vectors = snap.store.vectors_of(HashEmbedder.name, ids)
    assert vectors.shape == (len(ids), HashEmbedder.dim) and np.all(np.linalg.norm(vectors, axis=1) > 0)


def test_row_ids_of_deleted_chunks_are_never_given_again(tmp_path):
    index = _index(tmp_path, seal_at=1)
    index.add([_source("a.txt", TEXTS["d0.txt"]), _source("b.txt", TEXTS["d1.txt"])])
    old = index.open().store.chunk_rows(["b.txt"])
    index.remove(["b.txt"])  # b's vector stays in its sealed segment as a tombstone
    index.add([_source("c.txt", TEXTS["d2.txt"])])
    snap = index.open()
    new = snap.store.chunk_rows(["c.txt"])
    assert min(new) > max(old)
    best = snap.vectors.search(HashEmbedder().embed_query(TEXTS["d2.txt"]), 1)[0][0]
    assert best in new
