"""The FAISS index of one build.

Policy (after txtai): exact inner-product search (`IDMap2,Flat`) while the collection is small; above
`ivf_threshold` vectors an IVF index whose `nprobe` is chosen at build time as the smallest that keeps
recall@10 against exact search at or above `target_recall` on a sample of the collection's own vectors.
Both kinds take explicit 64-bit ids (the chunk row ids) and support removal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np


@dataclass(frozen=True)
class VectorPolicy:
    ivf_threshold: int = 50_000
    target_recall: float = 0.95
    sample_queries: int = 200

    def __post_init__(self):
        if self.ivf_threshold < 1000:
            raise ValueError(f"ivf_threshold {self.ivf_threshold} is too small; IVF needs at least 1000 vectors")
        if not 0 < self.target_recall <= 1:
            raise ValueError(f"target_recall must be in (0, 1], got {self.target_recall}")


@dataclass(frozen=True)
class VectorInfo:
    kind: str  # "flat" or "ivf"
    nlist: int = 0
    nprobe: int = 0
    recall_at_10: float = 1.0
    ivf_rejected_at: int = 0  # collection size at which IVF missed the recall target (exact kept)


class VectorIndex:
    def __init__(self, dim: int, index: faiss.Index | None = None, info: VectorInfo | None = None):
        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.info = info or VectorInfo(kind="flat")

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        if vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have dimension {vectors.shape[1]}, the index holds {self.dim}")
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int]) -> None:
        if ids:
            self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(ids, dtype=np.int64)))

    def search(self, query: np.ndarray, k: int, allowed: list[int] | None = None,
               excluded: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top k (id, score); only ids in `allowed` when given, never ids in `excluded` (tombstones)."""
        if self.size == 0 or k <= 0:
            return []
        selector = None
        if allowed is not None:
            if not allowed:
                return []
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        elif excluded is not None and len(excluded):
            # keep the inner selector alive as long as the outer one: faiss holds a raw pointer
            inner = faiss.IDSelectorBatch(np.asarray(excluded, dtype=np.int64))
            selector = faiss.IDSelectorNot(inner)
            selector.inner = inner
        params = None
        if self.info.kind == "ivf":
            params = faiss.SearchParametersIVF(sel=selector, nprobe=self.info.nprobe) if selector \
                else faiss.SearchParametersIVF(nprobe=self.info.nprobe)
        elif selector is not None:
            params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), min(k, self.size), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, info: VectorInfo) -> "VectorIndex":
        index = faiss.read_index(str(path))
        return cls(index.d, index, info)


def build(ids: np.ndarray, vectors: np.ndarray, dim: int, policy: VectorPolicy) -> VectorIndex:
    """A fresh index for the whole collection, of the kind the policy picks for its size."""
    if len(ids) < policy.ivf_threshold:
        index = VectorIndex(dim)
        index.add(ids, vectors)
        return index
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    nlist = int(4 * np.sqrt(len(ids)))
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    train = vectors[rng.choice(len(vectors), size=min(len(vectors), nlist * 64), replace=False)]
    ivf.train(train)
    ivf.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
    nprobe, recall = _tune_nprobe(ivf, np.asarray(ids, dtype=np.int64), vectors, policy, rng)
    if recall < policy.target_recall:
        # No nprobe reaches the target on this collection: stay exact rather than lose results.
        exact = VectorIndex(dim, info=VectorInfo(kind="flat", recall_at_10=1.0, ivf_rejected_at=len(ids)))
        exact.add(ids, vectors)
        return exact
    return VectorIndex(dim, ivf, VectorInfo(kind="ivf", nlist=nlist, nprobe=nprobe, recall_at_10=recall))


def _tune_nprobe(ivf, ids: np.ndarray, vectors: np.ndarray, policy: VectorPolicy, rng) -> tuple[int, float]:
    sample = vectors[rng.choice(len(vectors), size=min(policy.sample_queries, len(vectors)), replace=False)]
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, positions = exact.search(sample, 10)
    truth = ids[positions]
    recall, nprobe = 0.0, 1
    for nprobe in (1, 2, 4, 8, 16, 32, 64, 128, 256):
        if nprobe > ivf.nlist:
            break
        _, got = ivf.search(sample, 10, params=faiss.SearchParametersIVF(nprobe=nprobe))
        recall = sum(len(set(t) & set(g)) for t, g in zip(truth.tolist(), got.tolist())) / truth.size
        if recall >= policy.target_recall:
            break
    return nprobe, recall


def info_dict(info: VectorInfo) -> dict:
    return asdict(info)
