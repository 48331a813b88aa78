"""What every embedder backend shares: prefixes applied around a batch encoder."""

from __future__ import annotations

from typing import Sequence

import numpy as np


class PrefixedEmbedder:
    """Subclasses set name, dim, query_prefix, passage_prefix and implement `_encode`."""

    name: str
    dim: int
    query_prefix: str = ""
    passage_prefix: str = ""

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text])[0]
