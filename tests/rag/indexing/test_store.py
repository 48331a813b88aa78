"""The store: documents keep their format, encoding and page images with line boxes; all are written with their
document, read back, located, and deleted with it."""

import hashlib
import sqlite3

import numpy as np
import pytest

from rag.evaluation import documents
from rag.indexing.store import Store, embed_text, sentence_key, text_hash
from rag.ingest import loading
from rag.ingest.layout import split_articles
from rag.ingest.loading import Line, Page, Source
from rag.search.filters import Filters

STORY = [documents.Story("社区理发志愿服务", ("本报讯（记者）近日，某市举办了社区理发志愿服务活动，为老人免费理发。",))]
TEXT = "# 流动书车开进村庄\n本报讯 某市图书馆推出流动书车，\n每周为偏远村庄送书两次。\n\n# 第二页标题\n第二页正文写在这里。"


def test_documents_keep_their_format_and_encoding(tmp_path):
    store = Store(tmp_path / "store.sqlite")
    sources = [loading.decode("old.txt", "本报讯 某市开展旧书回收志愿服务活动，居民踊跃参加。".encode("gbk")),
               loading.decode("note.md", "# 标题\n本报讯 某市开展旧书回收志愿服务活动。".encode()),
               loading.decode("paper.docx", documents.docx(STORY)),
               loading.decode("page.pdf", documents.pdf(STORY))]
    for source in sources:
        store.add_document(source, [], [])
    assert [(d.doc_id, d.format, d.encoding) for d in store.documents()] == [
        ("note.md", "markdown", "utf-8"), ("old.txt", "text", "gb18030"), ("page.pdf", "pdf", None),
        ("paper.docx", "docx", None)]
    assert store.document("old.txt").encoding == "gb18030"
    store.remove_document("old.txt")
    assert store.document("old.txt") is None
    assert store.db.execute("SELECT count(*) FROM formats WHERE doc_id = 'old.txt'").fetchone()[0] == 0


def _first_release_index(path):
    """The tables of an index written before formats, pages and collections, holding one document."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE documents (doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, "
               "chars INTEGER NOT NULL, articles INTEGER NOT NULL, chunks INTEGER NOT NULL, added_at TEXT NOT NULL)")
    db.execute("CREATE TABLE chunks (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, embed_hash TEXT NOT NULL)")
    db.execute("INSERT INTO documents VALUES ('a.txt', 'a.txt', 'x', 10, 1, 1, '2026-01-01')")
    db.commit()
    db.close()
    return path


def test_an_index_from_before_formats_opens_read_only(tmp_path):
    (doc,) = Store(_first_release_index(tmp_path / "old.sqlite"), readonly=True).documents()
    assert (doc.doc_id, doc.format, doc.encoding) == ("a.txt", "text", None)


def _paged() -> Source:
    second = TEXT.index("# 第二页")
    lines = [(0, TEXT.index("\n")), (TEXT.index("本报讯"), TEXT.index("，\n") + 1), (TEXT.index("每周"), TEXT.index("。") + 1)]
    page1 = Page(1, b"png-1", tuple(Line(s, e, (10.0, 20.0 + 30 * i, 300.0, 44.0 + 30 * i)) for i, (s, e) in enumerate(lines)))
    page2 = Page(2, b"png-2", (Line(second + 2, TEXT.index("\n", second), (5.0, 5.0, 200.0, 40.0)),
                               Line(TEXT.index("第二页正文"), len(TEXT), (5.0, 50.0, 200.0, 70.0))))
    return Source(doc_id="scan.png", text=TEXT, sha256=hashlib.sha256(TEXT.encode()).hexdigest(), path="scan.png",
                  kind="image", pages=(page1, page2))


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def test_pages_are_stored_with_the_document_and_located_by_span(store):
    source = _paged()
    with store.transaction():
        store.add_document(source, split_articles(source.doc_id, source.text), [])
    assert store.page_count("scan.png") == 2 and store.page_image("scan.png", 2) == b"png-2"
    assert store.page_image("scan.png", 3) is None and store.page_count("other.txt") == 0
    start, end = TEXT.index("图书馆"), TEXT.index("送书") + 2  # across the first page's 2nd and 3rd lines
    assert store.locate("scan.png", start, end) == [(1, (10.0, 50.0, 300.0, 74.0)), (1, (10.0, 80.0, 300.0, 104.0))]
    assert store.locate("scan.png", TEXT.index("正文"), TEXT.index("正文") + 2) == [(2, (5.0, 50.0, 200.0, 70.0))]
    assert store.locate("scan.png", 0, 0) == []

    store.remove_document("scan.png")
    assert store.page_count("scan.png") == 0 and store.locate("scan.png", 0, len(TEXT)) == []


def test_a_failed_write_keeps_no_pages(store):
    source = _paged()
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction():
            store.add_document(source, [], [])
            store.add_document(source, [], [])  # the same document twice: the whole write is undone
    assert store.page_count("scan.png") == 0 and store.document("scan.png") is None


def test_a_build_from_before_page_storage_reads_as_having_no_pages(tmp_path):
    db = sqlite3.connect(tmp_path / "old.sqlite")
    db.execute("CREATE TABLE documents (doc_id TEXT)")
    db.close()
    old = Store(tmp_path / "old.sqlite", readonly=True)
    assert old.page_count("a.txt") == 0 and old.page_image("a.txt", 1) is None and old.locate("a.txt", 0, 9) == []


def test_an_index_from_before_collections_gains_them_on_open(tmp_path):
    path = _first_release_index(tmp_path / "old.sqlite")
    readonly = Store(path, readonly=True)  # nothing migrated yet: one collection, no metadata
    assert [c.name for c in readonly.collections()] == ["default"] == readonly.collection_names()
    assert readonly.allowed_rows(Filters(papers=("某报",))).tolist() == []
    readonly.close()
    store = Store(path)
    (doc,) = store.documents()
    assert doc.collection == "default" and doc.meta.date is None and doc.meta.authors == ()
    assert [(c.name, c.documents) for c in store.collections()] == [("default", 1)]
    assert store.allowed_rows(Filters()) is None  # everything is in the default collection: no filter at all


def _stage_in_fts5(store, rows, chunks) -> None:
    """As the write path did before the lexicon: a document's tokens in FTS5, in its transaction."""
    from rag.indexing.store import lexical_terms

    store.db.executemany("INSERT INTO chunks_fts (rowid, bigram, jieba) VALUES (?, ?, ?)",
                         [(r, *lexical_terms(c)) for r, c in zip(rows, chunks)])


def test_rows_an_older_index_kept_in_fts5_are_read_searched_and_dropped_once_moved(store):
    from rag.indexing.store import lexical_terms
    from rag.ingest.chunking import ChunkerConfig, chunk_article

    source = loading.decode("a.txt", TEXT.encode())
    articles = split_articles(source.doc_id, source.text)
    chunks = [c for a in articles for c in chunk_article(a, ChunkerConfig())]
    with store.transaction():
        rows = store.add_document(source, articles, chunks)
    assert store.lexical_rows(10) == []  # a document's tokens go to the lexicon (lexical.writes)
    with store.transaction():
        _stage_in_fts5(store, rows, chunks)
    assert store.lexical_rows(10) == [(r, lexical_terms(c)) for r, c in zip(rows, chunks)]
    assert [r for r, _ in store.lexical_search(["书车"], "bigram", 5)] == rows[:1]
    with store.transaction():
        store.unindex_lexical(rows)
    assert store.lexical_rows(10) == [] and store.lexical_search(["书车"], "bigram", 5) == []
    with store.transaction():
        store.remove_document("a.txt")
    assert store.pending_lexical_deletes() == rows  # the lexicon must still drop them
    with store.transaction():
        store.clear_lexical_deletes(rows)
    assert store.pending_lexical_deletes() == []


def test_deleting_a_document_reads_by_index_only(store):
    """Every statement of a delete finds its rows through an index: a scan of `chunks` per removed chunk made
    deleting one page from a million-chunk archive take 139 s."""
    from rag.ingest.chunking import ChunkerConfig, chunk_article

    source = loading.decode("a.txt", TEXT.encode())
    articles = split_articles(source.doc_id, source.text)
    chunks = [c for a in articles for c in chunk_article(a, ChunkerConfig())]
    with store.transaction():
        store.add_document(source, articles, chunks)
        store.put_vectors("some-model", {text_hash(embed_text(c)): np.ones(4, dtype=np.float32) for c in chunks})
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    with store.transaction():
        store.remove_document("a.txt")
        store.prune_embeddings("some-model")
    store.db.set_trace_callback(None)
    plans = {sql: [r[3] for r in store.db.execute("EXPLAIN QUERY PLAN " + sql)]
             for sql in statements if sql.lstrip().upper().startswith(("SELECT", "DELETE", "INSERT"))}
    assert any("embeddings" in sql for sql in plans)  # the vector pruning was traced
    # FTS5 reads its few configuration rows whole when a statement first touches it
    scans = {sql: steps for sql, steps in plans.items()
             if any(s.startswith("SCAN") and "VIRTUAL TABLE" not in s and "chunks_fts_config" not in s for s in steps)}
    assert scans == {}


def _from_before_numbered_models(tmp_path) -> Store:
    """A store as an index from before numbered models was: its vectors under the models' names."""
    Store(tmp_path / "old.sqlite").db.execute("DELETE FROM meta WHERE key = 'models'")
    return Store(tmp_path / "old.sqlite")


def test_sentence_vectors_are_kept_in_half_precision_and_older_fp32_rows_are_read_and_pruned(tmp_path):
    """Sentence vectors were fp32 under `<model>#sentences` and 64 hex digits; they are fp16 under
    `sentence_key(model)` and 16 bytes now, and an index holding the older rows keeps reading them (and drops them
    with their chunk)."""
    from rag.ingest.chunking import ChunkerConfig, chunk_article

    store = _from_before_numbered_models(tmp_path)
    source = loading.decode("a.txt", TEXT.encode())
    articles = split_articles(source.doc_id, source.text)
    chunks = [c for a in articles for c in chunk_article(a, ChunkerConfig())][:2]
    vectors = np.random.default_rng(0).standard_normal((2, 3, 8)).astype(np.float32)
    with store.transaction():
        rows = store.add_document(source, articles, chunks)
        (new,) = store.db.execute("SELECT embed_hash FROM chunks WHERE id = ?", (rows[1],)).fetchone()
        old = hashlib.sha256(b"older").hexdigest()  # as the first chunk's row was written then
        store.db.execute("UPDATE chunks SET embed_hash = ? WHERE id = ?", (old, rows[0]))
        store.db.execute("INSERT INTO embeddings VALUES (?, ?, ?)", ("m#sentences", old, vectors[0].tobytes()))
        store.put_vectors(sentence_key("m"), {new: vectors[1]})
    (model, blob) = store.db.execute("SELECT model, vector FROM embeddings WHERE text_hash = ?", (new,)).fetchone()
    assert (model, len(new), len(blob)) == (sentence_key("m"), 16, vectors[1].size * 2)  # two bytes a component
    read = store.vectors_by_row(sentence_key("m"), rows)
    assert np.array_equal(read[rows[0]], vectors[0].ravel())  # the older fp32 row, exactly
    assert np.abs(read[rows[1]] - vectors[1].ravel()).max() < 1e-3
    assert set(store.cached_vectors(sentence_key("m"), [old, new])) == {old, new}
    with store.transaction():
        store.remove_document("a.txt")
        store.prune_embeddings("m")
    assert store.db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 0


def test_a_new_index_stores_models_by_number_and_a_rolled_back_number_is_not_reused_for_another(store):
    """The model is in every key of the embeddings table: a new index keeps a number there. A write that
    created a number and rolled back leaves nothing a later model could be confused with."""
    a, b = (np.full(4, v, dtype=np.float32) for v in (1.0, 2.0))
    with pytest.raises(RuntimeError), store.transaction():
        store.put_vectors("model-a", {b"k" * 16: a})
        raise RuntimeError("the write fails after its vectors")
    with store.transaction():
        store.put_vectors("model-b", {b"k" * 16: b})
        store.put_vectors("model-a", {b"k" * 16: a})
    assert [tuple(r) for r in store.db.execute("SELECT DISTINCT typeof(model) FROM embeddings")] == [("integer",)]
    assert np.array_equal(store.cached_vectors("model-a", [b"k" * 16])[b"k" * 16], a)
    assert np.array_equal(store.all_vectors("model-b")[b"k" * 16], b)
    assert store.cached_vectors("model-c", [b"k" * 16]) == {} and store.all_vectors("model-c") == {}


def test_reading_vectors_by_row_walks_the_rows_asked_for(store):
    """Chunk rows first, then each one's vector: the other order reads every vector of the model."""
    with store.transaction():
        store.put_vectors("some-model", {b"k" * 16: np.ones(4, dtype=np.float32)})
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    store.vectors_by_row("some-model", [1, 2, 3])
    store.db.set_trace_callback(None)
    (sql,) = [s for s in statements if "embeddings" in s]
    first = [r[3] for r in store.db.execute("EXPLAIN QUERY PLAN " + sql)][0]
    assert first.startswith("SEARCH c USING INTEGER PRIMARY KEY"), first


def test_a_filtered_fts5_search_returns_only_admitted_rows(store):
    import datetime as dt
    from dataclasses import replace

    from rag.ingest.chunking import ChunkerConfig, chunk_article
    from rag.search.filters import Filters
    from rag.types import DocumentMeta

    def add(name: str, day: str) -> list[int]:
        source = replace(loading.decode(name, TEXT.encode()), meta=DocumentMeta(date=day))
        articles = split_articles(source.doc_id, source.text)
        chunks = [c for a in articles for c in chunk_article(a, ChunkerConfig())]
        with store.transaction():
            rows = store.add_document(source, articles, chunks)
            _stage_in_fts5(store, rows, chunks)
        return rows

    old, new = add("old.txt", "2019-05-01"), add("new.txt", "2021-05-01")
    in_2019 = Filters(date_from=dt.date(2019, 1, 1), date_to=dt.date(2019, 12, 31))
    assert [r for r, _ in store.lexical_search(["书车"], "bigram", 5, in_2019)] == old[:1]
    assert {r for r, _ in store.lexical_search(["书车"], "bigram", 5)} == {old[0], new[0]}
