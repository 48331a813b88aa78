"""The dense leg over segments, as Lucene and Milvus keep theirs: large sealed segments (immutable FAISS files,
each searched with the index kind its size calls for) plus one small fresh segment of the chunks written since
the last seal (exact search, rebuilt in memory from the store). Deleted chunks inside a sealed segment are
tombstones that every search excludes until a merge rewrites the segment without them.

A `Segments` value is immutable: a reader keeps the one it started with while `refreshed` makes the next,
reusing every sealed segment that did not change and reading only the vectors of newly written chunks."""

from __future__ import annotations

import heapq
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from rag.indexing.store import Store
from rag.indexing.vectors import Allowed, VectorIndex, VectorInfo

SEGMENTS_DIR = "segments"


@dataclass(frozen=True)
class Segments:
    dim: int
    sealed: dict[int, VectorIndex] = field(default_factory=dict)
    tombstones: dict[int, np.ndarray] = field(default_factory=dict)
    fresh_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fresh_vectors: np.ndarray | None = None
    fresh: VectorIndex | None = None

    @property
    def size(self) -> int:
        """Live vectors: sealed ones not deleted, plus the fresh ones."""
        dead = sum(len(t) for t in self.tombstones.values())
        return sum(v.size for v in self.sealed.values()) - dead + len(self.fresh_ids)

    def describe(self) -> dict:
        return {"kind": "segmented", "fresh": len(self.fresh_ids),
                "sealed": [{"id": seg, "kind": v.info.kind, "vectors": v.size,
                            "tombstones": len(self.tombstones.get(seg, ()))} for seg, v in self.sealed.items()]}

    def search(self, query: np.ndarray, k: int, allowed: Allowed | Sequence[int] | None = None
               ) -> list[tuple[int, float]]:
        """The k best (row id, cosine) over every segment; `allowed` (live row ids) restricts the search."""
        found: list[tuple[int, float]] = []
        # one selector for every segment
        chosen = allowed if allowed is None or isinstance(allowed, Allowed) else Allowed(allowed)
        for seg, index in self.sealed.items():
            found += index.search(query, k, chosen, excluded=self.tombstones.get(seg))
        if self.fresh is not None:
            found += self.fresh.search(query, k, chosen)
        return heapq.nlargest(k, found, key=lambda pair: pair[1])

    @classmethod
    def load(cls, root: Path, store: Store, model: str, dim: int, previous: Segments | None = None) -> Segments:
        """The segments the store lists now; sealed ones already loaded in `previous` are reused."""
        sealed: dict[int, VectorIndex] = {}
        for row in store.segment_rows():
            info = VectorInfo.from_dict(json.loads(row["info"]))
            reuse = previous.sealed.get(row["id"]) if previous else None
            if reuse is not None and reuse.info != info:  # tuned again (merging.retune): the same graph
                reuse = VectorIndex(dim, reuse.index, info)
            sealed[row["id"]] = reuse or VectorIndex.load(root / SEGMENTS_DIR / row["file"], info)
        ids = store.fresh_ids()
        vectors = _fresh_vectors(store, model, dim, ids, previous)
        fresh = None
        if len(ids):
            flat = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            flat.add_with_ids(vectors, ids)
            fresh = VectorIndex(dim, flat)
        return cls(dim, sealed, store.tombstones(), ids, vectors, fresh)


def describe(store: Store) -> dict:
    """What `Segments.describe` says of a view, read from the store's bookkeeping without loading a segment."""
    dead = {seg: len(ids) for seg, ids in store.tombstones().items()}
    return {"kind": "segmented", "fresh": len(store.fresh_ids()),
            "sealed": [{"id": r["id"], "kind": r["kind"], "vectors": r["count"], "tombstones": dead.get(r["id"], 0)}
                       for r in store.segment_rows()]}


def _fresh_vectors(store: Store, model: str, dim: int, ids: np.ndarray, previous: Segments | None) -> np.ndarray:
    """The fresh chunks' vectors: those the previous view held are copied, only new ones are read."""
    out = np.zeros((len(ids), dim), dtype=np.float32)
    known: dict[int, int] = {}
    if previous is not None and previous.fresh_vectors is not None:
        known = {int(i): n for n, i in enumerate(previous.fresh_ids)}
    todo = []
    for n, i in enumerate(ids.tolist()):
        if i in known:
            out[n] = previous.fresh_vectors[known[i]]
        else:
            todo.append(n)
    if todo:
        out[todo] = store.vectors_of(model, ids[todo].tolist())
    return out
