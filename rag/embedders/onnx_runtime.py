"""Embedding through ONNX Runtime: the sentence-transformers folder exported once to ONNX, optionally
quantised to int8 (dynamic) for passages and queries or for queries alone, run with the folder's own tokenizer,
mean pooling and normalisation."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .base import PrefixedEmbedder

# Tokens in one batch (its longest text times its texts): about 4 chunks or 16 sentences (`token_batches`).
BATCH_TOKENS = 1024


def export(folder: Path, quantized: bool) -> Path:
    """The ONNX file for a local model folder, exporting (and quantising) it on first use."""
    onnx_dir = folder / "onnx"
    plain = onnx_dir / "model.onnx"
    if not plain.exists():
        import torch
        from transformers import AutoModel

        onnx_dir.mkdir(exist_ok=True)
        bert = AutoModel.from_pretrained(str(folder)).eval()

        class Encoder(torch.nn.Module):  # keyword arguments: the model's positional order varies by version
            def __init__(self):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask):
                return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

        model = Encoder().eval()
        ids = torch.ones((1, 8), dtype=torch.long)
        tmp = onnx_dir / f"model.onnx.{os.getpid()}.tmp"  # two processes starting at once each write their own
        with torch.no_grad():
            torch.onnx.export(model, (ids, torch.ones_like(ids)), str(tmp),
                              input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                              opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"},
                                            "last_hidden_state": {0: "batch", 1: "tokens"}})
        tmp.rename(plain)
    if not quantized:
        return plain
    q = onnx_dir / "model_int8.onnx"
    if not q.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = onnx_dir / f"model_int8.onnx.{os.getpid()}.tmp"
        quantize_dynamic(str(plain), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=narrowing_matmuls(plain))
        tmp.rename(q)
    return q


def narrowing_matmuls(path: Path) -> list[str]:
    """The MatMul nodes whose weight maps a wider input to a narrower output: a transformer's feed-forward output
    projections. Their inputs (after GELU) carry outliers that one int8 scale per tensor flattens; kept in fp32,
    the int8 model's vectors go from cosine 0.988 to 0.999 with fp32's (eval/bench_backends.py, README)."""
    import onnx

    graph = onnx.load(str(path)).graph
    shapes = {w.name: tuple(w.dims) for w in graph.initializer}
    return [n.name for n in graph.node if n.op_type == "MatMul"
            and any(len(shapes.get(i, ())) == 2 and shapes[i][0] > shapes[i][1] for i in n.input)]


class OnnxEmbedder(PrefixedEmbedder):
    def __init__(self, name: str, folder: Path, quantized: bool, query_prefix: str = "", passage_prefix: str = "",
                 threads: int | None = None, batch_tokens: int = BATCH_TOKENS, max_length: int = 512,
                 int8_queries: bool = False):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if batch_tokens < 1:
            raise ValueError(f"batch_tokens must be a positive count of tokens, got {batch_tokens}")
        folder = Path(folder)
        if not (folder / "tokenizer.json").exists():
            raise ValueError(f"the ONNX backends need a local model folder with tokenizer.json, got '{folder}'")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 2
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(export(folder, quantized)), options, providers=["CPUExecutionProvider"])
        # Queries through the int8 model, passages through fp32: a query's embedding is on every search's path,
        # the stored vectors stay full precision (and the index the same model's).
        self.query_session = ort.InferenceSession(str(export(folder, True)), options, providers=["CPUExecutionProvider"]) \
            if int8_queries and not quantized else self.session
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0
        # The fp32 graph is the same network as torch's (cosine >= 0.999, tests/rag/embedders): its vectors share
        # the model's name, so an index built with either backend opens and is searched with the other. int8
        # vectors differ more: they are their own model ("-pc": per-channel weights, the recipe of `export`).
        self.name = f"{name}#onnx-int8-pc" if quantized else name
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.batch_tokens = batch_tokens
        self.dim = int(self._encode(["维度"]).shape[1])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text], self.query_session)[0]

    def _encode(self, texts: list[str], session=None) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        out = []
        for batch in token_batches([len(e.ids) for e in encoded], self.batch_tokens):
            lengths = np.array([len(encoded[j].ids) for j in batch])
            ids = np.full((len(batch), lengths[-1]), self.pad_id, dtype=np.int64)
            for row, j in enumerate(batch):
                ids[row, : lengths[row]] = encoded[j].ids
            mask = (np.arange(lengths[-1]) < lengths[:, None]).astype(np.int64)
            hidden = (session or self.session).run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out.append((batch, pooled / np.linalg.norm(pooled, axis=1, keepdims=True)))
        vectors = np.empty((len(texts), out[0][1].shape[1]), dtype=np.float32)
        for batch, pooled in out:
            vectors[batch] = pooled
        return vectors


def token_batches(lengths: list[int], budget: int) -> list[np.ndarray]:
    """Texts in batches of similar length, each padded to its longest at most `budget` tokens: positions into
    `lengths`, shortest first. A batch is padded to its longest text, and short sentences padded to a long one
    were most of the work of embedding a page's sentences; and wide batches are slow in themselves: on 2 cores a
    page's 25 chunks (~155 tokens) took 3.2-3.4 s in batches of 32 and 2.3 s in batches of 1-8, its 87 sentences
    (~58 tokens) 3.6-3.8 s against 2.6-3.0 s in batches of 4-16 (README, "Embedding backends")."""
    order = np.argsort(lengths, kind="stable")
    batches, start = [], 0
    for end in range(1, len(order) + 1):
        if end == len(order) or lengths[order[end]] * (end + 1 - start) > budget:
            batches.append(order[start:end])
            start = end
    return batches
