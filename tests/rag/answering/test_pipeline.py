"""The whole answer stage on the seeds with the real model: each refusal kind, typed short answers with exact
spans, and streaming that ends in the same answer."""

import pytest

from rag.answering.pipeline import QuestionAnswerer
from rag.answering.types import RefusalReason


@pytest.fixture(scope="module")
def qa(seeds_engine):
    return QuestionAnswerer(seeds_engine)


@pytest.mark.parametrize("question, reason", [
    ("杭州市建成了多少个新时代文明实践站？", RefusalReason.ENTITY_ABSENT),
    ("嘉峪关市文明办主任叫什么名字？", RefusalReason.NO_TYPED_ANSWER),
    ("潮州建设城市文明小景观一共花了多少钱？", RefusalReason.NO_TYPED_ANSWER),
    ("龙华烈士陵园是哪一年建成的？", RefusalReason.NO_TYPED_ANSWER),
    ("红烧肉怎么做才好吃？", RefusalReason.WEAK_EVIDENCE),
])
def test_each_refusal_kind(qa, question, reason):
    a = qa.ask(question).answer
    assert a.refused and a.refusal_reason is reason and a.citations == () and a.short_answer is None
    assert a.related


@pytest.mark.parametrize("question, short", [
    ("哪个县冬天在工厂里给大棚种植准备菜苗？", "峡江县"),
    ("哪个教育机构的微党课受众超过百万？", "中公教育"),
    ("曲靖的市级媒体一年刊登了多少篇理论文章？", "410余篇"),
    ("麟游县创建全国文明城市动员大会是哪天召开的？", "3月31日"),
])
def test_short_answer_has_its_exact_span(qa, question, short):
    a = qa.ask(question).answer
    assert not a.refused and short in a.short_answer.text
    cited = next(c for c in a.citations if c.n == a.short_answer.n)
    assert cited.hit.chunk.text[a.short_answer.start:a.short_answer.end] == a.short_answer.text


def test_stream_ends_in_the_answer_ask_gives(qa):
    question = "潮州建成了多少座城市文明小景观？"
    hits, deltas, final = qa.stream(question)
    text = "".join(deltas)
    answer = final()
    assert hits and text == answer.text == qa.ask(question).answer.text


def test_timings_name_every_step(qa):
    timings = qa.ask("潮州建成了多少座城市文明小景观？").timings_ms
    assert {"analyse", "search_total", "evidence", "verify", "compose", "total"} <= set(timings)
