"""Verification decides refusals from the material itself: each reason, and the order they are checked in."""

import pytest

from rag.answering.candidates import extract
from rag.answering.evidence import Sentence
from rag.answering.question import analyse
from rag.answering.types import AnswerConfig, RefusalReason
from rag.answering.verify import absent_entities, squash, verify

CONFIG = AnswerConfig()
ARTICLE = squash("白银市：文明实践惠及\n170万铜城儿女。白银市组建志愿服务队伍1858支，开展活动6.8万余场次。")


def _evidence(text: str, score: float = 0.8) -> list[Sentence]:
    return [Sentence(0, 0, len(text), text, score)]


def _verify(question: str, sentence: str, articles=(ARTICLE,), score: float = 0.8):
    q = analyse(question)
    evidence = _evidence(sentence, score)
    return verify(q, evidence, extract(q, evidence), list(articles), CONFIG)


def test_an_absent_name_is_refused_and_named():
    v = _verify("杭州市组建了多少支志愿服务队伍？", "白银市组建志愿服务队伍1858支。")
    assert v.reason is RefusalReason.ENTITY_ABSENT and v.message == "资料中没有关于杭州市的内容。"


def test_a_present_name_with_an_absent_figure_is_refused():
    v = _verify("白银市的常住人口是多少？", "白银市组建志愿服务队伍1858支，开展活动6.8万余场次。")
    assert v.reason is RefusalReason.NO_TYPED_ANSWER
    assert v.message == "资料提到了白银市，但没有常住人口的数字。"


def test_weak_evidence_is_refused():
    v = _verify("明天会下雨吗？", "白银市组建志愿服务队伍1858支。", score=0.5)
    assert v.reason is RefusalReason.WEAK_EVIDENCE


def test_an_answerable_question_passes_with_its_short_answer():
    v = _verify("白银市一共组建了多少支志愿服务队伍？", "白银市组建志愿服务队伍1858支，开展活动6.8万余场次。")
    assert v.reason is None and v.best.text == "1858支"


def test_a_name_printed_in_another_form_is_present():
    # 太原 for 太原市; 成都 + 总工会 for 成都总工会 (the article prints 成都市总工会)
    articles = [squash("太原召开推进会"), squash("成都市总工会启动采风活动")]
    assert absent_entities(analyse("太原市开了什么会？"), articles) == []
    assert absent_entities(analyse("成都总工会启动了什么活动？"), articles) == []


def test_a_year_alone_does_not_refuse_as_absent():
    v = _verify("白银市2021年组建了多少支志愿服务队伍？", "白银市组建志愿服务队伍1858支。")
    assert v.reason is None


def test_untyped_questions_need_no_candidate():
    v = _verify("白银市为什么要组建志愿服务队伍？", "白银市组建志愿服务队伍1858支。")
    assert v.reason is None and v.best is None


def test_verification_can_be_turned_off():
    q = analyse("杭州市组建了多少支志愿服务队伍？")
    evidence = _evidence("白银市组建志愿服务队伍1858支。")
    v = verify(q, evidence, extract(q, evidence), [ARTICLE], AnswerConfig(verify=False))
    assert v.reason is None


def test_a_figure_from_an_article_about_another_place_does_not_answer():
    q = analyse("白银市组建了多少支志愿服务队伍？")
    evidence = [Sentence(0, 0, 14, "德令哈市组建志愿服务队伍300支。", 0.9),
                Sentence(1, 0, 14, "白银市组建志愿服务队伍1858支。", 0.8)]
    other = squash("德令哈市：志愿服务队伍300支。")
    v = verify(q, evidence, extract(q, evidence), [other, ARTICLE], CONFIG)
    assert v.reason is None and v.best.text == "1858支"
    v = verify(q, evidence[:1], extract(q, evidence[:1]), [other, ARTICLE], CONFIG)
    assert v.reason is RefusalReason.NO_TYPED_ANSWER


def test_a_figure_of_another_year_does_not_answer():
    sentence = "2020年评选季度曲靖好人60名、年度曲靖好人19名、文明市民971名。"
    article = squash("曲靖：" + sentence)
    v = _verify("2018年曲靖评选了多少名文明市民？", sentence, articles=(article,))
    assert v.reason is RefusalReason.NO_TYPED_ANSWER
    assert _verify("2020年曲靖评选了多少名文明市民？", sentence, articles=(article,)).best.text == "971名"
    # a span of years holds the year asked
    sentence = "2019年至2021年，曲靖评选文明市民971名。"
    assert _verify("2020年曲靖评选了多少名文明市民？", sentence, articles=(squash(sentence),)).best.text == "971名"


def test_a_figure_of_another_season_does_not_answer():
    sentence = "新思汇第一季13讲已全部完成，第二季将面向青年群体。"
    article = squash(sentence)
    assert _verify("新思汇第三季准备推出多少讲？", sentence, articles=(article,)).reason is RefusalReason.NO_TYPED_ANSWER
    assert _verify("新思汇第一季推出了多少讲？", sentence, articles=(article,)).best.text == "13讲"
    assert _verify("新思汇一共推出了多少讲？", sentence, articles=(article,)).best.text == "13讲"


def test_the_date_something_started_does_not_say_when_it_ends():
    sentence = "8月11日，采风行活动在成都市劳动人民文化宫启动，并面向全国征集作品。"
    article = squash(sentence)
    assert _verify("采风行作品征集什么时候截止？", sentence, articles=(article,)).reason is RefusalReason.NO_TYPED_ANSWER
    assert _verify("采风行活动是什么时候启动的？", sentence, articles=(article,)).best.text == "8月11日"
    ended = "征集活动于10月31日截止。"
    assert _verify("作品征集什么时候截止？", ended, articles=(squash(ended),)).best.text == "10月31日"


@pytest.mark.parametrize("sentence, context, refused, answered, answer", [
    # a total over several rounds speaks of none of them
    ("吉水县累计评选县级“最美家庭”4届共计236户。", "",
     "吉水县第三届“最美家庭”评出了多少户？", "吉水县一共评出了多少户“最美家庭”？", "236户"),
    # last year's figure does not answer for this year
    ("鄞州区青年夜校去年秋季首次推出，当时只有18门课程。", "",
     "鄞州区青年夜校今年秋季开了几门课？", "鄞州区青年夜校去年秋季开了几门课？", "18门"),
    # a figure in an article of other years, in a sentence printing none, does not answer for the year asked
    ("村民在合作社的车间工作，每月收入3000多元。", "柳林湾村2018年起发展油茶，2020年村集体收入68万元。",
     "柳林湾村2019年的村民收入是多少元？", "柳林湾村2020年的村民收入是多少元？", "3000多元"),
])
def test_a_figure_of_other_rounds_or_years_does_not_answer(sentence, context, refused, answered, answer):
    article = squash(context + sentence)
    assert _verify(refused, sentence, articles=(article,)).reason is RefusalReason.NO_TYPED_ANSWER
    assert _verify(answered, sentence, articles=(article,)).best.text == answer


def test_a_figure_for_the_whole_of_a_larger_unit_does_not_answer_for_a_place_inside_it():
    sentence = "目前，全市已设立服务网点86个，注册储户4.2万人。"
    article = squash("重庆市南岸区的志愿者说。" + sentence)
    assert _verify("南岸区设了几个服务网点？", sentence, articles=(article,)).reason is RefusalReason.NO_TYPED_ANSWER
    assert _verify("重庆市设了几个服务网点？", sentence, articles=(article,)).best.text == "86个"
    named = "南岸区已设立服务网点86个，全市共有300个。"
    assert _verify("南岸区设了几个服务网点？", named, articles=(squash(named),)).best.text == "86个"
    # 弹子/n 石/n 街道: a place jieba does not know, inside the 区 it does
    district = "目前，全区已设立服务网点86个。"
    assert _verify("南岸区弹子石街道设了几个服务网点？", district, articles=(squash("南岸区弹子石街道。" + district),)).reason \
        is RefusalReason.NO_TYPED_ANSWER


def test_a_quoted_name_asked_to_be_counted_is_counted_under_that_name():
    article = squash("濠西街道选聘楼栋长1260名。街道设立了“金牌楼栋长”评选。今年评出“金牌楼栋长”36名。")
    assert _verify("濠西街道一共评出了多少名“金牌楼栋长”？", "濠西街道选聘楼栋长1260名。", articles=(article,)).reason \
        is RefusalReason.NO_TYPED_ANSWER
    assert _verify("濠西街道一共评出了多少名“金牌楼栋长”？", "今年评出“金牌楼栋长”36名。", articles=(article,)).best.text \
        == "36名"


def test_a_date_answers_for_what_its_sentence_names_or_does():
    article = squash("金银滩镇以马玉兰的名字命名成立了“玉兰宣讲工作室”。2021年，马玉兰被评为“百姓宣讲之星”。")
    asked = "金银滩镇的“玉兰宣讲工作室”是哪一年成立的？"
    assert _verify(asked, "2021年，马玉兰被评为“百姓宣讲之星”。", articles=(article,)).reason \
        is RefusalReason.NO_TYPED_ANSWER  # 宣讲 of the quoted name is no verb of the question
    assert _verify(asked, "2019年，镇里成立了“玉兰宣讲工作室”。", articles=(article,)).best.text == "2019年"
    assert _verify(asked, "工作室成立于2019年。", articles=(article,)).best.text == "2019年"


def test_a_quoted_epithet_before_a_present_persons_name_need_not_be_printed():
    article = squash("2023年，郭建军被评为邢台市“孝老爱亲模范”。河北省邢台市南和区贾宋镇后庄村的郭建军家已经升起炊烟。")
    assert [e.text for e in absent_entities(analyse("“孝老之星”郭建军家住在哪里？"), [article])] == []
    assert [e.text for e in absent_entities(analyse("“孝老之星”王建国家住在哪里？"), [article])] == ["孝老之星", "王建国"]
    assert [e.text for e in absent_entities(analyse("郭建军的“孝老之星”奖杯是谁颁发的？"), [article])] == ["孝老之星"]


def test_a_phase_of_a_works_is_a_round_and_a_rate_is_a_percentage():
    sentence = "新建西江水厂，一期工程日供水能力5万吨已于2023年6月投产；覆盖全县141个村卫生室。"
    article = squash("藤县西江水厂。" + sentence)
    assert _verify("藤县西江水厂的一期工程是哪个时候投产的？", sentence, articles=(article,)).best.text == "2023年6月"
    assert _verify("藤县西江水厂的二期工程是什么时候投产的？", sentence, articles=(article,)).reason \
        is RefusalReason.NO_TYPED_ANSWER
    assert _verify("藤县的县域内就诊率是多少？", sentence, articles=(article,)).reason is RefusalReason.NO_TYPED_ANSWER


def test_the_nearest_this_year_or_last_year_before_a_figure_says_whose_it_is():
    sentence = "夜校去年秋季首次推出，当时只有18门课程，今年扩容到48门课程。"
    assert _verify("夜校今年秋季开了几门课？", sentence, articles=(squash(sentence),)).best.text == "48门"
    assert _verify("夜校去年秋季开了几门课？", sentence, articles=(squash(sentence),)).best.text == "18门"


def test_the_nearest_year_before_a_figure_is_its_year():
    sentence = "2023年全市共有4.86万人次参加无偿献血，比2022年增长11.3%。"
    article = squash("三明市无偿献血。" + sentence)
    assert _verify("2022年全市有多少人次参加了无偿献血？", sentence, articles=(article,)).reason \
        is RefusalReason.NO_TYPED_ANSWER
    assert _verify("2023年全市有多少人次参加了无偿献血？", sentence, articles=(article,)).best.text == "4.86万人次"
    grown = "村集体经济收入从2018年的4.5万元增加到2020年的68万元。"
    assert _verify("2020年的村集体经济收入有多少？", grown, articles=(squash(grown),)).best.text == "68万元"


def test_the_whole_of_a_larger_unit_named_a_clause_earlier_does_not_answer_for_a_place_inside_it():
    sentence = "目前，麒麟区已在全区11个镇推广积分超市模式，建成积分超市97个。"
    article = squash("曲靖市麒麟区越州镇潇湘村的积分超市。" + sentence)
    assert _verify("越州镇一共建了多少个积分超市？", sentence, articles=(article,)).reason is RefusalReason.NO_TYPED_ANSWER
    assert _verify("麒麟区一共建了多少个积分超市？", sentence, articles=(article,)).reason is None


def test_a_planned_figure_does_not_say_how_many_were_done():
    sentence = "今年，寿光市还计划新建老兵驿站20处。"
    article = squash("寿光市老兵驿站。" + sentence)
    assert _verify("寿光市已经建成了多少处老兵驿站？", sentence, articles=(article,)).reason is RefusalReason.NO_TYPED_ANSWER
    assert _verify("寿光市今年计划新建多少处老兵驿站？", sentence, articles=(article,)).best.text == "20处"


def test_this_year_on_a_page_printed_in_2022_is_2022():
    sentence = "截至今年8月，全县已建成积分超市214家，兑换物品价值186万元。"
    q = analyse("积分超市在2021年全年兑换出去的物品价值多少万元？")
    evidence = _evidence(sentence)
    found = extract(q, evidence)
    assert verify(q, evidence, found, [squash(sentence)], CONFIG, {0: 2022}).reason is RefusalReason.NO_TYPED_ANSWER
    assert verify(q, evidence, found, [squash(sentence)], CONFIG, {0: 2021}).best.text == "186万元"
