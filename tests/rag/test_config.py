import pytest
from pydantic import ValidationError

from rag.config import Settings


@pytest.mark.parametrize("variable", ["RAG_ANN_THRESHOLD", "RAG_IVF_THRESHOLD"])
def test_the_ann_threshold_is_read_under_its_name_and_its_old_one(monkeypatch, variable):
    monkeypatch.setenv(variable, "60000")
    assert Settings().ann_threshold == 60_000


def test_the_ann_threshold_is_validated_by_name():
    assert Settings(ann_threshold=2000).ann_threshold == 2000
    with pytest.raises(ValidationError, match="ann_threshold"):
        Settings(ann_threshold=10)


def test_the_kind_of_large_segments_is_chosen_and_validated(monkeypatch, tmp_path):
    from rag.indexing.backends.embedded import EmbeddedBackend
    from tests.fakes import HashEmbedder

    assert Settings().ann_kind == "ivf"
    monkeypatch.setenv("RAG_ANN_KIND", "hnsw")
    settings = Settings(index_dir=tmp_path)
    assert EmbeddedBackend.from_settings(settings, HashEmbedder()).index.policy.kind == "hnsw"
    monkeypatch.setenv("RAG_ANN_KIND", "lsh")
    with pytest.raises(ValidationError, match="ann_kind"):
        Settings()
