"""One FAISS index (a segment's): exact inner product (`IDMap2,Flat`), IVF over 8-bit codes re-scored in fp32
(`IVF_REFINED`) or HNSW in an IDMap2, built by rag.indexing.ann. All take explicit 64-bit ids (the chunk row
ids), an `allowed` set (a filter) and an `excluded` set (tombstones). An IVF segment under a filter scans more
lists as the allowed share shrinks (nprobe / √share: on the 1M benchmark recall@10 0.96-0.98 for 20-50 % allowed,
where nprobe / share reached 0.98-0.99 at half again the time).

A filter is a pre-filter (a faiss IDSelector), not a post-filter, so a filtered search still returns k rows.
HNSW with a selector walks the whole graph but keeps only allowed nodes: the fewer they are, the more of the
walk is wasted and the lower the recall. So the allowed rows are scored exactly, in place in the vectors the
index stores, when that reads little: as slices when they lie in a few runs of the stored order and are at most
`EXACT_RUN_ROWS` (segments store their rows by collection, paper and date, rag.indexing.merging, so a
collection, a paper or a date range is a run), else by position when they are at most `EXACT_ROWS` and not most
of the segment (`EXACT_SHARE`). Otherwise the walk, its efSearch grown as the share shrinks.

An HNSW segment tuned with entry points (`VectorInfo.entries`) does not start its walk at the top layer's one
entry node: it scores a fixed sample of its stored vectors (the pivots, `pivot_positions`) against the query and
walks the bottom layer once from each of the nearest few, sharing one visited set. A question sits apart from
the passages (its nearest passages lie in several regions of the graph), and one greedy walk finds one region:
at 1M vectors the same number of distance computations gave questions recall@10 0.77 from four entry points and
0.51 from the top layer (eval/bench_ann.py --entries, README "Scale"). Under a filter only allowed pivots are
entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from rag.indexing.rows import RowSet, runs, sorted_unique

# Exact scoring reads every allowed row: at 1M rows 100k scattered ones took 28 ms by position (faiss
# fvec_inner_products_by_idx; a numpy gather 63 ms) and as one run 9.5 ms, recall 1.0, where the walk from four
# entries took 10.9 ms for recall 0.88 (eval/bench_filtered.py, README "Scale"). Rows in at most MAX_RUNS runs
# (a collection, a paper, a date range) are read as slices, at about a third of the cost: 200k took 19.5 ms, but
# a 333k-row paper made the whole search over HTTP 2.3x the unfiltered one (the reads contend with the encoder).
EXACT_ROWS = 100_000
# An IVF segment's lists, widened for the share, beat scoring scattered rows by position well below that: at 1M,
# 10 % allowed took 21.9 ms exactly, 20 % 7.5 ms through the lists (recall 0.965)
EXACT_ROWS_IVF = 20_000
EXACT_SHARE = 0.5  # above it the walk skips at most every other row it meets
EXACT_RUN_ROWS = 150_000
MAX_RUNS = 64
MAX_EF = 1024
PIVOTS = 4096  # entry-point candidates an HNSW segment keeps (at most one in 16 of its vectors)
IVF_REFINED = "ivf-sq8r"  # lists of 8-bit codes, the best k * REFINE_FACTOR of them re-scored against fp32 vectors
REFINE_FACTOR = 4


@dataclass(frozen=True)
class VectorInfo:
    kind: str  # "flat", IVF_REFINED or "hnsw" ("ivf" in segments written before HNSW)
    nlist: int = 0
    nprobe: int = 0
    recall_at_10: float = 1.0
    entries: int = 0  # HNSW: walks start from this many pivots nearest the query (0: from the top layer)
    pivots: int = 0  # HNSW: how many stored vectors `pivot_positions` draws as entry candidates
    ef_search: int = 0  # HNSW: efSearch per walk (0: segments tuned before it was kept here; the file's)
    policy: int = 0  # HNSW: the version of the ANN policy that tuned it (rag.indexing.ann.POLICY_VERSION)

    @classmethod
    def from_dict(cls, info: dict) -> VectorInfo:
        """The info a segment row records; keys of retired policies (`ivf_rejected_at`) are dropped."""
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in info.items() if key in known})


class Allowed(RowSet):
    """A filter's rows (`rows.RowSet`) as faiss takes them: one bitmap selector (a bit per row id) shared by every
    segment. faiss tests a bitmap in O(1) and it costs about a millisecond per million rows to build, where an
    IDSelectorBatch of 100k ids takes tens of ms, again for every segment."""

    def selector(self) -> faiss.IDSelector:
        return self.derived("selector", self._bitmap)

    def _bitmap(self) -> faiss.IDSelector:
        return bitmap_selector(self.ids)


def bitmap_selector(ids: np.ndarray) -> faiss.IDSelector:
    """A faiss selector of these (non-negative) ids: one bit each."""
    bits = np.zeros(int(ids[-1]) + 1 if len(ids) else 1, dtype=bool)
    bits[ids] = True
    packed = np.packbits(bits, bitorder="little")
    selector = faiss.IDSelectorBitmap(len(packed), faiss.swig_ptr(packed))
    selector.bits = packed  # kept with it: faiss holds a raw pointer
    return selector


class VectorIndex:
    def __init__(self, dim: int, index: faiss.Index | None = None, info: VectorInfo | None = None):
        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.info = info or VectorInfo(kind="flat")
        # read once for filtered HNSW searches: the ids held, sorted, with their stored positions
        self._stored_ids: np.ndarray | None = None
        self._ids: np.ndarray | None = None
        self._order: np.ndarray | None = None
        self._pivots: tuple[np.ndarray, np.ndarray] | None = None  # stored positions and their vectors

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
            if self.info.kind in ("hnsw", IVF_REFINED):
                held, spans = allowed.derived(self, lambda: self._positions(allowed.ids))  # kept with the filter
                if len(held) == 0:
                    return []
                share = len(held) / self.size
                scattered = EXACT_ROWS_IVF if self.info.kind == IVF_REFINED else EXACT_ROWS
                if (len(spans[0]) <= MAX_RUNS and len(held) <= EXACT_RUN_ROWS) or \
                        (len(held) <= scattered and share <= EXACT_SHARE):
                    return self._exact(query, k, held, spans)
            if self.info.kind == IVF_REFINED:
                # the lists hold stored positions: a bitmap of the allowed ones, kept with the filter, spares
                # translating every code's position to its row id (50 % allowed at 1M: 10.9 -> 8 ms)
                on_positions = allowed.derived((self, "positions"), lambda: bitmap_selector(held.astype(np.int64)))
                nprobe = min(self.info.nlist, int(np.ceil(self.info.nprobe / np.sqrt(share))))
                return self._probe(query, k, nprobe, on_positions, translate=False)
            selector = allowed.selector()
        elif excluded is not None and len(excluded):
            # keep the inner selector alive as long as the outer one: faiss holds a raw pointer
            inner = faiss.IDSelectorBatch(np.asarray(excluded, dtype=np.int64))
            selector = faiss.IDSelectorNot(inner)
            selector.inner = inner
        if self.info.kind == IVF_REFINED:
            return self._probe(query, k, self.info.nprobe, selector)
        if self.info.kind == "hnsw":
            ef = self.ef_search if share >= 1.0 else min(MAX_EF, int(self.ef_search / share))
            walked = self._walk(query, k, ef, selector, allowed) if self.info.entries else None
            if walked is not None:
                return walked
        params = None
        if self.info.kind == "ivf":
            params = faiss.SearchParametersIVF(nprobe=self.info.nprobe)
        elif self.info.kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=ef)
        elif selector is not None:
            params = faiss.SearchParameters()
        if selector is not None:
            params.sel = selector
        scores, ids = self.index.search(query, min(k, self.size), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def stored_vectors(self) -> np.ndarray:
        """The fp32 vectors an HNSW or IVF segment stores, in stored order, as a read-only view (no copy)."""
        inner = faiss.downcast_index(self.index.index)
        storage = faiss.downcast_index(inner.refine_index if self.info.kind == IVF_REFINED else inner.storage)
        view = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d).reshape(storage.ntotal, storage.d)
        view.flags.writeable = False
        return view

    @property
    def ef_search(self) -> int:
        """The efSearch this segment was tuned to: its info's, else (segments tuned before the info kept it) the
        one faiss stored in the file. Passed with each search, so that re-tuning never touches a graph that
        older snapshots are searching."""
        return self.info.ef_search or faiss.downcast_index(self.index.index).hnsw.efSearch

    def _walk(self, query: np.ndarray, k: int, ef: int, selector: faiss.IDSelector | None,
              allowed: Allowed | None) -> list[tuple[int, float]] | None:
        """The bottom layer walked from the `entries` pivots nearest the query (allowed pivots only, under a
        filter), one walk after another with one visited set; `selector` works on row ids as in `search`. None
        when the filter allows no pivot: then one walk from the top layer."""
        if self._pivots is None:
            positions = pivot_positions(self.size, self.info.pivots)
            self._pivots = (positions.astype(np.int32), np.ascontiguousarray(self.stored_vectors()[positions]))
        positions, vectors = self._pivots
        if allowed is not None:
            keep = allowed.derived((self, "pivots"), lambda: self._allowed_pivots(allowed.ids))  # kept with it
            positions, vectors = positions[keep], vectors[keep]
        entries = min(self.info.entries, len(positions))
        if entries == 0:
            return None
        near = vectors @ query[0]
        top = np.argpartition(-near, entries - 1)[:entries] if len(near) > entries else np.arange(len(near))
        top = top[np.argsort(-near[top])]
        params = faiss.SearchParametersHNSW(efSearch=ef)
        if selector is not None:  # the walk sees stored positions, the selector row ids
            translated = faiss.IDSelectorTranslated(self.index.id_map, selector)
            params.sel = translated
        k = min(k, self.size)
        scores, labels = np.empty((1, k), dtype=np.float32), np.empty((1, k), dtype=np.int64)
        starts = np.ascontiguousarray(positions[top].reshape(1, -1))
        start_scores = np.ascontiguousarray(near[top].reshape(1, -1), dtype=np.float32)
        faiss.downcast_index(self.index.index).search_level_0(
            1, faiss.swig_ptr(query), k, faiss.swig_ptr(starts), faiss.swig_ptr(start_scores),
            faiss.swig_ptr(scores), faiss.swig_ptr(labels), entries, 1, params)  # 1: one walk per entry
        stored = self._id_table()[0]
        return [(int(stored[i]), float(s)) for i, s in zip(labels[0], scores[0]) if i != -1]

    def _probe(self, query: np.ndarray, k: int, nprobe: int, selector: faiss.IDSelector | None,
               translate: bool = True) -> list[tuple[int, float]]:
        """An IVF segment's search: `nprobe` lists scanned in 8-bit codes, the best k * REFINE_FACTOR re-scored in
        fp32; `selector` works on row ids as in `search` (on stored positions with `translate=False`)."""
        lists = faiss.SearchParametersIVF(nprobe=nprobe)
        chosen = None  # held here for the search: faiss keeps raw pointers
        if selector is not None:  # the lists hold stored positions
            chosen = faiss.IDSelectorTranslated(self.index.id_map, selector) if translate else selector
            lists.sel = chosen
        params = faiss.IndexRefineSearchParameters(k_factor=REFINE_FACTOR, base_index_params=lists)
        scores, labels = self.index.index.search(query, min(k, self.size), params=params)
        stored = self._id_table()[0]
        return [(int(stored[i]), float(s)) for i, s in zip(labels[0], scores[0]) if i != -1]

    def _allowed_pivots(self, allowed: np.ndarray) -> np.ndarray:
        """Which pivots the (sorted) allowed ids admit, as a mask."""
        ids = self._id_table()[0][self._pivots[0]]
        at = np.minimum(np.searchsorted(allowed, ids), len(allowed) - 1)
        return allowed[at] == ids

    def _id_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The row ids in stored order, the order that sorts them, and the sorted ids (read once)."""
        if self._ids is None:
            self._stored_ids = faiss.vector_to_array(self.index.id_map)
            self._order = np.argsort(self._stored_ids, kind="stable")
            self._ids = self._stored_ids[self._order]
        return self._stored_ids, self._order, self._ids

    def _positions(self, allowed: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Where the allowed ids this index holds are stored, in stored order (a filter lists rows of every
        segment), and their runs."""
        self._id_table()
        at = np.minimum(np.searchsorted(self._ids, allowed), len(self._ids) - 1)
        held = sorted_unique(self._order[at[self._ids[at] == allowed]])
        return held, runs(held) if len(held) else (held, held)

    def _exact(self, query: np.ndarray, k: int, positions: np.ndarray, spans: tuple[np.ndarray, np.ndarray]
               ) -> list[tuple[int, float]]:
        """The k best of the rows stored at these (sorted) positions, scored in place against the stored vectors:
        a few runs of neighbouring positions (`spans`) as slices (a matrix product each), else by position."""
        stored = self.stored_vectors()
        starts, ends = spans
        if len(starts) <= MAX_RUNS:
            scores = np.concatenate([stored[a:b] @ query[0] for a, b in zip(starts, ends)])
        else:
            scores = np.empty(len(positions), dtype=np.float32)
            faiss.fvec_inner_products_by_idx(faiss.swig_ptr(scores), faiss.swig_ptr(query), faiss.swig_ptr(stored),
                                             faiss.swig_ptr(positions), self.dim, 1, len(positions))
        top = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
        top = top[np.argsort(-scores[top])]
        return [(int(self._stored_ids[positions[i]]), float(scores[i])) for i in top]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, info: VectorInfo) -> VectorIndex:
        index = faiss.read_index(str(path))
        return cls(index.d, index, info)



def pivot_positions(n: int, count: int) -> np.ndarray:
    """`count` stored positions of `n`, evenly spaced: segments store rows by collection, paper and date, so the
    pivots cover every collection and period in proportion (and need no storing: they follow from n)."""
    return (np.arange(count, dtype=np.int64) * n) // max(count, 1)
