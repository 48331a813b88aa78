"""Embedding through sentence-transformers (torch, or ONNX Runtime with optional int8 quantisation)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

BACKENDS = ("torch", "onnx", "onnx-int8")


class SentenceTransformerEmbedder:
    def __init__(self, name: str, path: str, backend: str = "torch", query_prefix: str = "",
                 passage_prefix: str = "", threads: int | None = None, batch_size: int = 32):
        if backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend '{backend}'; choose one of {', '.join(BACKENDS)}")
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
        self.name = name if backend == "torch" else f"{name}#{backend}"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.backend = backend
        if backend == "torch":
            self.model = SentenceTransformer(path, device="cpu")
        else:
            self.model = _onnx_model(Path(path), quantized=backend == "onnx-int8")
        self.dim = int(self.model.get_sentence_embedding_dimension())

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text])[0]


def _onnx_model(path: Path, quantized: bool):
    """Export the folder to ONNX once (and quantise it to int8 dynamically), then load that."""
    from sentence_transformers import SentenceTransformer

    if not path.is_dir():
        raise ValueError(f"the ONNX backends need a local model folder, got '{path}'")
    onnx_dir = path / "onnx"
    if not (onnx_dir / "model.onnx").exists():
        SentenceTransformer(str(path), device="cpu", backend="onnx").save_pretrained(str(path))
    if not quantized:
        return SentenceTransformer(str(path), device="cpu", backend="onnx")
    qfile = "model_qint8_avx2.onnx"
    if not (onnx_dir / qfile).exists():
        from sentence_transformers import export_dynamic_quantized_onnx_model

        model = SentenceTransformer(str(path), device="cpu", backend="onnx")
        export_dynamic_quantized_onnx_model(model, "avx2", str(path))
    return SentenceTransformer(str(path), device="cpu", backend="onnx", model_kwargs={"file_name": qfile})
