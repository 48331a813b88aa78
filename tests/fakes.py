"""A deterministic stand-in embedder for tests of code that does not care what the vectors mean."""

from __future__ import annotations

import hashlib

import numpy as np


class HashEmbedder:
    """Hashes character bigrams into a small vector: similar strings get similar vectors."""

    name = "test/hash-bigrams"
    dim = 64

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(max(len(text) - 1, 1)):
            h = int(hashlib.md5(text[i : i + 2].encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_passages(self, texts):
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text):
        return self._vec(text)
