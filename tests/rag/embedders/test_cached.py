import numpy as np
import pytest

from rag.embedders.cached import CachedEmbedder
from tests.fakes import HashEmbedder


class Counting(HashEmbedder):
    def __init__(self):
        self.calls = []

    def embed_passages(self, texts):
        self.calls.append(list(texts))
        return super().embed_passages(texts)


def test_repeated_texts_are_embedded_once():
    inner = Counting()
    cached = CachedEmbedder(inner, capacity=10)
    first = cached.embed_passages(["甲乙", "丙丁", "甲乙"])
    again = cached.embed_passages(["丙丁", "戊己"])
    assert inner.calls == [["甲乙", "丙丁"], ["戊己"]]
    assert np.allclose(first[1], again[0]) and np.allclose(first[0], first[2])


def test_capacity_evicts_the_least_recently_used():
    inner = Counting()
    cached = CachedEmbedder(inner, capacity=2)
    cached.embed_passages(["一", "二"])
    cached.embed_passages(["一"])  # touch
    cached.embed_passages(["三"])  # evicts 二
    cached.embed_passages(["一", "二"])
    assert inner.calls[-1] == ["二"]
    with pytest.raises(ValueError, match="capacity"):
        CachedEmbedder(inner, capacity=0)
