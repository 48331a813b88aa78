"""The lexicon follows the store's writes: a document's rows are fresh (searched from memory) until a batch of
them commits, removed rows follow, and each crash in between is finished by the next write."""

import pytest

from rag.indexing.index import Index
from rag.indexing.lexical import writes
from rag.indexing.lexical.tantivy_index import TantivyIndex
from rag.indexing.merging import MergePolicy
from rag.indexing.store import Store, embed_text, lexical_terms, text_hash
from rag.ingest.chunking import ChunkerConfig, chunk_article
from rag.ingest.layout import split_articles
from rag.text.analyzers import bigrams
from tests.fakes import HashEmbedder
from tests.rag.indexing.test_merging import TEXTS, _source


EVERY_WRITE = MergePolicy(lexicon_batch=1)  # each write commits its rows to the lexicon


def _fts_rows(snap) -> set[int]:
    return {r[0] for r in snap.store.db.execute("SELECT rowid FROM chunks_fts")}


def _lexical(snap, query: str) -> list[str]:
    rows = [r for r, _ in snap.lexical(bigrams(query), "bigram", 10)]
    chunks = snap.store.chunks_by_id(rows)
    return [chunks[r].doc_id for r in rows if r in chunks]


def test_written_rows_are_in_the_lexicon_at_once_and_deletes_follow_them(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(seal_at=3, lexicon_batch=1))
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:2]])
    snap = index.open()
    rows = set(snap.store.chunk_rows())
    assert _fts_rows(snap) == set() and snap.lexicon.holds(sorted(rows)) == rows  # though not sealed
    assert _lexical(snap, "第1个社区")[0] == "d1.txt"
    index.add([_source(d, TEXTS[d]) for d in ("d2.txt", "d3.txt")])  # sealing changes nothing lexical
    snap = index.open()
    assert len(snap.vectors.sealed) == 1 and _lexical(snap, "第3个社区")[0] == "d3.txt"

    gone = snap.store.chunk_rows(["d1.txt"])
    index.remove(["d1.txt"])
    snap = index.open()
    assert snap.lexicon.holds(gone) == set() and snap.store.pending_lexical_deletes() == []
    assert "d1.txt" not in _lexical(snap, "第1个社区")
    index.add([_source(d, TEXTS[d]) for d in ("d4.txt", "d5.txt")])  # a second segment
    assert index.merge() is not None  # the first one's tombstone: rewritten (vectors only)
    snap = index.open()
    assert _lexical(snap, "第2个社区")[0] == "d2.txt" and snap.lexicon.size == 5


def test_rows_an_older_index_left_in_fts5_or_a_crash_inside_a_move_or_a_delete_are_finished_next_write(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=EVERY_WRITE)
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:2]])
    writer = Store(tmp_path / "idx" / "store.sqlite3")
    articles, chunks = _parts("d2.txt")
    texts = [embed_text(c) for c in chunks]
    with writer.transaction():  # a write committed by the older write path, killed before its rows moved
        writer.put_vectors(HashEmbedder.name, dict(zip(map(text_hash, texts), HashEmbedder().embed_passages(texts))))
        rows = writer.add_document(_source("d2.txt", TEXTS["d2.txt"]), articles, chunks)
        writer.db.executemany("INSERT INTO chunks_fts (rowid, bigram, jieba) VALUES (?, ?, ?)",
                              [(r, *lexical_terms(c)) for r, c in zip(rows, chunks)])
        writer.bump_generation()
    moved = writer.lexical_rows(10)
    assert [r for r, _ in moved] == writer.chunk_rows(["d2.txt"])
    assert "d2.txt" in _lexical(index.open(), "第2个社区")  # searchable from FTS5 at once (ranked by its stats)
    lexicon = TantivyIndex(tmp_path / "idx" / "lexical")  # ... or killed after the lexicon's commit
    lexicon.add(moved)
    lexicon.commit()
    lexicon.close()
    hits = index.open().lexical(bigrams("第2个社区的志愿服务"), "bigram", 10)
    assert len(hits) == len({r for r, _ in hits}) == 3
    gone = writer.chunk_rows(["d0.txt"])
    with writer.transaction():  # a delete committed in the store, killed before the lexicon dropped the rows
        writer.remove_document("d0.txt")
        writer.bump_generation()
    writer.close()
    snap = index.open()
    assert snap.lexicon.holds(gone) == set(gone)  # stale postings, dropped when the chunks are fetched
    assert "d0.txt" not in _lexical(snap, "第0个社区")
    index.add([_source("d5.txt", TEXTS["d5.txt"])])  # the next write finishes both
    snap = index.open()
    hits = snap.lexical(bigrams("社区的志愿服务"), "bigram", 10)
    assert snap.lexicon.holds(gone) == set() and snap.store.pending_lexical_deletes() == []
    assert _fts_rows(snap) == set() and len(hits) == len({r for r, _ in hits}) == snap.lexicon.size == 3


def test_a_write_killed_between_the_lexicons_commit_and_the_stores_leaves_no_trace_once_the_next_write_runs(
        tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=EVERY_WRITE)
    index.add([_source(d, t) for d, t in list(TEXTS.items())[:2]])
    long = "\n".join(f"本报讯 第{i}段：流动书车每周为偏远村庄送书两次，" + "读者排队借阅，" * 25 + "活动受到欢迎。" for i in range(3))
    killed = _source("killed.txt", long)
    articles = split_articles(killed.doc_id, long)
    chunks = [c for a in articles for c in chunk_article(a, ChunkerConfig())]
    assert len(chunks) >= 3
    writer, lexicon = Store(tmp_path / "idx" / "store.sqlite3"), TantivyIndex(tmp_path / "idx" / "lexical")
    with pytest.raises(RuntimeError):
        with writer.transaction():
            ids = writes.add_document(writer, lexicon, killed, articles, chunks)
            raise RuntimeError("killed before the store commits")
    lexicon.close()
    writer.close()
    assert lexicon.holds(ids) == set(ids)  # the lexicon committed them, the store never had them
    assert "killed.txt" not in _lexical(index.open(), "流动书车")  # dropped when their chunks are fetched
    index.add([_source("d2.txt", TEXTS["d2.txt"])])  # the next document is given the first of their ids
    snap = index.open()
    assert snap.store.chunk_rows(["d2.txt"]) == ids[:1] and snap.lexicon.holds(ids[1:]) == set()
    assert _lexical(snap, "流动书车") == [] and _lexical(snap, "第2个社区")[0] == "d2.txt"
    assert snap.lexicon.size == 3


def test_a_document_the_lexicon_fails_to_take_is_kept_by_neither(tmp_path, monkeypatch):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=EVERY_WRITE)
    index.add([_source("d0.txt", TEXTS["d0.txt"])])
    writer, lexicon = Store(tmp_path / "idx" / "store.sqlite3"), TantivyIndex(tmp_path / "idx" / "lexical")
    articles, chunks = _parts("d1.txt")
    with pytest.raises(ValueError, match="2 token tuples for 1 chunks"):
        with writer.transaction():
            writes.add_document(writer, lexicon, _source("d1.txt", TEXTS["d1.txt"]), articles, chunks,
                                 terms=[("x", "y")] * 2)
    monkeypatch.setattr(TantivyIndex, "commit", lambda self: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        with writer.transaction():
            ids = writer.last_chunk_id() + 1
            writes.add_document(writer, lexicon, _source("d1.txt", TEXTS["d1.txt"]), articles, chunks)
    monkeypatch.undo()
    lexicon.commit()  # what the failed write had buffered was rolled back, not committed now
    assert writer.document("d1.txt") is None and lexicon.holds([ids]) == set() and lexicon.size == 1
    lexicon.close()
    writer.close()


def _parts(doc_id: str):
    articles = split_articles(doc_id, TEXTS[doc_id])
    return articles, [c for a in articles for c in chunk_article(a, ChunkerConfig())]


def test_a_write_leaves_its_rows_fresh_until_a_batch_of_them_commits(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(lexicon_batch=3))
    index.add([_source("d0.txt", TEXTS["d0.txt"])])
    snap = index.open()
    assert not (tmp_path / "idx" / "lexical" / "meta.json").exists() or snap.lexicon.size == 0
    assert len(snap.fresh) == 1 and _lexical(snap, "第0个社区") == ["d0.txt"]  # searchable at once, from memory
    index.add([_source(d, TEXTS[d]) for d in ("d1.txt", "d2.txt")])  # three fresh rows: one commit
    snap = index.open()
    rows = snap.store.chunk_rows()
    assert len(snap.fresh) == 0 and snap.lexicon.holds(rows) == set(rows) and snap.store.lexicon_upto() == max(rows)
    assert snap.store.lexicon_stats().rows == 3
    index.add([_source("d3.txt", TEXTS["d3.txt"])])
    fresh_row = index.open().store.chunk_rows(["d3.txt"])
    index.remove(["d3.txt"])  # a fresh row is not in the lexicon: nothing to drop there
    snap = index.open()
    assert snap.store.pending_lexical_deletes() == [] and len(snap.fresh) == 0 and snap.lexicon.size == 3
    assert "d3.txt" not in _lexical(snap, "第3个社区") and fresh_row[0] > snap.store.lexicon_upto()
    index.add([_source(d, TEXTS[d]) for d in ("d4.txt", "d5.txt")])
    assert _lexical(index.open(), "第4个社区")[0] == "d4.txt"
    index.seal()  # commits what is fresh, however little
    snap = index.open()
    assert len(snap.fresh) == 0 and snap.lexicon.size == 5 and _lexical(snap, "第5个社区")[0] == "d5.txt"


def test_a_flush_killed_before_the_store_moved_its_mark_is_redone_by_the_next(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder(), merge_policy=MergePolicy(lexicon_batch=100))
    index.add([_source(d, TEXTS[d]) for d in ("d0.txt", "d1.txt", "d2.txt")])
    writer, lexicon = Store(tmp_path / "idx" / "store.sqlite3"), TantivyIndex(tmp_path / "idx" / "lexical")
    fresh = writer.chunks_after(writer.lexicon_upto())
    lexicon.add((row, lexical_terms(c)) for row, c in fresh.items())  # the lexicon committed; the store did not
    lexicon.commit()
    lexicon.close()
    writer.close()
    snap = index.open()
    hits = snap.lexical(bigrams("社区的志愿服务"), "bigram", 10)
    assert len(snap.fresh) == 3 and len(hits) == len({r for r, _ in hits}) == 3  # in both, found once
    index.remove(["d1.txt"])  # deleted while it is in both
    assert "d1.txt" not in _lexical(index.open(), "第1个社区")
    writer = Store(tmp_path / "idx" / "store.sqlite3")
    assert writes.flush(writer, lexicon, 100, force=True) == 2
    writer.close()
    lexicon.close()
    snap = index.open()
    assert len(snap.fresh) == 0 and snap.lexicon.size == 2 and sorted(_lexical(snap, "社区的志愿服务")) == ["d0.txt", "d2.txt"]


def test_a_bulk_load_commits_its_rows_and_moves_the_mark_only_past_rows_it_holds(tmp_path):
    index = Index(tmp_path / "idx", HashEmbedder())
    index.add([_source("d0.txt", TEXTS["d0.txt"])])  # fresh
    writer, lexicon = Store(tmp_path / "idx" / "store.sqlite3"), TantivyIndex(tmp_path / "idx" / "lexical")
    articles, chunks = _parts("d1.txt")
    with writer.transaction():
        writes.add_document(writer, lexicon, _source("d1.txt", TEXTS["d1.txt"]), articles, chunks)
    assert writer.lexicon_upto() == 0  # d0 still waits below it
    writes.flush(writer, lexicon, 1)
    articles, chunks = _parts("d2.txt")
    with writer.transaction():
        rows = writes.add_document(writer, lexicon, _source("d2.txt", TEXTS["d2.txt"]), articles, chunks)
    assert writer.lexicon_upto() == rows[-1] and lexicon.size == 3
    writer.close()
    lexicon.close()
