"""The whole answer stage on the seeds with the real model: each refusal kind, typed short answers with exact
spans, and streaming that ends in the same answer."""

import shutil

import pytest

from rag.answering.pipeline import QuestionAnswerer
from rag.answering.types import RefusalReason
from rag.config import Settings
from rag.engine import Engine
from rag.ingest.layout import PAGE_TEXT
from rag.ingest.metadata import extract


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


@pytest.fixture(scope="module")
def signed(seeds_index_dir, embedder, tmp_path_factory):
    """The seeds with the metadata `rag index` and uploads find in their text (the session's seeds index has
    none): their bylines among it."""
    root = tmp_path_factory.mktemp("signed") / "index"
    shutil.copytree(seeds_index_dir, root)
    engine = Engine(Settings(index_dir=root), embedder=embedder)
    for doc in engine.snapshot().store.documents():
        engine.set_meta(doc.doc_id, extract(engine.snapshot().store.source_text(doc.doc_id)).meta)
    return QuestionAnswerer(engine)


def test_the_author_asked_for_is_the_bylines_cited_at_its_span(signed):
    a = signed.ask("关于白银市文明实践中心建设的报道是谁写的？").answer
    assert not a.refused and a.short_answer.text == "杨澜 宋敏" and "杨澜、宋敏[1]" in a.text
    byline = a.citations[0].hit.chunk
    source = signed.engine.snapshot().store.source_text(byline.doc_id)
    assert source[byline.start:byline.end] == "杨澜 宋敏" and byline.chunk_id.endswith("#byline")


def test_a_person_only_bylines_print_is_answered_from_them_and_streamed_the_same(signed, qa):
    question = "杨澜写了什么报道？"
    assert qa.ask(question).answer.refused  # without metadata: no byline is known
    a = signed.ask(question).answer
    assert not a.refused and a.text.startswith("杨澜是《以实践之力筑造“百姓之家”》[1]")
    assert [c.hit.chunk.text for c in a.citations] == ["杨澜 宋敏"]
    hits, deltas, final = signed.stream(question)
    assert "".join(deltas) == a.text and [h.chunk.chunk_id for h in hits] == [a.citations[0].hit.chunk.chunk_id]


def test_a_name_the_analyser_cut_short_still_finds_its_byline(signed):
    a = signed.ask("杨雅芳是谁？").answer  # jieba: 杨 雅芳
    assert not a.refused and a.text == "杨雅芳是《麟游县召开创建全国文明城市动员大会》[1]的署名作者。"


def test_who_a_person_is_is_the_post_beside_the_name_in_a_passage_or_in_a_signature(signed):
    a = signed.ask("李敦瑞是谁？").answer
    assert not a.refused and a.short_answer.text == "市委党校经济学教研部副主任"
    cited = a.citations[a.short_answer.n - 1].hit.chunk
    assert cited.text[a.short_answer.start:a.short_answer.end] == "市委党校经济学教研部副主任"
    # printed only in a signature under a headline (no passage holds it)
    a = signed.ask("张旗是谁？").answer
    assert not a.refused and a.short_answer.text == "中共北京海淀区委副书记"
    byline = a.citations[a.short_answer.n - 1].hit.chunk
    source = signed.engine.snapshot().store.source_text(byline.doc_id)
    assert source[byline.start:byline.end] == "中共北京海淀区委副书记 张旗" and byline.chunk_id.endswith("#byline")
    assert a.text.startswith("张旗是中共北京海淀区委副书记[1]，《新时代文明实践中心建设的“海淀路径”探索》[1]")
    # asked for the post of an article's author: the post the signature prints
    a = signed.ask("《新时代文明实践中心建设的“海淀路径”探索》作者担任什么职务？").answer
    assert not a.refused and a.short_answer.text == "中共北京海淀区委副书记" and "张旗" in a.text
    # the author named as the source of a figure: his byline makes him present
    a = signed.ask("张旗在文章里说海淀全区注册志愿者有多少人？").answer
    assert not a.refused and a.short_answer.text == "近91万人"
    # the title the question gives only says which 张旗: the signature still answers
    a = signed.ask("写《新时代文明实践中心建设的“海淀路径”探索》的张旗是什么职务？").answer
    assert not a.refused and a.short_answer.text == "中共北京海淀区委副书记"


def test_who_took_a_picture_is_its_credit_cited_with_its_caption(qa):
    a = qa.ask("微山县爱湖村村民文艺演出的图片由谁拍摄？").answer
    assert not a.refused and a.short_answer.text == "刘敬胜 李霞 李冉"
    assert a.text.startswith("照片由刘敬胜、李霞、李冉拍摄[1]。图为2月20日")
    cited = a.citations[0].hit.chunk
    source = qa.engine.snapshot().store.source_text(cited.doc_id)
    assert source[cited.start:cited.end] == cited.text and cited.text.endswith("刘敬胜 李霞 李冉 摄")
    assert cited.text[a.short_answer.start:a.short_answer.end] == "刘敬胜 李霞 李冉"
    # a name in a caption is who the picture shows: with no credit for it, the question is refused
    a = qa.ask("谁拍摄了志愿者的照片？").answer
    assert a.refused and a.refusal_reason is RefusalReason.NO_TYPED_ANSWER and a.short_answer is None


def test_the_author_of_a_book_is_not_looked_for_in_bylines(signed):
    a = signed.ask("《红楼梦》的作者是谁？").answer
    assert not any(c.hit.chunk.chunk_id.endswith("#byline") for c in a.citations + a.related)
    assert signed.ask("《以实践之力筑造“百姓之家”》的作者是谁？").answer.short_answer.text == "杨澜 宋敏"


def test_a_person_no_byline_names_is_still_refused(signed):
    a = signed.ask("张伟写了什么报道？").answer
    assert a.refused and a.refusal_reason is RefusalReason.ENTITY_ABSENT


def test_a_sponsors_box_answers_who_sponsors_but_a_lone_headline_describes_nothing(qa):
    a = qa.ask("“片仔癀杯”经验交流征文的联办单位是哪家公司？").answer
    assert not a.refused and a.short_answer.text == "漳州片仔癀药业股份有限公司"
    assert a.citations[a.short_answer.n - 1].hit.chunk.title == PAGE_TEXT
    # the page prints this story's headline only
    a = qa.ask("攀枝花盐边县昔格达村的现代农业发展模式主要有哪些举措？").answer
    assert a.refused
