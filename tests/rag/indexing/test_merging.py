"""Merging and crash leftovers: tombstone-heavy and small segments are rewritten, stray files swept."""

import hashlib

import pytest

from rag.indexing.index import Index
from rag.indexing.merging import MergePolicy
from rag.ingest.loading import Source
from tests.fakes import HashEmbedder

TEXTS = {f"d{i}.txt": f"本报讯 第{i}篇报道讲的是第{i}个社区的志愿服务。" for i in range(12)}


def _source(doc_id: str, text: str) -> Source:
    return Source(doc_id=doc_id, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), path=doc_id)


def test_a_segment_heavy_with_tombstones_is_rewritten_without_them(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=4, max_deleted=0.2))
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:4]])
    index.remove(["d0.txt"])
    before = index.open().vectors.describe()["sealed"]
    assert before[0]["tombstones"] == 1
    merged = index.merge()
    snap = index.open()
    assert merged is not None and snap.vectors.describe()["sealed"] == [
        {"id": merged, "kind": "flat", "vectors": 3, "tombstones": 0}]
    assert sorted(p.name for p in (tmp_path / "idx" / "segments").iterdir()) == [f"seg-{merged:06d}.faiss"]
    assert index.merge() is None  # nothing left to do


def test_too_many_small_segments_are_merged(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=1, max_segments=3))
    for d, t in TEXTS.items():
        index.add([_source(d, t)])
    assert len(index.open().vectors.sealed) == 12
    index.merge()
    snap = index.open()
    assert len(snap.vectors.sealed) == 3 and snap.vectors.size == 12


def test_files_a_crash_left_behind_are_swept_on_the_next_write(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=2))
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:2]])
    stray = tmp_path / "idx" / "segments" / "seg-000099.faiss"
    stray.write_bytes(b"half a file")
    (tmp_path / "idx" / "segments" / "seg-000100.faiss.tmp").write_bytes(b"")
    assert index.open().vectors.size == 2  # a file the store does not list is never read
    index.add([_source("d5.txt", TEXTS["d5.txt"])])
    assert not stray.exists() and len(list((tmp_path / "idx" / "segments").iterdir())) == 1


def test_merge_policy_validates():
    with pytest.raises(ValueError, match="max_deleted"):
        MergePolicy(max_deleted=0)
