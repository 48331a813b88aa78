"""Composition: the short answer leads, sentences are verbatim with markers that are real citations."""

from rag.answering.candidates import extract
from rag.answering.compose import check_markers, extractive, generated, refusal
from rag.answering.evidence import Sentence
from rag.answering.question import analyse
from rag.answering.types import AnswerConfig, RefusalReason
from rag.answering.verify import Verdict
from rag.types import Chunk, Hit

TEXTS = ["白银市开展文明实践活动。白银市组建志愿服务队伍1858支。", "白银市用白银话讲中国梦。"]
HITS = [Hit(Chunk(f"c{i}", "d.txt", "d.txt#0", "白银", t, 0, len(t), i), 1.0 - i / 10, 0.9, 1.0)
        for i, t in enumerate(TEXTS)]


def _evidence():
    s = [Sentence(0, 12, len(TEXTS[0]), TEXTS[0][12:], 0.9), Sentence(1, 0, len(TEXTS[1]), TEXTS[1], 0.89),
         Sentence(0, 0, 12, TEXTS[0][:12], 0.7)]
    return s


def test_short_answer_leads_and_its_sentence_is_cited():
    q = analyse("白银市一共组建了多少支志愿服务队伍？")
    evidence = _evidence()
    best = extract(q, evidence)[0]
    a = extractive(q, HITS, evidence, Verdict(None, best=best), AnswerConfig())
    assert a.text == "1858支。白银市组建志愿服务队伍1858支。[1]白银市用白银话讲中国梦。[2]"
    assert a.short_answer.n == 1 and TEXTS[0][a.short_answer.start:a.short_answer.end] == "1858支"
    assert [c.n for c in a.citations] == [1, 2] and a.citations[0].highlight == (12, len(TEXTS[0]))


def test_refusal_lists_related_passages_but_cites_nothing():
    q = analyse("白银市的常住人口是多少？")
    a = refusal(q, HITS, _evidence(), Verdict(RefusalReason.NO_TYPED_ANSWER, "资料提到了白银市，但没有常住人口的数字。"))
    assert a.refused and a.citations == () and a.text.startswith("资料提到了白银市")
    assert [c.n for c in a.related] == [1, 2]


def test_generated_answer_keeps_valid_markers_and_highlights_best_sentences():
    q = analyse("白银市用什么话讲中国梦？")
    a = generated(q, HITS, _evidence(), Verdict(None), "白银市用白银话讲中国梦[2][7]。")
    assert a.text == "白银市用白银话讲中国梦[2]。" and [c.n for c in a.citations] == [2]
    assert a.citations[0].highlight == (0, len(TEXTS[1]))


def test_generated_refusal_is_a_refusal():
    a = generated(analyse("白银市有多少人？"), HITS, _evidence(), Verdict(None), "资料中没有找到与这个问题相关的内容。")
    assert a.refused and a.citations == ()


def test_check_markers():
    assert check_markers("甲[1]乙[3]丙[1]", 2) == ("甲[1]乙丙[1]", [1])


def test_a_sentence_two_overlapping_passages_share_is_said_once():
    q = analyse("白银市用什么话讲中国梦？")
    twice = [Sentence(1, 0, len(TEXTS[1]), TEXTS[1], 0.9), Sentence(0, 0, len(TEXTS[1]), TEXTS[1], 0.9)]
    a = extractive(q, HITS, twice, Verdict(None), AnswerConfig())
    assert a.text == "白银市用白银话讲中国梦。[2]" and [c.n for c in a.citations] == [2]


def test_a_description_goes_on_past_semicolons_to_the_end_of_its_sentence():
    text = "白银市开展“五项”治理，治理城市不文明行为，治理网上失德行为；治理天价彩礼、大操大办；治理不文明祭祀。另起一句。"
    hits = [Hit(Chunk("c0", "d.txt", "d.txt#0", "白银", text, 0, len(text), 0), 1.0, 0.9, 1.0)]
    ends = [text.index("；") + 1, text.rindex("；") + 1, text.index("。") + 1, len(text)]
    starts = [0] + ends[:-1]
    evidence = sorted((Sentence(0, a, b, text[a:b], 0.9 - a / 1000) for a, b in zip(starts, ends)), key=lambda s: -s.score)
    a = extractive(analyse("白银市的“五项”治理要治理哪些问题？"), hits, evidence, Verdict(None), AnswerConfig())
    assert a.text.startswith(text[: text.index("。") + 1] + "[1]") and "不文明祭祀。[1]另起一句" not in a.text
    assert a.citations[0].highlight == (0, text.index("。") + 1)


def test_the_items_of_an_enumeration_are_gathered_from_the_articles_passages():
    texts = ["广汉市委党校着力打造多层次的“五个课堂”。创新主体班培训方式打造党史学习“集中课堂”。",
             "运用现代多媒体打造党史学习教育“线上课堂”。依托红色资源打造党史学习教育“红色课堂”。",
             "平城区打造“领导课堂”，推动党史学习。"]  # another article's 课堂
    hits = [Hit(Chunk(f"c{i}", "d.txt", f"d.txt#{0 if i < 2 else 1}", "广汉", t, 0, len(t), i), 1.0 - i / 10, 0.9, 1.0)
            for i, t in enumerate(texts)]
    lead = Sentence(0, 0, texts[0].index("。") + 1, texts[0][: texts[0].index("。") + 1], 0.9)
    a = extractive(analyse("广汉市委党校打造的“五个课堂”分别是什么？"), hits, [lead], Verdict(None), AnswerConfig())
    assert all(f"“{n}课堂”" in a.text for n in ("集中", "线上", "红色")) and "领导课堂" not in a.text
    assert [c.n for c in a.citations] == [1, 2]
    # no enumeration asked: nothing gathered
    a = extractive(analyse("广汉市委党校打造了什么课堂？"), hits, [lead], Verdict(None), AnswerConfig())
    assert "线上课堂" not in a.text
