from dataclasses import replace

import pytest

from rag.config import Settings
from rag.engine import Engine
from rag.ingest import loading
from rag.search.filters import Filters
from tests.conftest import SEEDS


@pytest.mark.parametrize("query,doc_id,needle", [
    ("太原市文明实践中心观摩推进会在哪个区举行", "000_323516209898d752.txt", "晋源区"),
    ("德令哈给小学生放了什么红色电影", "002_585aae8c6ae96317.txt", "英雄儿女"),
    ("潮州建了多少座城市文明小景观", "003_fb165993d270e350.txt", "18座"),
    ("嘉峪关列出了多少条工作任务清单", "001_21410412343ccd66.txt", "78条"),
])
def test_hybrid_finds_the_passage(seeds_engine, query, doc_id, needle):
    hits = seeds_engine.search(query, k=3).hits
    assert any(h.chunk.doc_id == doc_id and needle in h.chunk.text for h in hits)


def test_results_carry_both_leg_scores(seeds_engine):
    hits = seeds_engine.search("乐都区志愿服务队伍", k=10).hits
    assert len(hits) == 10
    assert any(h.dense is not None and h.lexical is not None for h in hits)
    assert all(-1.0 <= h.dense <= 1.0 for h in hits if h.dense is not None)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_single_leg_modes(seeds_engine, mode):
    hits = seeds_engine.search("童心向党", k=5, config=replace(seeds_engine.config, mode=mode)).hits
    assert hits and all((h.lexical is None) == (mode == "dense") for h in hits)


def test_doc_filter(seeds_engine):
    hits = seeds_engine.search("志愿服务", k=20, filters=Filters(doc_ids=("003_fb165993d270e350.txt",))).hits
    assert hits and {h.chunk.doc_id for h in hits} == {"003_fb165993d270e350.txt"}


def test_near_duplicates_collapse(index_copy, embedder):
    engine = Engine(Settings(index_dir=index_copy), embedder=embedder)
    text = (SEEDS / "003_fb165993d270e350.txt").read_text(encoding="utf-8")
    engine.add([loading.decode("003_copy.txt", text.encode())])
    hits = engine.search("潮州城市文明小景观", k=10).hits
    top = hits[0]
    assert top.duplicates, "the copy of the same passage should be folded into the first hit"
    assert len({h.chunk.text for h in hits}) == len(hits)


def test_empty_query_is_refused(seeds_engine):
    with pytest.raises(ValueError, match="empty"):
        seeds_engine.search("   ")


@pytest.mark.parametrize("query, needle", [
    ("冬天哪里的大棚在抢着育菜苗？", "育苗工厂"),
    ("德令哈给小学生看的老战争片是哪部？", "英雄儿女"),
])
def test_the_sentence_leg_lifts_a_question_in_other_words(seeds_engine, query, needle):
    with_leg = seeds_engine.search(query, k=5)
    without = seeds_engine.search(query, k=5, config=replace(seeds_engine.config, sentence_weight=0.0)).hits
    assert "sentences" in with_leg.timings_ms
    assert needle in with_leg.hits[0].chunk.text and needle not in without[0].chunk.text


def _two_documents(tmp_path):
    from rag.indexing.index import Index
    from tests.fakes import HashEmbedder

    index = Index(tmp_path / "idx", HashEmbedder())
    index.add([loading.Source("a.txt", "志愿者理发\n\n社区志愿者每月给老人理发。理发后还陪老人聊天。", "a", "a.txt"),
               loading.Source("b.txt", "夜校开课\n\n街道夜校今年开了十门课。居民晚上来学书法和摄影。", "b", "b.txt")])
    return index


def test_the_sentence_leg_scores_a_chunk_by_its_best_sentence(tmp_path):
    from rag.indexing.store import sentence_key, sentence_texts
    from rag.search.retrieval import _sentence_leg

    index = _two_documents(tmp_path)
    store, embedder = index.open().store, index.embedder
    rows = set(store.chunk_rows())
    q = embedder.embed_query("居民晚上学书法")
    leg = _sentence_leg(store, embedder.name, q, rows, 10)
    chunks = store.chunks_by_id(rows)
    best = {r: float((embedder.embed_passages(sentence_texts(chunks[r])) @ q).max()) for r in rows}
    assert [r for r, _ in leg] == sorted(best, key=best.get, reverse=True)
    assert all(abs(s - best[r]) < 1e-3 for r, s in leg)  # sentence vectors are kept in fp16
    assert chunks[leg[0][0]].doc_id == "b.txt"

    # An index written before sentence vectors were kept: the leg is left out rather than half there.
    import sqlite3

    db = sqlite3.connect(index.store_path)
    with db:
        db.execute("DELETE FROM embeddings WHERE model = (SELECT id FROM models WHERE name = ?) AND text_hash = "
                   "(SELECT embed_hash FROM chunks WHERE doc_id = 'a.txt')", (sentence_key(embedder.name),))
    db.close()
    assert _sentence_leg(index.open().store, embedder.name, q, rows, 10) == []


def test_folding_stops_once_enough_distinct_passages_are_kept():
    from rag.search.retrieval import _collapse
    from rag.types import Chunk, Hit

    texts = ["社区志愿者给老人理发", "社区志愿者给老人理发。", "街道夜校开了十门课", "图书馆延长开放时间", "地铁新线开通"]
    hits = [Hit(Chunk(f"c{i}", "d", "d#0", "", t, 0, len(t), i), 1.0 - i / 10, None, None) for i, t in enumerate(texts)]
    kept = _collapse(hits, 0.85, 2)
    assert [h.chunk.chunk_id for h in kept] == ["c0", "c2"] and kept[0].duplicates == ("c1",)
    assert len(_collapse(hits, 0.85, 10)) == 4
