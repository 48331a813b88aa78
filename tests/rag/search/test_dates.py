from datetime import date

import pytest

from rag.search.dates import TimeSpan, find

TODAY = date(2026, 11, 23)

# question -> (date_from, date_to, matched text, question left for the retriever)
FORMS = {
    "去年关于垃圾分类的报道": ("2025-01-01", "2025-12-31", "去年", "关于垃圾分类的报道"),
    "前年的文明城市创建": ("2024-01-01", "2024-12-31", "前年", "文明城市创建"),
    "今年3月的报道有哪些": ("2026-03-01", "2026-03-31", "今年3月", "报道有哪些"),
    "去年3月开了哪些会": ("2025-03-01", "2025-03-31", "去年3月", "开了哪些会"),
    "2021年3月第4版讲了什么": ("2021-03-01", "2021-03-31", "2021年3月", "第4版讲了什么"),
    "2021年的第4版": ("2021-01-01", "2021-12-31", "2021年", "第4版"),
    "2021年3月5日的头版": ("2021-03-05", "2021-03-05", "2021年3月5日", "头版"),
    "二〇二一年三月五日的报道": ("2021-03-05", "2021-03-05", "二〇二一年三月五日", "报道"),
    "谁在2021年3月5日主持了会议": ("2021-03-05", "2021-03-05", "2021年3月5日", "谁主持了会议"),
    "上个月有什么新闻": ("2026-10-01", "2026-10-31", "上个月", "有什么新闻"),
    "上月的志愿服务": ("2026-10-01", "2026-10-31", "上月", "志愿服务"),
    "本月的志愿服务": ("2026-11-01", "2026-11-23", "本月", "志愿服务"),
    "3月的报道": ("2026-03-01", "2026-03-31", "3月", "报道"),
    "三月份的报道": ("2026-03-01", "2026-03-31", "三月份", "报道"),
    "十二月的报道": ("2025-12-01", "2025-12-31", "十二月", "报道"),  # the latest December that has begun
    "2020年以来的文明城市创建": ("2020-01-01", "2026-11-23", "2020年以来", "文明城市创建"),
    "最近一周的报道": ("2026-11-16", "2026-11-23", "最近一周", "报道"),
    "近三年有哪些试点": ("2023-11-24", "2026-11-23", "近三年", "有哪些试点"),
    "2019年至2021年的报道": ("2019-01-01", "2021-12-31", "2019年至2021年", "报道"),
    "请问去年8月11日太原开了什么会？": ("2025-08-11", "2025-08-11", "去年8月11日", "请问太原开了什么会？"),
    "2020年和2021年的报道": ("2020-01-01", "2021-12-31", "2020年、2021年", "报道"),
    "上周五的报道": ("2026-11-20", "2026-11-20", "上周五", "报道"),
    "去年冬天的活动": ("2025-11-07", "2026-02-02", "去年冬天", "活动"),
}


@pytest.mark.parametrize("question", FORMS)
def test_time_expressions_become_date_ranges(question):
    date_from, date_to, matched, rest = FORMS[question]
    found = find(question, TODAY)
    assert found == TimeSpan(date.fromisoformat(date_from), date.fromisoformat(date_to), matched, rest)


@pytest.mark.parametrize("question", [
    "谁带着志愿者给居民理发？", "第4版的文章", "三个月的志愿服务", "十四五规划的新起点",
    # times jionlp reads that are no publication date: of day, a season alone, back-references into the story
    "年轻人利用中午休息时间读什么？", "推进会当天哪个中心正式挂牌？", "育苗工厂冬天在忙什么？", "几点开会",
])
def test_a_question_without_a_time_gets_no_filter(question):
    assert find(question, TODAY) is None


def test_a_future_year_gives_no_filter_rather_than_an_empty_archive():
    assert find("明年的计划", TODAY) is None


def test_the_range_follows_the_reference_day():
    assert find("去年的报道", date(2022, 1, 1)).date_from == date(2021, 1, 1)
    assert find("上个月的报道", date(2022, 1, 15)).date_from == date(2021, 12, 1)


def test_a_question_that_is_only_a_time_keeps_its_text_for_the_retriever():
    assert find("今年以来", TODAY).question == "今年以来"


def test_an_inverted_range_is_refused():
    with pytest.raises(ValueError, match="after date_to"):
        TimeSpan(date(2021, 2, 1), date(2021, 1, 1), "x", "y")


def test_unparseable_candidates_leave_no_traceback_in_the_log(caplog):
    find("徐汇区新时代文明实践中心每天几点开门？", TODAY)  # jionlp logs a traceback for "每天几点"
    assert not [r for r in caplog.records if "Traceback" in r.getMessage()]
