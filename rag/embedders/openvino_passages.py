"""Passages through OpenVINO's CPU plugin in bfloat16, where the CPU computes in it (AVX512_BF16 or AMX).

The same exported ONNX graph as the ONNX backend's; OpenVINO keeps bf16 to the matrix products and accumulates
in fp32, so the vectors stay at cosine 0.99998 or more with fp32's (300 seed sentences and 134 questions), closer
than torch's and ONNX Runtime's fp32 to each other, and keep the model's name. On a Zen 4 CPU a 5,000-character
page's chunks and sentences embed in 1.4 s against 2.2 s through ONNX Runtime in fp32 (README, "Embedding
backends"). A single query is faster through ONNX Runtime's int8 model, which keeps it."""

from __future__ import annotations

import queue
from collections.abc import Callable
from pathlib import Path

import numpy as np

RUNTIMES = ("auto", "onnxruntime", "openvino")


def has_bf16() -> bool:
    import openvino as ov

    return "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


class OpenVinoPassages:
    """Runs batches of (input_ids, attention_mask) a stream per core, one thread each."""

    def __init__(self, path: Path, threads: int, precision: str = "bf16"):
        import openvino as ov

        self.compiled = ov.Core().compile_model(str(path), "CPU", {
            "INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "THROUGHPUT",
            "NUM_STREAMS": str(threads), "INFERENCE_NUM_THREADS": str(threads)})
        self.threads = threads

    def runner(self, batches: int) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
        """One call's function from a batch to its last hidden state, for up to `threads` threads at once: each
        batch takes one of the call's own infer requests. Synchronous requests in threads rather than OpenVINO's
        AsyncInferQueue, whose Python callbacks were seen to deadlock against a `start_async` waiting for a free
        request."""
        free: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(min(self.threads, batches)):
            free.put(self.compiled.create_infer_request())

        def run(batch: dict[str, np.ndarray]) -> np.ndarray:
            request = free.get()
            try:
                return request.infer(batch)[0].copy()  # the request's output buffer is reused by its next batch
            finally:
                free.put(request)

        return run


def passages_runner(path: Path, threads: int, runtime: str) -> OpenVinoPassages | None:
    """OpenVINO for passages when asked for, or with "auto" when the CPU computes bf16; None: ONNX Runtime."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown passage runtime '{runtime}'; choose one of {', '.join(RUNTIMES)}")
    if runtime == "onnxruntime":
        return None
    bf16 = has_bf16()
    if runtime == "auto" and not bf16:
        return None
    return OpenVinoPassages(path, threads, "bf16" if bf16 else "f32")
