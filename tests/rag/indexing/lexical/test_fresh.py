"""Fresh rows are scored as tantivy scores its own, filtered by the allowed rows, and rejected when malformed."""

import pytest

from rag.indexing.lexical.fresh import FreshRows, LexiconStats
from rag.indexing.lexical.tantivy_index import TantivyIndex
from rag.text import analyzers
from rag.text.analyzers import ANALYZERS

TEXTS = ["太原市新时代文明实践中心试点观摩推进会在晋源区举行", "晋源区志愿者为社区老人义务理发",
         "社区图书馆开设周末读书会，吸引居民参加", "新时代文明实践站组织志愿服务活动",
         "老年大学开设书法课程，社区老人踊跃报名", "区文化馆举办非遗展览"]


def _rows(texts, start=1):
    return {start + i: tuple(" ".join(analyzers.get(a)(t)) for a in ANALYZERS) for i, t in enumerate(texts)}


def test_fresh_rows_score_as_the_lexicon_scores_them(tmp_path):
    rows = _rows(TEXTS)
    lexicon = TantivyIndex(tmp_path / "lex")
    lexicon.add(rows.items())
    lexicon.commit()
    # the same rows, fresh, against an empty lexicon with the stats the store keeps for them
    fresh = FreshRows(rows)
    for analyzer in ANALYZERS:
        terms = analyzers.get(analyzer)("晋源区社区老人理发")
        want = lexicon.search(terms, analyzer, 10)
        got = fresh.search(terms, analyzer, 10)
        assert [r for r, _ in got] == [r for r, _ in want]
        for (_, a), (_, b) in zip(got, want):
            assert a == pytest.approx(b, rel=0.05)  # tantivy quantises lengths
    # half committed, half fresh: the fresh half counts the lexicon's document frequencies
    lexicon2 = TantivyIndex(tmp_path / "lex2")
    lexicon2.add(list(rows.items())[:3])
    lexicon2.commit()
    tokens = {a: sum(len(t[i].split()) for t in list(rows.values())[:3]) for i, a in enumerate(ANALYZERS)}
    half = FreshRows(dict(list(rows.items())[3:]), LexiconStats(3, tokens))
    terms = analyzers.get("bigram")("社区老人")
    scores = dict(half.search(terms, "bigram", 10, base=lexicon2.statistics))
    assert scores[5] == pytest.approx(dict(lexicon.search(terms, "bigram", 10))[5], rel=0.05)


def test_fresh_rows_keep_to_the_allowed_rows_and_reject_bad_input():
    fresh = FreshRows(_rows(TEXTS))
    terms = analyzers.get("bigram")("社区")
    assert {r for r, _ in fresh.search(terms, "bigram", 10)} == {2, 3, 5}
    assert {r for r, _ in fresh.search(terms, "bigram", 10, allowed=[3, 4, 99])} == {3}
    assert fresh.search(terms, "bigram", 10, allowed=[]) == [] and fresh.search([], "bigram", 10) == []
    assert fresh.holds([1, 6, 7]) == {1, 6} and len(fresh) == 6
    with pytest.raises(ValueError, match="unknown analyzer 'bm25'"):
        fresh.search(terms, "bm25", 10)
    with pytest.raises(ValueError, match="row 1 has 1 token strings"):
        FreshRows({1: ("社区",)})
