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
