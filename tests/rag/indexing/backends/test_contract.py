"""The contract every search backend keeps, run on the embedded backend and on Milvus Lite (one data directory
per test). The hash embedder stands in for the model: these tests are about storage, not meaning."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.indexing.backends.embedded import EmbeddedBackend
from rag.indexing.backends.milvus import MilvusBackend
from rag.indexing.index import Index, NoIndex
from rag.ingest.loading import decode
from rag.search.filters import Filters
from rag.search.retrieval import SearchConfig
from tests.fakes import HashEmbedder

PAGE_A = ("社区理发\n\n“中国好人”汤亚兴带领志愿团队巡回走进各居民区，为居民免费理发，已经坚持了十二年。"
          "志愿者们每月第一个周六在社区广场摆开理发摊位。\n")
PAGE_B = ("红色电影进校园\n\n德令哈市乌兰路社区为孩子们放映红色电影《闪闪的红星》，让孩子们感受党的光辉历史。"
          "放映结束后，孩子们纷纷写下观后感。\n")
PAGE_B2 = ("城市文明小景观\n\n潮州市建成了三百座城市文明小景观，把古城街巷装点得更加整洁美丽，"
           "市民们在景观旁散步、拍照。\n")


def source(name: str, text: str):
    return decode(name, text.encode("utf-8"))


@pytest.fixture(params=["embedded", "milvus"])
def backend(request, tmp_path, milvus_target):
    if request.param == "embedded":
        b = EmbeddedBackend(Index(tmp_path / "index", HashEmbedder()))
    else:
        b = MilvusBackend(milvus_target.uri, HashEmbedder(), milvus_target.collection)
    yield b
    b.wait()
    if request.param == "milvus":
        b.close()


@pytest.fixture
def filled(backend):
    backend.add([source("a.txt", PAGE_A), source("b.txt", PAGE_B)])
    return backend


def docs_of(result) -> list[str]:
    return [h.chunk.doc_id for h in result.hits]


def test_no_index_is_a_clear_error(backend):
    assert not backend.exists()
    with pytest.raises(NoIndex, match="no index"):
        backend.snapshot()


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_add_then_search_finds_the_page(filled, mode):
    assert filled.exists()
    result = filled.search("志愿者给居民理发", 3, None, SearchConfig(mode=mode))
    assert docs_of(result)[0] == "a.txt"
    assert result.timings_ms["total"] >= 0
    result = filled.search("德令哈红色电影", 3, None, SearchConfig(mode=mode))
    assert docs_of(result)[0] == "b.txt"


def test_lexical_scores_are_positive(filled):
    hits = filled.search("理发", 3, None, SearchConfig(mode="lexical")).hits
    assert hits and all(h.lexical is not None and h.lexical > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_filter_by_doc_id(filled):
    for mode in ("hybrid", "dense", "lexical"):
        result = filled.search("志愿者给孩子们理发", 5, Filters(doc_ids=("b.txt",)), SearchConfig(mode=mode))
        assert result.hits and set(docs_of(result)) == {"b.txt"}, mode


def test_replace_never_shows_the_old_text(filled):
    before = filled.snapshot().build_id
    [result] = filled.add([source("b.txt", PAGE_B2)])
    assert result.status == "replaced"
    assert filled.snapshot().build_id != before
    for mode in ("hybrid", "lexical"):
        texts = " ".join(h.chunk.text for h in filled.search("德令哈红色电影", 10, None, SearchConfig(mode=mode)).hits)
        assert "德令哈" not in texts, mode
    assert docs_of(filled.search("潮州城市文明小景观", 1, None, SearchConfig(mode="lexical"))) == ["b.txt"]
    store = filled.snapshot().store
    assert store.source_text("b.txt") == PAGE_B2
    assert store.counts()["documents"] == 2


def test_unchanged_document_is_not_rewritten(filled):
    before = filled.snapshot().manifest["counts"]
    [result] = filled.add([source("a.txt", PAGE_A)])
    assert result.status == "unchanged"
    assert filled.snapshot().manifest["counts"] == before


def test_delete_never_resurfaces(filled):
    [removed] = filled.remove(["a.txt"])
    assert removed.doc_id == "a.txt"
    for mode in ("hybrid", "dense", "lexical"):
        assert "a.txt" not in docs_of(filled.search("志愿者给居民理发", 10, None, SearchConfig(mode=mode))), mode
    store = filled.snapshot().store
    assert store.document("a.txt") is None and store.source_text("a.txt") is None
    assert store.chunk_rows(["a.txt"]) == []
    assert [d.doc_id for d in store.documents()] == ["b.txt"]


def test_removing_an_unknown_document_changes_nothing(filled):
    with pytest.raises(KeyError, match="no such document: nope.txt"):
        filled.remove(["a.txt", "nope.txt"])
    assert [d.doc_id for d in filled.snapshot().store.documents()] == ["a.txt", "b.txt"]


def test_citations_read_from_the_store(filled):
    hit = filled.search("志愿者给居民理发", 1, None, SearchConfig()).hits[0]
    store = filled.snapshot().store
    doc = store.document(hit.chunk.doc_id)
    assert doc is not None and doc.chars == len(PAGE_A)
    source_text = store.source_text(hit.chunk.doc_id)
    assert source_text == PAGE_A
    assert hit.chunk.text.replace("\n", "") in source_text.replace("\n", "")
    articles = store.articles(hit.chunk.doc_id)
    assert hit.chunk.article_id in {a["article_id"] for a in articles}
    rows = store.chunk_rows([hit.chunk.doc_id])
    assert len(rows) == doc.chunks
    assert hit.chunk in store.chunks_by_id(rows).values()
    manifest = filled.snapshot().manifest
    assert manifest["counts"]["chunks"] == len(store.chunk_rows()) and manifest["model"]["name"] == HashEmbedder.name


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_collections_never_answer_for_each_other_and_a_deleted_one_never_resurfaces(filled, mode):
    import dataclasses

    from rag.indexing.index import CollectionError
    from rag.types import DocumentMeta

    config = SearchConfig(mode=mode)
    filled.create_collection("clips", "剪报")
    with pytest.raises(CollectionError, match="already exists"):
        filled.create_collection("clips")
    clip = dataclasses.replace(source("c.txt", PAGE_B2), collection="clips",
                               meta=DocumentMeta(paper="潮州日报", date="2021-03-05", page=4))
    filled.add([clip])
    with pytest.raises(CollectionError, match="already in collection 'clips'"):
        filled.add([source("c.txt", PAGE_B2)])
    assert {c.name: c.documents for c in filled.snapshot().store.collections()} == {"clips": 1, "default": 2}
    assert filled.snapshot().store.collection_names() == ["clips", "default"]
    assert "c.txt" not in docs_of(filled.search("城市文明小景观", 5, None, config))
    assert docs_of(filled.search("城市文明小景观", 5, Filters(collections=("clips",)), config)) == ["c.txt"]
    both = Filters(collections=("default", "clips"))
    assert "c.txt" in docs_of(filled.search("城市文明小景观", 5, both, config))
    dated = Filters(collections=("default", "clips"), date_from=dt.date(2021, 1, 1), pages=(4,))
    assert docs_of(filled.search("城市文明小景观", 5, dated, config)) == ["c.txt"]
    # Corrected metadata reaches the filters without re-embedding.
    assert filled.set_meta("c.txt", DocumentMeta(paper="潮州日报", date="2021-03-05", page=5)).meta.page == 5
    assert docs_of(filled.search("城市文明小景观", 5, dated, config)) == []
    assert filled.snapshot().store.document("c.txt").meta.paper == "潮州日报"

    assert filled.delete_collection("clips").documents == 1
    assert filled.snapshot().store.document("c.txt") is None
    assert [c.name for c in filled.snapshot().store.collections()] == ["default"]
    assert filled.snapshot().store.collection_names() == ["default"]
    assert "c.txt" not in docs_of(filled.search("城市文明小景观", 5, Filters(collections=("default",)), config))
    with pytest.raises(CollectionError, match="cannot be deleted"):
        filled.delete_collection("default")
