"""Embedding through ONNX Runtime: the sentence-transformers folder exported once to ONNX, optionally
quantised to int8 (dynamic) for passages and queries or for queries alone, run with the folder's own tokenizer,
mean pooling and normalisation; fp32 passages through OpenVINO where the CPU computes bf16."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .base import PrefixedEmbedder
from .openvino_passages import passages_runner

# Tokens in one batch (its longest text times its texts): a chunk alone or about 4 sentences (`token_batches`).
BATCH_TOKENS = 256


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
                 int8_queries: bool = False, passage_runtime: str = "auto"):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if batch_tokens < 1:
            raise ValueError(f"batch_tokens must be a positive count of tokens, got {batch_tokens}")
        folder = Path(folder)
        if not (folder / "tokenizer.json").exists():
            raise ValueError(f"the ONNX backends need a local model folder with tokenizer.json, got '{folder}'")
        self.threads = threads or 2

        def session(path: Path, intra_op: int):
            options = ort.SessionOptions()
            options.intra_op_num_threads = intra_op
            options.inter_op_num_threads = 1
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        # Passages in fp32 through OpenVINO in bf16 where the CPU has it (`openvino_passages`), else through
        # ONNX Runtime; int8 passages (`onnx-int8`) always through ONNX Runtime. Either runs a batch per core,
        # each batch on one thread: on 2 cores a page's 25 chunks and 70 sentences took 2.2 s that way through
        # ONNX Runtime, 3.2 s through one session of two threads (a 384-wide layer divides poorly between threads).
        self.openvino = None if quantized else passages_runner(export(folder, False), self.threads, passage_runtime)
        self.session = None if self.openvino else session(export(folder, quantized), 1)
        # Queries (one batch) through a session with every thread, in int8 by default: a query's embedding is on
        # every search's path; the stored vectors stay full precision (and the index the same model's). Where
        # queries and passages share a model (`RAG_INT8_QUERIES=0`, `onnx-int8`) it is loaded twice, once per
        # thread layout (fp32: ~0.45 GB more), rather than two-thread runs two at a time on two cores.
        self.query_session = session(export(folder, quantized or int8_queries), self.threads)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0
        # The fp32 graph is the same network as torch's (cosine >= 0.999, tests/rag/embedders): its vectors share
        # the model's name, so an index built with either backend opens and is searched with the other. int8
        # vectors differ more: they are their own model ("-pc": per-channel weights, the recipe of `export`).
        self.name = f"{name}#onnx-int8-pc" if quantized else name
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.batch_tokens = batch_tokens
        self.dim = int(self.embed_query("维度").shape[0])

    def embed_query(self, text: str) -> np.ndarray:
        inputs = self._inputs(self.tokenizer.encode_batch([self.query_prefix + text]), [np.arange(1)])
        return _pooled(inputs[0], self.query_session.run(["last_hidden_state"], inputs[0])[0])[0]

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Passages."""
        encoded = self.tokenizer.encode_batch(texts)
        batches = token_batches([len(e.ids) for e in encoded], self.batch_tokens)
        inputs = self._inputs(encoded, batches)
        if self.openvino is not None:
            hidden = self.openvino.run(inputs[::-1])[::-1]  # longest first: the streams finish together
        elif self.threads > 1 and len(inputs) > 1:
            # a pool for the call, not one shared: two calls at once (an /ask beside a page's sentences) each
            # move on, as they did through one session, rather than one waiting behind the other's batches
            with ThreadPoolExecutor(self.threads, thread_name_prefix="passage-batch") as pool:
                hidden = list(pool.map(self._run, inputs[::-1]))[::-1]  # longest first: the cores finish together
        else:
            hidden = [self._run(x) for x in inputs]
        vectors = np.empty((len(texts), hidden[0].shape[2]), dtype=np.float32)
        for batch, x, h in zip(batches, inputs, hidden):
            vectors[batch] = _pooled(x, h)
        return vectors

    def _run(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(["last_hidden_state"], batch)[0]

    def _inputs(self, encoded: list, batches: list[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """Each batch's token ids, padded to its longest text, and attention mask."""
        inputs = []
        for batch in batches:
            lengths = np.array([len(encoded[j].ids) for j in batch])
            ids = np.full((len(batch), lengths.max()), self.pad_id, dtype=np.int64)
            for row, j in enumerate(batch):
                ids[row, : lengths[row]] = encoded[j].ids
            inputs.append({"input_ids": ids, "attention_mask": (np.arange(lengths.max()) < lengths[:, None]).astype(np.int64)})
        return inputs


def _pooled(inputs: dict[str, np.ndarray], hidden: np.ndarray) -> np.ndarray:
    """Mean pooling over the real tokens, L2-normalised."""
    mask = inputs["attention_mask"][..., None]
    pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def token_batches(lengths: list[int], budget: int) -> list[np.ndarray]:
    """Texts in batches of similar length, each padded to its longest at most `budget` tokens: positions into
    `lengths`, shortest first. A batch is padded to its longest text, and short sentences padded to a long one
    were most of the work of embedding a page's sentences; and wide batches are slow in themselves: a page's 25
    chunks (~155 tokens) and 70 sentences (~60 tokens), a batch per core on 2 cores, took 2.2-2.4 s in all with
    budgets of 128-384 tokens, 2.6 s with 1,024 and 3.2 s with 2,048 (README, "Embedding backends")."""
    order = np.argsort(lengths, kind="stable")
    batches, start = [], 0
    for end in range(1, len(order) + 1):
        if end == len(order) or lengths[order[end]] * (end + 1 - start) > budget:
            batches.append(order[start:end])
            start = end
    return batches
