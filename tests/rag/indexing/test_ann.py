import faiss
import numpy as np
import pytest

from rag.indexing.ann import BEAMS, POLICY_VERSION, AnnPolicy, build, probe_queries, shape
from rag.indexing.vectors import IVF_REFINED, VectorIndex, VectorInfo


def clustered(n: int, dim: int = 48, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dim))
    x = centres[rng.integers(0, 40, n)] + 0.6 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


POLICY = AnnPolicy(exact_below=1000, kind="hnsw", m=16, ef_construction=40)


def test_small_segments_stay_exact():
    vecs = clustered(500)
    index = build(np.arange(500), vecs, 48, POLICY)
    assert index.info.kind == "flat"
    assert index.search(vecs[7], 1)[0][0] == 7


def test_large_segments_get_hnsw_tuned_to_the_recall_target(tmp_path):
    vecs = clustered(4200)
    base, queries = vecs[:4000], vecs[4000:]
    ids = 10_000 + 3 * np.arange(4000)  # row ids, not positions
    index = build(ids, base, 48, POLICY)
    assert index.info.kind == "hnsw" and index.info.recall_at_10 >= 0.95
    exact = faiss.IndexFlatIP(48)
    exact.add(base)
    _, truth = exact.search(queries, 10)
    got = [[i for i, _ in index.search(q, 10)] for q in queries]
    recall = np.mean([len(set(ids[t]) & set(g)) / 10 for t, g in zip(truth, got)])
    assert recall >= 0.93  # held-out queries, tuned on the segment's own vectors
    # efSearch travels with the file
    index.save(tmp_path / "seg.faiss")
    loaded = VectorIndex.load(tmp_path / "seg.faiss", index.info)
    assert faiss.downcast_index(loaded.index.index).hnsw.efSearch == faiss.downcast_index(index.index.index).hnsw.efSearch
    assert [i for i, _ in loaded.search(queries[0], 10)] == got[0]


def test_large_segments_get_ivf_by_default_tuned_to_the_recall_target(tmp_path):
    vecs = clustered(4200, seed=2)
    base, queries = vecs[:4000], vecs[4000:]
    ids = 10_000 + 3 * np.arange(4000)  # row ids, not positions
    index = build(ids, base, 48, AnnPolicy(exact_below=1000))
    assert index.info.kind == IVF_REFINED and index.info.nlist == 64  # about list_size (64) vectors a list
    assert 0 < index.info.nprobe <= index.info.nlist and index.info.recall_at_10 >= 0.95
    exact = faiss.IndexFlatIP(48)
    exact.add(base)
    _, truth = exact.search(queries, 10)
    got = [[i for i, _ in index.search(q, 10)] for q in queries]
    assert np.mean([len(set(ids[t]) & set(g)) / 10 for t, g in zip(truth, got)]) >= 0.93
    assert np.allclose(index.stored_vectors(), base)  # the fp32 vectors, in stored order
    index.save(tmp_path / "seg.faiss")
    loaded = VectorIndex.load(tmp_path / "seg.faiss", index.info)
    assert [i for i, _ in loaded.search(queries[0], 10)] == got[0]


def test_ivf_lists_are_widened_while_within_the_scan_budget():
    vecs = clustered(4000, seed=5)
    easy = dict(exact_below=1000, target_recall=0.5)
    narrowest = build(np.arange(4000), vecs, 48, AnnPolicy(**easy, scan_budget=1))
    widest = build(np.arange(4000), vecs, 48, AnnPolicy(**easy, scan_budget=10**9))
    assert narrowest.info.nprobe < widest.info.nprobe == widest.info.nlist
    assert widest.info.recall_at_10 >= narrowest.info.recall_at_10 >= 0.5
    with pytest.raises(ValueError, match="kind"):
        AnnPolicy(kind="lsh")


def test_ivf_segments_honour_tombstones_and_filters_with_the_recall_of_exact():
    vecs = clustered(6000, seed=7)
    ids = np.arange(6000) * 2 + 5
    index = build(ids, vecs, 48, AnnPolicy(exact_below=1000))
    assert index.info.kind == IVF_REFINED
    first = index.search(vecs[0], 5)
    assert first[0][0] == 5
    dead = np.array([i for i, _ in first], dtype=np.int64)
    after = index.search(vecs[0], 5, excluded=dead)
    assert len(after) == 5 and not set(dead) & {i for i, _ in after}
    # a scattered filter over most of the segment: the lists are searched with the filter, more of them
    rng = np.random.default_rng(1)
    chosen = np.sort(rng.choice(6000, 4000, replace=False))
    allowed = ids[chosen]
    queries = clustered(6100, seed=7)[6000:]
    _, truth = faiss.knn(queries, vecs[chosen], 10, metric=faiss.METRIC_INNER_PRODUCT)
    recall = []
    for q, t in zip(queries, truth):
        got = [i for i, _ in index.search(q, 10, allowed.tolist())]
        assert len(got) == 10 and set(got) <= set(allowed.tolist())
        recall.append(len(set(allowed[t].tolist()) & set(got)) / 10)
    assert np.mean(recall) >= 0.93


def test_hnsw_segments_honour_tombstones_and_allowed_ids():
    vecs = clustered(2000, seed=1)
    ids = np.arange(2000) + 5
    index = build(ids, vecs, 48, POLICY)
    assert index.info.kind == "hnsw"
    first = index.search(vecs[0], 5)
    assert first[0][0] == 5
    dead = np.array([i for i, _ in first], dtype=np.int64)
    after = index.search(vecs[0], 5, excluded=dead)
    assert len(after) == 5 and not set(dead) & {i for i, _ in after}
    assert {i for i, _ in index.search(vecs[0], 5, allowed=[100, 200])} <= {100, 200}


def test_bad_input_is_refused_with_the_shape():
    with pytest.raises(ValueError, match="dimension 48"):
        build(np.arange(10), np.zeros((10, 32), dtype=np.float32), 48, POLICY)
    with pytest.raises(ValueError, match="M must be"):
        AnnPolicy(m=2)
    with pytest.raises(ValueError, match="max_beam must be one of"):
        AnnPolicy(max_beam=1000)


def test_probe_queries_lie_outside_the_segment_and_are_unit_length():
    vecs = clustered(3000)
    probes = probe_queries(vecs, 50)
    assert probes.shape == (50, 48)
    assert np.allclose(np.linalg.norm(probes, axis=1), 1, atol=1e-5)
    nearest = (probes @ vecs.T).max(axis=1)
    assert nearest.max() < 0.999  # no probe is a segment vector, or every efSearch would look good


def test_when_no_search_reaches_the_target_the_one_with_the_best_recall_is_kept():
    vecs = clustered(3000, seed=4)
    index = build(np.arange(3000), vecs, 48, AnnPolicy(exact_below=1000, kind="hnsw", m=4, ef_construction=8, target_recall=1.0))
    probes = probe_queries(vecs, 200)
    exact = faiss.IndexFlatIP(48)
    exact.add(vecs)
    _, truth = exact.search(probes, 10)
    for ef, entries in [shape(beam, 3000 // 16) for beam in (16, 512, 1024)]:
        info = VectorInfo(kind="hnsw", entries=entries, pivots=3000 // 16 if entries else 0, ef_search=ef)
        trial = VectorIndex(48, index.index, info)
        got = [[i for i, _ in trial.search(q, 10)] for q in probes]
        recall = sum(len(set(t) & set(g)) for t, g in zip(truth.tolist(), got)) / truth.size
        assert recall <= index.info.recall_at_10 < 1.0


def test_a_beam_is_spent_on_one_walk_while_narrow_then_on_walks_of_32():
    assert shape(96, 4096) == (96, 0)
    assert [shape(b, 4096) for b in (128, 192, 256, 384, 512, 1024, 2048)] == \
        [(32, 4), (32, 6), (32, 8), (32, 12), (32, 16), (32, 32), (32, 64)]
    assert shape(1024, 8) == (128, 8)  # no more walks than pivots
    assert shape(1024, 3) == (1024, 0)
    assert all(ef * max(e, 1) == b for b in BEAMS for ef, e in [shape(b, 4096)])


def test_tuning_stays_within_the_beam_budget_and_stamps_the_policy():
    vecs = clustered(3000, seed=5)
    for budget in (64, 256):
        index = build(np.arange(3000), vecs, 48,
                      AnnPolicy(exact_below=1000, kind="hnsw", m=4, ef_construction=8, target_recall=1.0, max_beam=budget))
        assert index.info.ef_search * max(index.info.entries, 1) <= budget
        assert index.info.policy == POLICY_VERSION and index.info.recall_at_10 < 1.0


def test_a_beam_that_reaches_the_goal_is_widened_while_within_the_distance_budget():
    vecs = clustered(3000, seed=6)
    easy = dict(exact_below=1000, kind="hnsw", m=16, ef_construction=40, target_recall=0.5, max_beam=512)

    def beam(index):
        return index.info.ef_search * max(index.info.entries, 1)

    narrowest = build(np.arange(3000), vecs, 48, AnnPolicy(**easy, ndis_budget=0))
    widest = build(np.arange(3000), vecs, 48, AnnPolicy(**easy, ndis_budget=10**9))
    assert beam(narrowest) < 512 and beam(widest) == 512
    assert widest.info.recall_at_10 >= narrowest.info.recall_at_10 >= 0.5
    with pytest.raises(ValueError, match="ndis_budget"):
        AnnPolicy(ndis_budget=-1)
