import re

import pytest

from rag.ingest.layout import PAGE_TEXT, PAGE_TEXT_SOURCE, split_articles
from rag.text.clean import ends_sentence
from tests.conftest import SEEDS

# The articles of each seed page, in page order, with the headline a reader sees in print. None: the
# article has no printed headline on the page, so its title is taken from its lead sentence.
EXPECTED = {
    "000_323516209898d752.txt": [
        "太原市新时代文明实践中心试点建设现场观摩推进会召开",
        "新时代文明实践中心探索新路径 打造群众身边的理论大课堂",
        "西宁市召开推进会巩固深化全国文明城市创建工作",
        None,  # 成都市总工会 (本报讯, no headline printed)
    ],
    "001_21410412343ccd66.txt": [
        "广西召开座谈交流会部署全国文明城市创建工作",
        "强化责任担当 凝聚磅礴伟力 ——2020年曲靖市宣传思想工作综述",
        "嘉峪关·为新一轮全国文明城市创建开好局起好步",  # printed below its body
        None,  # photo news: 爱湖村
        "新时代文明实践中心建设的“海淀路径”探索",
    ],
    "002_585aae8c6ae96317.txt": [
        "以实践之力筑造“百姓之家” ——甘肃省白银市全力探索国家级新时代文明实践中心试点建设的“铜城路径”",
        "广汉党校推动党员干部党史学习教育落地落实",
        None,  # photo news: 凯里市第十三幼儿园
        "大同市平城区“四大课堂”汲取党史智慧",
        "青海省德令哈市：以「童心向党」系列活动为契机筑牢未成年人精神之基",  # printed at the end of the page
        "麟游县召开创建全国文明城市动员大会",
    ],
    "003_fb165993d270e350.txt": [
        "文明实践在守正创新中“聚势蝶变” ——海淀区新时代文明实践中心“先行试验区”建设的创新探索",
        "青海省海东市乐都区多举措助力新时代文明实践多点开花",
        None,  # photo news: 峡江县育苗工厂
        "潮州：小景观推动大文明 助力全国文明城市创建",
    ],
    "004_b3238fd52c02d4da.txt": [
        "以“人民为中心”打造“实践汇——新时代文明实践课堂”，推动文明实践与社会治理双向赋能双向提升 "
        "徐汇：新时代文明实践，加码软实力汇聚发展力",
    ],
}


def _articles(name):
    return split_articles(name, (SEEDS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_articles_and_headlines(name):
    articles = [a for a in _articles(name) if a.title_source != PAGE_TEXT_SOURCE]
    assert [a.title if a.title_source == "headline" else None for a in articles] == EXPECTED[name]


def test_text_outside_the_articles_is_kept_after_them():
    articles = _articles("001_21410412343ccd66.txt")
    other = [a for a in articles if a.title_source == PAGE_TEXT_SOURCE]
    assert [a.ordinal for a in articles] == list(range(len(articles))) and articles[-len(other):] == other
    # the sponsor's box, whole, and a column label; not the bylines or the credits printed apart
    assert "全国精神文明建设\n经验·交流征文\n片仔癀杯\n漳州片仔癀药业股份有限公司联办" in [a.text for a in other]
    assert "党政领导与文明建设" in [a.text for a in other]
    assert all(a.title == PAGE_TEXT and "张旗" not in a.text and "摄" not in a.text for a in other)
    # a stock code between two lines of a box does not cut it in two
    box = next(a.text for a in _articles("000_323516209898d752.txt") if "龙轴杯" in a.text)
    assert box == "龙轴杯\n全国文明单位\n福建龙溪轴承（集团）股份有限公司联办\n全国精神文明建设\n新闻摄影比赛"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_offsets_point_at_the_article_text(name):
    source = (SEEDS / name).read_text(encoding="utf-8")
    for article in _articles(name):
        for i in range(0, len(article.text), 37):
            ch = article.text[i]
            if ch == "\n":
                continue
            original = source[article.body.origin[i]]
            # Repairs keep each character's origin; only punctuation width may differ.
            assert original == ch or (original in ",;:()?!" and ch in "，；：（）？！"), (i, ch, original)
        span = source[article.start:article.end]
        head = article.text[:6].replace("\n", "")  # a box's lines are joined by line breaks
        assert head in span.replace("\n", "").replace(" ", "") or \
            head.replace("（", "(").replace("）", ")").replace("，", ",") in span.replace("\n", "")


def test_letter_spacing_is_collapsed():
    text = "\n".join(a.text for a in _articles("000_323516209898d752.txt"))
    assert "富裕美丽太原新篇章" in text
    assert "记者胡桂芳" in text
    assert re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff] [\u4e00-\u9fff]", text) is None


def test_half_width_punctuation_is_unified():
    text = "\n".join(a.text for a in _articles("001_21410412343ccd66.txt"))
    assert "本报讯（桂文）近日，广西壮族自治区" in text
    assert re.search(r"[\u4e00-\u9fff],[\u4e00-\u9fff]", text) is None


def test_page_furniture_stays_out_of_the_articles():
    text = "\n".join(a.text + a.title for name in EXPECTED for a in _articles(name) if a.title_source != PAGE_TEXT_SOURCE)
    for furniture in ("600592", "龙轴杯", "联办", "报社官方微信", "刘敬胜 李霞 李冉 摄", "陈福平摄", "龙令智"):
        assert furniture not in text


def test_section_printed_twice_is_kept_once():
    text = _articles("004_b3238fd52c02d4da.txt")[0].text
    assert text.count("志愿服务队伍是开展新时代文明实践活动的中坚力量") == 1
    assert text.count("宝怡乐") == 1


def test_no_line_break_inside_a_sentence():
    for name in EXPECTED:
        for article in _articles(name):
            paragraphs = article.text.split("\n")
            for para, nxt in zip(paragraphs, paragraphs[1:]):
                # A paragraph ends a sentence, or is a short heading line of its own, or is where the
                # printed text itself breaks off (the page cuts a column before a sub-heading).
                # Photo captions and list items stand alone by design.
                standalone = re.match(r"^(上图|下图|左图|右图|- |[●◆■★▲])", para)
                assert ends_sentence(para) or len(para) <= 40 or len(nxt) <= 40 or standalone, (name, para)


def test_a_headline_far_from_its_body_is_found():
    articles = _articles("002_585aae8c6ae96317.txt")
    delingha = next(a for a in articles if "德令哈" in a.title)
    assert delingha.text.startswith("本报讯（旦正措额德木）")


def test_markdown_and_plain_text_without_layout():
    articles = split_articles("note.txt", "这是一段没有标题的文字。它有两句话。")
    assert len(articles) == 1 and articles[0].title_source == "lead"
    assert articles[0].title == "这是一段没有标题的文字"


def test_markdown_headings_start_articles_and_sections_stay_inside():
    md = ("# 第一篇：社区理发志愿服务\n\n某社区组织志愿者为老人免费理发。活动每月一次。\n\n## 活动安排\n\n每月第一个周六上午开展。\n\n"
          "# 第二篇：图书馆流动书车\n\n图书馆推出流动书车，每周为村庄送书两次。\n")
    articles = split_articles("notes.md", md)
    assert [a.title for a in articles] == ["第一篇：社区理发志愿服务", "第二篇：图书馆流动书车"]
    assert all(a.title_source == "headline" for a in articles)
    assert "活动安排" in articles[0].text and "#" not in articles[0].text
    assert md[articles[1].start:articles[1].end].startswith("图书馆推出流动书车")


PAGE = """7  2023年3月9日  星期四
志愿服务   责任编辑：何 静  版式设计：吴昊天

“楼栋管家”管出幸福小区

——江苏南通崇川区濠西街道探索社区治理新路径

本报记者 沈家宁
清晨7点，江苏省南通市崇
川区濠西街道紫琅苑社区的
楼栋长钱玉梅，已经在楼道
里转了一圈。她说，楼里住
着几位独居老人，得天天看
一眼才放心。

“老船长”杜德顺：守护长江十二年

本报记者 夏明哲

清晨6点，湖北省宜昌市夷陵区

乐天溪镇的长江岸边，69岁的

杜德顺戴上草帽，沿江巡查。
"""


def test_a_headline_may_open_with_a_quoted_name_and_the_page_header_titles_nothing():
    articles = [a for a in split_articles("page.txt", PAGE) if a.title_source != PAGE_TEXT_SOURCE]
    assert [a.title for a in articles] == ["“楼栋管家”管出幸福小区 ——江苏南通崇川区濠西街道探索社区治理新路径",
                                           "“老船长”杜德顺：守护长江十二年"]
    assert articles[1].text.startswith("清晨6点，湖北省宜昌市夷陵区乐天溪镇的长江岸边")  # its byline apart
    header = [a for a in split_articles("page.txt", PAGE) if a.title_source == PAGE_TEXT_SOURCE]
    assert header and "责任编辑" in header[0].text


def test_each_item_of_a_bulleted_list_is_a_paragraph_of_its_own():
    page = ("社区推出“绿色账户”积分制，居民正确分类投放即可获得积\n分，积分可兑换生活用品。积分规则如下\n"
            "●正确投放厨余垃圾1次，积1分\n●交投可回收物每公斤，积2分\n●参加桶边督导1小\n时，积5分\n")
    (article,) = split_articles("page.txt", page)
    assert article.text.split("\n")[-3:] == ["●正确投放厨余垃圾1次，积1分", "●交投可回收物每公斤，积2分", "●参加桶边督导1小时，积5分"]
