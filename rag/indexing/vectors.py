"""One FAISS index (a segment's): exact inner product (`IDMap2,Flat`) or HNSW in an IDMap2, built by
rag.indexing.ann. Both take explicit 64-bit ids (the chunk row ids), an `allowed` set (a filter) and an
`excluded` set (tombstones).

A filter is a pre-filter (a faiss IDSelector), not a post-filter, so a filtered search still returns k rows.
HNSW with a selector walks the whole graph but keeps only allowed nodes: the fewer they are, the more of the
walk is wasted and the lower the recall. So the allowed rows are scored exactly, straight from the vectors the
index stores, when that reads little: under `EXACT_SHARE` of the segment wherever they lie, and under
`RUN_SHARE` when they lie in a few runs of the stored order (segments store their rows by collection and date,
rag.indexing.merging, so a date range or a collection is a run). Otherwise efSearch grows as the share shrinks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from rag.indexing.rows import runs, sorted_unique

EXACT_SHARE = 0.02  # allowed rows under this share of an HNSW segment are scored exactly (eval/bench_filtered.py)
# ... and under this share when they lie in at most MAX_RUNS runs of the stored order: at 1M rows a 10 % run
# scored exactly took 15.9 ms (recall 1.0), the graph walk 16.7 ms (recall 0.73); a 20 % walk 20 ms
RUN_SHARE = 0.12
MAX_RUNS = 64
MAX_EF = 1024


@dataclass(frozen=True)
class VectorInfo:
    kind: str  # "flat" or "hnsw" ("ivf" in segments written before HNSW)
    nlist: int = 0
    nprobe: int = 0
    recall_at_10: float = 1.0

    @classmethod
    def from_dict(cls, info: dict) -> VectorInfo:
        """The info a segment row records; keys of retired policies (`ivf_rejected_at`) are dropped."""
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in info.items() if key in known})


class Allowed:
    """A filter's row ids, made once per query and shared by every segment it visits: the sorted ids and a
    bitmap selector (one bit per row id). faiss tests a bitmap in O(1) and it costs about a millisecond per
    million rows to build, where an IDSelectorBatch of 100k ids takes tens of ms, again for every segment."""

    def __init__(self, ids: Sequence[int] | np.ndarray):
        self.ids = sorted_unique(np.asarray(ids, dtype=np.int64))
        if len(self.ids) and self.ids[0] < 0:
            raise ValueError(f"row ids are never negative, got {self.ids[0]} among the allowed rows")
        self._selector: faiss.IDSelector | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def selector(self) -> faiss.IDSelector:
        if self._selector is None:
            bits = np.zeros(int(self.ids[-1]) + 1 if len(self.ids) else 1, dtype=bool)
            bits[self.ids] = True
            self._bytes = np.packbits(bits, bitorder="little")  # kept: faiss holds a raw pointer to it
            self._selector = faiss.IDSelectorBitmap(len(self._bytes), faiss.swig_ptr(self._bytes))
        return self._selector


class VectorIndex:
    def __init__(self, dim: int, index: faiss.Index | None = None, info: VectorInfo | None = None):
        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.info = info or VectorInfo(kind="flat")
        # read once for filtered HNSW searches: the ids held, sorted, with their stored positions
        self._stored_ids: np.ndarray | None = None
        self._ids: np.ndarray | None = None
        self._order: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        if vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have dimension {vectors.shape[1]}, the index holds {self.dim}")
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int, allowed: Allowed | Sequence[int] | None = None,
               excluded: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top k (id, score); only ids in `allowed` when given (live rows: tombstones need no check then),
        never ids in `excluded` (tombstones)."""
        if self.size == 0 or k <= 0:
            return []
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        selector, share = None, 1.0
        if allowed is not None:
            allowed = allowed if isinstance(allowed, Allowed) else Allowed(allowed)
            if len(allowed) == 0:
                return []
            if self.info.kind == "hnsw":
                held = self._positions(allowed.ids)
                if len(held) == 0:
                    return []
                share = len(held) / self.size
                if share < RUN_SHARE:
                    spans = runs(held)
                    if share < EXACT_SHARE or len(spans[0]) <= MAX_RUNS:
                        return self._exact(query, k, held, spans)
            selector = allowed.selector()
        elif excluded is not None and len(excluded):
            # keep the inner selector alive as long as the outer one: faiss holds a raw pointer
            inner = faiss.IDSelectorBatch(np.asarray(excluded, dtype=np.int64))
            selector = faiss.IDSelectorNot(inner)
            selector.inner = inner
        params = None
        if self.info.kind == "ivf":
            params = faiss.SearchParametersIVF(nprobe=self.info.nprobe)
        elif self.info.kind == "hnsw" and share < 1.0:
            ef = faiss.downcast_index(self.index.index).hnsw.efSearch
            params = faiss.SearchParametersHNSW(efSearch=min(MAX_EF, int(ef / share)))
        elif selector is not None:
            params = faiss.SearchParameters()
        if selector is not None:
            params.sel = selector
        scores, ids = self.index.search(query, min(k, self.size), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def _positions(self, allowed: np.ndarray) -> np.ndarray:
        """Where the allowed ids this index holds are stored, in stored order (a filter lists rows of every
        segment)."""
        if self._ids is None:
            self._stored_ids = faiss.vector_to_array(self.index.id_map)
            self._order = np.argsort(self._stored_ids, kind="stable")
            self._ids = self._stored_ids[self._order]
        at = np.minimum(np.searchsorted(self._ids, allowed), len(self._ids) - 1)
        return sorted_unique(self._order[at[self._ids[at] == allowed]])

    def _exact(self, query: np.ndarray, k: int, positions: np.ndarray, spans: tuple[np.ndarray, np.ndarray]
               ) -> list[tuple[int, float]]:
        """The k best of the rows stored at these (sorted) positions, scored against the stored vectors: a few
        runs of neighbouring positions are read as slices, without copying."""
        stored = _stored_vectors(self.index)
        starts, ends = spans
        if len(starts) <= MAX_RUNS:
            scores = np.concatenate([stored[a:b] @ query[0] for a, b in zip(starts, ends)])
        else:
            scores = stored[positions] @ query[0]
        top = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
        top = top[np.argsort(-scores[top])]
        return [(int(self._stored_ids[positions[i]]), float(scores[i])) for i in top]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, info: VectorInfo) -> VectorIndex:
        index = faiss.read_index(str(path))
        return cls(index.d, index, info)



def _stored_vectors(index: faiss.Index) -> np.ndarray:
    """The vectors an `IDMap2` over `HNSWFlat` stores, in stored order, as a read-only view (no copy)."""
    storage = faiss.downcast_index(faiss.downcast_index(index.index).storage)
    view = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d).reshape(storage.ntotal, storage.d)
    view.flags.writeable = False
    return view

