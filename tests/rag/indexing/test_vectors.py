"""Filtered search over an HNSW segment: only allowed rows come back, with recall close to exact filtered search."""

import faiss
import numpy as np
import pytest

from rag.indexing.ann import AnnPolicy, build
from rag.indexing.vectors import EXACT_SHARE, RUN_SHARE, Allowed, VectorIndex, VectorInfo


def clustered(n: int, dim: int = 48, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((60, dim))
    x = centres[rng.integers(0, 60, n)] + 0.7 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def segment():
    vecs = clustered(20_000)  # the queries below are 100 more points of the same clusters
    ids = 7 + 2 * np.arange(len(vecs))  # row ids, not positions
    index = build(ids, vecs, 48, AnnPolicy(exact_below=1000, m=16, ef_construction=40))
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
    assert len(few) < EXACT_SHARE * index.size
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


def test_a_run_of_stored_rows_is_scored_exactly_and_scattered_rows_walk_the_graph(segment, monkeypatch):
    ids, vecs, index = segment
    scored_exactly = []
    exact = VectorIndex._exact
    monkeypatch.setattr(VectorIndex, "_exact", lambda self, *a: scored_exactly.append(1) or exact(self, *a))
    size = int(0.8 * RUN_SHARE * len(ids))
    assert size > EXACT_SHARE * len(ids)  # too many rows for the scattered exact path
    run = np.arange(5000, 5000 + size)  # stored side by side: a date range in a segment ordered by date
    queries = clustered(20_050)[20_000:]
    for q in queries:
        got = index.search(q, 10, ids[run].tolist())
        best = run[np.argsort(-(vecs[run] @ q))[:10]]
        assert [i for i, _ in got] == ids[best].tolist()
        assert np.allclose([s for _, s in got], vecs[best] @ q, atol=1e-5)
    assert len(scored_exactly) == len(queries)
    scattered = np.sort(np.random.default_rng(5).choice(len(ids), size=size, replace=False))
    got = index.search(queries[0], 10, ids[scattered].tolist())
    assert len(got) == 10 and {i for i, _ in got} <= set(ids[scattered].tolist())
    assert len(scored_exactly) == len(queries)  # the graph walked

