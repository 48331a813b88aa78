"""An in-memory LRU in front of an embedder: answer sentences recur across questions, and embedding
them again is most of an /ask request's time."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

from . import Embedder


class CachedEmbedder:
    def __init__(self, inner: Embedder, capacity: int = 20_000):
        if capacity < 1:
            raise ValueError(f"cache capacity must be at least 1, got {capacity}")
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = self.inner.embed_passages(missing)
            known.update(zip(missing, fresh))
            with self._lock:
                self._vectors.update(zip(missing, fresh))
                while len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)
