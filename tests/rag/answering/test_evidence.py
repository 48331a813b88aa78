"""Sentence evidence with the real model: the sentence that answers scores best, spans are exact."""

from rag.answering.evidence import score_sentences
from rag.answering.types import AnswerConfig
from rag.types import Chunk, Hit

TEXT = "白银市开展文明实践活动6.8万余场次。德令哈市文明办为孩子们放映了红色电影《英雄儿女》。活动受到欢迎。"


def test_the_answering_sentence_scores_best(embedder):
    hit = Hit(Chunk("c", "d.txt", "d.txt#0", "题", TEXT, 0, len(TEXT), 0), 1.0, 0.9, 1.0)
    found = score_sentences("德令哈给孩子们放了哪部红色电影？", [hit], embedder, AnswerConfig())
    best = found[0]
    assert "英雄儿女" in best.text and TEXT[best.start:best.end] == best.text
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
