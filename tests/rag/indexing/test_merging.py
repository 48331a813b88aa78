"""Sealing, merging and crash leftovers: tombstone-heavy and small segments are rewritten, stray files swept,
segments an older ANN policy tuned tuned again."""

import hashlib
import json

import pytest

from rag.indexing import ann, merging
from rag.indexing.ann import AnnPolicy
from rag.indexing.index import Index
from rag.indexing.merging import MergePolicy
from rag.indexing.store import Store
from rag.indexing.vectors import VectorIndex
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


@pytest.mark.parametrize("policy, kind", [(AnnPolicy(exact_below=10), "ivf-sq8r"),  # the default
                                          (AnnPolicy(exact_below=10, kind="hnsw", m=4, ef_construction=8), "hnsw")])
def test_a_segment_above_the_exact_threshold_is_sealed_approximate_and_honours_deletes(tmp_path, policy, kind):
    index = Index(tmp_path / "idx", HashEmbedder(), policy=policy, merge_policy=MergePolicy(seal_at=12))
    index.add([_source(d, t) for d, t in TEXTS.items()])
    snap = index.open()
    assert [s["kind"] for s in snap.vectors.describe()["sealed"]] == [kind]
    query = HashEmbedder().embed_query(TEXTS["d3.txt"])
    rows = index.open().store.chunk_rows(["d3.txt"])
    assert snap.vectors.search(query, 1)[0][0] == rows[0]
    index.remove(["d3.txt"])
    snap = index.open()
    assert rows[0] not in {i for i, _ in snap.vectors.search(query, 12)}
    allowed = snap.store.chunk_rows(["d4.txt", "d5.txt"])
    assert {i for i, _ in snap.vectors.search(query, 5, allowed)} == set(allowed)


def test_files_a_crash_left_behind_are_swept_on_the_next_write(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=2))
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:2]])
    stray = tmp_path / "idx" / "segments" / "seg-000099.faiss"
    stray.write_bytes(b"half a file")
    (tmp_path / "idx" / "segments" / "seg-000100.faiss.tmp").write_bytes(b"")
    assert index.open().vectors.size == 2  # a file the store does not list is never read
    index.add([_source("d5.txt", TEXTS["d5.txt"])])
    assert not stray.exists() and len(list((tmp_path / "idx" / "segments").iterdir())) == 1


def test_writes_go_on_while_a_merge_builds_and_its_deletes_are_kept(tmp_path, monkeypatch):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=4, max_deleted=0.2))
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:4]])
    index.remove(["d0.txt"])
    doomed = index.open().store.chunk_rows(["d1.txt"])
    real_build = merging.ann.build

    def build_while_writing(*args, **kwargs):  # the merge holds no write lock while it builds
        index.remove(["d1.txt"])
        index.add([_source("d9.txt", TEXTS["d9.txt"])])
        return real_build(*args, **kwargs)

    monkeypatch.setattr(merging.ann, "build", build_while_writing)
    merged = index.merge()
    snap = index.open()
    (segment,) = [s for s in snap.vectors.describe()["sealed"] if s["id"] == merged]
    assert segment["vectors"] == 3 and segment["tombstones"] == 1  # d1, deleted during the build
    query = HashEmbedder().embed_query(TEXTS["d1.txt"])
    assert not set(doomed) & {i for i, _ in snap.vectors.search(query, 12)}
    assert snap.store.chunk_rows(["d9.txt"]) and "d1.txt" not in {d.doc_id for d in snap.store.documents()}


def test_a_merge_keeps_its_unfinished_file_from_a_sweep_and_one_merge_runs_at_a_time(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=2, max_deleted=0.2))
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:2]])
    index.remove(["d0.txt"])
    building = tmp_path / "idx" / "segments" / "seg-000050.faiss.tmp"
    building.write_bytes(b"half built")
    with merging.merge_lock(tmp_path / "idx") as mine:
        assert mine and merging.merge_running(tmp_path / "idx")
        assert index.merge() is None  # another merge runs
        index.add([_source("d5.txt", TEXTS["d5.txt"])])
        assert building.exists()
    assert not merging.merge_running(tmp_path / "idx")
    index.add([_source("d6.txt", TEXTS["d6.txt"])])
    assert not building.exists()  # left by a merge that is gone
    assert index.merge() is not None


def test_merge_policy_validates():
    with pytest.raises(ValueError, match="max_deleted"):
        MergePolicy(max_deleted=0)
    with pytest.raises(ValueError, match="lexicon_batch must be at least 1, got 0"):
        MergePolicy(lexicon_batch=0)


def test_a_segment_stores_its_rows_by_collection_paper_and_date(tmp_path):
    from dataclasses import replace

    import faiss

    from rag.types import DocumentMeta

    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=6))
    index.create_collection("clips")
    dated = [("d0.txt", "default", "2021-03-05", "人民日报"), ("d1.txt", "clips", "2019-01-01", None),
             ("d2.txt", "default", None, None), ("d3.txt", "default", "2020-07-01", "光明日报"),
             ("d4.txt", "clips", None, None), ("d5.txt", "default", "2019-12-31", "人民日报")]
    index.add([replace(_source(d, TEXTS[d]), collection=c, meta=DocumentMeta(date=day, paper=paper))
               for d, c, day, paper in dated])
    snap = index.open()
    [segment] = snap.vectors.sealed.values()
    stored = faiss.vector_to_array(segment.index.id_map).tolist()
    row_of = {d: snap.store.chunk_rows([d])[0] for d, *_ in dated}
    # clips first (undated, then 2019), then default: no paper, then each paper by date
    assert stored == [row_of[d] for d in ("d4.txt", "d1.txt", "d2.txt", "d5.txt", "d0.txt", "d3.txt")]


def test_a_segment_an_older_policy_tuned_is_tuned_again_without_rewriting_its_file(tmp_path, monkeypatch):
    index = Index(tmp_path / "idx", HashEmbedder(), policy=AnnPolicy(exact_below=10, kind="hnsw", m=4, ef_construction=8),
                  merge_policy=MergePolicy(seal_at=12))
    index.add([_source(d, t) for d, t in TEXTS.items()])
    reader = index.open()
    store = Store(tmp_path / "idx" / "store.sqlite3")
    (row,) = store.segment_rows()
    assert json.loads(row["info"])["ef_search"] > 0  # sealed by today's policy
    with store.transaction():  # as segments sealed before the info kept efSearch and entry points say
        store.set_segment_info(row["id"], json.dumps({"kind": "hnsw", "nlist": 0, "nprobe": 0, "recall_at_10": 0.95}))
        store.bump_generation()
    old = index.refresh(reader)
    assert old.vectors.sealed[row["id"]].info.ef_search == 0
    query = HashEmbedder().embed_query(TEXTS["d3.txt"])
    found = old.vectors.search(query, 3)
    assert index.merge() is None  # nothing merged, but the segment was tuned again
    (after,) = store.segment_rows()
    info = json.loads(after["info"])
    assert info["ef_search"] > 0 and after["sha256"] == row["sha256"] and after["file"] == row["file"]
    new = index.refresh(old)
    segment = new.vectors.sealed[row["id"]]
    assert segment.info.ef_search == info["ef_search"] and segment.index is old.vectors.sealed[row["id"]].index
    assert old.vectors.sealed[row["id"]].info.ef_search == 0  # the older snapshot searches as before
    assert new.vectors.search(query, 3)[0] == found[0]
    assert merging.untuned(store) == []
    with store.transaction():  # tuned by the first policy that kept efSearch: tuned again too
        store.set_segment_info(row["id"], json.dumps({"kind": "hnsw", "recall_at_10": 0.95, "ef_search": 512}))
    assert [r["id"] for r in merging.untuned(store)] == [row["id"]]
    loaded = index.open().vectors.sealed  # a reader's segments: tuned in place, not loaded a second time
    monkeypatch.setattr(VectorIndex, "load", lambda *a: pytest.fail("the segment was loaded again"))
    index.merge(loaded=loaded)
    assert json.loads(store.segment_rows()[0]["info"])["policy"] == ann.POLICY_VERSION
    assert merging.untuned(store) == []
    store.close()
