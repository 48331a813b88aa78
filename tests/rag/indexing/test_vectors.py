"""Filtered search over an HNSW segment: only allowed rows come back, with recall close to exact filtered search."""

import json
from dataclasses import asdict

import faiss
import numpy as np
import pytest

from rag.indexing import vectors
from rag.indexing.ann import AnnPolicy, build
from rag.indexing.vectors import EXACT_SHARE, Allowed, VectorIndex, VectorInfo


def clustered(n: int, dim: int = 48, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((60, dim))
    x = centres[rng.integers(0, 60, n)] + 0.7 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def segment():
    vecs = clustered(20_000)  # the queries below are 100 more points of the same clusters
    ids = 7 + 2 * np.arange(len(vecs))  # row ids, not positions
    index = build(ids, vecs, 48, AnnPolicy(exact_below=1000, kind="hnsw", m=16, ef_construction=40))
    assert index.info.kind == "hnsw"
    return ids, vecs, index


@pytest.mark.parametrize("share", [0.10, 0.01])
def test_a_filtered_hnsw_search_returns_only_allowed_rows_with_recall_of_exact(segment, share):
    ids, vecs, index = segment
    rng = np.random.default_rng(3)
    chosen = np.sort(rng.choice(len(ids), size=int(share * len(ids)), replace=False))
    allowed = ids[chosen]
    exact = faiss.IndexFlatIP(48)
    exact.add(vecs[chosen])
    queries = clustered(20_100)[20_000:]
    _, truth = exact.search(queries, 10)
    recall = []
    for q, t in zip(queries, truth):
        got = [i for i, _ in index.search(q, 10, allowed.tolist())]
        assert len(got) == 10 and set(got) <= set(allowed.tolist())
        recall.append(len(set(allowed[t].tolist()) & set(got)) / 10)
    assert np.mean(recall) >= 0.95


def test_allowed_rows_of_other_segments_are_ignored(segment):
    ids, vecs, index = segment
    others = [1, 3, 10**9]  # rows that live elsewhere
    assert index.search(vecs[0], 5, others) == []
    few = [int(ids[0]), int(ids[1])]
    assert {i for i, _ in index.search(vecs[0], 5, others + few)} == set(few)
    assert index.search(vecs[0], 5, others + few)[0][0] == ids[0]


def test_an_exact_segment_filters_too():
    vecs = clustered(300)
    index = VectorIndex(48)
    index.add(np.arange(300), vecs)
    assert index.search(vecs[0], 3, [5, 0, 9])[0][0] == 0
    assert index.search(vecs[0], 3, []) == []


def test_one_allowed_set_serves_every_segment_and_bad_ids_are_refused():
    vecs = clustered(400)
    first, second = VectorIndex(48), VectorIndex(48)
    first.add(np.arange(200), vecs[:200])
    second.add(np.arange(200, 400), vecs[200:])
    allowed = Allowed([3, 250, 250, 399])
    assert {i for i, _ in first.search(vecs[3], 5, allowed)} == {3}
    assert {i for i, _ in second.search(vecs[250], 5, allowed)} == {250, 399}
    with pytest.raises(ValueError, match="-4"):
        Allowed([1, -4])


def test_segment_info_written_by_the_ivf_policy_still_loads():
    info = VectorInfo.from_dict({"kind": "flat", "nlist": 0, "nprobe": 0, "recall_at_10": 1.0, "ivf_rejected_at": 0})
    assert info == VectorInfo(kind="flat")


def test_few_allowed_rows_are_scored_exactly_in_place_and_many_walk_the_graph(segment, monkeypatch):
    ids, vecs, index = segment
    scored_exactly = []
    exact = VectorIndex._exact
    monkeypatch.setattr(VectorIndex, "_exact", lambda self, *a: scored_exactly.append(1) or exact(self, *a))
    monkeypatch.setattr(vectors, "EXACT_ROWS", 3000)
    monkeypatch.setattr(vectors, "EXACT_RUN_ROWS", 12_000)
    run = np.arange(5000, 8000)  # stored side by side: a date range in a segment ordered by date
    scattered = np.sort(np.random.default_rng(5).choice(len(ids), size=3000, replace=False))
    two_runs = np.r_[np.arange(0, 6000), np.arange(14_000, 20_000)]  # 60 % of the segment, but in runs
    queries = clustered(20_050)[20_000:]
    for rows in (run, scattered, two_runs):
        for q in queries:
            got = index.search(q, 10, ids[rows].tolist())
            best = rows[np.argsort(-(vecs[rows] @ q))[:10]]
            assert [i for i, _ in got] == ids[best].tolist()
            assert np.allclose([s for _, s in got], vecs[best] @ q, atol=1e-5)
    assert len(scored_exactly) == 3 * len(queries)
    over_rows = np.sort(np.random.default_rng(6).choice(len(ids), size=3001, replace=False))
    over_run_rows = np.arange(0, 12_001)
    over_share = np.setdiff1d(np.arange(len(ids)), np.arange(0, len(ids), 3))  # two thirds, scattered
    for many in (over_rows, over_run_rows, over_share):
        got = index.search(queries[0], 10, ids[many].tolist())
        assert len(got) == 10 and {i for i, _ in got} <= set(ids[many].tolist())
    assert len(scored_exactly) == 3 * len(queries)  # the graph walked


def between_clusters(n: int, dim: int = 48, seed: int = 9) -> np.ndarray:
    """Queries that sit apart from the data, as questions sit apart from passages: sums of two points of
    different clusters, whose nearest rows lie in two regions of the graph."""
    points = clustered(20_000 + 2 * n)[20_000:]
    x = points[:n] + points[n:]
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def with_entries(index: VectorIndex, entries: int, ef: int) -> VectorIndex:
    faiss.downcast_index(index.index.index).hnsw.efSearch = ef  # shared by both views of the one faiss index
    return VectorIndex(index.dim, index.index, VectorInfo(kind="hnsw", entries=entries, pivots=1000))


def recall_against_exact(index, ids, vecs, queries, rows=None, **search) -> float:
    rows = np.arange(len(ids)) if rows is None else rows
    found = []
    for q in queries:
        got = [i for i, _ in index.search(q, 10, **search)]
        assert set(got) <= set(ids[rows].tolist())
        best = rows[np.argsort(-(vecs[rows] @ q))[:10]]
        found.append(len(set(got) & set(ids[best].tolist())) / 10)
    return float(np.mean(found))


def test_walks_from_the_pivots_nearest_the_query_find_more_than_one_walk_from_the_top(segment):
    ids, vecs, index = segment
    tuned_ef = faiss.downcast_index(index.index.index).hnsw.efSearch
    queries = between_clusters(100)
    try:
        one = recall_against_exact(with_entries(index, 0, 32), ids, vecs, queries)
        four = recall_against_exact(with_entries(index, 4, 32), ids, vecs, queries)
        assert four > one + 0.05 and four >= 0.9
        # under a scattered filter too wide to score exactly (the bitmap walk) only allowed rows come back
        rows = np.sort(np.random.default_rng(4).choice(len(ids), size=int(0.6 * len(ids)), replace=False))
        filtered = recall_against_exact(with_entries(index, 4, 32), ids, vecs, queries[:30], rows,
                                        allowed=ids[rows].tolist())
        assert filtered >= 0.9
        # tombstones: the best rows of every query are dead
        walk = with_entries(index, 4, 32)
        dead = np.array([i for q in queries[:10] for i, _ in walk.search(q, 3)], dtype=np.int64)
        for q in queries[:10]:
            got = walk.search(q, 10, excluded=dead)
            assert len(got) == 10 and not set(dead.tolist()) & {i for i, _ in got}
    finally:
        faiss.downcast_index(index.index.index).hnsw.efSearch = tuned_ef


def test_a_filter_that_allows_no_pivot_walks_from_the_top_layer(segment):
    ids, vecs, index = segment
    walk = with_entries(index, 4, faiss.downcast_index(index.index.index).hnsw.efSearch)
    pivots = set(ids[np.arange(1000) * len(ids) // 1000].tolist())
    rows = np.array([r for r in range(0, len(ids), 3) if int(ids[r]) not in pivots])  # a third, no pivot
    got = walk.search(vecs[rows[0]], 10, ids[rows].tolist())
    assert got[0][0] == ids[rows[0]] and len(got) == 10 and {i for i, _ in got} <= set(ids[rows].tolist())


def test_entry_points_travel_with_the_segment_info():
    info = VectorInfo(kind="hnsw", recall_at_10=0.96, entries=4, pivots=4096)
    assert VectorInfo.from_dict(json.loads(json.dumps(asdict(info)))) == info
    assert VectorInfo.from_dict({"kind": "hnsw", "recall_at_10": 0.95}).entries == 0  # older segments: one walk
