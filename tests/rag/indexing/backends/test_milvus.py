"""What only the Milvus backend does: filters as Milvus expressions (checked against what Lite honours),
newspaper metadata on chunk rows, long source text, model checks, and migration without re-embedding."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from rag.indexing.backends.milvus import PIECE, MilvusBackend, milvus_filter
from rag.indexing.index import Index, IndexStateError
from rag.indexing.store import DocumentInfo, Store
from rag.ingest.loading import decode
from rag.search.filters import Filters
from rag.search.retrieval import SearchConfig
from rag.types import Chunk, DocumentMeta
from tests.fakes import HashEmbedder


class CountingEmbedder(HashEmbedder):
    def __init__(self):
        self.embedded = 0

    def embed_passages(self, texts):
        self.embedded += len(texts)
        return super().embed_passages(texts)


@pytest.fixture
def milvus(milvus_target):
    b = MilvusBackend(milvus_target.uri, HashEmbedder(), milvus_target.collection)
    yield b
    b.close()


def test_milvus_filter_expression():
    f = Filters(collections=("default", "archive"), doc_ids=('a"b.txt',), date_from=date(2021, 3, 1),
                papers=("人民日报",), pages=(1, 4), sections=("要闻",), authors=("张三", "李四"))
    assert milvus_filter(f) == (
        'collection in ["default", "archive"] and doc_id in ["a\\"b.txt"] and date >= 20210301 and date > 0 '
        'and paper in ["人民日报"] and page in [1, 4] and section in ["要闻"] '
        'and (author like "%|张三|%" or author like "%|李四|%")')
    assert milvus_filter(Filters()) == 'collection in ["default"]'


def _page(milvus, doc_id, text, meta, collection="default"):
    chunk = Chunk(f"{abs(hash(doc_id)):016x}"[:16], doc_id, f"{doc_id}#0", "标题", text, 0, len(text), 0)
    info = DocumentInfo(doc_id, doc_id, f"sha-{doc_id}", len(text), 1, 1, "2026-01-01T00:00:00Z")
    milvus._ready(rebuild=False)
    milvus.put_document(info, text, [{"article_id": f"{doc_id}#0", "ordinal": 0, "title": "标题",
                                      "title_source": "headline", "start": 0, "end": len(text)}],
                        [chunk], milvus.embedder.embed_passages([text]), meta, collection)


@pytest.mark.parametrize("filters,expected", [
    (Filters(), {"p1", "p2"}),
    (Filters(collections=("archive",)), {"p3"}),
    (Filters(collections=("default", "archive")), {"p1", "p2", "p3"}),
    (Filters(papers=("人民日报",)), {"p1"}),
    (Filters(date_from=date(2021, 1, 1)), {"p2"}),
    (Filters(date_to=date(2021, 1, 1)), {"p1"}),
    (Filters(pages=(4,)), {"p2"}),
    (Filters(sections=("要闻",)), {"p1"}),
    (Filters(authors=("李四",)), {"p2"}),
    (Filters(authors=("李",)), set()),  # a whole name, not a part of one
    (Filters(doc_ids=()), set()),
])
def test_lite_honours_every_filter_on_every_leg(milvus, filters, expected):
    _page(milvus, "p1", "志愿者为居民理发", DocumentMeta(paper="人民日报", date="2020-05-01", page=1, section="要闻",
                                                 authors=("张三",)))
    _page(milvus, "p2", "志愿者为老人理发", DocumentMeta(paper="光明日报", date="2022-06-01", page=4, authors=("李四", "王五")))
    _page(milvus, "p3", "志愿者为孩子理发", DocumentMeta(), collection="archive")
    for mode in ("hybrid", "dense", "lexical"):
        hits = milvus.search("志愿者理发", 10, filters, SearchConfig(mode=mode)).hits
        assert {h.chunk.doc_id for h in hits} == expected, mode
    assert milvus.snapshot().store.meta("p2").authors == ("李四", "王五")


def test_long_source_text_round_trips(milvus):
    text = "第一段。\n\n" + "报" * (PIECE * 2 + 17) + "\n"
    milvus.add([decode("long.txt", text.encode())])
    assert milvus.snapshot().store.source_text("long.txt") == text
    milvus.add([decode("long.txt", "短文。\n".encode())])  # the replacement has one piece: the others go
    assert milvus.snapshot().store.source_text("long.txt") == "短文。\n"


def test_another_model_is_refused(milvus_target):
    uri, collection = milvus_target.uri, milvus_target.collection
    b = MilvusBackend(uri, HashEmbedder(), collection)
    b.add([decode("a.txt", "志愿者为居民理发。\n".encode())])
    b.close()

    class Other(HashEmbedder):
        name = "test/other"

    other = MilvusBackend(uri, Other(), collection)
    with pytest.raises(IndexStateError, match="built with model 'test/hash-bigrams'"):
        other.snapshot()
    other.close()


def test_migrate_copies_without_embedding(tmp_path, milvus_target):
    index = Index(tmp_path / "index", HashEmbedder())
    pages = [decode(f"{n}.txt", f"第{n}版\n\n志愿者第{n}次为居民理发，居民们很满意。\n".encode()) for n in range(3)]
    index.add(pages)
    embedder = CountingEmbedder()
    milvus = MilvusBackend(milvus_target.uri, embedder, milvus_target.collection)
    store = Store(index.store_path, readonly=True)
    results = milvus.migrate_from(store)
    assert [r.status for r in results] == ["added"] * 3 and embedder.embedded == 0
    view = milvus.snapshot()
    assert view.manifest["counts"] == {**store.counts(), "vectors": store.counts()["chunks"]}
    for info in store.documents():
        assert view.store.document(info.doc_id) == info
        assert view.store.articles(info.doc_id) == store.articles(info.doc_id)
        assert view.store.source_text(info.doc_id) == store.source_text(info.doc_id)
    # The copied vectors are the embedded index's own: a dense search ranks the same chunk first.
    query = "志愿者第2次为居民理发"
    ours = milvus.search(query, 1, None, SearchConfig(mode="dense")).hits[0]
    assert ours.chunk.doc_id == "2.txt"
    ids = store.chunk_rows(["2.txt"])
    vec = store.vectors_of(HashEmbedder.name, ids)[0]
    assert np.isclose(ours.dense, float(vec @ HashEmbedder().embed_query(query)), atol=1e-4)
    assert [r.status for r in milvus.migrate_from(store)] == ["unchanged"] * 3
    store.close()
    milvus.close()


def test_another_process_opens_the_collection(milvus_target):
    """A new process finds the collections released (Lite reopening its directory): the backend loads them.
    Both sides are child processes: Lite keeps its directory locked until the process that opened it ends."""
    import subprocess
    import sys

    from tests.conftest import REPO

    opening = ("import sys; from rag.indexing.backends.milvus import MilvusBackend; from tests.fakes import HashEmbedder;"
               "from rag.ingest.loading import decode; from rag.search.retrieval import SearchConfig;"
               "b = MilvusBackend(sys.argv[1], HashEmbedder(), sys.argv[2]);")
    writer = opening + "b.add([decode('a.txt', '社区理发\\n\\n志愿者为居民免费理发。\\n'.encode())])"
    reader = opening + "print(b.search('志愿者理发', 1, None, SearchConfig()).hits[0].chunk.doc_id)"
    for code in (writer, reader):
        out = subprocess.run([sys.executable, "-c", code, milvus_target.uri, milvus_target.collection],
                             check=False, capture_output=True, text=True, cwd=REPO, timeout=120)
        assert out.returncode == 0, out.stderr[-1500:]
    assert out.stdout.strip().splitlines()[-1] == "a.txt"
