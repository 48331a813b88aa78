"""Passages through OpenVINO's CPU plugin in bfloat16, where the CPU computes in it (AVX512_BF16 or AMX).

The same exported ONNX graph as the ONNX backend's; OpenVINO keeps bf16 to the matrix products and accumulates
in fp32, so the vectors stay at cosine 0.99998 or more with fp32's (300 seed sentences and 134 questions), closer
than torch's and ONNX Runtime's fp32 to each other, and keep the model's name. On a Zen 4 CPU a 5,000-character
page's chunks and sentences embed in 1.4 s against 2.2 s through ONNX Runtime in fp32 (README, "Embedding
backends"). A single query is faster through ONNX Runtime's int8 model, which keeps it."""

from __future__ import annotations

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

    def run(self, batches: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        """The last hidden state of each batch, `threads` batches at a time, each on its own infer request.

        All from the caller's thread: requests started asynchronously and waited for (the wait lets the GIL go).
        Synchronous requests in a pool of Python threads deadlocked under load: one thread set its request's
        input shape holding the GIL while another's finished inference waited for the GIL to return; OpenVINO's
        AsyncInferQueue with Python callbacks did likewise against a `start_async` waiting for a free request."""
        requests = [self.compiled.create_infer_request() for _ in range(min(self.threads, len(batches)))]
        out: list[np.ndarray] = []
        for at in range(0, len(batches), len(requests)):
            wave = list(zip(requests, batches[at: at + len(requests)]))
            for request, batch in wave:
                request.start_async(batch)
            for request, _ in wave:
                request.wait()
                out.append(request.get_output_tensor(0).data.copy())  # the buffer is reused by the next batch
        return out


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
