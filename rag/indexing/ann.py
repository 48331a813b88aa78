"""The approximate index for large sealed segments, chosen by eval/bench_ann.py (README, "Scale").

Below `exact_below` vectors a segment stays exact (IndexFlatIP): it costs under a few ms there and never misses.
Above it, by default (`AnnPolicy.kind` "ivf"), an inverted file of about `list_size` vectors a list over 8-bit
codes, the best of which are re-scored against the fp32 vectors it keeps (`IndexRefineFlat`): a question's ten
nearest passages are near-ties that 8-bit scores misorder. On the 1M benchmark it reached questions recall@10
0.969 at 3.4 ms where HNSW reached 0.914 at 4.6 ms. `tune` finds the fewest lists (nprobe) whose probe queries,
made from the segment, reach the target plus `PROBE_MARGIN`, widened while a search scans at most `scan_budget`
codes. With kind "hnsw", HNSW (IndexHNSWFlat, M links per node): `tune` finds the narrowest beam (the candidates
a search keeps: efSearch times its walks) whose probes reach the goal, then widens it while the probes' searches
stay within `ndis_budget` distance computations, up to `max_beam`; how a beam is spent is fixed (`shape`), not
tuned: probes cannot tell the shapes of one beam apart, questions can. Either index sits in an IndexIDMap2, so
that segments keep the chunks' row ids and VectorIndex.search keeps taking `allowed` and tombstone selectors. The
segment's info keeps what was tuned, so a loaded segment searches as it was tuned; an HNSW segment tuned by an
older policy (`POLICY_VERSION`) is tuned again in the background (rag.indexing.merging).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import faiss
import numpy as np

from rag.indexing.vectors import IVF_REFINED, PIVOTS, VectorIndex, VectorInfo

# Beams tried, narrowest first. On the 1M benchmark segment p50 grows with the beam (walks of 32, one thread:
# 256: 2.0 ms, 512: 3.2 ms, 768: 4.7 ms, 1,024: 6.5 ms; README "Scale"), so `max_beam` bounds what a search costs.
BEAMS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
# Probes overstate questions' recall@10: by 0.02-0.03 on 19,850 real vectors (efSearch 384-512), by 0.06-0.10
# on 1M vectors drawn around real ones. The margin is the smaller gap, so a segment reaches about the target for
# questions where probes and questions agree best and is not pushed past its beam budget where they do not.
PROBE_MARGIN = 0.02
# 1: the cheapest (efSearch, entries) by probes alone, beams up to 512; 2: at most 16 walks, no ndis budget
POLICY_VERSION = 3
# How far probe queries lie from the segment's points. On 30k synthetic vectors the eval/seeds questions' real
# query vectors needed efSearch 512 for recall@10 0.96; probes at power 1 reached 0.95 at 128 already, at power 3
# their recall followed the real queries' within 0.012 at every efSearch from 128 up (power 2: within 0.06).
# On 19,850 real vectors they stayed within 0.03 of the questions (0.965 vs 0.947 at 512); on 1M vectors drawn
# around real ones they chose a search where questions reach 0.826 (one walk only: 0.597; README, "Scale").
PROBE_POWER = 3


# nprobe values tried for an IVF segment, fewest lists first.
NPROBES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)


@dataclass(frozen=True)
class AnnPolicy:
    exact_below: int = 50_000
    # "ivf": lists of 8-bit codes whose best are re-scored in fp32 (questions recall@10 0.969 at 3.4 ms on the 1M
    # benchmark, README "Scale"); "hnsw": the graph of policies 1-3 (0.914 at 4.6 ms there)
    kind: str = "ivf"
    list_size: int = 64  # IVF: vectors per list (1M: 16,384 lists, about 61 each)
    # IVF: a beam is widened while a probe's search scans at most this many codes (1M: nprobe 512 scans ~31k)
    scan_budget: int = 32_000
    m: int = 32  # HNSW links per node
    ef_construction: int = 80
    target_recall: float = 0.95
    sample_queries: int = 200
    max_beam: int = 1024
    # Probes overstate questions more as a segment grows (0.02-0.03 at 20k real vectors, 0.06-0.13 at 1M drawn
    # ones), so reaching their goal is not enough at scale: a beam is widened while a probe's search costs at most
    # this many distance computations. On the 1M benchmark segment the widest beam whose questions' p50 stays
    # within the 5 ms target is 768 (24 walks of 32: 4.7 ms; 1,024: 6.5 ms), where a probe's search makes 11,804
    # (README "Scale").
    ndis_budget: int = 12_000

    def __post_init__(self):
        if self.exact_below < 1:
            raise ValueError(f"exact_below must be a positive count of vectors, got {self.exact_below}")
        if not 4 <= self.m <= 128:
            raise ValueError(f"HNSW M must be between 4 and 128, got {self.m}")
        if self.ef_construction < self.m:
            raise ValueError(f"ef_construction {self.ef_construction} must be at least M ({self.m})")
        if not 0 < self.target_recall <= 1:
            raise ValueError(f"target_recall must be in (0, 1], got {self.target_recall}")
        if self.max_beam not in BEAMS:
            raise ValueError(f"max_beam must be one of {', '.join(map(str, BEAMS))}, got {self.max_beam}")
        if self.ndis_budget < 0:
            raise ValueError(f"ndis_budget must be a count of distance computations, got {self.ndis_budget}")
        if self.kind not in ("ivf", "hnsw"):
            raise ValueError(f"ANN kind must be 'ivf' or 'hnsw', got {self.kind!r}")
        if self.list_size < 1 or self.scan_budget < 1:
            raise ValueError(f"list_size and scan_budget must be positive, got {self.list_size} and {self.scan_budget}")


def shape(beam: int, pivots: int) -> tuple[int, int]:
    """How a beam is spent: (efSearch, entries). Below 128, one walk from the top layer; from 128, walks of
    efSearch 32, one per pivot nearest the query, as many as the beam buys. On the 1M benchmark segments (134 real
    question vectors) more walks beat deeper ones at every beam tried: at 512, 16 walks of 32 reached 0.887, 8 of 64
    0.884, 4 of 128 0.866, one of 512 0.726 (the probes saw 0.962-0.964 for all four); at 768, 24 of 32 0.914
    against 16 of 48 0.887; at 1,024, 32 of 32 0.937 against 16 of 64 0.910. A segment takes no more walks than it
    has pivots (then deeper ones)."""
    if beam < 128 or pivots < 4:
        return beam, 0
    walks = min(beam // 32, pivots)
    while beam % walks:
        walks -= 1
    return beam // walks, walks


def build(ids: np.ndarray, vectors: np.ndarray, dim: int, policy: AnnPolicy = AnnPolicy()) -> VectorIndex:
    """A sealed segment's index: exact while small, else HNSW tuned to the policy's recall target."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.asarray(ids, dtype=np.int64)
    if vectors.ndim != 2 or vectors.shape[1] != dim or len(vectors) != len(ids):
        raise ValueError(f"expected {len(ids)} vectors of dimension {dim}, got an array of shape {vectors.shape}")
    if len(ids) < policy.exact_below:
        index = VectorIndex(dim)
        index.add(ids, vectors)
        return index
    if policy.kind == "ivf":
        return _build_ivf(ids, vectors, dim, policy)
    hnsw = faiss.IndexHNSWFlat(dim, policy.m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = policy.ef_construction
    mapped = faiss.IndexIDMap2(hnsw)
    mapped.add_with_ids(vectors, ids)
    tuned = tune(VectorIndex(dim, mapped, VectorInfo(kind="hnsw")), vectors, policy)
    hnsw.hnsw.efSearch = tuned.info.ef_search  # the file says it too, for tools that read it alone
    return tuned


def _build_ivf(ids: np.ndarray, vectors: np.ndarray, dim: int, policy: AnnPolicy) -> VectorIndex:
    """IVF over 8-bit codes with the fp32 vectors kept beside them to re-score the best (`IndexRefineFlat`):
    a question's top 10 are near-ties (within ~0.01 of cosine), which 8-bit scores alone misorder."""
    nlist = max(1, 1 << max(0, round(np.log2(len(ids) / policy.list_size))))
    ivf = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    faiss.extract_index_ivf(ivf).cp.min_points_per_centroid = 16  # what it is given (faiss warns below 39)
    rng = np.random.default_rng(0)
    sample = vectors[np.sort(rng.choice(len(vectors), min(len(vectors), 16 * nlist), replace=False))]
    ivf.train(sample)  # k-means on 16 vectors a list: 262k at 1M, as good as all of them (README "Scale")
    mapped = faiss.IndexIDMap2(faiss.IndexRefineFlat(ivf))
    mapped.add_with_ids(vectors, ids)
    return tune(VectorIndex(dim, mapped, VectorInfo(kind=IVF_REFINED, nlist=nlist)), vectors, policy)


def tune(index: VectorIndex, vectors: np.ndarray, policy: AnnPolicy = AnnPolicy(), seed: int = 0) -> VectorIndex:
    """The same index set to the narrowest beam (`BEAMS`, spent as `shape` says) whose probes reach the target
    recall@10 plus `PROBE_MARGIN`, widened while the probes' mean distance computations stay within the policy's
    `ndis_budget`, up to its `max_beam` (if no beam reaches the goal, the one with the best recall); `vectors` are
    the ones the index holds; an IVF segment, the fewest lists (`_tune_ivf`). Exact indexes come back unchanged.
    The count is faiss's process-wide one: searches
    running beside the tuning add to it, which can only stop the widening earlier."""
    if index.info.kind not in ("hnsw", IVF_REFINED):
        return index
    queries = probe_queries(vectors, policy.sample_queries, seed)
    _, truth = faiss.knn(queries, vectors, 10, metric=faiss.METRIC_INNER_PRODUCT)  # exact, reading them in place
    truth = faiss.vector_to_array(index.index.id_map)[truth]  # positions as row ids, as the id map returns them
    if index.info.kind == IVF_REFINED:
        return _tune_ivf(index, queries, truth, policy)
    pivots = min(PIVOTS, index.size // 16)
    infos = (VectorInfo(kind="hnsw", entries=entries, pivots=pivots if entries else 0, ef_search=ef,
                        policy=POLICY_VERSION)
             for ef, entries in (shape(beam, pivots) for beam in BEAMS if beam <= policy.max_beam))
    return _widen(index, infos, queries, truth, policy, lambda _: faiss.cvar.hnsw_stats.ndis / len(queries),
                  policy.ndis_budget)


def _tune_ivf(index: VectorIndex, queries: np.ndarray, truth: np.ndarray, policy: AnnPolicy) -> VectorIndex:
    """The fewest lists (`NPROBES`) whose probes reach the goal, widened while a search scans at most the
    policy's `scan_budget` codes (probes overstate questions as a segment grows, as for HNSW)."""
    nlist, per_list = index.info.nlist, index.size / max(index.info.nlist, 1)
    infos = (VectorInfo(kind=IVF_REFINED, nlist=nlist, nprobe=nprobe, policy=POLICY_VERSION)
             for nprobe in [p for p in NPROBES if p <= nlist] or [nlist])
    return _widen(index, infos, queries, truth, policy, lambda info: info.nprobe * per_list, policy.scan_budget)


def _widen(index: VectorIndex, infos: Iterable[VectorInfo], queries: np.ndarray, truth: np.ndarray,
           policy: AnnPolicy, cost: Callable[[VectorInfo], float], budget: float) -> VectorIndex:
    """The index searched as the first of `infos` (narrowest first) whose probes reach the target plus
    `PROBE_MARGIN`, then as wider ones while `cost` (read after each one's searches) stays within `budget`;
    if none reaches the goal, as the one with the best recall."""
    goal = min(1.0, policy.target_recall + PROBE_MARGIN)
    best, reached = (-1.0, index.info), False
    trial = VectorIndex(index.dim, index.index)  # one object: it reads the ids (and pivots) once
    for info in infos:
        trial.info = info
        faiss.cvar.hnsw_stats.reset()
        got = [[i for i, _ in trial.search(q, 10)] for q in queries]
        recall = sum(len(set(t) & set(g)) for t, g in zip(truth.tolist(), got)) / truth.size
        if reached and cost(info) > budget:
            break
        if reached or recall > best[0]:
            best = (recall, info)
        reached = reached or recall >= goal
    recall, info = best
    return VectorIndex(index.dim, index.index, replace(info, recall_at_10=round(recall, 4)))


def probe_queries(vectors: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Queries that are not in the segment but look like real ones: sampled vectors moved in a random direction
    to cosine c**PROBE_POWER, c being the median cosine of a point's 10th neighbour. A segment vector itself
    would be far too easy a query: HNSW stores each node's neighbours as its links."""
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(len(vectors), size=min(n, len(vectors)), replace=False)]
    near, _ = faiss.knn(sample, vectors, 11, metric=faiss.METRIC_INNER_PRODUCT)
    cos = float(np.clip(np.median(near[:, 10]), 0.05, 0.9999)) ** PROBE_POWER
    noise = rng.standard_normal(sample.shape).astype(np.float32)
    noise *= np.sqrt(1 / cos**2 - 1) / np.linalg.norm(noise, axis=1, keepdims=True)  # cos(v, v + noise) = cos
    moved = sample + noise
    return np.ascontiguousarray(moved / np.linalg.norm(moved, axis=1, keepdims=True), dtype=np.float32)
