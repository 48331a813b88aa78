from rag.text.clean import collapse_spacing, ends_sentence, unify_punctuation
from rag.text.mapped import Mapped


def _m(s):
    return Mapped.slice_of(s, 0, len(s))


def test_half_width_punctuation_in_chinese_becomes_full_width():
    out = unify_punctuation(_m("本报讯(桂文)近日,广西;好:是?1,000人 10:30 ok,fine"))
    assert out.text == "本报讯（桂文）近日，广西；好：是？1,000人 10:30 ok,fine"
    assert out.origin == tuple(range(len(out.text)))


def test_full_width_letters_and_digits_become_ascii():
    assert unify_punctuation(_m("ＡＢＣ１２３")).text == "ABC123"


def test_letter_spacing_collapses_and_origins_follow():
    out = collapse_spacing(_m("富 裕 美 丽 太 原 新 篇 章 作 出"))
    assert out.text == "富裕美丽太原新篇章作出"
    assert out.origin[1] == 2


def test_spaces_between_chinese_and_digits_go_but_latin_words_keep_one():
    assert collapse_spacing(_m("在 2020 年 6 月  徐汇通 APP 和  open  source")).text == "在2020年6月徐汇通 APP 和 open source"


def test_headlines_keep_phrase_spaces():
    assert collapse_spacing(_m("强化责任担当 凝聚磅礴伟力"), letter_spaced_only=True).text == "强化责任担当 凝聚磅礴伟力"
    assert collapse_spacing(_m("“ 新 思 汇 ”千 名"), letter_spaced_only=True).text == "“新思汇”千名"


def test_ends_sentence():
    assert ends_sentence("好。”") and ends_sentence("真的？") and not ends_sentence("“新思汇”")
