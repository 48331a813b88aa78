"""Embedding through sentence-transformers on torch."""

from __future__ import annotations

import os

import numpy as np

from .base import PrefixedEmbedder


class SentenceTransformerEmbedder(PrefixedEmbedder):
    def __init__(self, name: str, path: str, query_prefix: str = "", passage_prefix: str = "",
                 threads: int | None = None, batch_size: int = 8):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # no load reports or progress bars on a user's terminal
        hf_logging.disable_progress_bar()

        if threads:
            # Each native pool (torch, faiss, onnxruntime) sized explicitly: oversubscribed pools on
            # 2 cores turn a 30 ms query into seconds.
            torch.set_num_threads(threads)
        self.name = name
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        # Narrow batches are faster on 2 cores (a page's chunks 3.1 s in batches of 32, 2.2 s in batches of 8:
        # README, "Batches by tokens"); sentence-transformers sorts the texts by length itself.
        self.batch_size = batch_size
        self.model = SentenceTransformer(path, device="cpu")
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)
